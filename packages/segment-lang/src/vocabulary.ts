import { durationUnits, itemKinds, type DurationUnit } from './ast.js';
import type { Token } from './scanner.js';
import { unitPlural } from './value-text.js';

/*
 * The words of the language, shared by the parser (which reads them), the binder (whose messages
 * quote them) and the printer (which must quote event names that would read as one).
 */

/** Every word with a meaning somewhere in the language (matched case-insensitively). */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'never',
  'in',
  'between',
  'is',
  'set',
  'contains',
  'starts',
  'ends',
  'with',
  'before',
  'after',
  'within',
  'last',
  'next',
  'ago',
  'from',
  'now',
  'top',
  'bottom',
  'of',
  'matching',
  'all',
  'bought',
  'did',
  'then',
  'no',
  'order',
  'where',
  'at',
  'least',
  'most',
  'exactly',
  'times',
  'time',
  'for',
  'has',
  'tag',
  'tags',
  'any',
  'consent',
  'can',
  'receive',
  'segment',
  'answered',
  'first',
  'purchase',
  ...itemKinds,
  'true',
  'false',
]);

/** Word → unit of time; singular and plural read the same. */
export const UNIT_WORDS: Readonly<Record<string, DurationUnit>> = Object.fromEntries(
  durationUnits.flatMap((unit) => [
    [unit, unit],
    [unitPlural(unit), unit],
  ]),
);
/** What a purchase can be narrowed to: `bought category "coffee"`. */
export const ITEM_WORDS: ReadonlySet<string> = new Set(itemKinds);
export const COMPARE_PUNCT: ReadonlySet<string> = new Set(['=', '!=', '<', '<=', '>', '>=']);
/** Words that start an operator, for "did you mean" after a field name. */
export const OPERATOR_WORDS = ['in', 'between', 'is', 'contains', 'starts', 'ends', 'before', 'after', 'within', 'not'];
/** Words that start a condition other than a field test, for "did you mean" on a misspelt one. */
export const CONDITION_WORDS = ['bought', 'did', 'has', 'consent', 'answered', 'never'];
/** A percentile bound: `p75`, `p99.9`. */
export const PERCENTILE = /^p(\d{1,3}(?:\.\d{1,6})?)$/i;

export const UNITS_HINT = `units: ${durationUnits.map(unitPlural).join(', ')}`;
export const TIME_HINT = 'write a date like 2024-05-01 or a time like 30 days ago';

/** The unit of time a word names, if it names one. */
export function unitOf(t: Token): DurationUnit | undefined {
  return t.kind === 'ident' && Object.hasOwn(UNIT_WORDS, t.lower) ? UNIT_WORDS[t.lower] : undefined;
}

/** A real calendar date written `YYYY-MM-DD`. */
export function isValidDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** The hint for text in quotes where a point in time belongs. */
export function quotedTimeHint(text: string): string {
  return isValidDate(text) ? `write the date without quotes: ${text}` : TIME_HINT;
}
