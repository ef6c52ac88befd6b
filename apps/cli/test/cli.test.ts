import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { DuckDbStore } from '@strata/store-duckdb';
import { startServer } from '@strata/server';
import { captureIo, ordersCsv, runCli } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'strata-cli-'));

function customersCsv(n: number): string {
  const rows = ['id,email,name,country'];
  for (let c = 0; c < n; c++) rows.push(`c${c},person${c}@example.com,Person ${c},DE`);
  return rows.join('\n') + '\n';
}

async function dump(db: string): Promise<Record<string, unknown[]>> {
  const store = await DuckDbStore.open(db);
  try {
    const out: Record<string, unknown[]> = {};
    for (const [table, order] of [
      ['customers', 'id'],
      ['orders', 'id'],
      ['identities', 'kind, value'],
      ['order_lines', 'order_id, line_no'],
      ['events', 'message_id'],
      ['tags', 'customer_id, tag'],
    ] as const) {
      // linked_at is when the link was made, bookkeeping that differs between any two runs.
      out[table] = await store.rows(
        `SELECT * ${table === 'identities' ? 'EXCLUDE (linked_at)' : ''} FROM ${table} ORDER BY ${order}`,
      );
    }
    return out;
  } finally {
    await store.close();
  }
}

describe('strata import', () => {
  it('imports, reports bad rows by line, and re-imports as skipped', async () => {
    const dir = tmp();
    const db = join(dir, 's.duckdb');
    const file = join(dir, 'customers.csv');
    writeFileSync(file, 'id,email,age\nc1,a@x.com,30\nc2,bad-email,40\nc3,c@x.com,abc\nc4,d@x.com,\n');
    const io = captureIo();
    expect(await run(['--db', db, 'import', 'customers', file], io)).toBe(65);
    expect(io.stdout.join('\n')).toContain(
      '4 rows read — 2 imported, 0 updated, 0 skipped (already stored), 2 rejected',
    );
    expect(io.stderr).toEqual([
      'customers.csv:3: field "email": not an email address',
      expect.stringMatching(/^customers\.csv:4: field "age": /),
    ]);
    const again = captureIo();
    await run(['--db', db, '--json', 'import', 'customers', file], again);
    expect(JSON.parse(again.stdout.join('\n'))).toMatchObject({ imported: 0, skipped: 2, rejected: 2 });
    const stats = captureIo();
    expect(await run(['--db', db, '--json', 'stats'], stats)).toBe(0);
    expect(JSON.parse(stats.stdout.join('\n'))).toMatchObject({ customers: 2 });
  });

  it('exits 64 on a usage error and 66 on a missing file', async () => {
    const io = captureIo();
    expect(await run(['import', 'customers'], io)).toBe(64);
    expect(
      await run(['--db', join(tmp(), 'x.duckdb'), 'import', 'customers', '/nonexistent/file.csv'], captureIo()),
    ).toBe(66);
    const unknown = captureIo();
    expect(await run(['--db', join(tmp(), 'x.duckdb'), 'import', 'invoices', '/nonexistent/file.csv'], unknown)).toBe(
      65,
    );
    expect(unknown.stderr.join('\n')).toContain('unknown entity "invoices"');
  });

  it('an import killed with SIGKILL mid-file and run again ends with exactly the data of an uninterrupted one', async () => {
    const dir = tmp();
    const orders = join(dir, 'orders.csv');
    const customers = join(dir, 'customers.csv');
    writeFileSync(orders, ordersCsv(60_000));
    writeFileSync(customers, customersCsv(5000));

    const clean = join(dir, 'clean.duckdb');
    expect((await runCli(['--db', clean, 'import', 'orders', orders, '--batch-size', '4000'])).code).toBe(0);
    expect((await runCli(['--db', clean, 'import', 'customers', customers])).code).toBe(0);

    const killed = join(dir, 'killed.duckdb');
    const first = await runCli(
      ['--db', killed, 'import', 'orders', orders, '--batch-size', '4000', '--progress', 'lines'],
      {
        onStderr: (all, child) => {
          if ((all.match(/committed/g) ?? []).length >= 3) child.kill('SIGKILL');
        },
      },
    );
    expect(first.signal).toBe('SIGKILL');
    const partial = await DuckDbStore.open(killed);
    const partialOrders = (await partial.counts()).orders;
    await partial.close();
    expect(partialOrders).toBeGreaterThan(0);
    expect(partialOrders).toBeLessThan(60_000);

    expect((await runCli(['--db', killed, 'import', 'orders', orders, '--batch-size', '4000'])).code).toBe(0);
    expect((await runCli(['--db', killed, 'import', 'customers', customers])).code).toBe(0);
    const a = await dump(clean);
    const b = await dump(killed);
    expect(b.orders).toHaveLength(60_000);
    expect(b).toEqual(a);
    // Till orders by email now belong to the customer with that email: one person, one customer.
    expect((a.customers as { merged_into: string | null }[]).filter((c) => c.merged_into === null)).toHaveLength(5000);
  }, 360_000);

  it('says clearly that the store is busy when another process writes it, instead of a raw lock error', async () => {
    const db = join(tmp(), 'busy.duckdb');
    const holder = await DuckDbStore.open(db);
    try {
      const r = await runCli(['--db', db, 'stats']);
      expect(r.code).toBe(75);
      expect(r.stderr).toMatch(/open for writing in another process \(pid \d+\)/);
      expect(r.stderr).not.toMatch(/IO Error/);
    } finally {
      await holder.close();
    }
  });

  it('goes through the running server when one owns the store', async () => {
    const dir = tmp();
    const db = join(dir, 'served.duckdb');
    const file = join(dir, 'customers.csv');
    writeFileSync(file, customersCsv(50));
    const server = await startServer({ dbPath: db, port: 0 });
    try {
      const imported = await runCli(['--db', db, '--json', 'import', 'customers', file]);
      expect(imported.code).toBe(0);
      expect(imported.stderr).toContain('importing through http://127.0.0.1:');
      expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 50 });
      const stats = await runCli(['--db', db, '--json', 'stats']);
      expect(JSON.parse(stats.stdout)).toMatchObject({ customers: 50 });
      expect((await server.store.counts()).customers).toBe(50);

      // The server reads the local file itself (with the store's bulk reader): bad rows still by line.
      const events = join(dir, 'events.jsonl');
      const ev = (id: string, c: string) =>
        JSON.stringify({
          message_id: id,
          customer_id: c,
          type: 'page_view',
          occurred_at: '2026-01-01T00:00:00.000Z',
          properties: { page_kind: 'home' },
        });
      writeFileSync(events, [ev('e1', 'c1'), '{"message_id": "e2"', ev('e3', 'c2')].join('\n') + '\n');
      const ei = await runCli(['--db', db, '--json', 'import', 'events', events]);
      expect(ei.code).toBe(65); // some rows rejected
      expect(JSON.parse(ei.stdout)).toMatchObject({ rows: 3, imported: 2, rejected: 1, errors: [{ line: 2 }] });
      expect((await server.store.counts()).events).toBe(2);
      const relative = await fetch(`${server.url}/v1/import/events?format=jsonl&path=events.jsonl`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.keys.sessionKey}` },
      });
      expect(relative.status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
