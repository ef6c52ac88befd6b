import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Customer, Event, Location, ManualClock, Order, Product, type SqlParam } from '@strata/core';
import { LiveEngine } from '@strata/live';
import { SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

/*
 * Live membership as a store owner sees it: data arrives, time passes (a test clock), and the saved
 * segments' members and their recorded entries and exits follow at once — with no profile run by
 * hand in between.
 */

const START = '2026-03-02T09:00:00.000Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let dir: string;
let store: DuckDbStore;
let clock: ManualClock;
let segments: SegmentService;
let live: LiveEngine;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-live-'));
  clock = new ManualClock(START);
  store = await DuckDbStore.open(join(dir, 'store.duckdb'), { clock });
  segments = new SegmentService(store, { clock });
  live = new LiveEngine(store, { clock, segments });
  await store.write({
    locations: [Location.parse({ id: 'web', name: 'Online shop', kind: 'online' })],
    products: [Product.parse({ sku: 'TEA-002', name: 'Green tea', category: 'Tea', price: 8 })],
    customers: ['ann', 'bob', 'cat'].map((id) => Customer.parse({ id, email: `${id}@example.com` })),
  });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let orders = 0;
let events = 0;
beforeEach(() => {
  orders = 0;
  events = 0;
});
const order = (customer: string, total: number, at: Date, status = 'confirmed', id = `o${++orders}`) =>
  Order.parse({
    id,
    customer_id: customer,
    placed_at: at.toISOString(),
    status,
    currency: 'EUR',
    total,
    lines: [{ sku: 'TEA-002', quantity: 1, unit_price: total }],
  });
const event = (customer: string, type: string, at: Date, properties: Record<string, SqlParam> = {}) =>
  Event.parse({ message_id: `m${++events}`, customer_id: customer, type, occurred_at: at.toISOString(), properties });

const save = (name: string, text: string) => segments.save({ name, text });

/** The members of a saved segment, from the membership store. */
async function members(segmentId: string): Promise<string[]> {
  const rows = await store.query<{ customer_id: string }>(
    'SELECT customer_id FROM segment_members WHERE segment_id = $1 ORDER BY customer_id',
    [segmentId],
  );
  return rows.map((r) => r.customer_id);
}

/** The entries and exits recorded for a segment, in order. */
async function changes(segmentId: string): Promise<{ customer: string; kind: string; at: string; cause: string }[]> {
  return (
    await store.query<{ customer_id: string; kind: string; at: string; cause: string }>(
      'SELECT customer_id, kind, "at" AS at, cause FROM segment_changes WHERE segment_id = $1 ORDER BY seq',
      [segmentId],
    )
  ).map((r) => ({ customer: r.customer_id, kind: r.kind, at: r.at, cause: r.cause }));
}

/** Steps until nothing is pending or due at the clock's now. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) if (!(await live.step())?.more) return;
}

/** Moves the clock to `at`, stepping at every due re-check on the way (as the server's loop does). */
async function runUntil(at: Date): Promise<void> {
  for (;;) {
    const due = await live.nextDue();
    if (!due || due.getTime() > at.getTime()) break;
    clock.set(due);
    await settle();
  }
  clock.set(at);
  await settle();
}

describe('live membership', () => {
  it(
    'a customer leaves churned the moment an order arrives, and enters it exactly 30 days after the last order',
    { timeout: 60_000 },
    async () => {
      await store.write({ orders: [order('ann', 20, new Date(Date.parse(START) - 40 * DAY))] });
      const churned = await save('churned', 'order_count >= 1 and last_order_at before 30 days ago');
      await live.recompute('test');
      expect(await members(churned.id)).toEqual(['ann']);

      clock.advance(HOUR);
      const last = clock.now();
      await store.write({ orders: [order('ann', 30, last)] });
      await settle();
      expect(await members(churned.id)).toEqual([]);

      // no event in between: only time passes
      await runUntil(new Date(last.getTime() + 30 * DAY - 1));
      expect(await members(churned.id)).toEqual([]);
      await runUntil(new Date(last.getTime() + 30 * DAY + 1_000));
      expect(await members(churned.id)).toEqual(['ann']);
      const [exit, entry] = (await changes(churned.id)).slice(1);
      expect(exit).toMatchObject({ customer: 'ann', kind: 'exited', cause: 'event' });
      expect(entry).toMatchObject({ customer: 'ann', kind: 'entered', cause: 'time' });
      const late = Date.parse(entry!.at) - (last.getTime() + 30 * DAY);
      expect(late).toBeGreaterThan(0);
      expect(late).toBeLessThan(1_000);
    },
  );

  it('a cart abandoned at 10:00 enters "cart, no order" at 11:00, and leaves if an order arrives at 10:59', async () => {
    const cart = await save('cart-no-order', 'did add_to_cart within last 7 days then not order within 1 hour');
    await live.recompute('test');
    const ten = new Date('2026-03-02T10:00:00.000Z');
    clock.set(ten);
    await store.write({
      events: [
        event('bob', 'add_to_cart', ten, { sku: 'TEA-002' }),
        event('cat', 'add_to_cart', ten, { sku: 'TEA-002' }),
      ],
    });
    await settle();
    expect(await members(cart.id)).toEqual([]);

    await runUntil(new Date('2026-03-02T10:59:00.000Z'));
    await store.write({ orders: [order('cat', 8, clock.now())] });
    await settle();
    expect(await members(cart.id)).toEqual([]);

    await runUntil(new Date('2026-03-02T11:00:01.000Z'));
    expect(await members(cart.id)).toEqual(['bob']);
    const [entry] = await changes(cart.id);
    expect(entry).toMatchObject({ customer: 'bob', kind: 'entered', cause: 'time' });
    expect(Date.parse(entry!.at) - Date.parse('2026-03-02T11:00:00.000Z')).toBeLessThan(1_000);
  });

  it('a segment saved on a running store flips on time for carts from before it and from its first step', async () => {
    await live.recompute('test');
    const ten = new Date('2026-03-02T10:00:00.000Z');
    clock.set(ten);
    // bob's cart is taken by a step before the segment exists; cat's arrives with it, in one step.
    await store.write({ events: [event('bob', 'add_to_cart', ten, { sku: 'TEA-002' })] });
    await settle();
    clock.set(new Date(ten.getTime() + 60_000));
    const cart = await save('cart-no-order', 'did add_to_cart within last 7 days then not order within 1 hour');
    await store.write({ events: [event('cat', 'add_to_cart', clock.now(), { sku: 'TEA-002' })] });
    await settle();
    expect(await members(cart.id)).toEqual([]);

    await runUntil(new Date('2026-03-02T11:00:01.000Z'));
    expect(await members(cart.id)).toEqual(['bob']);
    await runUntil(new Date('2026-03-02T11:01:01.000Z'));
    expect(await members(cart.id)).toEqual(['bob', 'cat']);
    const entries = await changes(cart.id);
    expect(entries.map((e) => [e.customer, e.kind, e.cause])).toEqual([
      ['bob', 'entered', 'time'],
      ['cat', 'entered', 'time'],
    ]);
    expect(Date.parse(entries[0]!.at) - Date.parse('2026-03-02T11:00:00.000Z')).toBeLessThan(1_000);
    expect(Date.parse(entries[1]!.at) - Date.parse('2026-03-02T11:01:00.000Z')).toBeLessThan(1_000);
  });

  it('a recompute forgets the profile runs of the steps before it, so they do not pile up', async () => {
    await live.recompute('test');
    const stepRuns = async () =>
      Number(
        (
          await store.query<{ n: number }>(
            `SELECT count(*) AS n FROM profile_runs WHERE kind = 'incremental' AND ran_by = 'live'`,
          )
        )[0]?.n,
      );
    const before = await stepRuns();
    for (const c of ['ann', 'bob', 'cat']) {
      await store.write({ orders: [order(c, 10, clock.now())] });
      await settle();
    }
    expect(await stepRuns()).toBe(before + 3);
    await live.recompute('test');
    expect(await stepRuns()).toBe(0);
    // the profiles stay readable: the latest run is the recompute's
    const [latest] = await store.query<{ kind: string }>(
      `SELECT kind FROM profile_runs WHERE status = 'complete' ORDER BY finished_at DESC LIMIT 1`,
    );
    expect(latest?.kind).toBe('full');
  });

  it('a merge of two customers leaves one member, not two', async () => {
    await store.write({
      customers: [
        Customer.parse({ id: 'dan', email: 'dan@example.com' }),
        Customer.parse({ id: 'dan-shop', phone: '+4915112345678' }),
      ],
    });
    const tea = await save('tea-buyers', 'bought category "Tea"');
    await live.recompute('test');
    await store.write({ orders: [order('dan', 8, clock.now()), order('dan-shop', 9, clock.now())] });
    await settle();
    expect(await members(tea.id)).toEqual(['dan', 'dan-shop']);

    // the same person signs up with both: one customer
    await store.write({
      customers: [Customer.parse({ id: 'dan', email: 'dan@example.com', phone: '+4915112345678' })],
    });
    await settle();
    const [{ n } = { n: 0 }] = await store.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM customers WHERE merged_into IS NOT NULL`,
    );
    expect(n).toBe(1);
    expect(await members(tea.id)).toHaveLength(1);
  });

  it('a refund moves a customer out of big-spenders', async () => {
    await store.write({
      orders: [order('ann', 500, clock.now()), order('bob', 20, clock.now()), order('cat', 30, clock.now())],
    });
    const big = await save('big-spenders', 'total_spent in top 10%');
    await live.recompute('test');
    expect(await members(big.id)).toEqual(['ann']);

    await store.write({ orders: [order('ann', 500, clock.now(), 'refunded', 'o1')] });
    await settle();
    expect(await members(big.id)).not.toContain('ann');
    expect(await changes(big.id)).toContainEqual(
      expect.objectContaining({ customer: 'ann', kind: 'exited', cause: 'event' }),
    );
  });

  it('a new customer and an order count at once: no profile run by hand', async () => {
    const three = await save('three-orders', 'order_count >= 3 and bought category "Tea"');
    await live.recompute('test');
    await store.write({
      customers: [Customer.parse({ id: 'eve' })],
      orders: [1, 2, 3].map(() => order('eve', 8, clock.now())),
    });
    await settle();
    expect(await members(three.id)).toEqual(['eve']);
    expect(await segments.count({ segment: three.id })).toBe(1);
  });
});

describe('where a step’s time goes', () => {
  it('reports each phase once per step and each saved segment’s recording, and changes nothing it does', async () => {
    const cart = await save('cart-no-order', 'did add_to_cart within last 7 days then not order');
    const buyers = await save('buyers', 'order_count >= 1');
    const phases: [string, number, string | undefined][] = [];
    const timed = new LiveEngine(store, { clock, segments, onPhase: (p, ms, s) => phases.push([p, ms, s]) });
    await timed.recompute('test');
    while ((await timed.step())?.more);
    phases.length = 0;
    await store.write({
      events: [event('bob', 'add_to_cart', clock.now(), { sku: 'TEA-002' })],
      orders: [order('cat', 8, clock.now())],
    });
    const report = await timed.step();
    expect(report).toMatchObject({ byData: 2, entered: 2 });
    expect(await members(cart.id)).toEqual(['bob']);
    expect(await members(buyers.id)).toEqual(['cat']);
    const once = phases.filter(([, , s]) => s === undefined).map(([p]) => p);
    // every saved segment is decided customer by customer in one evaluation, then all are recorded at once
    expect(once).toEqual(['compile', 'scope', 'profiles', 'evaluate', 'record', 'causes', 'due', 'commit']);
    expect(phases.filter(([, , s]) => s !== undefined)).toEqual([]);
    // the phases before the commit happen within the step's own measured time
    const within = phases.filter(([p]) => p !== 'commit').reduce((a, [, ms]) => a + ms, 0);
    expect(within).toBeLessThanOrEqual(report!.ms + 1);
  });
});
