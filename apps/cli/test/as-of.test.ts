import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { Customer, fixedClock, Order } from '@strata/core';
import { DuckDbStore } from '@strata/store-duckdb';
import { captureIo } from './helpers.js';

const tmpDb = (name: string) => join(mkdtempSync(join(tmpdir(), 'strata-as-of-')), name);

describe('--as-of with a date', () => {
  it("means the end of that day: that day's orders count", async () => {
    const db = tmpDb('s.duckdb');
    const store = await DuckDbStore.open(db);
    await store.write({
      customers: [Customer.parse({ id: 'bob' })],
      orders: [Order.parse({ id: 'o1', customer_id: 'bob', location_id: 'online', placed_at: '2026-10-01T22:30:00Z', currency: 'EUR', total: 20 })],
    });
    await store.close();
    const orderCount = async (asOf: string) => {
      expect(await run(['--db', db, 'profiles', 'compute', '--as-of', asOf], captureIo())).toBe(0);
      const io = captureIo();
      expect(await run(['--db', db, '--json', 'profiles', 'show', 'bob'], io)).toBe(0);
      return (JSON.parse(io.stdout.join('\n')) as { order_count: number; as_of: string });
    };
    expect(await orderCount('2026-10-01')).toMatchObject({ order_count: 1, as_of: '2026-10-01T23:59:59.999Z' });
    expect(await orderCount('2026-09-30')).toMatchObject({ order_count: 0 });
    const bad = captureIo();
    expect(await run(['--db', db, 'profiles', 'compute', '--as-of', '2026-13-01'], bad)).toBe(65);
    expect(bad.stderr.join('\n')).toContain('--as-of is not a calendar date: 2026-13-01');
  });
});

describe('the demo store', () => {
  it('ends its history at the moment it is made, so it looks alive that day, whatever the day', { timeout: 240_000 }, async () => {
    const db = tmpDb('demo.duckdb');
    const made = '2031-03-15T12:00:00.000Z';
    const clock = fixedClock(made);
    expect(await run(['--db', db, 'demo', '--customers', '300', '--seed', '7'], captureIo(), { clock })).toBe(0);
    expect(await run(['--db', db, 'profiles', 'compute'], captureIo(), { clock })).toBe(0);
    const store = await DuckDbStore.open(db, { readOnly: true });
    try {
      const [last] = await store.query<{ order: string; event: string }>(
        `SELECT (SELECT max(placed_at) FROM orders) AS "order", (SELECT max(occurred_at) FROM events) AS event`,
      );
      const hoursBefore = (t: string) => (Date.parse(made) - Date.parse(t)) / 3_600_000;
      expect(hoursBefore(last!.order)).toBeGreaterThanOrEqual(0);
      expect(hoursBefore(last!.order)).toBeLessThan(72);
      expect(hoursBefore(last!.event)).toBeGreaterThanOrEqual(0);
      expect(hoursBefore(last!.event)).toBeLessThan(72);
      const stages = Object.fromEntries(
        (await store.query<{ k: string; n: number }>(`SELECT lifecycle_stage AS k, count(*)::INTEGER AS n FROM customer_profile GROUP BY 1`)).map((r) => [r.k, r.n]),
      );
      expect(stages.new ?? 0).toBeGreaterThan(0);
      expect(stages.active ?? 0).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
