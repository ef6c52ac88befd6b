import type { DuckDBValue } from '@duckdb/node-api';
import {
  AppError,
  systemClock,
  type Clock,
  type BatchCounts,
  type Entity,
  type EntityCounts,
  type ImportDefaults,
  type LoadColumnType,
  type ReadOptions,
  type NativeFileImport,
  type NativeFileImporter,
  type OrderLookup,
  type QueryFileFormat,
  type QueryFileWriter,
  type SqlParam,
  type SqlRunner,
  type Store,
  type WriteBatch,
} from '@strata/core';
import { DuckDbRunner } from './duckdb-runner.js';
import { writeBatch } from './entity-writes.js';
import { resolveCustomer } from './identity-resolution.js';
import { ensureKeyIndexes, rebuildKeyIndexes } from './key-indexes.js';
import { migrations } from './migrations.js';
import { openFileImport } from './native-import.js';

export { guestCustomerId } from './identity-resolution.js';

/** Counting the records takes milliseconds; past this something is wrong, and /health says so. */
const COUNTS_TIMEOUT_MS = 10_000;

export interface OpenOptions {
  readOnly?: boolean;
  /** Where bookkeeping times (identity links, tag stamps) come from; tests pass a fixed one. */
  clock?: Clock;
  /** DuckDB's memory_limit (e.g. `2GB`): past it joins and sorts spill to disk or the query fails. */
  memoryLimit?: string;
}

/**
 * The embedded store: one DuckDB file, one writing process. Every write() is one transaction;
 * writes are serialised on one connection so a batch never interleaves with another. The work
 * itself is done by plain functions over the runner: entity-writes, identity-resolution,
 * key-indexes and native-import.
 */
export class DuckDbStore implements Store, SqlRunner, NativeFileImporter, OrderLookup, QueryFileWriter {
  readonly dialect = 'duckdb' as const;
  readonly path: string;
  readonly readOnly: boolean;

  private constructor(
    private readonly runner: DuckDbRunner,
    private readonly now: () => Date,
  ) {
    this.path = runner.path;
    this.readOnly = runner.readOnly;
  }

