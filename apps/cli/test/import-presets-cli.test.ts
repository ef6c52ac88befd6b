/**
 * `strata import --from …`, `strata config` and the file-level import messages say the same, and
 * store the same, on the store file and through a running server (which reads the file from the
 * request body, told its name and time).
 */
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { startServer } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import { captureIo } from './helpers.js';

const fixtures = fileURLToPath(new URL('../../../packages/testkit/test/fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'strata-presets-cli-'));
const misspelt = join(dir, 'orders.csv');
writeFileSync(misspelt, 'id,customer_id,placd_at,total\no1,c1,2024-01-01,5\n');
const lines = join(dir, 'lines.csv');
writeFileSync(lines, 'order_id,sku,quantity,unit_price\nshopify:5820012345678,X,1,2\nnope,A,1,2\nnope,B,1,2\n');
// consent from a yes/no column holds as of the file's time: the same on both paths
const customers = join(dir, 'shopify-customers.csv');
writeFileSync(
  customers,
  'Customer ID,First Name,Email,Accepts Email Marketing,Tags\n\'1,Ann,ann@example.com,yes,"vip, gold"\n',
);
utimesSync(customers, new Date('2024-05-01T00:00:00Z'), new Date('2024-05-01T00:00:00Z'));

const commands: string[][] = [
  ['config', 'set', 'currency', 'gbp'],
  ['config', 'get'],
  ['import', '--from', 'shopify', customers],
  ['import', '--from', 'shopify', join(fixtures, 'shopify-orders.csv')],
  ['import', '--from', 'woocommerce', join(fixtures, 'woocommerce-orders.csv')],
  ['import', 'orders', misspelt],
  ['import', 'order_lines', lines],
  ['import', 'order_lines', '--orphan-lines', 'reject', lines],
  ['import', '--from', 'shopify', join(fixtures, 'woocommerce-customers.csv')],
  ['config', 'set', 'currency', 'pounds'],
];

/** Output without what differs from run to run (durations) or says which path was taken. */
const normal = (t: string[]) =>
  t.filter((l) => !l.startsWith('the store is served by')).map((l) => l.replace(/\(\d+\.\d s\)/, '(… s)'));

async function runAll(db: string) {
  const out = [];
  for (const args of commands) {
    const io = captureIo();
    const code = await run(['--db', db, ...args], io);
    out.push({ args: args.join(' '), code, stdout: normal(io.stdout), stderr: normal(io.stderr) });
  }
  return out;
}

async function contents(db: string) {
  const s = await DuckDbStore.open(db, { readOnly: true });
  try {
    return {
      customers: await s.rows(
        `SELECT id, email, name, consent_email_granted, strftime(consent_email_at, '%Y-%m-%dT%H:%M:%SZ') AS at FROM customers ORDER BY id`,
      ),
      orders: await s.rows(`SELECT id, customer_id, status, currency, total FROM orders ORDER BY id`),
      lines: await s.rows(`SELECT order_id, line_no, sku FROM order_lines ORDER BY order_id, line_no`),
      tags: await s.rows(`SELECT customer_id, tag FROM tags ORDER BY customer_id, tag`),
    };
  } finally {
    await s.close();
  }
}

describe('strata import --from and strata config, locally and through the server', () => {
  it('say and store the same', async () => {
    const localDb = join(dir, 'local.duckdb');
    const local = await runAll(localDb);
    // what the local run says is right, so the comparison means something
    expect(local.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 65, 0, 65, 65, 65]);
    expect(local[1]!.stdout).toEqual([
      'currency: GBP',
      'public_url: (not set)',
      'frequency_cap: (not set)',
      'quiet_hours: (not set)',
      'store_timezone: (not set)',
      'lifecycle_churn_days: (not set)',
      'lifecycle_dormant_days: (not set)',
      'lifecycle_new_days: (not set)',
      'lifecycle_loyal_orders: (not set)',
      'value_tier_high: (not set)',
      'value_tier_medium: (not set)',
    ]);
    expect(local[2]!.stdout[0]).toBe(
      'Shopify customers export: 1 rows → 1 customers — 1 imported, 0 updated, 0 skipped (already stored), 0 rejected (… s)',
    );
    expect(local[3]!.stdout[0]).toMatch(/^Shopify orders export: 7 rows → 4 orders — 4 imported/);
    expect(local[3]!.stdout.join('\n')).toContain('  ignored: ');
    expect(local[5]!.stderr.join('\n')).toContain(
      'orders.csv: the header has no column "placed_at" (required for orders); the closest is "placd_at"',
    );
    expect(local[6]!.stderr).toEqual([
      'lines.csv: warning: 2 order lines name orders not in the store (lines 3, 4): kept until the order arrives (--orphan-lines reject refuses them)',
    ]);
    expect(local[7]!.stderr).toEqual([
      'lines.csv: field "order_id": order "nope" is not in the store — 2 rows (lines 3, 4)',
    ]);
    expect(local[8]!.stderr.join('\n')).toContain(
      'woocommerce-customers.csv: the header matches no Shopify customers export and no Shopify orders export: the header has no column "Customer ID"',
    );
    expect(local[9]!.stderr.join('\n')).toContain('currency: must be a three-letter ISO 4217 currency code');

    const servedDb = join(dir, 'served.duckdb');
    await (await DuckDbStore.open(servedDb)).close();
    const server = await startServer({ dbPath: servedDb, port: 0 });
    let served;
    try {
      served = await runAll(servedDb);
    } finally {
      await server.close();
    }
    for (const [i, r] of served.entries()) expect(r).toEqual(local[i]);
    expect(await contents(servedDb)).toEqual(await contents(localDb));
    expect((await contents(localDb)).customers).toContainEqual({
      id: 'shopify:1',
      email: 'ann@example.com',
      name: 'Ann',
      consent_email_granted: true,
      at: '2024-05-01T00:00:00Z',
    });
  });
});
