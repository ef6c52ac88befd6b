/**
 * While a server owns the store, every command goes through it and must say exactly what it
 * says on the store file: the same counts, members, explanations, profiles, and the same
 * diagnostics with a caret under the mistake.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { Customer, Order } from '@strata/core';
import { startServer } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import { captureIo, runScript } from './helpers.js';

const db = join(mkdtempSync(join(tmpdir(), 'strata-through-')), 's.duckdb');

const commands: string[][] = [
  ['stats'],
  ['segment', 'eval', '--count', 'country = "DE" and order_count >= 1'],
  ['--json', 'segment', 'eval', 'order_count >= 1'],
  ['segment', 'eval', '--ready', 'churned', '--param', 'days=60'],
  ['segment', 'eval', '--as-of', '2026-12-01', 'last_order_at before 60 days ago'],
  ['segment', 'eval', 'country = "DE" and totl_spent > 5'],
  ['segment', 'eval', 'order_count >= 1 and (country = "DE"'],
  ['segment', 'eval', '--as-of', '2026-10-01', 'order_count >= 1'],
  ['segment', 'eval', '--as-of', '2026-12-01', 'lifecycle_stage = "churned"'],
  ['segment', 'explain', 'country = "DE" and total_spent > 100', 'bob'],
  ['segment', 'explain', 'total_spent > 100', 'nobody'],
  ['--json', 'profiles', 'show', 'ann'],
  ['profiles', 'show', 'nobody'],
  ['segment', 'save', 'Germans', 'countri = "DE"'],
];

const runAll = () => runScript(db, commands);

let local: Awaited<ReturnType<typeof runAll>>;

beforeAll(async () => {
  const store = await DuckDbStore.open(db);
  const order = (id: string, customer: string, total: number, placed: string) =>
    Order.parse({ id, customer_id: customer, location_id: 'online', placed_at: placed, currency: 'EUR', total });
  await store.write({
    customers: ['ann', 'bob', 'cy'].map((id) => Customer.parse({ id, country: id === 'cy' ? 'FR' : 'DE' })),
    orders: [order('o1', 'ann', 500, '2026-08-01T10:00:00Z'), order('o2', 'ann', 300, '2026-08-20T10:00:00Z'), order('o3', 'bob', 20, '2026-10-01T10:00:00Z')],
  });
  await store.close();
  expect(await run(['--db', db, 'profiles', 'compute', '--as-of', '2026-11-01'], captureIo())).toBe(0);
  local = await runAll();
});

describe('a command through the running server', () => {
  it('answers exactly as on the store file, mistakes and refusals included', async () => {
    // the local answers are what they should be, so the comparison means something
    expect(local.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 65, 65, 65, 65, 0, 66, 0, 66, 65]);
    const caret = local[5]!.stderr.join('\n');
    expect(caret).toContain('unknown field `totl_spent`; did you mean `total_spent`?');
    expect(caret).toMatch(/\^{10}/);
    expect(local[7]!.stderr.join('\n')).toContain('the profiles are as of 2026-11-01T23:59:59.999Z');

    const server = await startServer({ dbPath: db, port: 0 });
    try {
      const served = await runAll();
      for (const [i, args] of commands.entries()) expect({ args, ...served[i] }).toEqual({ args, ...local[i] });
    } finally {
      await server.close();
    }
  });
});
