/*
 * The store's own settings that people set once (`strata config set currency GBP`), each with
 * its schema and a line of help: the server keeps and checks them (apps/server/src/config.ts),
 * the CLI names them in its help without loading the server.
 */
import { z } from 'zod';
import { currencyCode, timeZone } from './fields.js';

/**
 * An http(s) address without query or fragment, kept without a trailing slash, so paths are
 * added to it as they are (`${public_url}/q/…`).
 */
export const publicUrl = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    let u: URL | undefined;
    try {
      u = new URL(v);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:'))
      ctx.addIssue({ code: 'custom', message: `must be an http or https address such as https://strata.example.com, not "${v}"` });
    else if (u.search || u.hash || u.username || u.password)
      ctx.addIssue({ code: 'custom', message: 'must be a plain address: no query, fragment or credentials' });
  })
  .transform((v) => v.replace(/\/+$/, ''));

const CAP = /^(\d+) in (\d+) days?(?:, (\d+) per channel)?$/;
const QUIET = /^(\d{1,2})(?::00)?-(\d{1,2})(?::00)?$/;

/** How often one customer may be messaged, as people write it: `2 in 7 days`, `3 in 7 days, 2 per channel`, or `none`. */
export const frequencyCapText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => v === 'none' || (CAP.test(v) && Number(CAP.exec(v)![1]) >= 1 && Number(CAP.exec(v)![2]) >= 1), {
    message: 'must be like "2 in 7 days", "3 in 7 days, 2 per channel", or "none"',
  });

/** The hours of the customer's own day when nothing is sent, as people write them: `21-9`, `22:00-08:00`, or `none`. */
export const quietHoursText = z
  .string()
  .trim()
  .toLowerCase()
  .refine(
    (v) => {
      if (v === 'none') return true;
      const m = QUIET.exec(v);
      return !!m && Number(m[1]) <= 23 && Number(m[2]) <= 23 && m[1] !== m[2];
    },
    { message: 'must be like "21-9" (from 21:00 to 09:00, local time) or "none"' },
  );

/** The guardrails these settings give (undefined: the default); `none` switches a guardrail off. */
export function guardrailSettings(text: { frequency_cap?: string; quiet_hours?: string; store_timezone?: string }): {
  caps?: { windowDays: number; perChannel: number; overall: number } | null;
  quietHours?: { start: number; end: number } | null;
  storeTimeZone?: string;
} {
  const out: ReturnType<typeof guardrailSettings> = {};
  if (text.frequency_cap !== undefined) {
    const m = CAP.exec(text.frequency_cap);
    out.caps = m ? { overall: Number(m[1]), windowDays: Number(m[2]), perChannel: Number(m[3] ?? m[1]) } : null;
  }
  if (text.quiet_hours !== undefined) {
    const m = QUIET.exec(text.quiet_hours);
    out.quietHours = m ? { start: Number(m[1]), end: Number(m[2]) } : null;
  }
  if (text.store_timezone !== undefined) out.storeTimeZone = text.store_timezone;
  return out;
}

/** A whole number of days or orders, at least 1, as people type it. */
const wholeNumber = z
  .string()
  .trim()
  .refine((v) => /^\d{1,6}$/.test(v) && Number(v) >= 1, { message: 'must be a whole number, 1 or more' });
/** A share of buyers from 0 to 1 (0.8: the top 20%), as people type it. */
const share = z
  .string()
  .trim()
  .refine((v) => /^(0(\.\d+)?|1(\.0+)?)$/.test(v), { message: 'must be a share from 0 to 1, e.g. 0.8' });

export const configSettings = {
  currency: {
    schema: currencyCode,
    help: 'the store currency (ISO 4217, e.g. GBP): orders imported without a currency take it',
  },
  public_url: {
    schema: publicUrl,
    help: 'the address customers reach this server at (e.g. https://strata.example.com): tracked links and questionnaire links start with it',
  },
  frequency_cap: {
    schema: frequencyCapText,
    help: 'how often one customer may be messaged across all campaigns and automations: "2 in 7 days" (the default), "3 in 7 days, 2 per channel", or "none"',
  },
  quiet_hours: {
    schema: quietHoursText,
    help: 'local hours of the customer\'s day when nothing is sent (deferred to the next allowed hour): "21-9" (the default) or "none"',
  },
  store_timezone: {
    schema: timeZone.pipe(z.string()),
    help: 'the time zone of customers who have none of their own, for quiet hours and schedules (IANA, e.g. Europe/London; default UTC)',
  },
  lifecycle_churn_days: {
    schema: wholeNumber,
    help: 'lifecycle: a repeat buyer with no order in this many days is churned (default 30)',
  },
  lifecycle_dormant_days: {
    schema: wholeNumber,
    help: 'lifecycle: a buyer with no order in this many days is dormant (default 180)',
  },
  lifecycle_new_days: {
    schema: wholeNumber,
    help: 'lifecycle: a first-time buyer stays new this many days after the first order (default 30)',
  },
  lifecycle_loyal_orders: {
    schema: wholeNumber,
    help: 'lifecycle: a repeat buyer within their usual cycle with at least this many orders is loyal (default 4)',
  },
  value_tier_high: {
    schema: share,
    help: 'value tier: the spend rank (0–1) from which a buyer is high value (default 0.8: the top 20%)',
  },
  value_tier_medium: {
    schema: share,
    help: 'value tier: the spend rank (0–1) from which a buyer is medium value (default 0.5)',
  },
} as const satisfies Record<string, { schema: z.ZodType<string | undefined>; help: string }>;
export type ConfigName = keyof typeof configSettings;
export const configNames = Object.keys(configSettings) as ConfigName[];

/**
 * Settings rows the live engine keeps for itself (not set by people): which saved segments it has
 * evaluated, when it last ranked everyone, the report of its last full recompute (whose presence
 * means the store has live state: segments then count as of now), and the new or changed segments
 * whose re-check times it is still scheduling for everyone, a slice per step.
 */
export const LiveSetting = {
  segments: 'live.segments',
  rankedAt: 'live.ranked_at',
  lastRecompute: 'live.last_recompute',
  dueBacklog: 'live.due_backlog',
} as const;
