/*
 * Conditions on what customers did that the profile answers: facts a profile run keeps per
 * customer (and the live engine keeps current by re-profiling the customers a write touched), so
 * that neither backend reads the raw orders, order lines or events for them. Both backends (the
 * SQL compiler and the per-customer evaluator) take their shortcuts from here, so they take the
 * same ones. A profile counts what happened up to its as-of time, as a segment evaluated then does.
 */
import type { ConditionIR, CountBound, Duration } from './ir.js';

type PurchaseIR = Extract<ConditionIR, { kind: 'purchase' }>;
type EventIR = Extract<ConditionIR, { kind: 'event' }>;

/** A purchase condition answered from the profile. Keys are lower-cased, as the profile keeps them. */
export type PurchaseFact =
  /** Bought any of the keys ever: a list column of the lower-cased keys bought. */
  | {
      readonly kind: 'keys';
      readonly column: 'category_keys' | 'brand_keys' | 'product_keys';
      readonly keys: readonly string[];
    }
  /** How many orders had a line of the one key, ever: a JSON object column, key → number of orders. */
  | { readonly kind: 'orders'; readonly column: 'category_orders'; readonly key: string; readonly count: CountBound }
  /** Bought any of the keys within the last `duration`: a JSON object column, key → ISO time of the latest order. */
  | {
      readonly kind: 'since';
      readonly column: 'category_last_at';
      readonly keys: readonly string[];
      readonly duration: Duration;
    };

const keyColumns = { category: 'category_keys', brand: 'brand_keys', product: 'product_keys' } as const;

/**
 * Every profile column the shortcuts read. Profiles computed by an older Strata lack the newer
 * ones: evaluation checks for them and asks for a profile run rather than failing in the engine.
 */
export const profileFactColumns: readonly string[] = [
  ...Object.values(keyColumns),
  'category_orders',
  'category_last_at',
  'events_attended',
  'reviews',
];

/** The profile fact that answers a purchase condition, if one does. */
export function purchaseFact(ir: PurchaseIR): PurchaseFact | undefined {
  if (!ir.item || ir.amount || ir.item.by === 'collection') return undefined;
  const keys = [...new Set(ir.item.values.map((v) => v.toLowerCase()))];
  const once = ir.count.op === 'gte' && ir.count.value === 1;
  if (!ir.window && once) return { kind: 'keys', column: keyColumns[ir.item.by], keys };
  if (ir.item.by !== 'category') return undefined;
  // One category: its number of orders. (Orders with either of two categories are not the sum of each's.)
  if (!ir.window && keys.length === 1)
    return { kind: 'orders', column: 'category_orders', key: keys[0]!, count: ir.count };
  if (ir.window?.kind === 'withinLast' && once)
    return { kind: 'since', column: 'category_last_at', keys, duration: ir.window.duration };
  return undefined;
}

/** Event types whose number of occurrences the profile counts: type → its column. */
export const profileEventCounts: Readonly<Record<string, string>> = {
  event_attended: 'events_attended',
  review: 'reviews',
};

/** The profile column counting an event condition's occurrences (every one, no filter, no window), if one does. */
export function eventCountColumn(ir: EventIR): string | undefined {
  if (ir.where || ir.window || !Object.hasOwn(profileEventCounts, ir.name)) return undefined;
  return profileEventCounts[ir.name];
}
