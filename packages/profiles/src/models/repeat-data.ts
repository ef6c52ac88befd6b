/** One customer: x repeat purchases, the last at t_x, observed for T (time from the first purchase). */
export interface RepeatSummary {
  x: number;
  t_x: number;
  T: number;
}

/** Rows that may stand for several customers each (`customers`, 1 when not given). */
export type Weighted<T> = T & { customers?: number };

/** How many customers a row stands for. */
export const customersOf = (row: { customers?: number }): number => row.customers ?? 1;

/**
 * Customers compressed to their distinct (x, t_x, T) histories, each with the number of
 * customers who share it as its weight. The likelihoods are sums over customers, so a fit on
 * this is exact; a million customers of a store with daily times have tens of thousands of
 * distinct histories (the CDNOW panel tiled to a million has 23,570 at most). Rows are grouped by
 * x (`groups`), so terms that depend on x and the parameters only are computed once per group.
 */
export interface RepeatData {
  x: Float64Array;
  t_x: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  /** Customers (the sum of the weights). */
  customers: number;
  /** One entry per distinct x: its rows are [start, end). */
  groups: { x: number; start: number; end: number; weight: number }[];
  /**
   * The distinct values of T and t_x together (a store's times are whole days or weeks, so there
   * are few), and each row's T and t_x as an index into them: terms such as log(α + T) are then
   * computed once per distinct time rather than once per row.
   */
  times: Float64Array;
  tIndex: Int32Array;
  txIndex: Int32Array;
}

export function isRepeatData(rows: readonly RepeatSummary[] | RepeatData): rows is RepeatData {
  return !Array.isArray(rows);
}

/**
 * Compresses rows (any order; the rows are validated by the fits, not here). Rows may already
 * stand for several customers each (`customers`).
 */
export function toRepeatData(rows: readonly Weighted<RepeatSummary>[] | RepeatData): RepeatData {
  if (isRepeatData(rows)) return rows;
  // x → T → t_x → count; nested numeric maps avoid building a string key per customer.
  const byX = new Map<number, Map<number, Map<number, number>>>();
  let customers = 0;
  for (const row of rows) {
    const { x, t_x, T } = row;
    const n = customersOf(row);
    let byT = byX.get(x);
    if (!byT) byX.set(x, (byT = new Map<number, Map<number, number>>()));
    let byTx = byT.get(T);
    if (!byTx) byT.set(T, (byTx = new Map<number, number>()));
    byTx.set(t_x, (byTx.get(t_x) ?? 0) + n);
    customers += n;
  }
  let distinct = 0;
  for (const byT of byX.values()) for (const byTx of byT.values()) distinct += byTx.size;
  const data: RepeatData = {
    x: new Float64Array(distinct),
    t_x: new Float64Array(distinct),
    T: new Float64Array(distinct),
    weight: new Float64Array(distinct),
    customers,
    groups: [],
    times: new Float64Array(0),
    tIndex: new Int32Array(distinct),
    txIndex: new Int32Array(distinct),
  };
  let i = 0;
  for (const x of [...byX.keys()].sort((a, b) => a - b)) {
    const start = i;
    let weight = 0;
    for (const [T, byTx] of byX.get(x)!)
      for (const [t_x, count] of byTx) {
        data.x[i] = x;
        data.t_x[i] = t_x;
        data.T[i] = T;
        data.weight[i] = count;
        weight += count;
        i++;
      }
    data.groups.push({ x, start, end: i, weight });
  }
  const times = [...new Set([...data.T, ...data.t_x])].sort((a, b) => a - b);
  const at = new Map(times.map((t, j) => [t, j]));
  for (let j = 0; j < distinct; j++) {
    data.tIndex[j] = at.get(data.T[j]!)!;
    data.txIndex[j] = at.get(data.t_x[j]!)!;
  }
  data.times = Float64Array.from(times);
  return data;
}

/** Mean T, for starting points that scale with the time unit. */
export function meanT(data: RepeatData): number {
  let total = 0;
  for (let i = 0; i < data.T.length; i++) total += data.T[i]! * data.weight[i]!;
  return total / data.customers || 1;
}
