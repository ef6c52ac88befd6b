import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@strata/core';
import { DuckDbStore } from './duckdb-store.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-query-file-'));
let store: DuckDbStore;
beforeAll(async () => {
  store = await DuckDbStore.open(':memory:');
  await store.exec(`CREATE TABLE t AS SELECT i AS id, 'n' || i AS note FROM range(5) r(i)`);
});
afterAll(async () => {
  await store.close();
});

describe('QueryFileWriter on DuckDB', () => {
  it("writes a query's rows in its order, parameters bound as values, and counts them", async () => {
    const sql = `SELECT id, note FROM t WHERE note <> $1 ORDER BY id DESC`;
    const csv = join(dir, "it's.csv");
    expect(
      await store.writeQueryToFile(sql, ["n2' OR '1'='1"], { path: csv, format: 'csv' }, { timeoutMs: 30_000 }),
    ).toBe(5);
    expect(readFileSync(csv, 'utf8')).toBe('id,note\n4,n4\n3,n3\n2,n2\n1,n1\n0,n0\n');
    const jsonl = join(dir, 'rows.jsonl');
    expect(await store.writeQueryToFile(sql, ['n2'], { path: jsonl, format: 'jsonl' }, { timeoutMs: 30_000 })).toBe(4);
    expect(readFileSync(jsonl, 'utf8')).toBe(
      '{"id":4,"note":"n4"}\n{"id":3,"note":"n3"}\n{"id":1,"note":"n1"}\n{"id":0,"note":"n0"}\n',
    );
  });

  it('is stopped in the engine once it runs past its time limit, and the store stays usable', async () => {
    const heavy = `SELECT count(*) AS n FROM range(100000000000) a(x) WHERE x % 7 = 3`;
    const error = await store
      .writeQueryToFile(heavy, [], { path: join(dir, 'never.csv'), format: 'csv' }, { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe('too_costly');
    expect(await store.read(`SELECT 1 + 1 AS n`, [], { timeoutMs: 30_000 })).toEqual([{ n: 2 }]);
  });
});
