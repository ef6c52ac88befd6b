/*
 * Wall-clock time for the demo store: orders happen at local shop hours and evenings online,
 * more of them in November and December, and discount codes belong to dated promotions.
 */
import { cumulative, type Rng } from './prng.js';
import { DAY_MS } from './demo-catalog.js';

export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

const summerTimeByYear = new Map<number, readonly [start: number, end: number]>();

/** 01:00 UTC on the last Sunday of `month` (0-based): when EU summer time starts or ends. */
function lastSunday(year: number, month: number): number {
  const lastDay = Date.UTC(year, month + 1, 0);
  const weekday = new Date(lastDay).getUTCDay();
  return lastDay - weekday * DAY_MS + HOUR_MS;
}

/** EU summer time (all the store's countries follow it): last Sunday of March to last Sunday of October. */
export function isSummerTime(utc: number): boolean {
  const year = new Date(utc).getUTCFullYear();
  let range = summerTimeByYear.get(year);
  if (!range) {
    range = [lastSunday(year, 2), lastSunday(year, 9)];
    summerTimeByYear.set(year, range);
  }
  return utc >= range[0] && utc < range[1];
}

/** The UTC instant of local time `minuteOfDay` on the local date that starts at `day` (a UTC midnight). */
export function localTime(standardOffsetHours: number, day: number, minuteOfDay: number): number {
  const guess = day + minuteOfDay * MINUTE_MS - standardOffsetHours * HOUR_MS;
  return isSummerTime(guess) ? guess - HOUR_MS : guess;
}

export const startOfDay = (t: number): number => Math.floor(t / DAY_MS) * DAY_MS;
/** 0 = Sunday, as Date.getUTCDay. */
export const weekdayOf = (day: number): number => (Math.floor(day / DAY_MS) + 4) % 7;

/** Online orders: a lunch bump and a long evening peak. */
const onlineHours = cumulative([1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2, 2.5, 3, 3.5, 4, 3.5, 3, 3, 3.2, 3.5, 4, 5, 5.5, 5, 3.5, 2]);
/** Shops open 10:00–20:00, busiest at lunch and after work. */
const shopHours = cumulative([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 4, 4, 3, 3, 3.5, 4.5, 4.5, 3, 0, 0, 0, 0]);

export function onlineMinute(rng: Rng): number {
  return rng.weightedIndex(onlineHours) * 60 + rng.int(0, 59);
}

export function shopMinute(rng: Rng): number {
  return rng.weightedIndex(shopHours) * 60 + rng.int(0, 59);
}

/** Order intensity by month: quiet February, busy November and December. */
const monthWeights = [0.8, 0.72, 0.88, 0.9, 0.95, 0.92, 1.0, 0.85, 0.95, 1.0, 1.4, 1.6];

/** A day between `from` and `to`, more likely in busy months. */
export function seasonalDay(rng: Rng, from: number, to: number): number {
  for (let i = 0; i < 16; i++) {
    const t = rng.between(from, to);
    if (rng.next() * 1.6 < monthWeights[new Date(t).getUTCMonth()]!) return startOfDay(t);
  }
  return startOfDay(rng.between(from, to));
}

export interface Promotion {
  code: string;
  /** Percent off, or a fixed amount off in the order's currency. */
  percent: number;
  fixed: number;
  from: number;
  to: number;
}

/** Codes anyone may use at any time; the dated promotions come from `promotionsBetween`. */
export const evergreenCodes = {
  welcome: { code: 'WELCOME10', percent: 10, fixed: 0 },
  newsletter: { code: 'NEWSLETTER10', percent: 10, fixed: 0 },
  app: { code: 'APP5', percent: 0, fixed: 500 },
  friend: { code: 'FRIEND15', percent: 15, fixed: 0 },
} as const;

export function promotionsBetween(from: number, to: number): Promotion[] {
  const out: Promotion[] = [];
  for (let y = new Date(from).getUTCFullYear(); y <= new Date(to).getUTCFullYear(); y++) {
    const thanksgiving = (() => {
      const first = Date.UTC(y, 10, 1);
      const toThursday = (4 - new Date(first).getUTCDay() + 7) % 7;
      return first + (toThursday + 21) * DAY_MS;
    })();
    out.push(
      { code: 'NEWYEAR10', percent: 10, fixed: 0, from: Date.UTC(y, 0, 2), to: Date.UTC(y, 0, 12) },
      { code: 'SPRING10', percent: 10, fixed: 0, from: Date.UTC(y, 2, 15), to: Date.UTC(y, 3, 1) },
      { code: 'SUMMER15', percent: 15, fixed: 0, from: Date.UTC(y, 6, 1), to: Date.UTC(y, 6, 22) },
      { code: 'BLACKFRIDAY25', percent: 25, fixed: 0, from: thanksgiving + DAY_MS, to: thanksgiving + 5 * DAY_MS },
      { code: 'XMAS20', percent: 20, fixed: 0, from: Date.UTC(y, 11, 1), to: Date.UTC(y, 11, 19) },
    );
  }
  return out.filter((p) => p.to > from && p.from < to);
}

/** End-of-season sale months: January and July. */
export function isSaleMonth(t: number): boolean {
  const m = new Date(t).getUTCMonth();
  return m === 0 || m === 6;
}

const twoDigits = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const threeDigits = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const datePrefixes = new Map<number, string>();

/**
 * `new Date(t).toISOString()` for the whole milliseconds `t`, without a Date per call: tens of
 * millions of timestamps are written for a large store, and this was a tenth of the run time.
 */
export function isoTime(t: number): string {
  const ms = Math.floor(t);
  const day = Math.floor(ms / DAY_MS);
  let prefix = datePrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    datePrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / HOUR_MS);
  rest -= h * HOUR_MS;
  const m = Math.floor(rest / MINUTE_MS);
  rest -= m * MINUTE_MS;
  const s = Math.floor(rest / 1000);
  return `${prefix}${twoDigits[h]!}:${twoDigits[m]!}:${twoDigits[s]!}.${threeDigits[rest - s * 1000]!}Z`;
}
