import { z } from 'zod';
import { isIanaTimeZone, toIsoDate, toUtcIso } from './normalise.js';

/*
 * Field schemas that accept both typed JSON values and the strings a CSV cell holds,
 * so one schema validates every ingest path. An empty string means "not given".
 */

const blankToUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/**
 * Optional and blank-tolerant: '' (or whitespace) and undefined both mean "not given". (A plain
 * `.optional()` would check for undefined before the blank-to-undefined step and then reject ''.)
 */
export const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

export const text = (max = 500) => z.preprocess(blankToUndefined, z.string().trim().min(1).max(max));
export const optionalText = (max = 500) => optional(text(max));

export const id = z.preprocess(
  (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : blankToUndefined(v)),
  z.string().trim().min(1).max(200),
);

const toNumber = (v: unknown): unknown => {
  const b = blankToUndefined(v);
  if (typeof b === 'string') {
    const n = Number(b.trim());
    return Number.isNaN(n) ? b : n;
  }
  return b;
};
export const money = z.preprocess(toNumber, z.number({ error: 'must be a number' }).finite());
export const nonNegativeMoney = z.preprocess(toNumber, z.number({ error: 'must be a number' }).finite().min(0));
export const positiveInt = z.preprocess(toNumber, z.number({ error: 'must be a number' }).int().positive());
export const nonNegativeInt = z.preprocess(toNumber, z.number({ error: 'must be a number' }).int().min(0));

export const bool = z.preprocess(
  (v) => {
    const b = blankToUndefined(v);
    if (typeof b !== 'string') return b;
    const s = b.trim().toLowerCase();
    if (['true', '1', 'yes', 'y'].includes(s)) return true;
    if (['false', '0', 'no', 'n'].includes(s)) return false;
    return b;
  },
  z.boolean({ error: 'must be true or false' }),
);

export const timestamp = z.preprocess(
  blankToUndefined,
  z.union([z.string(), z.date()]).transform((v, ctx) => {
    const iso = v instanceof Date ? (Number.isNaN(v.getTime()) ? undefined : v.toISOString()) : toUtcIso(v);
    if (!iso) {
      ctx.addIssue({
        code: 'custom',
        message: `not a date-time: "${String(v)}" (use ISO 8601, e.g. 2024-05-01T10:00:00Z)`,
      });
      return z.NEVER;
    }
    return iso;
  }),
);

export const date = z.preprocess(
  blankToUndefined,
  z.string().transform((v, ctx) => {
    const d = toIsoDate(v);
    if (!d) {
      ctx.addIssue({ code: 'custom', message: `not a date: "${v}" (use YYYY-MM-DD)` });
      return z.NEVER;
    }
    return d;
  }),
);

/** A list given as a JSON array or, in a CSV cell, separated by `;` or `|`. */
export const list = (item: z.ZodType<string> = z.string().trim().min(1).max(200)) =>
  z.preprocess((v) => {
    if (typeof v === 'string') {
      const parts = v
        .split(/[;|]/)
        .map((s) => s.trim())
        .filter((s) => s !== '');
      return parts;
    }
    return v ?? [];
  }, z.array(item));

export const countryCode = z.preprocess(
  blankToUndefined,
  z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'must be a two-letter ISO 3166 country code'),
);
export const currencyCode = z.preprocess(
  blankToUndefined,
  z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 currency code'),
);
export const timeZone = z.preprocess(
  blankToUndefined,
  z.string().trim().refine(isIanaTimeZone, 'must be an IANA time zone such as Europe/Berlin'),
);
export const email = z.preprocess(
  blankToUndefined,
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'not an email address' })),
);

/** Free-form JSON object; a CSV cell may hold it as JSON text. */
export const jsonObject = z.preprocess(
  (v, ctx) => {
    const b = blankToUndefined(v);
    if (typeof b !== 'string') return b ?? {};
    try {
      return JSON.parse(b) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  },
  z.record(z.string(), z.unknown()),
);
