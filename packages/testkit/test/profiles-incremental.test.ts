import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Customer, Event, Location, Order, Product } from '@strata/core';
import { computeProfiles, updateProfiles } from '@strata/profiles';
import { DuckDbStore } from '@strata/store-duckdb';

/*
 * Incremental profiles against a full recompute: for random sequences of orders (new ones and
 * status changes of earlier ones) and events, written in batches, `updateProfiles` of the
 * touched customers after each batch must leave exactly the rows a fresh `computeProfiles` at the
 * same as-of time gives on the same data.
 *
 * The model outputs are left out of the comparison: an incremental run reuses the parameters of
 * the last full run by design (docs/profiles.md, Runs), so they differ from a refit. `churn_risk`
 * depends on P(alive), so it is compared only where both runs gave the same P(alive).
 */

const AS_OF = new Date('2026-06-15T12:00:00.000Z');
const MINUTE = 60_000;
const pool = ['c1', 'c2', 'c3', 'c4', 'c5'] as const;
const skus = ['A', 'B', 'C', 'D'] as const;

const baseRecords = {
  locations: [
    Location.parse({ id: 'web', name: 'Online shop', kind: 'online' }),
    Location.parse({ id: 'berlin', name: 'Berlin', kind: 'store', timezone: 'Europe/Berlin' }),
    Location.parse({ id: 'nyc', name: 'New York', kind: 'store', timezone: 'America/New_York' }),
  ],
  products: [
    // consumables, one launched recently (trend purchases)
    Product.parse({
      sku: 'A',
      name: 'Coffee',
      category: 'coffee',
      brand: 'Bean',
      price: 12,
      consumption_days: 7,
      launched_at: '2026-04-20T00:00:00Z',
    }),
    Product.parse({ sku: 'B', name: 'Filters', category: 'coffee', price: 4, consumption_days: 30 }),
    Product.parse({
      sku: 'C',
      name: 'Grinder',
      category: 'machines',
      brand: 'Mill',
      price: 80,
      launched_at: '2026-05-25T00:00:00Z',
    }),
    Product.parse({ sku: 'D', name: 'Cup', category: 'kitchen', price: 9 }),
  ],
  customers: [
    Customer.parse({ id: 'c1', timezone: 'Asia/Tokyo', birthday: '1990-03-04' }),
    Customer.parse({ id: 'c2', timezone: 'America/Los_Angeles', referred_by: 'c1' }),
    Customer.parse({ id: 'c3', age: 41 }),
    Customer.parse({ id: 'c4' }),
    Customer.parse({ id: 'c5', timezone: 'Europe/Berlin' }),
  ],
};

/** Minutes before the as-of time: mostly the last few days (sessions, carts, same-day orders), some up to 400 days, a few after. */
const minutesBefore = fc.oneof(
  fc.integer({ min: 0, max: 4 * 24 * 60 }),
  fc.integer({ min: 0, max: 400 * 24 * 60 }),
  fc.integer({ min: -24 * 60, max: 0 }),
);
const customer = fc.constantFrom(...pool);

const line = fc.record({
  sku: fc.constantFrom(...skus),
  quantity: fc.integer({ min: 1, max: 3 }),
  unit_price: fc.integer({ min: 1, max: 40 }),
  line_discount: fc.constantFrom(0, 0, 1.5),
});

const newOrder = fc.record({
  op: fc.constant('order' as const),
  customer,
  minutes: minutesBefore,
  status: fc.constantFrom('confirmed', 'confirmed', 'confirmed', 'cancelled', 'refunded'),
  location: fc.constantFrom('web', 'web', 'berlin', 'nyc'),
  lines: fc.array(line, { maxLength: 3 }),
  codes: fc.constantFrom([], [], ['SAVE10']),
  discount: fc.constantFrom(0, 0, 5),
  extra: fc.integer({ min: 0, max: 30 }),
});

/** A status change of an earlier order (`which` picks it among the orders so far). */
const statusChange = fc.record({
  op: fc.constant('status' as const),
  which: fc.nat(),
  status: fc.constantFrom('confirmed', 'cancelled', 'refunded'),
});

const eventProps = fc.oneof(
  fc.record({ type: fc.constant('page_view'), props: fc.record({ page_kind: fc.constantFrom('home', 'product') }) }),
  fc.record({ type: fc.constant('product_view'), props: fc.record({ sku: fc.constantFrom(...skus) }) }),
  fc.record({ type: fc.constant('add_to_cart'), props: fc.record({ sku: fc.constantFrom(...skus) }) }),
  fc.record({ type: fc.constant('chat_message'), props: fc.constant({}) }),
  fc.record({
    type: fc.constant('content_view'),
    props: fc.record({
      content_id: fc.constantFrom('x', 'y'),
      topic: fc.constantFrom('brewing', 'recipes', 'news'),
      dwell_seconds: fc.integer({ min: 1, max: 500 }),
    }),
  }),
  fc.record({
    type: fc.constant('questionnaire_answer'),
    props: fc.record({ question: fc.constantFrom('household', 'diet'), option: fc.constantFrom('a', 'b', 'c') }),
  }),
  fc.record({ type: fc.constant('review'), props: fc.record({ rating: fc.integer({ min: 1, max: 5 }) }) }),
  fc.record({ type: fc.constant('event_attended'), props: fc.constant({}) }),
  // weighted up: a referral is the one event that changes another customer's profile
  {
    arbitrary: fc.record({
      type: fc.constant('referral'),
      props: fc.record({ referee: fc.constantFrom(...pool, 'outsider') }),
    }),
    weight: 3,
  },
);

