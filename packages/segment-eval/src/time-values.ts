/*
 * Times as the SQL backend computes them, in epoch milliseconds: the stores run their sessions in
 * UTC, so a calendar day is a UTC day, a month is a calendar month with the day clamped to the
 * month's end (`2024-03-31 - 1 month = 2024-02-29`), and whole days since a time are counted with
 * the same floating-point steps as `floor((epoch(now) - epoch(t)) / 86400)`.
 */
import type { Duration, TimeValue } from '@strata/segment-lang';

export const DAY_MS = 86_400_000;

const fixedUnitMs: Record<Exclude<Duration['unit'], 'month' | 'year'>, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: DAY_MS,
  week: 7 * DAY_MS,
};

/** Midnight UTC of a calendar day (years before 100 included, which Date.UTC would shift). */
export function utcDay(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  return d.getTime();
}

const daysInMonth = (year: number, month: number) => new Date(utcDay(year, month + 1, 0)).getUTCDate();

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const total = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(total / 12);
  const month = ((total % 12) + 12) % 12;
  const timeOfDay = ms - utcDay(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return utcDay(year, month, Math.min(d.getUTCDate(), daysInMonth(year, month))) + timeOfDay;
}

/** `ms + amount unit` (amount may be negative), as SQL adds an INTERVAL to a timestamp in UTC. */
export function addInterval(ms: number, amount: number, unit: Duration['unit']): number {
  if (unit === 'month') return addMonths(ms, amount);
  if (unit === 'year') return addMonths(ms, 12 * amount);
  return ms + amount * fixedUnitMs[unit];
}

/** Midnight UTC of a `YYYY-MM-DD` day. */
export function dayStart(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return utcDay(y!, m! - 1, d!);
}

/** The instant a time value denotes at evaluation time `now` (a DateValue: the start of its day). */
export function timeValueAt(v: TimeValue, now: number): number {
  switch (v.kind) {
    case 'now':
      return now;
    case 'relativeTime':
      return addInterval(now, v.direction === 'ago' ? -v.amount : v.amount, v.unit);
    case 'date':
      return dayStart(v.value);
  }
}

/** Whole days from `from` to `now`, exactly as `floor((epoch(now) - epoch(from)) / 86400)` on doubles. */
export const wholeDaysBetween = (from: number, now: number): number => Math.floor((now / 1000 - from / 1000) / 86400);

/** Whole days a duration covers, for annual dates, as the compiler counts them. */
export { durationDays } from '@strata/sql';

const TIMESTAMP_TEXT =
  /^\s*(-?\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/i;

/**
 * A timestamp written as text (an event property cast to a time), read as SQL reads ISO 8601:
 * a day alone is its midnight, a time without an offset is UTC. Undefined when SQL could not
 * read it either (the evaluator then treats the property as missing).
 */
export function parseTimestampText(text: string): number | undefined {
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const month = Number(mo) - 1;
  const day = Number(d);
  if (month < 0 || month > 11 || day < 1 || day > daysInMonth(Number(y), month)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let ms =
    utcDay(Number(y), month, day) +
    Number(h) * 3_600_000 +
    Number(mi) * 60_000 +
    Number(s) * 1000 +
    Number(`${frac}000`.slice(0, 3));
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return ms;
}

/** A stored time (ISO text, a Date or epoch milliseconds) in epoch milliseconds; undefined when missing. */
export function toEpochMs(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') return /^\d{4}-\d{2}-\d{2}$/.test(v) ? dayStart(v) : parseTimestampText(v);
  return undefined;
}

/** UTC month (1–12) and day of an instant. */
export function monthDay(ms: number): { month: number; day: number } {
  const d = new Date(ms);
  return { month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
