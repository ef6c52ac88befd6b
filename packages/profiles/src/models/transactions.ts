import type { RepeatSummary } from './bgnbd.js';

/** One purchase from a transaction log (any currency; dates as YYYY-MM-DD, YYYYMMDD or ISO 8601). */
export interface Transaction {
  customer: string;
  date: string;
  amount: number;
}

export interface CustomerSummary extends RepeatSummary {
  customer: string;
  /** Mean value of the repeat purchase days in calibration (first purchase excluded; 0 when x = 0). */
  monetary: number;
  /** Purchase days after the calibration end, up to the holdout end. */
  holdoutCount: number;
}

export type TimeUnit = 'day' | 'week';

const DAY_MS = 86_400_000;

/** The calendar day of a date as a day number (UTC), or NaN. */
export function dayNumber(date: string): number {
  const s = date.trim();
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(s);
  if (!m) return Number.NaN;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(ms);
  if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return Number.NaN;
  return ms / DAY_MS;
}

/**
 * Per-customer summaries for BG/NBD and Gamma-Gamma, as in the literature: purchases on the same
 * day are one purchase (values summed); times run from the customer's first purchase day, T to the
 * end of the calibration day; customers whose first purchase is after the calibration end are left
 * out (they were not yet customers).
 */
export function summariseTransactions(
  rows: readonly Transaction[],
  options: { calibrationEnd: string; holdoutEnd?: string; timeUnit?: TimeUnit },
): CustomerSummary[] {
  const end = dayNumber(options.calibrationEnd);
  if (Number.isNaN(end)) throw new RangeError(`calibration end is not a date: ${options.calibrationEnd}`);
  const holdoutEnd = options.holdoutEnd === undefined ? Infinity : dayNumber(options.holdoutEnd);
  const unit = options.timeUnit === 'week' ? 7 : 1;
  const days = new Map<string, Map<number, number>>();
  for (const t of rows) {
    const d = dayNumber(t.date);
    if (Number.isNaN(d)) throw new RangeError(`not a date: "${t.date}" (customer ${t.customer})`);
    let perDay = days.get(t.customer);
    if (!perDay) days.set(t.customer, (perDay = new Map<number, number>()));
    perDay.set(d, (perDay.get(d) ?? 0) + t.amount);
  }
  const out: CustomerSummary[] = [];
  for (const [customer, perDay] of days) {
    const sorted = [...perDay.entries()].sort((a, b) => a[0] - b[0]);
    const first = sorted[0]![0];
    if (first > end) continue;
    const calibration = sorted.filter(([d]) => d <= end);
    const repeats = calibration.slice(1);
    const last = calibration[calibration.length - 1]![0];
    out.push({
      customer,
      x: repeats.length,
      t_x: (last - first) / unit,
      T: (end - first) / unit,
      monetary: repeats.length ? repeats.reduce((s, [, v]) => s + v, 0) / repeats.length : 0,
      holdoutCount: sorted.filter(([d]) => d > end && d <= holdoutEnd).length,
    });
  }
  return out;
}
