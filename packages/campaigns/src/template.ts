import { Liquid, type Template } from 'liquidjs';
import { AppError, closest, type ErrorDetail } from '@strata/core';
import type { CampaignDefinition, CampaignMessage } from './campaign-definition.js';

/*
 * Message templates in Liquid (liquidjs), strict: an unknown variable or filter is an error, never
 * an empty space in a sent message. Templates are checked when a campaign is saved — syntax, and
 * every variable against what the store has (customers' columns, the profile's traits) — so a
 * typo is reported with its field, line and column, and a suggestion.
 */

/** The variables every template sees. */
export const TemplateVariable = {
  /** The customer's record: name, first_name, email, city, attributes, … */
  customer: 'customer',
  /** The customer's profile traits (customer_profile): order_count, favourite_weekday, … */
  profile: 'profile',
  /** Products left in abandoned carts: a list of { sku, name, category, price }. */
  cart: 'cart',
  /** Products the customer viewed, latest view first (up to 5), without those ordered since the view. */
  viewed: 'viewed',
  /** The consumable due for replenishment: { sku, name, category, price, due_at }, or nil. */
  replenishment: 'replenishment',
  /** Best sellers of the customer's favourite category they have not bought. */
  recommendations: 'recommendations',
  /** The recipient's own coupon code (campaigns with coupons). */
  coupon: 'coupon',
  /** The signed one-click unsubscribe link. */
  unsubscribe_url: 'unsubscribe_url',
  /** { id, name } of the campaign. */
  campaign: 'campaign',
} as const;
export type TemplateVariable = (typeof TemplateVariable)[keyof typeof TemplateVariable];
const variableNames = Object.values(TemplateVariable) as string[];

/** The fields of a product in cart, viewed, replenishment and recommendations. */
export const productFields = ['sku', 'name', 'category', 'price'] as const;

export interface TemplateContext {
  customer: Record<string, unknown>;
  profile: Record<string, unknown>;
  cart: Record<string, unknown>[];
  viewed: Record<string, unknown>[];
  replenishment: Record<string, unknown> | null;
  recommendations: Record<string, unknown>[];
  coupon: string | null;
  unsubscribe_url: string | null;
  campaign: { id: string; name: string };
}

const liquidOptions = { strictVariables: true, strictFilters: true, ownPropertyOnly: true } as const;
const plain = new Liquid(liquidOptions);
/** HTML bodies escape every value put in them. */
const html = new Liquid({ ...liquidOptions, outputEscape: 'escape' });

/** The Liquid texts of a message, by the field they sit in. */
export function templateFields(m: CampaignMessage): [field: string, text: string, engine: Liquid][] {
  const fields: [string, string, Liquid][] = [];
  if (m.channel === 'email') {
    fields.push(['message.subject', m.subject, plain], ['message.text', m.text, plain]);
    if (m.html !== undefined) fields.push(['message.html', m.html, html]);
  } else if (m.channel === 'sms') fields.push(['message.text', m.text, plain]);
  else {
    if (m.text !== undefined) fields.push(['message.text', m.text, plain]);
    m.template?.parameters.forEach((p, i) => fields.push([`message.template.parameters.${i}`, p, plain]));
  }
  return fields;
}

/** A liquidjs error as a detail naming the field, line and column. */
function liquidDetail(field: string, e: unknown): ErrorDetail {
  const err = e as { message?: string; token?: { getPosition?: () => [number, number] } };
  const [line, col] = err.token?.getPosition?.() ?? [];
  const message = (err.message ?? String(e)).replace(/, line:\d+, col:\d+$/, '');
  return line !== undefined ? { field, line, message: `line ${line}, column ${col}: ${message}` } : { field, message };
}

export interface KnownFields {
  customer: readonly string[];
  /** Undefined when the store has no profiles yet (profile fields are then not checked). */
  profile?: readonly string[];
}

