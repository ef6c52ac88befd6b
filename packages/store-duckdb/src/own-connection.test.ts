/**
 * A second writing connection on the same store (what the live engine runs on): ingest writes
 * commit while a long transaction is open on it, and both commit, since they change different rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Customer } from '@strata/core';
import { DuckDbStore } from './duckdb-store.js';

let root: string;
let store: DuckDbStore;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'strata-own-conn-'));
  store = await DuckDbStore.open(join(root, 'store.duckdb'));
});
afterEach(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

const customer = (id: string) => Customer.parse({ id, email: `${id}@example.com` });

describe('DuckDbStore.ownConnection', () => {
  it('lets a write commit while a transaction is open on the other connection, and keeps both', async () => {
    await store.write({ customers: [customer('ann')] });
    const own = await store.ownConnection();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let ownSeen = -1;
    const long = own.transaction(async (tx) => {
      await tx.exec(`DELETE FROM live_pending WHERE customer_id = 'ann'`);
      await held;
      // its snapshot is the one it started with: the write made meanwhile is not in it
      ownSeen = Number((await tx.query<{ n: number }>('SELECT count(*) AS n FROM customers'))[0]?.n);
    });
    // the write is acknowledged while the other transaction is still open
    const written = await store.write({ customers: [customer('bob')] });
    expect(written.customers).toMatchObject({ inserted: 1 });
    release();
    await long;
    expect(ownSeen).toBe(1);
    const pending = await store.query<{ customer_id: string }>('SELECT customer_id FROM live_pending ORDER BY 1');
    // ann's mark was taken by the long transaction; bob's, written beside it, stays for the next step
    expect(pending.map((r) => r.customer_id)).toEqual(['bob']);
    await own.close();
    // closing the extra connection leaves the store open
    expect((await store.counts()).customers).toBe(2);
  });

  it('is closed with the store it came from, and refused on a read-only store', async () => {
    const own = await store.ownConnection();
    await store.close();
    await expect(own.query('SELECT 1')).rejects.toThrow();
    const readOnly = await DuckDbStore.open(join(root, 'store.duckdb'), { readOnly: true });
    await expect(readOnly.ownConnection()).rejects.toThrow('is open read-only');
    await readOnly.close();
    store = await DuckDbStore.open(join(root, 'store.duckdb'));
  });
});
