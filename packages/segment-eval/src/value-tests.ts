/*
 * One test (`=`, `between`, `within last`, `starts with`, …) on one value, with the SQL backend's
 * semantics (packages/sql/src/segment-values.ts): a missing value matches nothing but `is not
 * set`; text on `string` subjects ignores case; a calendar day on a timestamp is the whole UTC day;
 * `annual` compares month and day only.
 */
import type { Duration, FieldType, ScalarValue, TimeValue, ValueTest } from '@strata/segment-lang';
import { jsonText } from './customer-state.js';
import {
  addInterval,
  DAY_MS,
  dayStart,
  durationDays,
  monthDay,
  timeValueAt,
  toEpochMs,
  utcDay,
} from './time-values.js';

/** A value as a test reads it: numbers (and times, in epoch ms), text, a boolean, a list; null when missing. */
export type Subject = number | string | boolean | readonly string[] | null;

/**
 * Lower case as the store's `lower()` has it: each character on its own (simple case mapping), so
 * a final sigma stays σ and "İ" becomes "i".
 */
export function lowerText(s: string): string {
  let out = '';
  for (const ch of s) out += String.fromCodePoint(ch.toLowerCase().codePointAt(0)!);
  return out;
}

export const isTimeType = (type: FieldType) => type === 'timestamp' || type === 'date';
const isNumericType = (type: FieldType) => type === 'number' || type === 'money' || type === 'integer';

/** A stored value of a field or property of this type as a test subject (null when missing or unreadable). */
export function toSubject(v: unknown, type: FieldType): Subject {
  if (v === null || v === undefined) return null;
  if (isNumericType(type)) {
    const n = typeof v === 'number' ? v : Number(v);
    return Number.isNaN(n) ? null : n;
  }
  if (isTimeType(type)) return toEpochMs(v) ?? null;
  if (type === 'boolean') return typeof v === 'boolean' ? v : null;
  if (type === 'list') return Array.isArray(v) ? (v as unknown[]).map((x) => jsonText(x) ?? '') : null;
  return jsonText(v);
}

const codePoints = (s: string) => [...s];

/** Whether some day in the window around `now` falls on the subject's month and day (any year). */
export function annualMatch(
  subject: number,
  test: { readonly op: 'withinLast' | 'withinNext'; readonly duration: Duration },
  now: number,
): boolean {
  const span = durationDays(test.duration);
  const { month, day } = monthDay(subject);
  const today = Math.floor(now / DAY_MS);
  const year = new Date(now).getUTCFullYear();
  // The nearest occurrence on the window's side of today (a 29 February only in leap years).
  for (let i = 0; i <= 9; i++) {
    const y = test.op === 'withinNext' ? year + i : year - i;
    const at = utcDay(y, month - 1, day);
    if (monthDay(at).month !== month) continue;
    const d = at / DAY_MS - today;
    if (test.op === 'withinNext' ? d < 0 : d > 0) continue;
    return Math.abs(d) <= span;
  }
  return false;
}

/** Applies a test to a subject of a known type. `now` is the evaluation time (epoch ms). */
export function applyTest(subject: Subject, test: ValueTest, type: FieldType, now: number): boolean {
  if (test.op === 'isSet') return subject !== null;
  if (test.op === 'isNotSet') return subject === null;
  if (subject === null) return false;
  const time = isTimeType(type);
  const text = type === 'string';
  const value = (v: ScalarValue | TimeValue): number | string | boolean =>
    time ? timeValueAt(v as TimeValue, now) : (v as ScalarValue).value;
  // A calendar day on a timestamp is the whole day: [d, d + 1 day).
  const dayEnd = (v: ScalarValue | TimeValue) =>
    v.kind === 'date' && type === 'timestamp' ? dayStart(v.value) + DAY_MS : undefined;
  switch (test.op) {
    case 'eq':
    case 'ne': {
      const end = dayEnd(test.value);
      let eq: boolean;
      if (end !== undefined) eq = (subject as number) >= (value(test.value) as number) && (subject as number) < end;
      else if (text) eq = lowerText(subject as string) === lowerText(value(test.value) as string);
      else eq = subject === value(test.value);
      return test.op === 'eq' ? eq : !eq;
    }
    case 'lt':
      return subject < value(test.value);
    case 'gte':
      return subject >= value(test.value);
    case 'lte': {
      const end = dayEnd(test.value);
      return end !== undefined ? (subject as number) < end : subject <= value(test.value);
    }
    case 'gt': {
      const end = dayEnd(test.value);
      return end !== undefined ? (subject as number) >= end : subject > value(test.value);
    }
    case 'between': {
      const end = dayEnd(test.high);
      return (
        subject >= value(test.low) && (end !== undefined ? (subject as number) < end : subject <= value(test.high))
      );
    }
    case 'in':
    case 'notIn': {
      const found = text
        ? test.values.some((v) => lowerText(v.value as string) === lowerText(subject as string))
        : test.values.some((v) => value(v) === subject);
      return test.op === 'in' ? found : !found;
    }
    case 'contains': {
      const needle = lowerText(test.value.value);
      if (type === 'list') return (subject as readonly string[]).some((e) => lowerText(e) === needle);
      return lowerText(subject as string).includes(needle);
    }
    case 'startsWith':
    case 'endsWith': {
      // SQL: left/right(lower(subject), length(value)) = lower(value), counted in characters.
      const n = codePoints(test.value.value).length;
      const chars = codePoints(lowerText(subject as string));
      const part = test.op === 'startsWith' ? chars.slice(0, n) : chars.slice(Math.max(0, chars.length - n));
      return part.join('') === lowerText(test.value.value);
    }
    case 'withinLast':
    case 'withinNext': {
      if (test.annual && time) return annualMatch(subject as number, test, now);
      const s = subject as number;
      const { amount, unit } = test.duration;
      return test.op === 'withinLast'
        ? s >= addInterval(now, -amount, unit) && s <= now
        : s >= now && s <= addInterval(now, amount, unit);
    }
  }
}
