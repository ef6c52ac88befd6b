import { z } from 'zod';
import { closestCountryName, toCountryCode } from './country.js';
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

/** An unpaired UTF-16 surrogate (a `u` regex matches a pair as one code point, so never half of one). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Why `s` cannot be stored as text, or undefined. A JavaScript string (and so a JSON `"\ud800"`
 * escape) may hold a lone surrogate; UTF-8 text and the store's JSON columns cannot.
 */
export function textFault(s: string): string | undefined {
  const m = LONE_SURROGATE.exec(s);
  if (!m) return undefined;
  const hex = m[0].charCodeAt(0).toString(16).toUpperCase();
  return `has a lone surrogate \\u${hex} at character ${(m.index + 1).toLocaleString('en')}: not valid Unicode text`;
}

/** A string the store can keep (see textFault); the position is counted before trimming. */
const wellFormed = () =>
  z.string().superRefine((s, ctx) => {
    const fault = textFault(s);
    if (fault) ctx.addIssue({ code: 'custom', message: fault });
  });
/** A well-formed string, trimmed, of 1 to `max` characters. */
export const trimmedText = (max: number) => wellFormed().trim().min(1).max(max);

export const text = (max = 500) => z.preprocess(blankToUndefined, trimmedText(max));
export const optionalText = (max = 500) => optional(text(max));

export const id = z.preprocess(
  (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : blankToUndefined(v)),
  trimmedText(200),
);

const toNumber = (v: unknown): unknown => {
  const b = blankToUndefined(v);
  if (typeof b === 'string') {
    const n = Number(b.trim());
    return Number.isNaN(n) ? b : n;
  }
  return b;
};

/**
 * The ranges of the store's number columns (store-duckdb's migrations; PostgreSQL gets the same
 * types): whole numbers are INTEGER (32 bits), money is DECIMAL(18,4), so below 10^14. Every
 * number a schema accepts fits its column; store-duckdb's column-ranges test holds each number
 * column of the store to these.
 */
export const storeNumberRanges = {
  integer: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  money: { precision: 18, scale: 4, below: 10 ** (18 - 4) },
} as const;

const formatted = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 4 });

/** A number in [min, max) or [min, max], whole when `whole`; each fault named as the shop owner would say it. */
const boundedNumber = (o: { min: number; max: number; maxIncluded: boolean; whole: boolean }) =>
  z.preprocess(
    toNumber,
    z.number({ error: 'must be a number' }).superRefine((v, ctx) => {
      const fault =
        v < o.min
          ? `must be ≥ ${formatted(o.min)}`
          : v > o.max || (v === o.max && !o.maxIncluded)
            ? `must be ${o.maxIncluded ? '≤' : 'below'} ${formatted(o.max)}`
            : o.whole && !Number.isInteger(v)
              ? 'must be a whole number'
              : undefined;
      if (fault) ctx.addIssue({ code: 'custom', message: fault });
    }),
  );
const { integer, money: moneyColumn } = storeNumberRanges;
/** An amount, negative allowed (an order total after refunds). */
export const money = z.preprocess(
  toNumber,
  z.number({ error: 'must be a number' }).superRefine((v, ctx) => {
    if (Math.abs(v) >= moneyColumn.below)
      ctx.addIssue({
        code: 'custom',
        message: `must be between -${formatted(moneyColumn.below)} and ${formatted(moneyColumn.below)}`,
      });
  }),
);
export const nonNegativeMoney = boundedNumber({ min: 0, max: moneyColumn.below, maxIncluded: false, whole: false });
export const positiveInt = boundedNumber({ min: 1, max: integer.max, maxIncluded: true, whole: true });
export const nonNegativeInt = boundedNumber({ min: 0, max: integer.max, maxIncluded: true, whole: true });

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
export const list = (item: z.ZodType<string> = trimmedText(200)) =>
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

/** A country by ISO 3166 code or name ("GB", "GBR", "United Kingdom", "UK"), stored as its two-letter code. */
export const countryCode = z.preprocess(
  blankToUndefined,
  z.string().transform((v, ctx) => {
    const code = toCountryCode(v);
    if (code === undefined) {
      const guess = closestCountryName(v);
      ctx.addIssue({
        code: 'custom',
        message: `not a country: "${v}" (${guess ? `did you mean "${guess}"? ` : ''}use an ISO 3166 code such as DE, or the country's name)`,
      });
      return z.NEVER;
    }
    return code;
  }),
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

/** How deeply a stored JSON value (event properties, customer attributes) may nest. */
export const jsonDepthLimit = 64;

/** A place in a JSON value that the store cannot keep: its path below the value, and why. */
export interface JsonFault {
  path: (string | number)[];
  message: string;
}

/**
 * The first `max` places in a JSON value that the store cannot keep: a string or key with a lone
 * surrogate, or nesting deeper than jsonDepthLimit. Walked with a stack, not recursion, so a
 * 100,000-deep value is refused, not a stack overflow.
 */
export function jsonFaults(value: unknown, max = 5): JsonFault[] {
  const faults: JsonFault[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length && faults.length < max) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const fault = textFault(v);
      if (fault) faults.push({ path, message: fault });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= jsonDepthLimit) {
      faults.push({ path, message: `nested more than ${jsonDepthLimit} levels deep` });
      continue;
    }
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const keyFault = typeof key === 'string' ? textFault(key) : undefined;
      if (keyFault) faults.push({ path: [...path, key], message: `the key ${keyFault}` });
      else stack.push({ v: child, path: [...path, key] });
    }
  }
  return faults.slice(0, max);
}

/** Free-form JSON object the store can keep (see jsonFaults); a CSV cell may hold it as JSON text. */
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
  z.record(z.string(), z.unknown()).superRefine((o, ctx) => {
    for (const f of jsonFaults(o)) ctx.addIssue({ code: 'custom', path: f.path, message: f.message });
  }),
);
