/**
 * Restart safety of the live engine, against a real server process: events stream in through
 * /v1/batch while time-based flips come due, and the server is killed with SIGKILL. After a
 * restart no acknowledged event is lost, no entry or exit is lost or recorded twice, the overdue
 * flips happen, and the live state equals a full recompute.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '@strata/core';
import { LiveEngine } from '@strata/live';
import { SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';
import { spawnServer, type ServerProcess } from './server-process.js';

const keys = { STRATA_WRITE_KEY: 'wk-live', STRATA_API_KEY: 'api-live', STRATA_WEBHOOK_SECRET: 'whsec-live' };
const writeKey = `Basic ${Buffer.from(`${keys.STRATA_WRITE_KEY}:`).toString('base64')}`;
const HOUR = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), 'strata-live-restart-'));
const db = join(dir, 'store.duckdb');
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One cart addition per customer, dated so that its "no order within 1 hour" comes due `dueInMs` from now. */
const cartAdd = (customer: string, n: number, dueInMs: number) => ({
  type: 'track',
  event: 'add_to_cart',
  messageId: `cart-${customer}-${n}`,
  userId: customer,
  timestamp: new Date(Date.now() - HOUR + dueInMs).toISOString(),
  properties: { sku: 'TEA-1' },
});

describe('the live engine after SIGKILL', () => {
  it(
    'loses no accepted event and no entry or exit, records none twice, and catches up on overdue flips',
    { timeout: 180_000 },
    async () => {
      const setup = await DuckDbStore.open(db);
      const segments = new SegmentService(setup, { clock: systemClock });
      const cart = await segments.save({
        name: 'cart-no-order',
        text: 'did add_to_cart within last 7 days then not order within 1 hour',
      });
      await setup.close();

      server = await spawnServer(db, keys, ['--live']);
      const acknowledged: string[] = [];
      let sent = 0;
      // Batches of cart additions whose flips come due from 1 s to 6 s from now; the kill lands in the middle.
      const killAt = Date.now() + 3_500;
      while (Date.now() < killAt) {
        const batch = Array.from({ length: 5 }, (_, i) =>
          cartAdd(`c${sent + i}`, sent + i, 1_000 + ((sent + i) % 50) * 100),
        );
        sent += batch.length;
        const r = await fetch(`${server.url}/v1/batch`, {
          method: 'POST',
          headers: { authorization: writeKey, 'content-type': 'application/json' },
          body: JSON.stringify({ batch }),
        }).catch(() => undefined);
        if (r?.status === 200) acknowledged.push(...batch.map((e) => e.messageId));
      }
      server.child.kill('SIGKILL');
      await new Promise((resolve) => server!.child.once('exit', resolve));
      expect(acknowledged.length).toBeGreaterThan(20);

      // Every flip is overdue by the time the restarted server has started.
      await new Promise((resolve) => setTimeout(resolve, 6_500));
      server = await spawnServer(db, keys, ['--live']);
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      await server.stop();
      server = undefined;

      const store = await DuckDbStore.open(db);
      try {
        const stored = new Set(
          (await store.query<{ id: string }>(`SELECT message_id AS id FROM events WHERE type = 'add_to_cart'`)).map(
            (r) => r.id,
          ),
        );
        expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
        // Each customer with a stored cart addition entered once: every flip was due an hour after it.
        const entries = await store.query<{ customer_id: string; n: number; ids: number }>(
          `SELECT customer_id, count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids FROM segment_changes
         WHERE segment_id = $1 GROUP BY customer_id`,
          [cart.id],
        );
        expect(entries.filter((e) => e.n !== 1 || e.ids !== 1)).toEqual([]);
        const carted = await store.query<{ customer_id: string }>(
          `SELECT DISTINCT customer_id FROM events WHERE type = 'add_to_cart' ORDER BY 1`,
        );
        expect(entries.map((e) => e.customer_id).sort()).toEqual(carted.map((c) => c.customer_id));
        const [{ n: members } = { n: 0 }] = await store.query<{ n: number }>(
          'SELECT count(*)::INTEGER AS n FROM segment_members WHERE segment_id = $1',
          [cart.id],
        );
        expect(members).toBe(carted.length);
        // and the live state is what a full recompute gives
        const live = new LiveEngine(store, {
          clock: systemClock,
          segments: new SegmentService(store, { clock: systemClock }),
        });
        const report = await live.recompute('test');
        expect(report.membershipDrift).toEqual({ entered: 0, exited: 0 });
        expect(report.profileDrift.customers).toBe(0);
      } finally {
        await store.close();
      }
    },
  );
});
