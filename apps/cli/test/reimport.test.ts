import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbStore } from '@strata/store-duckdb';
import { ordersCsv, runCli, type Finished } from './helpers.js';

/*
 * Issue 15 item 3: a file of 200,000 or more orders that are already stored takes the bulk path
 * (key index dropped and built again), which failed at commit with `duplicate key` on every re-run,
 * including the run that finishes a killed import.
 */

const ROWS = 300_000;

/** Row count and a checksum of each table an orders import writes (linked_at is when, so left out). */
async function fingerprint(db: string): Promise<Record<string, { n: number; md5: string }>> {
  const store = await DuckDbStore.open(db);
  try {
    const out: Record<string, { n: number; md5: string }> = {};
    for (const [table, order] of [
      ['orders', 'id'],
      ['customers', 'id'],
      ['identities', 'kind, value'],
    ] as const) {
      const [row] = await store.rows<{ n: number | bigint; md5: string }>(
        `SELECT count(*) AS n, md5(string_agg(r::VARCHAR, chr(10) ORDER BY ${order})) AS md5
         FROM (SELECT * ${table === 'identities' ? 'EXCLUDE (linked_at)' : ''} FROM ${table}) r`,
      );
      out[table] = { n: Number(row!.n), md5: row!.md5 };
    }
    return out;
  } finally {
    await store.close();
  }
}

const summary = (r: Finished) => JSON.parse(r.stdout) as Record<string, number>;

describe('re-importing a large orders file', () => {
  it('imports it again, imports it changed, and finishes a killed import, each ending as one clean import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-reimport-'));
    const file = join(dir, 'orders.csv');
    const changedFile = join(dir, 'orders-changed.csv');
    writeFileSync(file, ordersCsv(ROWS));
    writeFileSync(changedFile, ordersCsv(ROWS, 10)); // a tenth of the orders now refunded
    const importOrders = (db: string, path: string, ...extra: string[]) =>
      runCli(['--db', db, '--json', 'import', 'orders', path, ...extra]);

    const clean = join(dir, 'clean.duckdb');
    expect((await importOrders(clean, file)).code).toBe(0);
    const cleanPrint = await fingerprint(clean);
    expect(cleanPrint.orders?.n).toBe(ROWS);

    // The same file again: every order skipped, nothing changed.
    const again = await importOrders(clean, file);
    expect(again.stderr).not.toMatch(/duplicate key|Error/);
    expect(again.code).toBe(0);
    expect(summary(again)).toMatchObject({ rows: ROWS, imported: 0, updated: 0, skipped: ROWS, rejected: 0 });
    expect(await fingerprint(clean)).toEqual(cleanPrint);

    // The orders changed: stored rows are updated through the bulk path, as a clean import of that file.
    const changed = await importOrders(clean, changedFile);
    expect(changed.stderr).not.toMatch(/duplicate key|Error/);
    expect(changed.code).toBe(0);
    // Refunded now: the multiples of 10 that are not multiples of 40 (those were refunded already).
    const refundedNow = ROWS / 10 - ROWS / 40;
    expect(summary(changed)).toMatchObject({
      imported: 0,
      updated: refundedNow,
      skipped: ROWS - refundedNow,
      rejected: 0,
    });
    const cleanChanged = join(dir, 'clean-changed.duckdb');
    expect((await importOrders(cleanChanged, changedFile)).code).toBe(0);
    expect(await fingerprint(clean)).toEqual(await fingerprint(cleanChanged));

    // Killed after its first committed 100,000 rows, then run again over the whole file.
    const killed = join(dir, 'killed.duckdb');
    const first = await runCli(
      ['--db', killed, 'import', 'orders', file, '--batch-size', '100000', '--progress', 'lines'],
      {
        onStderr: (all, child) => {
          if (/committed/.test(all)) child.kill('SIGKILL');
        },
      },
    );
    expect(first.signal).toBe('SIGKILL');
    const partial = (await fingerprint(killed)).orders?.n ?? 0;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(ROWS);
    const finish = await importOrders(killed, file);
    expect(finish.stderr).not.toMatch(/duplicate key|Error/);
    expect(finish.code).toBe(0);
    expect(summary(finish)).toMatchObject({ imported: ROWS - partial, skipped: partial, rejected: 0 });
    expect(await fingerprint(killed)).toEqual(cleanPrint);
  }, 600_000);
});
