/**
 * Issue 15 item 3 against a real server process: an orders file of 250,000 rows (the bulk path,
 * which drops and rebuilds the key index) imported through the server, again, and again with a
 * tenth of its orders changed. Each run answers 200 (it failed with `duplicate key` on every re-run)
 * and /health keeps answering within a second while it goes on. The CLI test
 * apps/cli/test/reimport.test.ts covers the same with checksums and a killed import.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHealth, spawnServer, type ServerProcess } from './server-process.js';

const ROWS = 250_000;
const keys = {
  STRATA_WRITE_KEY: 'wk-reimport',
  STRATA_API_KEY: 'api-reimport',
  STRATA_WEBHOOK_SECRET: 'whsec-reimport',
};
const dir = mkdtempSync(join(tmpdir(), 'strata-reimport-'));
let server: ServerProcess;

function ordersCsv(refundedEvery: number): string {
  const rows = ['id,customer_id,customer_email,location_id,placed_at,status,currency,total'];
  for (let i = 0; i < ROWS; i++) {
    const till = i % 3 === 0;
    const c = i % 5000;
    rows.push(
      `o${i},${till ? '' : `c${c}`},${till ? `person${c}@example.com` : ''},${till ? 'berlin' : 'online'},2025-02-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.000Z,${i % refundedEvery === 0 ? 'refunded' : 'confirmed'},EUR,${(i % 97) + 0.5}`,
    );
  }
  return rows.join('\n') + '\n';
}

beforeAll(async () => {
  writeFileSync(join(dir, 'orders.csv'), ordersCsv(40));
  writeFileSync(join(dir, 'orders-changed.csv'), ordersCsv(10));
  server = await spawnServer(join(dir, 'store.duckdb'), keys);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

/** Imports a file of the store's folder through the server, asking /health every 200 ms meanwhile. */
async function importThroughServer(
  file: string,
): Promise<{ status: number; summary: Record<string, unknown>; health: number[] }> {
  const probe = probeHealth(server.url);
  try {
    const r = await fetch(`${server.url}/v1/import/orders?format=csv&path=${encodeURIComponent(join(dir, file))}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.STRATA_API_KEY}` },
    });
    const summary = (await r.json()) as Record<string, unknown>;
    return { status: r.status, summary, health: probe.stop() };
  } finally {
    probe.stop();
  }
}

describe('re-importing a large orders file through the server', () => {
  it('answers 200 each time, with every order accounted for and /health answering', async () => {
    const rssBefore = server.rssMiB();
    const first = await importThroughServer('orders.csv');
    expect(first.status).toBe(200);
    expect(first.summary).toMatchObject({ rows: ROWS, imported: ROWS, rejected: 0 });

    const again = await importThroughServer('orders.csv');
    expect(JSON.stringify(again.summary)).not.toMatch(/duplicate key|SELECT|INSERT/i);
    expect(again.status).toBe(200);
    expect(again.summary).toMatchObject({ rows: ROWS, imported: 0, updated: 0, skipped: ROWS, rejected: 0 });

    const changed = await importThroughServer('orders-changed.csv');
    expect(changed.status).toBe(200);
    const refundedNow = ROWS / 10 - ROWS / 40; // multiples of 10 that are not multiples of 40
    expect(changed.summary).toMatchObject({
      imported: 0,
      updated: refundedNow,
      skipped: ROWS - refundedNow,
      rejected: 0,
    });

    const stats = (await (await fetch(`${server.url}/v1/stats`)).json()) as { counts: { orders: number } };
    expect(stats.counts.orders).toBe(ROWS);
    const health = [...first.health, ...again.health, ...changed.health];
    expect(health.length).toBeGreaterThan(0);
    expect(Math.max(...health)).toBeLessThan(1000);
    // Bounded by DuckDB's reading and index building, not by the file (the bulk path never holds it in JS).
    expect(server.rssMiB() - rssBefore).toBeLessThan(1000); // measured: 325 MiB
  }, 600_000);
});
