import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateCustomer, loadCustomerStates, type CustomerState } from '@strata/segment-eval';
import {
  eventCountColumn,
  printIR,
  profileEventCounts,
  purchaseFact,
  type ConditionIR,
  type SegmentIR,
} from '@strata/segment-lang';
import { fixedClock } from '@strata/core';
import { computeProfiles } from '@strata/profiles';
import { compileSegment } from '@strata/sql';
import { DuckDbStore } from '@strata/store-duckdb';
import { count, duration, item, NOW, randomStore } from './segment-eval-fixture.js';

/*
 * The purchase and event conditions both backends answer from the profile (profile-facts.ts) must
 * answer as the customer's raw orders and events do when evaluated at the profiles' as-of time:
 * random stores, random conditions that take a shortcut, and for every profiled customer the
 * SQL backend's and the evaluator's answer checked against a count written here over the raw rows.
 */
const SEED = Number(process.env.FC_SEED ?? 20261203);
const STORES = 3;

type Purchase = Extract<ConditionIR, { kind: 'purchase' }>;
type EventCondition = Extract<ConditionIR, { kind: 'event' }>;

const lower = (v: string) => v.toLowerCase();
const DAY = 86_400_000;

/** The answer from the raw rows: confirmed orders up to now (in the window) with a line of the item. */
function fromOrders(ir: Purchase, s: CustomerState, now: number): boolean {
  const from = ir.window?.kind === 'withinLast' ? windowStart(ir.window.duration, now) : -Infinity;
  const wanted = ir.item!.values.map(lower);
  const n = s.orders.filter(
    (o) =>
      o.status === 'confirmed' &&
      o.placedAt <= now &&
      o.placedAt >= from &&
      o.lines.some((l) => {
        const v = ir.item!.by === 'product' ? l.sku : l.product?.[ir.item!.by];
        return typeof v === 'string' && wanted.includes(lower(v));
      }),
  ).length;
  return ir.count.op === 'gte'
    ? n >= ir.count.value
    : ir.count.op === 'lte'
      ? n <= ir.count.value
      : n === ir.count.value;
}

function windowStart(d: { amount: number; unit: string }, now: number): number {
  const t = new Date(now);
  if (d.unit === 'month' || d.unit === 'year') {
    // calendar months as SQL intervals count them: the day of month clamps
    const months = d.unit === 'year' ? 12 * d.amount : d.amount;
    const day = t.getUTCDate();
    t.setUTCDate(1);
    t.setUTCMonth(t.getUTCMonth() - months);
    const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
    t.setUTCDate(Math.min(day, last));
    return t.getTime();
  }
  const unitMs = { minute: 60_000, hour: 3_600_000, day: DAY, week: 7 * DAY }[d.unit]!;
  return now - d.amount * unitMs;
}

function fromEvents(ir: EventCondition, s: CustomerState, now: number): boolean {
  const n = s.events.filter((e) => e.type === ir.name && e.occurredAt <= now).length;
  return ir.count.op === 'gte'
    ? n >= ir.count.value
    : ir.count.op === 'lte'
      ? n <= ir.count.value
      : n === ir.count.value;
}

/** Purchase conditions answered from the profile: bought ever, n orders of one category, a category within the last …. */
const shortcutPurchase: fc.Arbitrary<Purchase> = fc
  .record({
    item: item.filter((i) => i.by !== 'collection'),
    count,
    window: fc.option(duration, { nil: undefined }),
  })
  .map(({ item: i, count: c, window: w }): Purchase => {
    if (w && i.by === 'category')
      return { kind: 'purchase', item: i, count: { op: 'gte', value: 1 }, window: { kind: 'withinLast', duration: w } };
    if (i.by === 'category') return { kind: 'purchase', item: { ...i, values: i.values.slice(0, 1) }, count: c };
    return { kind: 'purchase', item: i, count: { op: 'gte', value: 1 } };
  });
const shortcutEvent: fc.Arbitrary<EventCondition> = fc.record({
  kind: fc.constant('event' as const),
  name: fc.constantFrom(...Object.keys(profileEventCounts)),
  count,
});

describe('conditions answered from the profile', () => {
  for (let n = 0; n < STORES; n++) {
    it(`random store ${n + 1}: the profile's item facts and event counts answer as the raw orders and events`, async () => {
      const [store] = fc.sample(randomStore, { seed: SEED + n, numRuns: 1 });
      const db = await DuckDbStore.open(':memory:', { clock: fixedClock(NOW) });
      try {
        await db.write(store!.batch);
        await computeProfiles(db, { asOf: NOW, ranBy: 'test' });
        const ids = (await db.query<{ id: string }>('SELECT customer_id AS id FROM customer_profile')).map((r) => r.id);
        const states = await loadCustomerStates(db, ids);
        const now = NOW.getTime();
        let split = 0;
        await fc.assert(
          fc.asyncProperty(fc.oneof(shortcutPurchase, shortcutEvent), async (root) => {
            expect(root.kind === 'purchase' ? purchaseFact(root) : eventCountColumn(root)).toBeDefined();
            const ir: SegmentIR = { version: 1, root };
            const q = compileSegment(ir, { dialect: 'duckdb', now: NOW });
            const sql = new Set((await db.query<{ customer_id: string }>(q.sql, q.params)).map((r) => r.customer_id));
            const raw = [...states.values()].filter((s) =>
              root.kind === 'purchase' ? fromOrders(root, s, now) : fromEvents(root, s, now),
            );
            expect([...sql].sort(), printIR(ir)).toEqual(raw.map((s) => s.id).sort());
            const evaluated = [...states.values()].filter((s) =>
              evaluateCustomer(ir, s, { now: NOW, cutoffs: new Map() }),
            );
            expect(evaluated.map((s) => s.id).sort(), `${printIR(ir)} (evaluator)`).toEqual([...sql].sort());
            if (sql.size > 0 && sql.size < states.size) split++;
          }),
          { seed: SEED + n, numRuns: 60 },
        );
        expect(split).toBeGreaterThan(10);
      } finally {
        await db.close();
      }
    });
  }
});
