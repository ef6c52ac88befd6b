import type { RepeatSummary } from './repeat-data.js';
import type { SpendSummary } from './gamma-gamma.js';
import type { CustomerSummary } from './transactions.js';

/** The customers who share one calibration history and holdout count. */
export interface HistoryGroup extends RepeatSummary {
  holdoutCount: number;
  customers: number;
}

/** The repeat buyers who share x and the mean value m of their repeat purchase days. */
export interface SpendGroup extends SpendSummary {
  customers: number;
}

/**
 * A purchase log reduced to what the models and their holdout comparison read: every customer's
 * (x, t_x, T, holdout purchase days) and every repeat buyer's (x, m), each distinct one once with
 * its count. Whichever reader built it, the rows are in the same order, so the fits over them do
 * the same arithmetic.
 */
export interface PurchaseHistories {
  /** Sorted by x, T, t_x, holdoutCount. */
  histories: HistoryGroup[];
  /** Customers with x > 0 and m > 0, sorted by x, m. */
  spend: SpendGroup[];
  /** Customers (the histories' counts summed). */
  customers: number;
}

const byHistory = (a: HistoryGroup, b: HistoryGroup) =>
  a.x - b.x || a.T - b.T || a.t_x - b.t_x || a.holdoutCount - b.holdoutCount;
const bySpend = (a: SpendGroup, b: SpendGroup) => a.x - b.x || a.m - b.m;

/** Histories from their groups in any order: sorted, and counted. */
export function toPurchaseHistories(histories: HistoryGroup[], spend: SpendGroup[]): PurchaseHistories {
  return {
    histories: histories.sort(byHistory),
    spend: spend.sort(bySpend),
    customers: histories.reduce((n, h) => n + h.customers, 0),
  };
}

/** The histories of per-customer summaries (`PurchaseLog.summarise`). */
export function summariesToHistories(summary: readonly CustomerSummary[]): PurchaseHistories {
  const histories = new Map<string, HistoryGroup>();
  const spend = new Map<string, SpendGroup>();
  for (const c of summary) {
    const key = `${c.x} ${c.t_x} ${c.T} ${c.holdoutCount}`;
    const h = histories.get(key);
    if (h) h.customers++;
    else histories.set(key, { x: c.x, t_x: c.t_x, T: c.T, holdoutCount: c.holdoutCount, customers: 1 });
    if (c.x > 0 && c.monetary > 0) {
      const s = spend.get(`${c.x} ${c.monetary}`);
      if (s) s.customers++;
      else spend.set(`${c.x} ${c.monetary}`, { x: c.x, m: c.monetary, customers: 1 });
    }
  }
  return toPurchaseHistories([...histories.values()], [...spend.values()]);
}