const newEvent = fc.record({ op: fc.constant('event' as const), customer, minutes: minutesBefore, what: eventProps });

const operation = fc.oneof(
  { arbitrary: newOrder, weight: 4 },
  { arbitrary: statusChange, weight: 1 },
  { arbitrary: newEvent, weight: 4 },
);
const batches = fc.array(fc.array(operation, { minLength: 1, maxLength: 10 }), { minLength: 2, maxLength: 3 });

type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

const modelColumns = new Set([
  'p_alive',
  'expected_orders_30d',
  'expected_orders_90d',
  'expected_orders_365d',
  'expected_aov',
  'predicted_clv',
]);
const jsonColumns = new Set(['content_dwell_by_topic', 'questionnaire_answers']);

/** Doubles to 9 significant digits, JSON text parsed (key order is not part of the value). */
function normalise(v: unknown, column: string): unknown {
  if (typeof v === 'number') return Number(v.toPrecision(9));
  if (jsonColumns.has(column) && typeof v === 'string') return JSON.parse(v);
  return v;
}

type Row = Record<string, unknown>;

async function snapshot(store: DuckDbStore): Promise<Row[]> {
  const rows = await store.query<Row>('SELECT * EXCLUDE (run_id) FROM customer_profile ORDER BY customer_id');
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normalise(v, k)])));
}

/** Compares every column but the model outputs (which must be null or numbers on both sides). */
function expectSameProfiles(incremental: Row[], full: Row[]): void {
  const strip = (rows: Row[]) =>
    rows.map((r) => {
      const out: Row = {};
      for (const [k, v] of Object.entries(r)) {
        if (modelColumns.has(k)) {
          expect(v === null || typeof v === 'number', k).toBe(true);
          continue;
        }
        out[k] = v;
      }
      return out;
    });
  const a = strip(incremental);
  const b = strip(full);
  incremental.forEach((r, i) => {
    if (r.p_alive !== full[i]?.p_alive) {
      delete a[i]!.churn_risk;
      delete b[i]!.churn_risk;
    }
  });
  expect(a).toEqual(b);
}

let orderNo = 0;
let eventNo = 0;

/** Turns one batch of operations into records to write and the customers they touch. */
function toBatch(
  ops: readonly Operation[],
  orders: Order[],
): { orders: Order[]; events: Event[]; touched: Set<string> } {
  const batchOrders: Order[] = [];
  const events: Event[] = [];
  const touched = new Set<string>();
  const time = (minutes: number) => new Date(AS_OF.getTime() - minutes * MINUTE).toISOString();
  for (const op of ops) {
    if (op.op === 'order') {
      const linesTotal = op.lines.reduce((s, l) => s + l.quantity * l.unit_price - l.line_discount, 0);
      const o = Order.parse({
        id: `o${++orderNo}`,
        customer_id: op.customer,
        location_id: op.location,
        placed_at: time(op.minutes),
        status: op.status,
        currency: 'EUR',
        total: op.lines.length ? linesTotal - op.discount : op.extra + 0.25,
        discount_total: op.discount,
        discount_codes: op.codes,
        lines: op.lines,
      });
      orders.push(o);
      batchOrders.push(o);
      touched.add(op.customer);
    } else if (op.op === 'status') {
      if (orders.length === 0) continue;
      const i = op.which % orders.length;
      const changed = Order.parse({ ...orders[i]!, status: op.status });
      orders[i] = changed;
      batchOrders.push(changed);
      touched.add(changed.customer_id!);
    } else {
      const properties =
        op.what.type === 'referral' ? { referrer: op.customer, referee: op.what.props.referee } : op.what.props;
      events.push(
        Event.parse({
          message_id: `e${++eventNo}`,
          customer_id: op.customer,
          type: op.what.type,
          occurred_at: time(op.minutes),
          properties,
        }),
      );
      touched.add(op.customer);
      // a referral also changes the referee's profile (came_by_referral)
      if (op.what.type === 'referral') touched.add(op.what.props.referee);
    }
  }
  return { orders: batchOrders, events, touched };
}

describe('incremental profiles', () => {
  // One store for all runs, emptied between them: opening and migrating a store per run would
  // cost more than the runs themselves.
  let store: DuckDbStore;

  beforeAll(async () => {
    store = await DuckDbStore.open(':memory:');
    await store.write(baseRecords);
  });

  afterAll(async () => {
    await store.close();
  });

  async function emptyStore(): Promise<void> {
    for (const table of ['order_lines', 'orders', 'events', 'profile_runs']) await store.exec(`DELETE FROM ${table}`);
    for (const table of ['customer_profile'])
      await store.exec(`DROP TABLE IF EXISTS ${table}`);
  }

  // 26 s on a machine loaded by another test run; the limit leaves room for 9x that.
  it('equal a full recompute after every batch', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (ops) => {
        await emptyStore();
        const orders: Order[] = [];
        const [first, ...rest] = ops;
        const initial = toBatch(first!, orders);
        await store.write({ orders: initial.orders, events: initial.events });
        await computeProfiles(store, { asOf: AS_OF, ranBy: 'test' });
        for (const ops of rest) {
          const batch = toBatch(ops, orders);
          await store.write({ orders: batch.orders, events: batch.events });
          await updateProfiles(store, [...batch.touched], { asOf: AS_OF, ranBy: 'test' });
          const incremental = await snapshot(store);
          // The full run starts from the same data; the next batch then builds on its result,
          // so every incremental step is checked from a known-good state.
          await computeProfiles(store, { asOf: AS_OF, ranBy: 'test' });
          expectSameProfiles(incremental, await snapshot(store));
        }
      }),
      { numRuns: 25 },
    );
  });
});
