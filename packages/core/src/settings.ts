/*
 * The store's own settings that people set once (`strata config set currency GBP`), each with
 * its schema and a line of help: the server keeps and checks them (apps/server/src/config.ts),
 * the CLI names them in its help without loading the server.
 */
import { z } from 'zod';
import { currencyCode } from './fields.js';

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

export const configSettings = {
  currency: {
    schema: currencyCode,
    help: 'the store currency (ISO 4217, e.g. GBP): orders imported without a currency take it',
  },
  public_url: {
    schema: publicUrl,
    help: 'the address customers reach this server at (e.g. https://strata.example.com): tracked links and questionnaire links start with it',
  },
} as const satisfies Record<string, { schema: z.ZodType<string | undefined>; help: string }>;
export type ConfigName = keyof typeof configSettings;
export const configNames = Object.keys(configSettings) as ConfigName[];

/**
 * Settings rows the live engine keeps for itself (not set by people): which saved segments it has
 * evaluated, when it last ranked everyone, and the report of its last full recompute (whose
 * presence means the store has live state: segments then count as of now).
 */
export const LiveSetting = {
  segments: 'live.segments',
  rankedAt: 'live.ranked_at',
  lastRecompute: 'live.last_recompute',
} as const;