  static async open(path: string, options: OpenOptions = {}): Promise<DuckDbStore> {
    const runner = await DuckDbRunner.open(path, {
      ...(options.readOnly ? { readOnly: true } : {}),
      ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}),
    });
    const clock = options.clock ?? systemClock;
    const store = new DuckDbStore(runner, () => clock.now());
    if (!store.readOnly) {
      await store.migrate();
      // DuckDB 1.5 can replay a unique index from the log inconsistent with its table: build the
      // key indexes again from the rows after a recovery.
      if (runner.recovered) await runner.serial(() => rebuildKeyIndexes(runner));
      await runner.serial(() => ensureKeyIndexes(runner));
    }
    return store;
  }

  /** Applies pending migrations; returns the versions applied. */
  async migrate(): Promise<number[]> {
    const runner = this.runner;
    await runner.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)',
    );
    const done = new Set(
      (await this.rows<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await runner.inTransaction(async () => {
        await runner.run(m.sql);
        await runner.run('INSERT INTO schema_migrations VALUES ($1, $2, now())', [m.version, m.name]);
      });
      applied.push(m.version);
    }
    // New schema goes to the database file at once rather than waiting in the write-ahead log.
    if (applied.length) await runner.run('CHECKPOINT');
    return applied;
  }

  async schemaVersion(): Promise<number> {
    const r = await this.rows<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return Number(r[0]?.v ?? 0);
  }

  /** Runs one read query and returns plain JS rows (BIGINT as number where safe). */
  async rows<T = Record<string, unknown>>(sql: string, params: DuckDBValue[] = []): Promise<T[]> {
    return this.runner.serial(() => this.runner.rows<T>(sql, params));
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.rows<T>(sql, params as DuckDBValue[]);
  }

  read<T = Record<string, unknown>>(sql: string, params: readonly SqlParam[], options: ReadOptions): Promise<T[]> {
    return this.runner.read<T>(sql, params, options.timeoutMs);
  }

  /**
   * QueryFileWriter: DuckDB's own writers (parallel, streaming from the query) on the read
   * connection, under the same time limit as any read.
   */
  async writeQueryToFile(
    sql: string,
    params: readonly SqlParam[],
    file: { readonly path: string; readonly format: QueryFileFormat },
    options: ReadOptions,
  ): Promise<number> {
    const how = { csv: 'FORMAT csv, HEADER true', jsonl: 'FORMAT json', parquet: 'FORMAT parquet' }[file.format];
    const [row] = await this.runner.read<{ Count: number | string }>(
      `COPY (${sql}) TO '${file.path.replaceAll("'", "''")}' (${how})`,
      params,
      options.timeoutMs,
    );
    return Number(row?.Count ?? 0);
  }

  /** A shutdown: stops the reads, and with `writes` the writes, running or queued (see DuckDbRunner.interrupt). */
  interrupt(options: { writes: boolean }): void {
    this.runner.interrupt(options);
  }

  async exec(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    if (this.readOnly) throw this.readOnlyError();
    await this.runner.serial(() => this.runner.run(sql, params));
  }

  loadTable(
    name: string,
    columns: readonly (readonly [string, LoadColumnType])[],
    rows: Iterable<readonly (SqlParam | undefined)[]>,
  ): Promise<void> {
    return this.runner.serial(() => this.runner.loadTable(name, columns, rows));
  }

  /** Runs fn in one transaction on the writing connection; other calls wait until it ends. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const runner = this.runner;
    const tx: SqlRunner = {
      dialect: 'duckdb',
      query: <R>(sql: string, params: readonly SqlParam[] = []) => runner.rows<R>(sql, params),
      read: (sql, params, options) => this.read(sql, params, options),
      exec: async (sql: string, params: readonly SqlParam[] = []) => {
        await runner.run(sql, params);
      },
      loadTable: (name, columns, rows) => runner.loadTable(name, columns, rows),
      transaction: (inner) => inner(tx),
    };
    return runner.serial(() => runner.inTransaction(() => fn(tx)));
  }

  /**
   * The same store through a writing connection of its own, for long work that must not hold up
   * ingest (the live engine's steps and recomputes, and the profile runs that share its rows):
   * its transactions run beside this store's writes. Both sides must not change the same rows,
   * or the later commit fails. Closed by its own `close` or with this store.
   */
  async ownConnection(): Promise<DuckDbStore> {
    if (this.readOnly) throw this.readOnlyError();
    return new DuckDbStore(await this.runner.sibling(), this.now);
  }

  close(): Promise<void> {
    return this.runner.close();
  }

  /** One ping in flight at a time, shared by every caller meanwhile: health checks never queue up. */
  private pinging: Promise<void> | undefined;

  ping(): Promise<void> {
    this.pinging ??= this.runner
      .read('SELECT 1 AS ok', [], COUNTS_TIMEOUT_MS, 'status')
      .then(() => undefined)
      .finally(() => (this.pinging = undefined));
    return this.pinging;
  }

  /** Counts on the status read connection: /v1/stats never waits behind a write or a segment query. */
  async counts(): Promise<EntityCounts> {
    const r = await this.runner.read<Record<string, number>>(
      `
      SELECT
        (SELECT count(*) FROM customers WHERE merged_into IS NULL) AS customers,
        (SELECT count(*) FROM customers WHERE merged_into IS NOT NULL) AS merged_customers,
        (SELECT count(*) FROM products) AS products,
        (SELECT count(*) FROM locations) AS locations,
        (SELECT count(*) FROM orders) AS orders,
        (SELECT count(*) FROM order_lines) AS order_lines,
        (SELECT count(*) FROM events) AS events,
        (SELECT count(*) FROM tags) AS tags,
        (SELECT count(*) FROM identities) AS identities`,
      [],
      COUNTS_TIMEOUT_MS,
      'status',
    );
    const row = r[0] ?? {};
    const n = (k: string) => Number(row[k] ?? 0);
    return {
      customers: n('customers'),
      merged_customers: n('merged_customers'),
      products: n('products'),
      locations: n('locations'),
      orders: n('orders'),
      order_lines: n('order_lines'),
      events: n('events'),
      tags: n('tags'),
      identities: n('identities'),
    };
  }

  resolveCustomer(key: {
    id?: string;
    email?: string;
    phone?: string;
    anonymous_id?: string;
  }): Promise<string | undefined> {
    return this.runner.serial(() => resolveCustomer(this.runner, key));
  }

  async getSetting(key: string): Promise<string | undefined> {
    const r = await this.rows<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    return r[0]?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.runner.serial(() => this.runner.run('INSERT OR REPLACE INTO settings VALUES ($1, $2)', [key, value]));
  }

  async findOrderIds(ids: readonly string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.rows<{ id: string }>('SELECT id FROM orders WHERE list_contains($1::JSON::VARCHAR[], id)', [
      JSON.stringify(ids),
    ]);
    return new Set(rows.map((r) => r.id));
  }

  /** Writes a batch atomically. Safe to call concurrently: batches are applied one at a time. */
  write(batch: WriteBatch): Promise<BatchCounts> {
    if (this.readOnly) return Promise.reject(this.readOnlyError());
    return this.runner.serial(() => this.runner.inTransaction(() => writeBatch(this.runner, batch, this.now)));
  }

  /**
   * Opens a local file with DuckDB's own parallel reader; undefined when the file is not suited
   * (see native-import.ts).
   */
  openFileImport(
    entity: Entity,
    path: string,
    format: 'csv' | 'jsonl',
    defaults: ImportDefaults = {},
  ): Promise<NativeFileImport | undefined> {
    return openFileImport(this.runner, this.now, entity, path, format, defaults);
  }

  private readOnlyError(): AppError {
    return new AppError('conflict', `the store ${this.path} is open read-only`);
  }
}