/** Checks every template of a campaign; throws AppError('invalid') with one detail per problem. */
export function checkTemplates(def: CampaignDefinition, known: KnownFields): void {
  const details: ErrorDetail[] = [];
  for (const [field, text, engine] of templateFields(def.message)) {
    let parsed: Template[];
    try {
      parsed = engine.parse(text);
    } catch (e) {
      details.push(liquidDetail(field, e));
      continue;
    }
    const globals = engine.analyzeSync(parsed).globals;
    for (const variables of Object.values(globals)) {
      for (const v of variables) {
        const [root, property] = v.segments;
        const where = `line ${v.location.row}, column ${v.location.col}`;
        const fail = (message: string) =>
          details.push({ field, line: v.location.row, message: `${where}: ${message}` });
        if (typeof root !== 'string' || !variableNames.includes(root)) {
          const hint = typeof root === 'string' ? closest(root, variableNames) : undefined;
          fail(
            `unknown variable "${String(root)}"${hint ? ` (did you mean "${hint}"?)` : ''}; known: ${variableNames.join(', ')}`,
          );
          continue;
        }
        if (root === TemplateVariable.coupon && !def.coupons)
          fail('"coupon" is used but the campaign issues no coupons (set coupons)');
        const fields =
          root === TemplateVariable.customer
            ? known.customer
            : root === TemplateVariable.profile
              ? known.profile
              : root === TemplateVariable.replenishment
                ? [...productFields, 'due_at']
                : undefined;
        if (fields && typeof property === 'string' && !fields.includes(property)) {
          const hint = closest(property, fields);
          fail(`"${root}" has no field "${property}"${hint ? ` (did you mean "${root}.${hint}"?)` : ''}`);
        }
      }
    }
  }
  if (details.length)
    throw new AppError(
      'invalid',
      `the message template has ${details.length} error(s): ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
      details,
    );
}

/** A message rendered for one recipient. */
export interface RenderedMessage {
  subject?: string;
  text: string;
  html?: string;
  /** WhatsApp template parameters, rendered. */
  parameters?: string[];
}

/** Templates parsed once per campaign, rendered per recipient. */
export class MessageRenderer {
  private readonly parsed: Map<string, { template: Template[]; engine: Liquid }>;
  /** The variables (roots) the templates use, so only those are loaded. */
  readonly uses: ReadonlySet<string>;

  constructor(private readonly message: CampaignMessage) {
    this.parsed = new Map(
      templateFields(message).map(([field, text, engine]) => {
        try {
          return [field, { template: engine.parse(text), engine }];
        } catch (e) {
          throw new AppError('invalid', `the message template does not parse`, [liquidDetail(field, e)]);
        }
      }),
    );
    this.uses = new Set(
      [...this.parsed.values()].flatMap((p) => Object.keys(p.engine.analyzeSync(p.template).globals)),
    );
  }

  private render(field: string, ctx: TemplateContext): string | undefined {
    const p = this.parsed.get(field);
    if (!p) return undefined;
    try {
      return p.engine.renderSync(p.template, ctx) as string;
    } catch (e) {
      throw new AppError('invalid', `the message template could not be rendered`, [liquidDetail(field, e)]);
    }
  }

  renderFor(ctx: TemplateContext): RenderedMessage {
    const m = this.message;
    const out: RenderedMessage = { text: this.render('message.text', ctx) ?? '' };
    const subject = this.render('message.subject', ctx);
    if (subject !== undefined) out.subject = subject.replace(/\s+/g, ' ').trim();
    const body = this.render('message.html', ctx);
    if (body !== undefined) out.html = body;
    if (m.channel === 'whatsapp' && m.template)
      out.parameters = m.template.parameters.map((_, i) => this.render(`message.template.parameters.${i}`, ctx) ?? '');
    return out;
  }
}

/** A problem in one template text, at the characters it names (UTF-16 offsets, end exclusive). */
export interface TemplateDiagnostic {
  message: string;
  line: number;
  column: number;
  span: { start: number; end: number };
}

/** The offset of a line and column (both from 1) in `text`. */
function offsetOf(text: string, line: number, column: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', at);
    if (next < 0) return text.length;
    at = next + 1;
  }
  return Math.min(at + column - 1, text.length);
}

/**
 * The syntax errors and unknown variables of one template text, each with its span, as an editor
 * underlines them while the text is typed (fields are checked in full when the campaign is saved).
 */
export function diagnoseTemplate(text: string, options: { html?: boolean } = {}): TemplateDiagnostic[] {
  const engine = options.html ? html : plain;
  let parsed: Template[];
  try {
    parsed = engine.parse(text);
  } catch (e) {
    const err = e as {
      message?: string;
      token?: { begin?: number; end?: number; getPosition?: () => [number, number] };
    };
    const [line, column] = err.token?.getPosition?.() ?? [1, 1];
    const start = err.token?.begin ?? 0;
    return [
      {
        message: (err.message ?? String(e)).replace(/, line:\d+, col:\d+$/, ''),
        line,
        column,
        span: { start, end: Math.max(start, err.token?.end ?? text.length) },
      },
    ];
  }
  const out: TemplateDiagnostic[] = [];
  for (const variables of Object.values(engine.analyzeSync(parsed).globals))
    for (const v of variables) {
      const [root] = v.segments;
      if (typeof root === 'string' && variableNames.includes(root)) continue;
      const name = String(root);
      const hint = closest(name, variableNames);
      const start = offsetOf(text, v.location.row, v.location.col);
      out.push({
        message: `unknown variable "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
        line: v.location.row,
        column: v.location.col,
        span: { start, end: start + name.length },
      });
    }
  return out.sort((a, b) => a.span.start - b.span.start);
}
