import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlRunner } from '@strata/core';
import { computeProfiles, defaultProfileConfig, updateProfiles } from '@strata/profiles';
import { DuckDbStore } from '@strata/store-duckdb';
import { AS_OF, ago, customers, json, locations, order, products, type Profile } from './profiles-fixture.js';

/*
 * Profile runs as recorded in profile_runs: full and incremental runs, readers kept on the previous
 * complete run until the swap, and failures (in the swap, from a bad configuration, from a table
 * gone mid-way) that keep the previous profiles and are marked failed.
 */

describe('profile runs', () => {
  let store: DuckDbStore;

  interface RunRow {
    id: string;
    kind: string;
    ran_by: string;
    as_of: string;
    status: string;
    customers: number | null;
    finished_at: string | null;
    error: string | null;
    config: string | null;
  }
  const runs = () => store.query<RunRow>('SELECT * FROM profile_runs ORDER BY started_at, kind');
  const runById = async (id: string) => (await runs()).find((r) => r.id === id);
  const profileRows = () => store.query<Profile>('SELECT * FROM customer_profile ORDER BY customer_id');

  /** A runner that fails on the first statement matching `failOn`, and calls `beforeSwap` before the swap transaction. */
  function instrumented(db: SqlRunner, hooks: { failOn?: RegExp; beforeSwap?: () => Promise<void> }): SqlRunner {
    const wrap = (inner: SqlRunner, inTransaction: boolean): SqlRunner => ({
      dialect: inner.dialect,
      query: (sql, params) => inner.query(sql, params),
      read: (sql, params, options) => inner.read(sql, params, options),
      exec: async (sql, params) => {
        if (hooks.failOn?.test(sql)) throw new Error(`simulated failure at: ${sql.trim().slice(0, 60)}`);
        await inner.exec(sql, params);
      },
      loadTable: (name, columns, rows) => inner.loadTable(name, columns, rows),
      transaction: async (fn) => {
        if (!inTransaction) await hooks.beforeSwap?.();
        return inner.transaction((tx) => fn(wrap(tx, true)));
      },
    });
    return wrap(db, false);
  }

  beforeAll(async () => {
    store = await DuckDbStore.open(':memory:');
    await store.write({
      locations,
      products,
      customers: customers('a', 'b'),
      orders: [order('a', ago(10), 40), order('b', ago(3), 60)],
    });
  });

  afterAll(async () => {
    await store.close();
  });

  it('records a full run: kind, as-of time, who ran it, status and customers', async () => {
    const run = await computeProfiles(store, { asOf: AS_OF, ranBy: 'test-full' });
    expect(run).toMatchObject({ kind: 'full', asOf: AS_OF.toISOString(), customers: 2 });
    expect(await runById(run.id)).toMatchObject({
      kind: 'full',
      ran_by: 'test-full',
      as_of: AS_OF.toISOString(),
      status: 'complete',
      customers: 2,
      error: null,
    });
    expect((await runById(run.id))!.finished_at).not.toBeNull();
    expect(json((await runById(run.id))!.config)).toEqual(defaultProfileConfig);
    const rows = await profileRows();
    expect(rows.map((r) => [r.customer_id, r.run_id, r.as_of])).toEqual([
      ['a', run.id, AS_OF.toISOString()],
      ['b', run.id, AS_OF.toISOString()],
    ]);
  });

  it('records an incremental run', async () => {
    await store.write({ orders: [order('a', ago(1), 10)] });
    const run = await updateProfiles(store, ['a'], { asOf: AS_OF, ranBy: 'test-incremental' });
    expect(await runById(run.id)).toMatchObject({
      kind: 'incremental',
      ran_by: 'test-incremental',
      as_of: AS_OF.toISOString(),
      status: 'complete',
    });
    const rows = await profileRows();
    expect(rows.find((r) => r.customer_id === 'a')).toMatchObject({ run_id: run.id, order_count: 2, total_spent: 50 });
  });

  it('readers see the previous complete run until the new one is swapped in', async () => {
    const before = await profileRows();
    const previousRun = before[0]!.run_id;
    await store.write({ orders: [order('b', ago(1), 15)] });
    let seenDuringRun: { live: Profile[]; next: Profile[]; running: RunRow[] } | undefined;
    const run = await computeProfiles(
      instrumented(store, {
        beforeSwap: async () => {
          seenDuringRun = {
            live: await profileRows(),
            next: await store.query<Profile>('SELECT * FROM customer_profile_next ORDER BY customer_id'),
            running: (await runs()).filter((r) => r.status === 'running'),
          };
        },
      }),
      { asOf: AS_OF, ranBy: 'test-full' },
    );
    expect(seenDuringRun!.live).toEqual(before);
    expect(seenDuringRun!.next.map((r) => r.run_id)).toEqual([run.id, run.id]);
    expect(seenDuringRun!.next.find((r) => r.customer_id === 'b')).toMatchObject({ order_count: 2, total_spent: 75 });
    expect(seenDuringRun!.running.map((r) => r.id)).toEqual([run.id]);
    const after = await profileRows();
    expect(after.map((r) => r.run_id)).toEqual([run.id, run.id]);
    expect(previousRun).not.toBe(run.id);
  });

  it('a run that fails while swapping leaves the previous profiles intact and is marked failed', async () => {
    const before = await profileRows();
    await store.write({ orders: [order('a', ago(1, 30), 1000)] });
    // the new profiles are already built; the swap's rename fails inside its transaction
    const failing = instrumented(store, { failOn: /RENAME TO customer_profile\b/ });
    await expect(computeProfiles(failing, { asOf: AS_OF, ranBy: 'test-failing' })).rejects.toThrow(/simulated failure/);
    expect(await profileRows()).toEqual(before);
    const failed = (await runs()).filter((r) => r.ran_by === 'test-failing');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ kind: 'full', status: 'failed', as_of: AS_OF.toISOString() });
    expect(failed[0]!.error).toMatch(/simulated failure/);
    expect(failed[0]!.finished_at).not.toBeNull();
  });

  it('an invalid configuration fails the run and keeps the previous profiles', async () => {
    const before = await profileRows();
    const config = { ...defaultProfileConfig, sessionGapMinutes: Number.NaN };
    await expect(computeProfiles(store, { asOf: AS_OF, ranBy: 'test-bad-config', config })).rejects.toThrow(/finite/);
    await expect(updateProfiles(store, ['a'], { asOf: AS_OF, ranBy: 'test-bad-config', config })).rejects.toThrow(
      /finite/,
    );
    expect(await profileRows()).toEqual(before);
    const failed = (await runs()).filter((r) => r.ran_by === 'test-bad-config');
    expect(failed.map((r) => [r.kind, r.status])).toEqual([
      ['full', 'failed'],
      ['incremental', 'failed'],
    ]);
  });

  it('a source table gone mid-way fails the run and keeps the previous profiles', async () => {
    const before = await profileRows();
    await store.exec('DROP TABLE order_lines');
    await expect(computeProfiles(store, { asOf: AS_OF, ranBy: 'test-dropped' })).rejects.toThrow();
    expect(await profileRows()).toEqual(before);
    expect((await runs()).filter((r) => r.ran_by === 'test-dropped').map((r) => r.status)).toEqual(['failed']);
  });

  it('the next run after failures succeeds', async () => {
    await store.exec(
      'CREATE TABLE order_lines (order_id VARCHAR, line_no INTEGER, sku VARCHAR, quantity INTEGER, unit_price DECIMAL(18,4), line_discount DECIMAL(18,4))',
    );
    const run = await computeProfiles(store, { asOf: AS_OF, ranBy: 'test-full' });
    const rows = await profileRows();
    // a: 40 + 10 + 1000; b: 60 + 15
    expect(rows.map((r) => [r.customer_id, r.run_id, r.total_spent])).toEqual([
      ['a', run.id, 1050],
      ['b', run.id, 75],
    ]);
  });
});
