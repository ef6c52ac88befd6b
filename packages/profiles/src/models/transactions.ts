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

/** Days in the time unit of t_x, T and the parameters. */
export const daysPerUnit = (unit: TimeUnit | undefined): number => (unit === 'week' ? 7 : 1);

const DAY_MS = 86_400_000;

/**
 * The calendar day of a date as a day number (UTC), or NaN: the date written at the start of the
 * text (after white space), whatever follows it — a time, a zone. The columnar reader
 * (purchase-csv-sql.ts) reads the same days in SQL; apps/cli/test/models-reader.test.ts holds
 * the two to the same answers.
 */
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
 * Collects purchases one at a time in flat arrays (customer number, day, value), so a log of
 * millions of purchases costs a few typed arrays rather than an object or map per purchase.
 * Dates are parsed once per distinct text.
 */
export class PurchaseLog {
  private readonly customerIndex = new Map<string, number>();
  private readonly customers: string[] = [];
  private readonly dayOf = new Map<string, number>();
  private customer = new Int32Array(1024);
  private day = new Float64Array(1024);
  private amount = new Float64Array(1024);
  size = 0;

  /** The day number of a date, cached (NaN when it is not a date). */
  parseDay(date: string): number {
    let d = this.dayOf.get(date);
    if (d === undefined) this.dayOf.set(date, (d = dayNumber(date)));
    return d;
  }

  /** Adds a purchase; returns false (and adds nothing) when the date is not a date. */
  add(customer: string, date: string, amount: number): boolean {
    const d = this.parseDay(date);
    if (Number.isNaN(d)) return false;
    if (this.size === this.customer.length) {
      const grow = <A extends Int32Array | Float64Array>(a: A, make: (n: number) => A) => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.customer = grow(this.customer, (n) => new Int32Array(n));
      this.day = grow(this.day, (n) => new Float64Array(n));
      this.amount = grow(this.amount, (n) => new Float64Array(n));
    }
    let c = this.customerIndex.get(customer);
    if (c === undefined) {
      c = this.customers.length;
      this.customerIndex.set(customer, c);
      this.customers.push(customer);
    }
    this.customer[this.size] = c;
    this.day[this.size] = d;
    this.amount[this.size] = amount;
    this.size++;
    return true;
  }

  /**
   * Per-customer summaries for the models, as in the literature: purchases on the same day are
   * one purchase (values summed); times run from the customer's first purchase day, T to the end
   * of the calibration day; customers whose first purchase is after the calibration end are left
   * out (they were not yet customers).
   */
  summarise(options: { calibrationEnd: string; holdoutEnd?: string; timeUnit?: TimeUnit }): CustomerSummary[] {
    const end = dayNumber(options.calibrationEnd);
    if (Number.isNaN(end)) throw new RangeError(`calibration end is not a date: ${options.calibrationEnd}`);
    const holdoutEnd = options.holdoutEnd === undefined ? Infinity : dayNumber(options.holdoutEnd);
    const unit = daysPerUnit(options.timeUnit);
    // Purchases grouped by customer with a counting sort (customer numbers are dense), then each
    // customer's few purchases sorted by day.
    const n = this.customers.length;
    const start = new Int32Array(n + 1);
    for (let i = 0; i < this.size; i++) start[this.customer[i]! + 1]!++;
    for (let c = 0; c < n; c++) start[c + 1]! += start[c]!;
    const next = start.slice(0, n);
    const order = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) order[next[this.customer[i]!]!++] = i;
    const out: CustomerSummary[] = [];
    const days: number[] = [];
    const values: number[] = [];
    for (let c = 0; c < n; c++) {
      const ids = Array.from(order.subarray(start[c], start[c + 1])).sort((a, b) => this.day[a]! - this.day[b]!);
      days.length = 0;
      values.length = 0;
      for (const i of ids) {
        if (days.length && days[days.length - 1] === this.day[i]) values[values.length - 1]! += this.amount[i]!;
        else {
          days.push(this.day[i]!);
          values.push(this.amount[i]!);
        }
      }
      const first = days[0]!;
      if (first > end) continue;
      let x = 0;
      let last = first;
      let repeatValue = 0;
      let holdoutCount = 0;
      for (let k = 1; k < days.length; k++) {
        const d = days[k]!;
        if (d <= end) {
          x++;
          last = d;
          repeatValue += values[k]!;
        } else if (d <= holdoutEnd) holdoutCount++;
      }
      out.push({
        customer: this.customers[c]!,
        x,
        t_x: (last - first) / unit,
        T: (end - first) / unit,
        monetary: x ? repeatValue / x : 0,
        holdoutCount,
      });
    }
    return out;
  }
}

/** Per-customer summaries of a transaction log (see `PurchaseLog.summarise`). */
export function summariseTransactions(
  rows: readonly Transaction[],
  options: { calibrationEnd: string; holdoutEnd?: string; timeUnit?: TimeUnit },
): CustomerSummary[] {
  const log = new PurchaseLog();
  for (const t of rows)
    if (!log.add(t.customer, t.date, t.amount))
      throw new RangeError(`not a date: "${t.date}" (customer ${t.customer})`);
  return log.summarise(options);
}
