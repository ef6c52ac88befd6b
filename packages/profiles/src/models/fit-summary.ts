import { expectedPurchases, probabilityOfRepeats, type BgNbdParams, type RepeatSummary } from './bgnbd.js';
import { customersOf, type Weighted } from './repeat-data.js';

export interface HoldoutRow {
  /** Calibration repeat purchases: "0", "1", …, "7+". */
  group: string;
  customers: number;
  predicted: number;
  actual: number;
}

export interface FrequencyRow {
  repeats: string;
  expected: number;
  actual: number;
}

/**
 * How well the fitted model describes the data: the calibration frequency histogram, expected vs
 * actual (with a chi-square statistic), and, with a holdout period, mean predicted vs actual
 * holdout purchases per calibration-frequency group.
 */
export function fitSummary(
  p: BgNbdParams,
  rows: readonly Weighted<RepeatSummary & { holdoutCount?: number }>[],
  holdoutLength?: number,
) {
  const cap = 7;
  const label = (x: number) => (x >= cap ? `${cap}+` : String(x));
  const frequency: FrequencyRow[] = Array.from({ length: cap + 1 }, (_, k) => ({
    repeats: label(k),
    expected: 0,
    actual: 0,
  }));
  // The expected histogram depends on T only: summed per distinct T, then weighted by its count.
  const customersByT = new Map<number, number>();
  for (const c of rows) {
    const n = customersOf(c);
    frequency[Math.min(c.x, cap)]!.actual += n;
    customersByT.set(c.T, (customersByT.get(c.T) ?? 0) + n);
  }
  for (const [T, count] of customersByT) {
    let below = 0;
    for (let k = 0; k < cap; k++) {
      const pk = probabilityOfRepeats(p, T, k);
      frequency[k]!.expected += count * pk;
      below += pk;
    }
    frequency[cap]!.expected += count * Math.max(0, 1 - below);
  }
  const chiSquare = frequency.reduce((s, f) => s + (f.expected > 0 ? (f.actual - f.expected) ** 2 / f.expected : 0), 0);
  const holdout =
    holdoutLength === undefined
      ? undefined
      : holdoutByRepeats(rows, holdoutLength, (c) => expectedPurchases(p, holdoutLength, c));
  return { frequency, chiSquare, degreesOfFreedom: cap + 1 - 1 - 4, holdout };
}

/** Mean predicted vs actual holdout purchases per calibration-frequency group, for any model. */
export function holdoutByRepeats(
  rows: readonly Weighted<RepeatSummary & { holdoutCount?: number }>[],
  holdoutLength: number,
  /** Expected holdout purchases of a customer. */
  expected: (c: RepeatSummary) => number,
): HoldoutRow[] {
  const cap = 7;
  const groups = Array.from({ length: cap + 1 }, (_, k): HoldoutRow => ({
    group: k >= cap ? `${cap}+` : String(k),
    customers: 0,
    predicted: 0,
    actual: 0,
  }));
  for (const c of rows) {
    const g = groups[Math.min(c.x, cap)]!;
    const n = customersOf(c);
    g.customers += n;
    g.predicted += n * expected(c);
    g.actual += n * (c.holdoutCount ?? 0);
  }
  return groups.map((g) => ({
    ...g,
    predicted: g.customers ? g.predicted / g.customers : 0,
    actual: g.customers ? g.actual / g.customers : 0,
  }));
}
