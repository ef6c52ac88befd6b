import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Customer, Event, Location, ManualClock, Order, Product, type WriteBatch } from '@strata/core';
import { LiveEngine } from '@strata/live';
import { SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

/*
 * Live state against the reference: for random sequences of orders, refunds, events, merges and
 * clock advances, the profiles and memberships the live engine keeps must equal a full recompute
 * at the same time. The recompute is the engine's own nightly run, which measures the drift it
 * repairs: every run here must find none.
 */

const START = Date.parse('2026-05-04T08:00:00.000Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const people = ['p1', 'p2', 'p3', 'p4'] as const;

/** Saved segments that move with data and with time. */
const SEGMENTS = {
  churned: 'order_count >= 1 and last_order_at before 30 days ago',
  'cart-no-order': 'did add_to_cart within last 7 days then not order within 1 hour',
  'big-spenders': 'total_spent in top 30%',
  tea: 'bought category "Tea" at least 2 times',
  'new-buyers': 'lifecycle_stage = "new"',
  browsing: 'visits_7d >= 1 or product_views_30d >= 2',
  'heavy-recent': 'did product_view at least 2 times within last 3 days',
  regulars: 'frequency_tier = "medium" or recency_score >= 4',
};

const op = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('order' as const),
      who: fc.constantFrom(...people),
      total: fc.integer({ min: 5, max: 200 }),
      sku: fc.constantFrom('TEA-1', 'MUG-1'),
      minutesAgo: fc.integer({ min: 0, max: 90 * 24 * 60 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refund' as const), which: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('event' as const),
      who: fc.constantFrom(...people),
      type: fc.constantFrom('page_view', 'product_view', 'add_to_cart'),
      minutesAgo: fc.integer({ min: 0, max: 10 * 24 * 60 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('merge' as const),
      a: fc.constantFrom(...people),
      b: fc.constantFrom(...people),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      minutes: fc.oneof(fc.integer({ min: 1, max: 180 }), fc.integer({ min: 1, max: 45 * 24 * 60 })),
    }),
  },
);

describe('live state equals a full recompute', () => {
  it('for random orders, refunds, events, merges and clock advances', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 9 }), async (ops) => {
        const dir = mkdtempSync(join(tmpdir(), 'strata-live-prop-'));
        const clock = new ManualClock(new Date(START));
        const store = await DuckDbStore.open(join(dir, 'store.duckdb'), { clock });
        try {
          const segments = new SegmentService(store, { clock });
          const live = new LiveEngine(store, { clock, segments, rankEveryMs: 0 });
          await store.write({
            locations: [Location.parse({ id: 'web', name: 'Online shop', kind: 'online' })],
            products: [
              Product.parse({ sku: 'TEA-1', name: 'Tea', category: 'Tea', price: 8 }),
              Product.parse({ sku: 'MUG-1', name: 'Mug', category: 'Kitchen', price: 12 }),
            ],
            customers: people.map((id, i) =>
              Customer.parse({ id, email: `${id}@example.com`, ...(i === 0 ? { birthday: '1990-05-20' } : {}) }),
            ),
            orders: [order('seed', 'p1', 40, 'TEA-1', new Date(START - 20 * DAY))],
          });
          for (const [name, text] of Object.entries(SEGMENTS)) await segments.save({ name, text });
          await live.recompute('test');
          const placed: string[] = ['seed'];
          let n = 0;
          for (const o of ops) {
            const now = clock.now().getTime();
            let batch: WriteBatch | undefined;
            if (o.kind === 'order') {
              const id = `o${++n}`;
              placed.push(id);
              batch = { orders: [order(id, o.who, o.total, o.sku, new Date(now - o.minutesAgo * MINUTE))] };
            } else if (o.kind === 'refund') {
              const id = placed[o.which % placed.length]!;
              const [row] = await store.query<{ customer_id: string; placed_at: string; total: number }>(
                'SELECT customer_id, placed_at, total::DOUBLE AS total FROM orders WHERE id = $1',
                [id],
              );
              batch = {
                orders: [order(id, row!.customer_id, row!.total, 'TEA-1', new Date(row!.placed_at), 'refunded')],
              };
            } else if (o.kind === 'event') {
              batch = {
                events: [
                  Event.parse({
                    message_id: `e${++n}`,
                    customer_id: o.who,
                    type: o.type,
                    occurred_at: new Date(now - o.minutesAgo * MINUTE).toISOString(),
                    properties: o.type === 'page_view' ? { page_kind: 'home' } : { sku: 'TEA-1' },
                  }),
                ],
              };
            } else if (o.kind === 'merge' && o.a !== o.b) {
              // b signs in with a's email: one person
              batch = { customers: [Customer.parse({ id: o.b, email: `${o.a}@example.com` })] };
            } else if (o.kind === 'advance') {
              await runUntil(live, clock, new Date(now + o.minutes * MINUTE));
            }
            if (batch) {
              await store.write(batch);
              await settle(live);
            }
          }
          const report = await live.recompute('test');
          expect(report.profileDrift).toEqual({ customers: 0, columns: {} });
          expect(report.membershipDrift).toEqual({ entered: 0, exited: 0 });
        } finally {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 6, seed: 20261203 },
    );
  });
});

function order(id: string, who: string, total: number, sku: string, at: Date, status = 'confirmed') {
  return Order.parse({
    id,
    customer_id: who,
    placed_at: at.toISOString(),
    status,
    currency: 'EUR',
    total,
    lines: [{ sku, quantity: 1, unit_price: total }],
  });
}

async function settle(live: LiveEngine): Promise<void> {
  for (let i = 0; i < 20; i++) if (!(await live.step())?.more) return;
}

/** Moves the clock to `at`, stepping at every due re-check on the way, as the server's loop does. */
async function runUntil(live: LiveEngine, clock: ManualClock, at: Date): Promise<void> {
  for (;;) {
    const due = await live.nextDue();
    if (!due || due.getTime() > at.getTime()) break;
    clock.set(due);
    await settle(live);
  }
  clock.set(at);
  await settle(live);
}
