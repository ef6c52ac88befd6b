import { z } from 'zod';
import type { CampaignMessage } from '@strata/campaigns';
import { AppError, Channel, closest, type ErrorDetail, type SqlRunner } from '@strata/core';
import type { AutomationInput } from '../automation-definition.js';

/*
 * What every ready playbook is made of: its name, what it is for, the parameters it takes (a zod
 * object with defaults, checked with errors that name the parameter), the audience it saves, and
 * the automation it creates on that audience. Each playbook lives in a file of its own and is
 * listed once in ./index.ts.
 */

/** What every playbook is told, beside its own parameters. */
export interface PlaybookCommon {
  /** The shop's name, in the messages (default "our shop"). */
  shopName: string;
  /** Email (default) or SMS. */
  channel: typeof Channel.email | typeof Channel.sms;
  /** The share of customers held out, to compare results against. */
  holdoutShare: number;
  /** To look up what a playbook names (the accessories' products) when it is installed. */
  db: SqlRunner;
}

/** The saved segment a playbook starts from: reused by name when it exists, else saved with `text`. */
export interface PlaybookAudience {
  name: string;
  description: string;
  text: string;
}

export interface PlaybookPlan {
  audience: PlaybookAudience;
  automation(segmentId: string): AutomationInput;
}

/** A ready playbook with its parameters' types erased (the registry's view). */
export interface PlaybookSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly params: z.ZodObject;
  plan(params: unknown, common: PlaybookCommon): Promise<PlaybookPlan>;
}

/** A playbook whose `plan` sees its parameters parsed (defaults filled in). */
export function definePlaybook<S extends z.ZodObject>(spec: {
  name: string;
  title: string;
  description: string;
  params: S;
  plan(params: z.infer<S>, common: PlaybookCommon): PlaybookPlan | Promise<PlaybookPlan>;
}): PlaybookSpec {
  return {
    ...spec,
    plan: (params, common) => Promise.resolve(spec.plan(params as z.infer<S>, common)),
  };
}

/**
 * Checks a playbook's parameters against its schema: an AppError('invalid') naming each wrong or
 * unknown parameter (with a "did you mean" for a misspelt one) and the parameters it has.
 */
export function parsePlaybookParams(spec: PlaybookSpec, input: Record<string, unknown>): unknown {
  const known = Object.keys(spec.params.shape);
  const details: ErrorDetail[] = [];
  for (const key of Object.keys(input))
    if (!known.includes(key)) {
      const guess = closest(key, known);
      details.push({
        field: key,
        message: `the playbook "${spec.name}" has no parameter "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}; its parameters: ${known.join(', ') || '(none)'}`,
      });
    }
  const parsed = spec.params.safeParse(Object.fromEntries(Object.entries(input).filter(([k]) => known.includes(k))));
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const field = issue.path.join('.') || '(parameters)';
      const value = issue.path.reduce<unknown>(
        (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
        input,
      );
      details.push({
        field,
        message: `parameter "${field}" of the playbook "${spec.name}": ${issue.message}${value !== undefined ? ` (got ${JSON.stringify(value)})` : ''}`,
      });
    }
  if (details.length) throw new AppError('invalid', details.map((d) => d.message).join('; '), details);
  return parsed.data;
}

// ── parameters several playbooks share

/** A discount in percent (1 to 90). */
export const percent = (def: number) => z.number().int('a whole percent').min(1).max(90).default(def);
/** Days before a customer may run through the playbook again. */
export const reentryDays = (def: number) => z.number().min(1).max(3_650).default(def);
/** A whole number of days within bounds. */
export const days = (def: number, min: number, max: number) =>
  z.number().int('whole days').min(min).max(max).default(def);
/** A link put in a message: http(s) only. */
export const link = z
  .string()
  .max(500)
  .regex(/^https?:\/\/\S+$/, 'a link starting with http:// or https://');

// ── message text

/** The greeting every message opens with. */
export const hello = 'Hello {{ customer.first_name | default: "there" }},';

/** A message on the chosen channel: email with a subject and the unsubscribe link, or the same words as an SMS. */
export function message(channel: PlaybookCommon['channel'], subject: string, lines: string[]): CampaignMessage {
  if (channel === Channel.sms) return { channel: Channel.sms, text: lines.filter((l) => l !== '').join('\n') };
  return { channel: Channel.email, subject, text: [...lines, '', 'Unsubscribe: {{ unsubscribe_url }}'].join('\n') };
}

/** A Liquid list of products (`cart`, `recommendations`, `viewed`), one line each with its price. */
export const productList = (variable: string) => [
  `{% for p in ${variable} %}- {{ p.name }} ({{ p.price }})`,
  '{% endfor %}',
];

/** Text put into a Liquid template as it is (no tag or output can start inside it). */
export const literalText = (s: string) => s.replace(/\{[{%]/g, (m) => `${m[0]} ${m[1]}`);
