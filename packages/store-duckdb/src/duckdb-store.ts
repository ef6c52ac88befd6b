import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import {
  AppError,
  channels,
  emptyWriteCounts,
  type BatchCounts,
  type Customer,
  type EntityCounts,
  type Event,
  type IdentityLink,
  type Location,
  type Order,
  type OrderLineRow,
  type Product,
  type LoadColumnType,
  type Entity,
  type NativeFileImport,
  type NativeFileImporter,
  type NativeRecord,
  type SqlParam,
  type SqlRunner,
  type Store,
  type TagAssignment,
  type WriteBatch,
  type WriteCounts,
  isIanaTimeZone,
  toE164,
} from '@strata/core';
import { migrations } from './migrations.js';
import {
  boolValue,
  canonicalAge,
  canonicalBool,
  canonicalCountry,
  canonicalDate,
  canonicalCurrency,
  canonicalEmail,
  canonicalList,
  canonicalMoney,
  canonicalPositiveInt,
  canonicalText,
  canonicalTime,
  csvRawSql,
  eventsLinksSql,
  eventsReadSql,
  eventsStageSql,
  ident,
  oneOf,
  jsonObjectOf,
  jsonSafeText,
  linesSql,
  listJson,
} from './native-sql.js';

/** A bulk append with the key index dropped: 'unique' assumes each key once in the batch, 'dedup' keeps the last of each. */
type AppendMode = 'unique' | 'dedup';

/** Tables whose key is a unique index that bulk appends drop and build again. */
const keyIndexes = {
  events: { index: 'events_message_id', columns: ['message_id'], keep: 'first' },
  orders: { index: 'orders_id', columns: ['id'], keep: 'last' },
  order_lines: { index: 'order_lines_key', columns: ['order_id', 'line_no'], keep: 'last' },
} as const;
type KeyedTable = keyof typeof keyIndexes;
const keyedTables = Object.keys(keyIndexes) as KeyedTable[];

/** How a CSV entity is read natively (see DuckDbStore.csvSpecs). */
interface CsvSpec {
  /** The entity's flat fields: a file with any other column is streamed instead. */
  fields: readonly string[];
  /** What identifies a record: records sharing it with one sent to zod go with it, keeping file order. */
  key: readonly string[];
  /** Columns that must be given on every record for the native path. */
  requireAll?: readonly string[];
  /** The phone column and its default-country expression: normalised once per distinct pair into bulk_phones. */
  phones?: { phone: string; country: string };
  /** SQL over bulk_raw's columns: true when the record is in canonical form. */
  ok: string;
  /** Fills the entity's staging table from bulk_raw (as `r`) rows matching `range` (over `r.rowid`). */
  stage: (range: string) => string;
  /** Columns with few distinct values whose canonical form JS decides: `map` returns the stored text, null for none, undefined for "send to zod". */
  distinct?: readonly { column: string; map: (value: string) => string | null | undefined }[];
  /** The keyed table a large range is appended to with its key index dropped. */
  table?: KeyedTable;
  apply: (range: string, append: AppendMode | false) => Promise<WriteCounts>;
}

/** More records needing validation than this, and the file is streamed instead. */
const MAX_NATIVE_OTHERS = 1000;
/** Appending at least this many events (and a quarter of those stored) drops and rebuilds the index. */
const BULK_APPEND_MIN = 200_000;

export interface OpenOptions {
  readOnly?: boolean;
  /** Clock for bookkeeping times (identity links); tests pass a fixed one. */
  now?: () => Date;
}

type Cell = string | number | boolean | null | undefined;

/** Columns of a staging table: name and how the appender writes it. */
type ColumnKind = 'text' | 'double' | 'int' | 'bool';
type Columns = readonly (readonly [name: string, kind: ColumnKind])[];

const sqlType: Record<ColumnKind, string> = { text: 'VARCHAR', double: 'DOUBLE', int: 'BIGINT', bool: 'BOOLEAN' };

function appendCell(a: DuckDBAppender, kind: ColumnKind, v: Cell): void {
  if (v === null || v === undefined) return a.appendNull();
  switch (kind) {
    case 'text':
      return a.appendVarchar(String(v));
    case 'double':
      return a.appendDouble(Number(v));
    case 'int':
      return a.appendBigInt(BigInt(v));
    case 'bool':
      return a.appendBoolean(Boolean(v));
  }
}

const customerColumns = [
  ['ord', 'int'],
  ['id', 'text'],
  ['email', 'text'],
  ['phone', 'text'],
  ['name', 'text'],
  ['birthday', 'text'],
  ['age', 'int'],
  ['gender', 'text'],
  ['city', 'text'],
  ['region', 'text'],
  ['postcode', 'text'],
  ['country', 'text'],
  ['shipping_address', 'text'],
  ['billing_address', 'text'],
  ['timezone', 'text'],
  ['language', 'text'],
  ['currency', 'text'],
  ['occupation', 'text'],
  ['social_identity', 'text'],
  ['attributes', 'text'],
  ['acquisition_channel', 'text'],
  ['referred_by', 'text'],
  ['created_at', 'text'],
  ['consent_email_granted', 'bool'],
  ['consent_email_at', 'text'],
  ['consent_email_source', 'text'],
  ['consent_sms_granted', 'bool'],
  ['consent_sms_at', 'text'],
  ['consent_sms_source', 'text'],
  ['consent_whatsapp_granted', 'bool'],
  ['consent_whatsapp_at', 'text'],
  ['consent_whatsapp_source', 'text'],
  ['newsletter', 'bool'],
] as const satisfies Columns;

/** Plain customer fields merged as "a value sent replaces the stored one; a value not sent keeps it". */
const customerPlainFields = [
  'email',
  'phone',
  'name',
  'gender',
  'city',
  'region',
  'postcode',
  'country',
  'timezone',
  'language',
  'currency',
  'occupation',
  'social_identity',
  'acquisition_channel',
  'referred_by',
] as const;

const orderColumns = [
  ['ord', 'int'],
  ['id', 'text'],
  ['source_customer_id', 'text'],
  ['source_email', 'text'],
  ['source_phone', 'text'],
  ['location_id', 'text'],
  ['placed_at', 'text'],
  ['status', 'text'],
  ['currency', 'text'],
  ['total', 'double'],
  ['discount_total', 'double'],
  ['discount_codes', 'text'],
  ['customer_id', 'text'],
] as const satisfies Columns;

const lineColumns = [
  ['ord', 'int'],
  ['order_id', 'text'],
  ['line_no', 'int'],
  ['sku', 'text'],
  ['quantity', 'int'],
  ['unit_price', 'double'],
  ['line_discount', 'double'],
] as const satisfies Columns;

const eventColumns = [
  ['message_id', 'text'],
  ['source_customer_id', 'text'],
  ['anonymous_id', 'text'],
  ['type', 'text'],
  ['occurred_at', 'text'],
  ['properties', 'text'],
  ['customer_id', 'text'],
  ['ord', 'int'],
] as const satisfies Columns;

const productColumns = [
  ['ord', 'int'],
  ['sku', 'text'],
  ['name', 'text'],
  ['category', 'text'],
  ['brand', 'text'],
  ['price', 'double'],
  ['launched_at', 'text'],
  ['collection', 'text'],
  ['consumption_days', 'int'],
] as const satisfies Columns;

const locationColumns = [
  ['ord', 'int'],
  ['id', 'text'],
  ['name', 'text'],
  ['kind', 'text'],
  ['city', 'text'],
  ['country', 'text'],
  ['timezone', 'text'],
] as const satisfies Columns;

const tagColumns = [
  ['ord', 'int'],
  ['customer_id', 'text'],
  ['tag', 'text'],
  ['source', 'text'],
  ['assigned_by', 'text'],
  ['assigned_at', 'text'],
] as const satisfies Columns;

const linkColumns = [
  ['ord', 'int'],
  ['customer_id', 'text'],
  ['anonymous_id', 'text'],
] as const satisfies Columns;

const stagingTables = {
  stage_customers: customerColumns,
  stage_orders: orderColumns,
  stage_lines: lineColumns,
  stage_events: eventColumns,
  stage_products: productColumns,
  stage_locations: locationColumns,
  stage_tags: tagColumns,
  stage_links: linkColumns,
} as const;
type StagingTable = keyof typeof stagingTables;

/** The id given to a buyer known only by email or phone (a till order): stable, so re-imports agree. */
export function guestCustomerId(kind: 'email' | 'phone', value: string): string {
  return `guest-${createHash('sha256').update(`${kind}:${value}`).digest('hex').slice(0, 20)}`;
}
const guestIdSql = (kind: string, valueExpr: string) => `'guest-' || substr(sha256('${kind}:' || ${valueExpr}), 1, 20)`;

const LOCK_ERROR = /Could not set lock on file "([^"]+)": Conflicting lock is held in (.*?) \(PID (\d+)\)/;

/**
 * The embedded store: one DuckDB file, one writing process. Every write() is one transaction;
 * writes are serialised on one connection so a batch never interleaves with another.
 */
export class DuckDbStore implements Store, SqlRunner, NativeFileImporter {
  readonly dialect = 'duckdb' as const;
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly readOnly: boolean,
    private readonly now: () => Date,
  ) {}

  static async open(path: string, options: OpenOptions = {}): Promise<DuckDbStore> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // A write-ahead log left behind means the last process did not close the store (a crash or a kill).
    const recovering =
      path !== ':memory:' && !options.readOnly && existsSync(`${path}.wal`) && statSync(`${path}.wal`).size > 0;
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
    } catch (e) {
      const m = LOCK_ERROR.exec(e instanceof Error ? e.message : '');
      if (m) {
        throw new AppError(
          'conflict',
          `the store ${path} is open for writing in another process (pid ${m[3]}). ` +
            'If that is `strata serve`/`npm start`, the command can go through it: check that the server is up; otherwise stop that process and retry.',
          [{ where: path, message: 'locked' }],
          { cause: e },
        );
      }
      throw e;
    }
    const conn = await instance.connect();
    await conn.run(`SET TimeZone = 'UTC'`);
    const store = new DuckDbStore(path, instance, conn, options.readOnly ?? false, options.now ?? (() => new Date()));
    if (!store.readOnly) {
      await store.migrate();
      // DuckDB 1.5 can replay a unique index from the log inconsistent with its table: build the
      // key indexes again from the rows after a recovery.
      if (recovering) await store.serial(() => store.rebuildKeyIndexes());
      await store.serial(() => store.ensureKeyIndexes());
    }
    return store;
  }

  /** Applies pending migrations; returns the versions applied. */
  async migrate(): Promise<number[]> {
    await this.conn.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)',
    );
    const done = new Set(
      (await this.rows<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await this.conn.run('BEGIN TRANSACTION');
      try {
        await this.conn.run(m.sql);
        await this.conn.run('INSERT INTO schema_migrations VALUES ($1, $2, now())', [m.version, m.name]);
        await this.conn.run('COMMIT');
      } catch (e) {
        await this.conn.run('ROLLBACK');
        throw e;
      }
      applied.push(m.version);
    }
    // New schema goes to the database file at once rather than waiting in the write-ahead log.
    if (applied.length) await this.conn.run('CHECKPOINT');
    return applied;
  }

  async schemaVersion(): Promise<number> {
    const r = await this.rows<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return Number(r[0]?.v ?? 0);
  }

  /** Runs one read query and returns plain JS rows (BIGINT as number where safe). */
  async rows<T = Record<string, unknown>>(sql: string, params: DuckDBValue[] = []): Promise<T[]> {
    return this.serial(async () => this.rowsUnlocked<T>(sql, params));
  }

  private async rowsUnlocked<T>(sql: string, params: DuckDBValue[] = []): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(sql, params);
    return toPlainRows(
      reader.columnNames(),
      reader.columnTypes().map((t) => t.typeId),
      reader.getRowObjectsJson(),
    ) as T[];
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.rows<T>(sql, params as DuckDBValue[]);
  }

  async exec(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    if (this.readOnly) throw new AppError('conflict', `the store ${this.path} is open read-only`);
    await this.serial(() => this.conn.run(sql, params as DuckDBValue[]));
  }

  loadTable(
    name: string,
    columns: readonly (readonly [string, LoadColumnType])[],
    rows: Iterable<readonly (SqlParam | undefined)[]>,
  ): Promise<void> {
    return this.serial(() => this.loadTableUnlocked(name, columns, rows));
  }

  private async loadTableUnlocked(
    name: string,
    columns: readonly (readonly [string, LoadColumnType])[],
    rows: Iterable<readonly (SqlParam | undefined)[]>,
  ): Promise<void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new AppError('invalid', `not a table name: ${name}`);
    const types: Record<LoadColumnType, [string, ColumnKind]> = {
      text: ['VARCHAR', 'text'],
      double: ['DOUBLE', 'double'],
      integer: ['BIGINT', 'int'],
      boolean: ['BOOLEAN', 'bool'],
      timestamp: ['VARCHAR', 'text'],
    };
    // Timestamps travel as ISO text through the appender and are cast once, in SQL.
    await this.conn.run(
      `CREATE OR REPLACE TABLE ${name}__load (${columns.map(([c, t]) => `"${c}" ${types[t][0]}`).join(', ')})`,
    );
    const a = await this.conn.createAppender(`${name}__load`);
    try {
      for (const row of rows) {
        for (let i = 0; i < columns.length; i++) appendCell(a, types[columns[i]![1]][1], row[i]);
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
    const select = columns.map(([c, t]) => (t === 'timestamp' ? `"${c}"::TIMESTAMPTZ AS "${c}"` : `"${c}"`)).join(', ');
    await this.conn.run(`CREATE OR REPLACE TABLE ${name} AS SELECT ${select} FROM ${name}__load`);
    await this.conn.run(`DROP TABLE ${name}__load`);
  }

  /** Runs fn in one transaction on the writing connection; other calls wait until it ends. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      const tx: SqlRunner = {
        dialect: 'duckdb',
        query: <R>(sql: string, params: readonly SqlParam[] = []) => this.rowsUnlocked<R>(sql, params as DuckDBValue[]),
        exec: async (sql: string, params: readonly SqlParam[] = []) => {
          await this.conn.run(sql, params as DuckDBValue[]);
        },
        loadTable: (name, columns, rows) => this.loadTableUnlocked(name, columns, rows),
        transaction: (inner) => inner(tx),
      };
      await this.conn.run('BEGIN TRANSACTION');
      try {
        const result = await fn(tx);
        await this.conn.run('COMMIT');
        return result;
      } catch (e) {
        await this.conn.run('ROLLBACK');
        throw e;
      }
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.tail;
    this.conn.closeSync();
    this.instance.closeSync();
  }

  async counts(): Promise<EntityCounts> {
    const r = await this.rows<Record<string, number>>(`
      SELECT
        (SELECT count(*) FROM customers WHERE merged_into IS NULL) AS customers,
        (SELECT count(*) FROM customers WHERE merged_into IS NOT NULL) AS merged_customers,
        (SELECT count(*) FROM products) AS products,
        (SELECT count(*) FROM locations) AS locations,
        (SELECT count(*) FROM orders) AS orders,
        (SELECT count(*) FROM order_lines) AS order_lines,
        (SELECT count(*) FROM events) AS events,
        (SELECT count(*) FROM tags) AS tags,
        (SELECT count(*) FROM identities) AS identities`);
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

  async resolveCustomer(key: {
    id?: string;
    email?: string;
    phone?: string;
    anonymous_id?: string;
  }): Promise<string | undefined> {
    const lookups: [string, string | undefined][] = [
      ['id', key.id],
      ['email', key.email?.toLowerCase()],
      ['phone', key.phone],
      ['anonymous', key.anonymous_id],
    ];
    for (const [kind, value] of lookups) {
      if (value === undefined) continue;
      const sql =
        kind === 'id'
          ? 'SELECT coalesce(merged_into, id) AS id FROM customers WHERE id = $1'
          : `SELECT coalesce(c.merged_into, c.id) AS id FROM identities i JOIN customers c ON c.id = i.customer_id WHERE i.kind = '${kind}' AND i.value = $1`;
      const r = await this.rows<{ id: string }>(sql, [value]);
      if (r[0]) return r[0].id;
    }
    return undefined;
  }

  async getSetting(key: string): Promise<string | undefined> {
    const r = await this.rows<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    return r[0]?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.serial(() => this.conn.run('INSERT OR REPLACE INTO settings VALUES ($1, $2)', [key, value]));
  }

  /** Writes a batch atomically. Safe to call concurrently: batches are applied one at a time. */
  write(batch: WriteBatch): Promise<BatchCounts> {
    if (this.readOnly) return Promise.reject(new AppError('conflict', `the store ${this.path} is open read-only`));
    return this.serial(async () => {
      await this.conn.run('BEGIN TRANSACTION');
      try {
        const counts = await this.applyBatch(batch);
        await this.conn.run('COMMIT');
        return counts;
      } catch (e) {
        await this.conn.run('ROLLBACK');
        throw e;
      }
    });
  }

  private async applyBatch(b: WriteBatch): Promise<BatchCounts> {
    const counts: BatchCounts = {};
    if (b.locations?.length) counts.locations = await this.upsertLocations(b.locations);
    if (b.products?.length) counts.products = await this.upsertProducts(b.products);
    if (b.customers?.length) {
      counts.customers = await this.upsertCustomers(b.customers);
      const tags = b.customers.flatMap((c) =>
        c.tags.map((tag): TagAssignment => ({
          customer_id: c.id,
          tag,
          source: 'manual',
          assigned_by: 'import',
          assigned_at: c.created_at ?? this.now().toISOString(),
        })),
      );
      if (tags.length) {
        const t = await this.upsertTags(tags);
        counts.tags = addCounts(counts.tags, t);
      }
    }
    // An event that carries both ids (a visitor signing in) links them, as an identify would.
    const links: IdentityLink[] = [...(b.identities ?? [])];
    for (const e of b.events ?? []) {
      if (e.customer_id !== undefined && e.anonymous_id !== undefined)
        links.push({ customer_id: e.customer_id, anonymous_id: e.anonymous_id });
    }
    if (links.length) counts.identities = await this.linkIdentities(links);
    if (b.orders?.length) counts.orders = await this.upsertOrders(b.orders);
    if (b.order_lines?.length) counts.order_lines = await this.upsertOrderLines(b.order_lines);
    if (b.events?.length) counts.events = await this.insertEvents(b.events);
    if (b.tags?.length) counts.tags = addCounts(counts.tags, await this.upsertTags(b.tags));
    return counts;
  }

  /* ---------- staging ---------- */

  private async stage(table: StagingTable, rows: Iterable<readonly Cell[]>): Promise<void> {
    const columns = stagingTables[table];
    // A fresh table is cheaper than deleting the previous batch's rows.
    await this.conn.run(
      `CREATE OR REPLACE TEMP TABLE ${table} (${columns.map(([n, k]) => `${n} ${sqlType[k]}`).join(', ')})`,
    );
    const a = await this.conn.createAppender(table, 'main', 'temp');
    try {
      for (const row of rows) {
        for (let i = 0; i < columns.length; i++) appendCell(a, columns[i]![1], row[i]);
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  }

  private async one(sql: string, params: DuckDBValue[] = []): Promise<Record<string, unknown>> {
    const r = await this.rowsUnlocked<Record<string, unknown>>(sql, params);
    return r[0] ?? {};
  }

  /** Counts and applies an upsert from a staging table (deduplicated, last row wins). */
  private async upsertFromStage(opts: {
    stage: StagingTable;
    target: string;
    key: readonly string[];
    /** target column → expression over `s` (the staged row) and `t` (the stored row) */
    set: Record<string, string>;
    /** the value each column gets on insert, over `s` */
    insert: Record<string, string>;
    /**
     * the target's key index is dropped (a bulk append); 'unique' assumes the batch has each key
     * once (building the index again checks it) and skips de-duplicating it
     */
    append?: AppendMode | false;
  }): Promise<WriteCounts> {
    const { stage, target, key, set, insert } = opts;
    const keyMatch = key.map((k) => `t.${k} = s.${k}`).join(' AND ');
    const dedup = opts.append === 'unique' ? stage : 'dedup';
    if (dedup === 'dedup') {
      await this.conn.run(
        `CREATE OR REPLACE TEMP TABLE dedup AS SELECT * FROM ${stage} QUALIFY row_number() OVER (PARTITION BY ${key.join(', ')} ORDER BY ord DESC) = 1`,
      );
    }
    const changed = Object.entries(set)
      .map(([col, expr]) => `(${expr}) IS DISTINCT FROM t.${col}`)
      .join(' OR ');
    const c = await this.one(`
      SELECT count(*) FILTER (WHERE t.${key[0]} IS NULL) AS inserted,
             count(*) FILTER (WHERE t.${key[0]} IS NOT NULL AND (${changed})) AS updated,
             count(*) AS total
      FROM ${dedup} s LEFT JOIN ${target} t ON ${keyMatch}`);
    const cols = Object.keys(insert);
    const inserted = Number(c.inserted ?? 0);
    const updated = Number(c.updated ?? 0);
    if (opts.append) {
      // The key index is dropped for a bulk append: stored rows are updated through a hash join
      // and new ones appended; the caller builds the index again.
      const anyStored = Number(c.total ?? 0) > inserted;
      if (anyStored) {
        const assignments = Object.entries(set).map(([col, expr]) => `${col} = ${expr}`);
        await this.conn.run(`UPDATE ${target} AS t SET ${assignments.join(', ')} FROM ${dedup} s WHERE ${keyMatch}`);
      }
      await this.conn.run(`
        INSERT INTO ${target} (${cols.join(', ')})
        SELECT ${cols.map((col) => insert[col]).join(', ')} FROM ${dedup} s
        ${anyStored ? `WHERE NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${keyMatch})` : ''}`);
      return { inserted, updated, unchanged: Number(c.total ?? 0) - inserted - updated };
    }
    const updates = Object.entries(set).map(
      ([col, expr]) => `${col} = ${expr.replace(/\bs\./g, 'excluded.').replace(/\bt\./g, `${target}.`)}`,
    );
    await this.conn.run(`
      INSERT INTO ${target} (${cols.join(', ')})
      SELECT ${cols.map((col) => insert[col]).join(', ')} FROM ${dedup} s
      ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${updates.join(', ')}`);
    return { inserted, updated, unchanged: Number(c.total ?? 0) - inserted - updated };
  }

  /* ---------- entities ---------- */

  private async upsertLocations(rows: readonly Location[]): Promise<WriteCounts> {
    await this.stage(
      'stage_locations',
      rows.map((l, i) => [i, l.id, l.name, l.kind, l.city, l.country, l.timezone]),
    );
    const cols = ['name', 'kind', 'city', 'country', 'timezone'];
    return this.upsertFromStage({
      stage: 'stage_locations',
      target: 'locations',
      key: ['id'],
      set: Object.fromEntries(cols.map((c) => [c, `s.${c}`])),
      insert: Object.fromEntries(['id', ...cols].map((c) => [c, `s.${c}`])),
    });
  }

  private async upsertProducts(rows: readonly Product[]): Promise<WriteCounts> {
    await this.stage(
      'stage_products',
      rows.map((p, i) => [
        i,
        p.sku,
        p.name,
        p.category,
        p.brand,
        p.price,
        p.launched_at,
        p.collection,
        p.consumption_days,
      ]),
    );
    const set = {
      name: 's.name',
      category: 's.category',
      brand: 's.brand',
      price: 's.price::DECIMAL(18,4)',
      launched_at: 's.launched_at::TIMESTAMPTZ',
      collection: 's.collection',
      consumption_days: 's.consumption_days::INTEGER',
    };
    return this.upsertFromStage({
      stage: 'stage_products',
      target: 'products',
      key: ['sku'],
      set,
      insert: { sku: 's.sku', ...set },
    });
  }

  private async upsertCustomers(rows: readonly Customer[]): Promise<WriteCounts> {
    await this.stage(
      'stage_customers',
      rows.map((c, i) => [
        i,
        c.id,
        c.email,
        c.phone,
        c.name,
        c.birthday,
        c.age,
        c.gender,
        c.city,
        c.region,
        c.postcode,
        c.country,
        c.shipping_address ? JSON.stringify(c.shipping_address) : undefined,
        c.billing_address ? JSON.stringify(c.billing_address) : undefined,
        c.timezone,
        c.language,
        c.currency,
        c.occupation,
        c.social_identity,
        Object.keys(c.attributes).length ? JSON.stringify(c.attributes) : undefined,
        c.acquisition_channel,
        c.referred_by,
        c.created_at,
        c.consent.email?.granted,
        c.consent.email?.at,
        c.consent.email?.source,
        c.consent.sms?.granted,
        c.consent.sms?.at,
        c.consent.sms?.source,
        c.consent.whatsapp?.granted,
        c.consent.whatsapp?.at,
        c.consent.whatsapp?.source,
        c.newsletter,
      ]),
    );
    return this.applyCustomers();
  }

  /** Stores the customers in stage_customers: merged-field upsert, consent history, email/phone claims. */
  private async applyCustomers(): Promise<WriteCounts> {
    // A record sent for a customer that was merged into another updates the surviving one.
    await this.conn.run(
      `UPDATE stage_customers SET id = c.merged_into FROM customers c WHERE c.id = stage_customers.id AND c.merged_into IS NOT NULL`,
    );
    const set: Record<string, string> = {};
    for (const f of customerPlainFields) set[f] = `coalesce(s.${f}, t.${f})`;
    set.birthday = 'coalesce(s.birthday::DATE, t.birthday)';
    set.age = 'coalesce(s.age::INTEGER, t.age)';
    set.shipping_address = 'coalesce(s.shipping_address::JSON, t.shipping_address)';
    set.billing_address = 'coalesce(s.billing_address::JSON, t.billing_address)';
    set.attributes = `CASE WHEN s.attributes IS NULL THEN t.attributes WHEN t.attributes IS NULL THEN s.attributes::JSON ELSE json_merge_patch(t.attributes, s.attributes::JSON) END`;
    set.created_at =
      'coalesce(least(s.created_at::TIMESTAMPTZ, t.created_at), s.created_at::TIMESTAMPTZ, t.created_at)';
    set.newsletter = 'coalesce(s.newsletter, t.newsletter)';
    for (const ch of channels) {
      // Consent: the newest statement wins, whatever order the records arrive in.
      const newer = `(s.consent_${ch}_at IS NOT NULL AND (t.consent_${ch}_at IS NULL OR s.consent_${ch}_at::TIMESTAMPTZ >= t.consent_${ch}_at))`;
      set[`consent_${ch}_granted`] = `CASE WHEN ${newer} THEN s.consent_${ch}_granted ELSE t.consent_${ch}_granted END`;
      set[`consent_${ch}_source`] = `CASE WHEN ${newer} THEN s.consent_${ch}_source ELSE t.consent_${ch}_source END`;
      set[`consent_${ch}_at`] = `CASE WHEN ${newer} THEN s.consent_${ch}_at::TIMESTAMPTZ ELSE t.consent_${ch}_at END`;
    }
    set.is_stub = 'false';
    const insert: Record<string, string> = { id: 's.id' };
    for (const [col, expr] of Object.entries(set)) {
      insert[col] = expr.replace(/coalesce\((s\.[a-z_]+(?:::[A-Z]+)?), t\.[a-z_]+\)/, '$1');
    }
    insert.attributes = 's.attributes::JSON';
    insert.created_at = 's.created_at::TIMESTAMPTZ';
    for (const ch of channels) {
      insert[`consent_${ch}_granted`] = `s.consent_${ch}_granted`;
      insert[`consent_${ch}_source`] = `s.consent_${ch}_source`;
      insert[`consent_${ch}_at`] = `s.consent_${ch}_at::TIMESTAMPTZ`;
    }
    // A stub (known only from an order) becoming a real record counts as an update, not unchanged.
    const counts = await this.upsertFromStage({
      stage: 'stage_customers',
      target: 'customers',
      key: ['id'],
      set,
      insert,
    });
    for (const ch of channels) {
      await this.conn.run(`
        INSERT OR IGNORE INTO consent_history
        SELECT id, '${ch}', consent_${ch}_granted, consent_${ch}_at::TIMESTAMPTZ, consent_${ch}_source
        FROM dedup WHERE consent_${ch}_at IS NOT NULL AND consent_${ch}_granted IS NOT NULL`);
    }
    await this.claimIdentities(`
      SELECT 'email' AS kind, email AS value, id AS customer_id, ord FROM dedup WHERE email IS NOT NULL
      UNION ALL SELECT 'phone', phone, id, ord FROM dedup WHERE phone IS NOT NULL`);
    return counts;
  }

  /**
   * Records that these customers own these emails/phones. When one is already owned by another
   * customer, the two are the same person: they are merged, keeping both histories.
   */
  private async claimIdentities(claimsSql: string): Promise<void> {
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE claims AS ${claimsSql}`);
    await this.conn.run(
      `
      INSERT OR IGNORE INTO identities
      SELECT kind, value, customer_id, $1::TIMESTAMPTZ FROM claims
      QUALIFY row_number() OVER (PARTITION BY kind, value ORDER BY ord) = 1`,
      [this.now().toISOString()],
    );
    // Only claims whose identity belongs to another id can be conflicts (few or none); their
    // canonical ids are resolved one by one. (Joining customers twice here in SQL led DuckDB's
    // planner to a 10⁸-row nested loop.)
    const conflicts = await this.rowsUnlocked<{ kind: string; value: string; owner: string; claimant: string }>(`
      SELECT DISTINCT cl.kind, cl.value, i.customer_id AS owner, cl.customer_id AS claimant
      FROM claims cl JOIN identities i ON i.kind = cl.kind AND i.value = cl.value
      WHERE i.customer_id <> cl.customer_id
      ORDER BY 1, 2, 4`);
    if (conflicts.length) await this.mergeAll(conflicts);
  }

  /**
   * Merges the customers who turned out to be one person. Conflicts link ids into groups (union-
   * find: a till guest, an online account and a second account sharing a phone are one group).
   * Each group keeps one survivor: a customer with a store record over a guest or stub, then the
   * one that already owned the email/phone, then the smallest id. The others' orders, events,
   * tags, identities and consent history move to the survivor in set-based statements; their rows
   * stay with merged_into set, so their ids still resolve.
   */
  private async mergeAll(conflicts: readonly { owner: string; claimant: string }[]): Promise<void> {
    const raw = [...new Set(conflicts.flatMap((c) => [c.owner, c.claimant]))];
    await this.stage(
      'stage_links',
      raw.map((id, i) => [i, id, null]),
    );
    const canon = new Map(
      (
        await this.rowsUnlocked<{ id: string; canon: string }>(
          `SELECT s.customer_id AS id, coalesce(c.merged_into, c.id) AS canon FROM stage_links s JOIN customers c ON c.id = s.customer_id`,
        )
      ).map((r) => [r.id, r.canon]),
    );
    const canonical = (id: string) => canon.get(id) ?? id;
    const parent = new Map<string, string>();
    const find = (x: string): string => {
      let root = x;
      while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root)!;
      parent.set(x, root);
      return root;
    };
    const owners = new Set<string>();
    for (const c of conflicts) {
      const a = canonical(c.owner);
      const b = canonical(c.claimant);
      owners.add(a);
      if (a === b) continue;
      parent.set(find(a), find(b));
    }
    const members = new Map<string, string[]>();
    for (const id of parent.keys()) {
      const root = find(id);
      const list = members.get(root) ?? [];
      list.push(id);
      members.set(root, list);
    }
    const ids = [...members.values()].flat();
    await this.stage(
      'stage_links',
      ids.map((id, i) => [i, id, null]),
    );
    const stub = new Map(
      (
        await this.rowsUnlocked<{ id: string; is_stub: boolean }>(
          `SELECT c.id, c.is_stub FROM stage_links s JOIN customers c ON c.id = s.customer_id`,
        )
      ).map((r) => [r.id, r.is_stub]),
    );
    const weak = (id: string) => (id.startsWith('guest-') || stub.get(id) === true ? 1 : 0);
    const rounds: [survivor: string, merged: string][][] = [];
    for (const group of members.values()) {
      if (group.length < 2) continue;
      group.sort(
        (x, y) => weak(x) - weak(y) || Number(owners.has(y)) - Number(owners.has(x)) || (x < y ? -1 : x > y ? 1 : 0),
      );
      const [survivor, ...merged] = group;
      // One merged customer per survivor per round, so every UPDATE ... FROM has one source row.
      merged.forEach((m, k) => (rounds[k] ??= []).push([survivor!, m]));
    }
    for (const pairs of rounds) await this.mergePairs(pairs);
  }

  private async mergePairs(pairs: readonly [string, string][]): Promise<void> {
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE merge_pairs (survivor VARCHAR, merged VARCHAR)`);
    const a = await this.conn.createAppender('merge_pairs', 'main', 'temp');
    try {
      for (const [s, m] of pairs) {
        a.appendVarchar(s);
        a.appendVarchar(m);
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
    const fill = [...customerPlainFields, 'birthday', 'age', 'shipping_address', 'billing_address', 'newsletter']
      .map((f) => `${f} = coalesce(s.${f}, m.${f})`)
      .join(', ');
    await this.conn.run(`
      UPDATE customers AS s SET ${fill},
        created_at = coalesce(least(s.created_at, m.created_at), s.created_at, m.created_at),
        attributes = CASE WHEN m.attributes IS NULL THEN s.attributes WHEN s.attributes IS NULL THEN m.attributes ELSE json_merge_patch(m.attributes, s.attributes) END,
        is_stub = s.is_stub AND m.is_stub
      FROM merge_pairs p JOIN customers m ON m.id = p.merged
      WHERE s.id = p.survivor`);
    for (const ch of channels) {
      await this.conn.run(`
        UPDATE customers AS s SET consent_${ch}_granted = m.consent_${ch}_granted, consent_${ch}_at = m.consent_${ch}_at, consent_${ch}_source = m.consent_${ch}_source
        FROM merge_pairs p JOIN customers m ON m.id = p.merged
        WHERE s.id = p.survivor AND m.consent_${ch}_at IS NOT NULL AND (s.consent_${ch}_at IS NULL OR m.consent_${ch}_at > s.consent_${ch}_at)`);
    }
    await this.conn.run(
      `UPDATE customers SET merged_into = p.survivor FROM merge_pairs p WHERE customers.id = p.merged OR customers.merged_into = p.merged`,
    );
    for (const table of ['orders', 'events', 'identities']) {
      await this.conn.run(
        `UPDATE ${table} SET customer_id = p.survivor FROM merge_pairs p WHERE ${table}.customer_id = p.merged`,
      );
    }
    await this.conn.run(
      `INSERT OR IGNORE INTO tags SELECT p.survivor, t.tag, t.source, t.assigned_by, t.assigned_at FROM tags t JOIN merge_pairs p ON t.customer_id = p.merged`,
    );
    await this.conn.run(`DELETE FROM tags WHERE customer_id IN (SELECT merged FROM merge_pairs)`);
    await this.conn.run(
      `INSERT OR IGNORE INTO consent_history SELECT p.survivor, h.channel, h.granted, h.stated_at, h.source FROM consent_history h JOIN merge_pairs p ON h.customer_id = p.merged`,
    );
    await this.conn.run(`DELETE FROM consent_history WHERE customer_id IN (SELECT merged FROM merge_pairs)`);
  }

  /** Creates id-only customers for ids seen in orders/events before their customer record. */
  private async ensureCustomers(sql: string): Promise<void> {
    await this.conn.run(
      `INSERT OR IGNORE INTO customers (id, is_stub, attributes) SELECT DISTINCT customer_id, true, '{}'::JSON FROM (${sql}) WHERE customer_id IS NOT NULL`,
    );
  }

  private async linkIdentities(rows: readonly IdentityLink[]): Promise<WriteCounts> {
    await this.stage(
      'stage_links',
      rows.map((l, i) => [i, l.customer_id, l.anonymous_id]),
    );
    return this.applyLinks();
  }

  /** Applies the identity links in stage_links (ord, customer_id, anonymous_id). */
  private async applyLinks(): Promise<WriteCounts> {
    await this.conn.run(
      `UPDATE stage_links SET customer_id = c.merged_into FROM customers c WHERE c.id = stage_links.customer_id AND c.merged_into IS NOT NULL`,
    );
    await this.ensureCustomers('SELECT customer_id FROM stage_links');
    const c = await this.one(`
      SELECT count(*) FILTER (WHERE i.value IS NULL) AS inserted, count(*) AS total
      FROM (SELECT DISTINCT anonymous_id, first(customer_id ORDER BY ord) AS customer_id FROM stage_links WHERE anonymous_id IS NOT NULL GROUP BY anonymous_id) s
      LEFT JOIN identities i ON i.kind = 'anonymous' AND i.value = s.anonymous_id`);
    // An anonymous id belongs to the first customer it was identified as (a shared device does
    // not make two people one).
    await this.conn.run(
      `INSERT OR IGNORE INTO identities
       SELECT 'anonymous', anonymous_id, customer_id, $1::TIMESTAMPTZ FROM stage_links WHERE anonymous_id IS NOT NULL
       QUALIFY row_number() OVER (PARTITION BY anonymous_id ORDER BY ord) = 1`,
      [this.now().toISOString()],
    );
    // Events sent before the visitor was identified now belong to the customer.
    await this.conn.run(`
      UPDATE events SET customer_id = coalesce(c.merged_into, c.id)
      FROM identities i JOIN customers c ON c.id = i.customer_id
      WHERE i.kind = 'anonymous' AND i.value = events.anonymous_id AND events.customer_id IS NULL
        AND events.anonymous_id IN (SELECT anonymous_id FROM stage_links)`);
    const inserted = Number(c.inserted ?? 0);
    return { inserted, updated: 0, unchanged: Number(c.total ?? 0) - inserted };
  }

  private async upsertOrders(rows: readonly Order[]): Promise<WriteCounts> {
    await this.stage(
      'stage_orders',
      rows.map((o, i) => [
        i,
        o.id,
        o.customer_id,
        o.customer_email,
        o.customer_phone,
        o.location_id,
        o.placed_at,
        o.status,
        o.currency,
        o.total,
        o.discount_total,
        JSON.stringify(o.discount_codes),
        null,
      ]),
    );
    const counts = await this.applyOrders();
    const lines = rows.flatMap((o) => o.lines.map((l, i): OrderLineRow => ({ ...l, order_id: o.id, line_no: i + 1 })));
    if (lines.length) {
      await this.upsertOrderLines(lines);
      // An order re-sent with fewer lines loses the lines it no longer has.
      await this.conn.run(`
        DELETE FROM order_lines USING (SELECT order_id, max(line_no) AS n FROM stage_lines GROUP BY order_id) k
        WHERE order_lines.order_id = k.order_id AND order_lines.line_no > k.n`);
    }
    return counts;
  }

  /** Stores the orders in stage_orders: resolves who bought, creates guests, upserts, claims emails/phones. */
  private async applyOrders(append: AppendMode | false = false): Promise<WriteCounts> {
    // Who bought: the store's customer id if given, else whoever owns the email, then the phone,
    // else a guest customer keyed by the email or phone.
    await this.conn.run(`
      UPDATE stage_orders SET customer_id = coalesce(
        (SELECT coalesce(c.merged_into, c.id) FROM customers c WHERE c.id = stage_orders.source_customer_id),
        stage_orders.source_customer_id,
        (SELECT coalesce(c.merged_into, c.id) FROM identities i JOIN customers c ON c.id = i.customer_id WHERE i.kind = 'email' AND i.value = stage_orders.source_email),
        (SELECT coalesce(c.merged_into, c.id) FROM identities i JOIN customers c ON c.id = i.customer_id WHERE i.kind = 'phone' AND i.value = stage_orders.source_phone),
        CASE WHEN source_email IS NOT NULL THEN ${guestIdSql('email', 'source_email')} ELSE ${guestIdSql('phone', 'source_phone')} END)`);
    await this.conn.run(`
      INSERT OR IGNORE INTO customers (id, email, phone, is_stub, attributes)
      SELECT customer_id, first(source_email ORDER BY ord), first(source_phone ORDER BY ord), true, '{}'::JSON
      FROM stage_orders GROUP BY customer_id`);
    const set = {
      customer_id: 's.customer_id',
      location_id: 's.location_id',
      placed_at: 's.placed_at::TIMESTAMPTZ',
      status: 's.status',
      currency: 's.currency',
      total: 's.total::DECIMAL(18,4)',
      discount_total: 's.discount_total::DECIMAL(18,4)',
      discount_codes: 's.discount_codes::JSON::VARCHAR[]',
      source_customer_id: 's.source_customer_id',
      source_email: 's.source_email',
      source_phone: 's.source_phone',
    };
    const counts = await this.upsertFromStage({
      stage: 'stage_orders',
      target: 'orders',
      key: ['id'],
      set,
      insert: { id: 's.id', ...set },
      append,
    });
    await this.claimIdentities(`
      SELECT 'email' AS kind, source_email AS value, customer_id, ord FROM stage_orders WHERE source_email IS NOT NULL
      UNION ALL SELECT 'phone', source_phone, customer_id, ord FROM stage_orders WHERE source_phone IS NOT NULL`);
    return counts;
  }

  private async upsertOrderLines(rows: readonly OrderLineRow[]): Promise<WriteCounts> {
    // Lines without a number are numbered in the order they arrive within their order.
    const next = new Map<string, number>();
    await this.stage(
      'stage_lines',
      rows.map((l, i) => {
        const n = l.line_no ?? (next.get(l.order_id) ?? 0) + 1;
        next.set(l.order_id, n);
        return [i, l.order_id, n, l.sku, l.quantity, l.unit_price, l.line_discount];
      }),
    );
    return this.applyOrderLines();
  }

  private applyOrderLines(append: AppendMode | false = false): Promise<WriteCounts> {
    const set = {
      sku: 's.sku',
      quantity: 's.quantity::INTEGER',
      unit_price: 's.unit_price::DECIMAL(18,4)',
      line_discount: 's.line_discount::DECIMAL(18,4)',
    };
    return this.upsertFromStage({
      stage: 'stage_lines',
      target: 'order_lines',
      key: ['order_id', 'line_no'],
      set,
      insert: { order_id: 's.order_id', line_no: 's.line_no::INTEGER', ...set },
      append,
    });
  }

  private async insertEvents(rows: readonly Event[]): Promise<WriteCounts> {
    await this.stage(
      'stage_events',
      rows.map((e, i) => [
        e.message_id,
        e.customer_id,
        e.anonymous_id,
        e.type,
        e.occurred_at,
        JSON.stringify(e.properties),
        null,
        i,
      ]),
    );
    return this.applyEvents('stage_events', rows.length, false);
  }

  /**
   * Stores staged events (a relation with stage_events' columns), the first of each message id.
   * With an append mode the unique index on message_id is dropped (writeKeyed), so events already
   * stored are skipped by an anti-join; 'unique' assumes the batch has no message id twice
   * (building the index again checks it), 'dedup' keeps the first of each.
   */
  private async applyEvents(source: string, total: number, mode: AppendMode | false): Promise<WriteCounts> {
    await this.conn.run(`
      INSERT INTO customers (id, is_stub, attributes)
      SELECT DISTINCT s.source_customer_id, true, '{}'::JSON FROM ${source} s
      WHERE s.source_customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = s.source_customer_id)`);
    // The first of each message id in the batch (skipped for an append that assumes none twice).
    const rows =
      mode === 'unique'
        ? source
        : `(SELECT * FROM ${source} QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY ord) = 1)`;
    // The customer: the one named (or who it was merged into), else whoever the anonymous id was identified as.
    const select = `
      SELECT s.message_id,
             CASE WHEN s.source_customer_id IS NOT NULL THEN coalesce(c.merged_into, s.source_customer_id) ELSE coalesce(ac.merged_into, ac.id) END,
             s.anonymous_id, s.type, s.occurred_at::TIMESTAMPTZ, s.properties::JSON
      FROM ${rows} s
      LEFT JOIN customers c ON c.id = s.source_customer_id
      LEFT JOIN identities i ON i.kind = 'anonymous' AND i.value = CASE WHEN s.source_customer_id IS NULL THEN s.anonymous_id END
      LEFT JOIN customers ac ON ac.id = i.customer_id`;
    if (mode === false) {
      const r = await this.conn.run(`INSERT OR IGNORE INTO events ${select}`);
      const inserted = Number(r.rowsChanged);
      return { inserted, updated: 0, unchanged: total - inserted };
    }
    const stored = Number((await this.one('SELECT count(*) AS n FROM (SELECT 1 FROM events LIMIT 1)')).n ?? 0);
    const r = await this.conn.run(
      `INSERT INTO events ${select}${stored ? ' WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = s.message_id)' : ''}`,
    );
    const inserted = Number(r.rowsChanged);
    return { inserted, updated: 0, unchanged: total - inserted };
  }

  /**
   * Builds the key indexes that a bulk append dropped, if missing (the append was killed before
   * building them again). Should rows with one key have been appended meanwhile, the first stored
   * event, or the last stored order or line, is kept; returns how many rows were removed.
   */
  private async ensureKeyIndexes(tables: readonly KeyedTable[] = keyedTables): Promise<number> {
    const present = new Set(
      (await this.rowsUnlocked<{ n: string }>(`SELECT index_name AS n FROM duckdb_indexes()`)).map((r) => r.n),
    );
    let removed = 0;
    for (const table of tables) {
      const { index, columns, keep } = keyIndexes[table];
      if (present.has(index)) continue;
      const create = `CREATE UNIQUE INDEX ${index} ON ${table} (${columns.join(', ')})`;
      // Checkpoints around the build keep the rebuilt index out of the write-ahead log, which DuckDB
      // 1.5 can replay inconsistent (see open()).
      await this.conn.run('CHECKPOINT');
      try {
        await this.conn.run(create);
      } catch {
        const r = await this.conn.run(`
          DELETE FROM ${table} WHERE rowid IN (
            SELECT rowid FROM ${table} QUALIFY row_number() OVER (PARTITION BY ${columns.join(', ')} ORDER BY rowid ${keep === 'first' ? 'ASC' : 'DESC'}) > 1)`);
        removed += Number(r.rowsChanged);
        await this.conn.run(create);
      }
      await this.conn.run('CHECKPOINT');
    }
    return removed;
  }

  private async rebuildKeyIndexes(): Promise<void> {
    for (const table of keyedTables) await this.dropKeyIndex(table);
    await this.ensureKeyIndexes();
  }

  private async dropKeyIndex(table: KeyedTable): Promise<void> {
    await this.conn.run(`DROP INDEX IF EXISTS ${keyIndexes[table].index}`);
  }

  /* ---------- native bulk import ---------- */

  /**
   * Opens a local file with DuckDB's own parallel reader (JSON Lines events for now). Canonical
   * records are written by writeRange without leaving the engine; the others, with their line
   * numbers, are returned for validation by the caller. Undefined when the file is not suited
   * (the reader failed, line numbers cannot be matched, or too many records need validation).
   */
  openFileImport(entity: Entity, path: string, format: 'csv' | 'jsonl'): Promise<NativeFileImport | undefined> {
    if (this.readOnly) return Promise.resolve(undefined);
    if (format === 'csv') {
      const spec = this.csvSpecs()[entity];
      return spec ? this.serial(() => this.openCsvImport(spec, path)) : Promise.resolve(undefined);
    }
    if (entity !== 'events') return Promise.resolve(undefined);
    return this.serial(async () => {
      try {
        await this.conn.run(`CREATE OR REPLACE TEMP TABLE bulk_raw AS ${eventsReadSql(path)}`);
      } catch {
        await this.dropBulkTables();
        return undefined;
      }
      await this.conn.run(`CREATE OR REPLACE TEMP TABLE bulk_bad AS SELECT rowid AS r FROM bulk_raw WHERE NOT ok`);
      const records = Number((await this.one('SELECT count(*) AS n FROM bulk_raw')).n ?? 0);
      // A canonical record sharing its message id with one that is not goes with it, so the
      // first of them in the file is still the one kept.
      const slow = await this.slowRecords(['message_id']);
      const others = slow.length ? await this.nativeOthers(path, records, slow) : [];
      if (!others) {
        await this.dropBulkTables();
        return undefined;
      }
      return {
        records,
        others,
        writeRange: (from, to) => this.writeEventsRange(from, to),
        close: () => this.serial(() => this.dropBulkTables()),
      } satisfies NativeFileImport;
    });
  }

  /** How each CSV entity is read natively: its fields, the canonical-form check, staging and storing. */
  private csvSpecs(): Partial<Record<Entity, CsvSpec>> {
    const opt = (c: string, check: string) => `(${c} IS NULL OR ${check})`;
    const id = (c: string) => canonicalText(c, 200);
    return {
      orders: {
        fields: [
          'id',
          'customer_id',
          'customer_email',
          'customer_phone',
          'customer_country',
          'location_id',
          'placed_at',
          'status',
          'currency',
          'total',
          'discount_total',
          'discount_codes',
        ],
        key: ['id'],
        phones: { phone: 'customer_phone', country: 'upper(customer_country)' },
        ok: [
          id('id'),
          opt('customer_id', id('customer_id')),
          opt('customer_email', canonicalEmail('lower(customer_email)')),
          opt('customer_country', canonicalCountry('upper(customer_country)')),
          'NOT (customer_id IS NULL AND customer_email IS NULL AND customer_phone IS NULL)',
          id('location_id'),
          canonicalTime('placed_at'),
          opt('status', oneOf('status', ['confirmed', 'cancelled', 'refunded'])),
          canonicalCurrency('currency'),
          canonicalMoney('total', true),
          opt('discount_total', canonicalMoney('discount_total', false)),
          opt('discount_codes', canonicalList('discount_codes')),
        ].join(' AND '),
        stage: (range) => `
          CREATE OR REPLACE TEMP TABLE stage_orders AS
          SELECT r.rowid AS ord, id, customer_id AS source_customer_id, lower(customer_email) AS source_email, b.e AS source_phone, location_id, placed_at,
                 coalesce(status, 'confirmed') AS status, currency, total::DOUBLE AS total, coalesce(discount_total::DOUBLE, 0) AS discount_total,
                 ${listJson('discount_codes')} AS discount_codes, NULL::VARCHAR AS customer_id
          FROM bulk_raw r LEFT JOIN bulk_phones b ON b.p = r.customer_phone AND b.c IS NOT DISTINCT FROM upper(r.customer_country)
          WHERE ${range}`,
        table: 'orders',
        apply: (_range, append) => this.applyOrders(append),
      },
      customers: this.customersSpec(),
      tags: {
        fields: ['customer_id', 'tag', 'source', 'assigned_by', 'assigned_at'],
        key: ['customer_id', 'tag'],
        ok: [
          id('customer_id'),
          canonicalText('tag', 100),
          opt('source', oneOf('source', ['manual', 'rule'])),
          opt('assigned_by', canonicalText('assigned_by', 200)),
          canonicalTime('assigned_at'),
        ].join(' AND '),
        stage: (range) => `
          CREATE OR REPLACE TEMP TABLE stage_tags AS
          SELECT r.rowid AS ord, customer_id, tag, coalesce(source, 'manual') AS source, coalesce(assigned_by, 'import') AS assigned_by, assigned_at
          FROM bulk_raw r WHERE ${range}`,
        apply: async () => {
          const total = Number((await this.one('SELECT count(*) AS n FROM stage_tags')).n ?? 0);
          const inserted = await this.applyTags();
          return { inserted, updated: 0, unchanged: total - inserted };
        },
      },
      order_lines: {
        fields: ['order_id', 'line_no', 'sku', 'quantity', 'unit_price', 'line_discount'],
        key: ['order_id', 'line_no'],
        // Lines without a number are numbered by their place among the file's lines of that order.
        requireAll: ['line_no'],
        ok: [
          id('order_id'),
          canonicalPositiveInt('line_no'),
          id('sku'),
          canonicalPositiveInt('quantity'),
          canonicalMoney('unit_price', false),
          opt('line_discount', canonicalMoney('line_discount', false)),
        ].join(' AND '),
        stage: (range) => `
          CREATE OR REPLACE TEMP TABLE stage_lines AS
          SELECT r.rowid AS ord, order_id, line_no::BIGINT AS line_no, sku, quantity::BIGINT AS quantity, unit_price::DOUBLE AS unit_price,
                 coalesce(line_discount::DOUBLE, 0) AS line_discount
          FROM bulk_raw r WHERE ${range}`,
        table: 'order_lines',
        apply: (_range, append) => this.applyOrderLines(append),
      },
    };
  }

  private customersSpec(): CsvSpec {
    const q = ident;
    const opt = (c: string, check: string) => `(${q(c)} IS NULL OR ${check})`;
    const text = (c: string, max: number) => opt(c, canonicalText(q(c), max));
    const addressParts = [
      ['line1', 500],
      ['line2', 500],
      ['city', 200],
      ['region', 200],
      ['postcode', 40],
    ] as const;
    const address = (a: string) => [...addressParts.map(([k]) => `${a}.${k}`), `${a}.country`];
    const addressOk = (a: string) =>
      [
        ...addressParts.map(([k, max]) => opt(`${a}.${k}`, jsonSafeText(q(`${a}.${k}`), max))),
        opt(`${a}.country`, canonicalCountry(`upper(${q(`${a}.country`)})`)),
      ].join(' AND ');
    const addressJson = (a: string) =>
      jsonObjectOf([
        ...addressParts.map(([k]) => [k, `r.${q(`${a}.${k}`)}`] as const),
        ['country', `upper(r.${q(`${a}.country`)})`] as const,
      ]);
    const consentOk = (ch: string) => {
      const [g, at, src] = [`consent.${ch}.granted`, `consent.${ch}.at`, `consent.${ch}.source`].map(q);
      return `((${g} IS NULL AND ${at} IS NULL AND ${src} IS NULL) OR (${g} IS NOT NULL AND ${canonicalBool(g!)} AND ${at} IS NOT NULL AND ${canonicalTime(at!)} AND (${src} IS NULL OR ${canonicalText(src!, 200)})))`;
    };
    const consentCols = channels.flatMap((ch) => [
      `${boolValue(`r.${q(`consent.${ch}.granted`)}`)} AS consent_${ch}_granted`,
      `r.${q(`consent.${ch}.at`)} AS consent_${ch}_at`,
      `r.${q(`consent.${ch}.source`)} AS consent_${ch}_source`,
    ]);
    return {
      fields: [
        'id',
        'email',
        'phone',
        'name',
        'birthday',
        'age',
        'gender',
        'city',
        'region',
        'postcode',
        'country',
        ...address('shipping_address'),
        ...address('billing_address'),
        'timezone',
        'language',
        'currency',
        'occupation',
        'social_identity',
        'attributes',
        'tags',
        'acquisition_channel',
        'referred_by',
        'created_at',
        ...channels.flatMap((ch) => [`consent.${ch}.granted`, `consent.${ch}.at`, `consent.${ch}.source`]),
        'newsletter',
      ],
      key: ['id'],
      phones: { phone: 'phone', country: `upper(coalesce(${q('country')}, ${q('shipping_address.country')}))` },
      distinct: [
        // Zones, attribute objects and tag lists have few distinct values: zod's own rules decide them in JS.
        { column: 'timezone', map: (v) => (v === v.trim() && isIanaTimeZone(v) ? v : undefined) },
        {
          column: 'attributes',
          map: (v) => {
            try {
              const o: unknown = JSON.parse(v);
              if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
              return Object.keys(o).length ? JSON.stringify(o) : null;
            } catch {
              return undefined;
            }
          },
        },
        {
          column: 'tags',
          map: (v) => {
            const tags = v
              .split(/[;|]/)
              .map((t) => t.trim())
              .filter((t) => t !== '');
            return tags.every((t) => t.length <= 200) ? JSON.stringify(tags) : undefined;
          },
        },
      ],
      ok: [
        canonicalText(q('id'), 200),
        opt('email', canonicalEmail(`lower(${q('email')})`)),
        opt('phone', `strlen(${q('phone')}) <= 40`),
        text('name', 300),
        opt('birthday', canonicalDate(q('birthday'))),
        opt('age', canonicalAge(q('age'))),
        text('gender', 40),
        text('city', 200),
        text('region', 200),
        text('postcode', 40),
        opt('country', canonicalCountry(`upper(${q('country')})`)),
        addressOk('shipping_address'),
        addressOk('billing_address'),
        text('language', 35),
        opt('currency', canonicalCurrency(`upper(${q('currency')})`)),
        text('occupation', 200),
        text('social_identity', 200),
        text('acquisition_channel', 100),
        text('referred_by', 200),
        opt('created_at', canonicalTime(q('created_at'))),
        ...channels.map(consentOk),
        opt('newsletter', canonicalBool(q('newsletter'))),
      ].join(' AND '),
      stage: (range) => `
        CREATE OR REPLACE TEMP TABLE stage_customers AS
        SELECT r.rowid AS ord, r.id, lower(r.email) AS email, b.e AS phone, r.name, r.birthday, r.age::BIGINT AS age, r.gender, r.city, r.region,
               r.postcode, upper(r.country) AS country, ${addressJson('shipping_address')} AS shipping_address,
               ${addressJson('billing_address')} AS billing_address, r.timezone, r.language, upper(r.currency) AS currency, r.occupation,
               r.social_identity, m_attributes.v_out AS attributes, r.acquisition_channel, r.referred_by, r.created_at,
               ${consentCols.join(', ')}, ${boolValue('r.newsletter')} AS newsletter
        FROM bulk_raw r
        LEFT JOIN bulk_phones b ON b.p = r.phone AND b.c IS NOT DISTINCT FROM upper(coalesce(r.country, r."shipping_address.country"))
        LEFT JOIN bulk_map_attributes m_attributes ON m_attributes.v_in = r.attributes
        WHERE ${range}`,
      apply: async (range) => {
        const counts = await this.applyCustomers();
        // Tags listed on the records: assigned by the import, when the customer was created.
        await this.conn.run(
          `CREATE OR REPLACE TEMP TABLE stage_tags AS
           SELECT r.rowid * 1000 + t.pos AS ord, r.id AS customer_id, t.tag, 'manual' AS source, 'import' AS assigned_by, coalesce(r.created_at, $1) AS assigned_at
           FROM bulk_raw r JOIN bulk_map_tags m ON m.v_in = r.tags,
                LATERAL (SELECT unnest(m.v_out::JSON::VARCHAR[]) AS tag, generate_subscripts(m.v_out::JSON::VARCHAR[], 1) AS pos) t
           WHERE ${range}`,
          [this.now().toISOString()],
        );
        await this.applyTags();
        return counts;
      },
    };
  }

  private async openCsvImport(spec: CsvSpec, path: string): Promise<NativeFileImport | undefined> {
    let header: string[];
    try {
      header = (await this.conn.runAndReadAll(`${csvRawSql(path)} LIMIT 0`)).columnNames();
    } catch {
      return undefined;
    }
    // Columns the entity does not have (or nested ones) are left to the streaming reader's rules.
    if (header.some((h) => !spec.fields.includes(h))) return undefined;
    // Fields the file does not have read as not given. The select list is projections only, so
    // rowids follow the file's order (see eventsReadSql).
    const select = [
      ...header.map(ident),
      ...spec.fields.filter((f) => !header.includes(f)).map((f) => `NULL::VARCHAR AS ${ident(f)}`),
    ];
    try {
      await this.conn.run(
        `CREATE OR REPLACE TEMP TABLE bulk_raw AS SELECT *, coalesce(${spec.ok}, false) AS ok FROM (${csvRawSql(path, select.join(', '))})`,
      );
    } catch {
      await this.dropBulkTables();
      return undefined;
    }
    const done = async <T>(value: T) => {
      if (value === undefined) await this.dropBulkTables();
      return value;
    };
    for (const f of spec.requireAll ?? []) {
      if (Number((await this.one(`SELECT count(*) AS n FROM bulk_raw WHERE ${ident(f)} IS NULL`)).n) > 0)
        return done(undefined);
    }
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE bulk_bad AS SELECT rowid AS r FROM bulk_raw WHERE NOT ok`);
    if (spec.phones) await this.normalisePhones(spec.phones.phone, spec.phones.country);
    for (const d of spec.distinct ?? []) await this.mapDistinct(d.column, d.map);
    const records = Number((await this.one('SELECT count(*) AS n FROM bulk_raw')).n ?? 0);
    const slow = await this.slowRecords(spec.key);
    let others: NativeRecord[] = [];
    if (slow.length) {
      const lines = await this.nativeLines(path, records, slow, 1);
      if (!lines) return done(undefined);
      await this.loadTableUnlocked(
        'bulk_wanted',
        [['idx', 'integer']],
        slow.map((r) => [r]),
      );
      const rows = await this.rowsUnlocked<Record<string, string | null>>(
        `SELECT b.rowid AS __idx, ${spec.fields.map(ident).join(', ')} FROM bulk_raw b JOIN bulk_wanted w ON w.idx = b.rowid ORDER BY 1`,
      );
      await this.conn.run('DROP TABLE IF EXISTS bulk_wanted');
      others = rows.map((r, k) => {
        const cells: Record<string, string> = {};
        for (const f of spec.fields) {
          const cell = r[f];
          if (header.includes(f) && cell !== null && cell !== undefined) cells[f] = cell;
        }
        return { index: Number(r.__idx), line: lines[k]!, cells };
      });
    }
    return done({
      records,
      others,
      writeRange: (from: number, to: number) =>
        this.serial(() => {
          const range = `r.rowid >= ${from} AND r.rowid < ${to}`;
          return this.writeKeyed(spec.table, to - from, async (mode) => {
            await this.conn.run(spec.stage(range));
            return spec.apply(range, mode);
          });
        }),
      close: () => this.serial(() => this.dropBulkTables()),
    } satisfies NativeFileImport);
  }

  /**
   * Phone numbers go through the same libphonenumber rules as the schemas, once per distinct
   * (number, default country), into bulk_phones (p, c, e = the E.164 form); a number those rules
   * refuse sends its record to zod, which rejects it with the usual message.
   */
  private async normalisePhones(phone: string, country: string): Promise<void> {
    const pairs = await this.rowsUnlocked<{ p: string; c: string | null }>(
      `SELECT DISTINCT ${ident(phone)} AS p, ${country} AS c FROM bulk_raw WHERE ${ident(phone)} IS NOT NULL AND rowid NOT IN (SELECT r FROM bulk_bad)`,
    );
    await this.loadTableUnlocked(
      'bulk_phones',
      [
        ['p', 'text'],
        ['c', 'text'],
        ['e', 'text'],
      ],
      pairs.map((x) => [x.p, x.c, toE164(x.p, x.c ?? undefined) ?? null]),
    );
    await this.conn.run(`
      INSERT INTO bulk_bad SELECT r.rowid FROM bulk_raw r JOIN bulk_phones b ON b.p = r.${ident(phone)} AND b.c IS NOT DISTINCT FROM ${country}
      WHERE b.e IS NULL`);
  }

  /**
   * Decides a column once per distinct value into bulk_map_<column> (v_in, v_out); values `map`
   * leaves undefined send their records to zod.
   */
  private async mapDistinct(column: string, map: (value: string) => string | null | undefined): Promise<void> {
    const values = await this.rowsUnlocked<{ v: string }>(
      `SELECT DISTINCT ${ident(column)} AS v FROM bulk_raw WHERE ${ident(column)} IS NOT NULL AND rowid NOT IN (SELECT r FROM bulk_bad)`,
    );
    const table = `bulk_map_${column}`;
    const mapped = values.map((x) => [x.v, map(x.v)] as const);
    await this.loadTableUnlocked(
      table,
      [
        ['v_in', 'text'],
        ['v_out', 'text'],
        ['ok', 'boolean'],
      ],
      mapped.map(([v, out]) => [v, out ?? null, out !== undefined]),
    );
    await this.conn.run(
      `INSERT INTO bulk_bad SELECT r.rowid FROM bulk_raw r JOIN ${table} m ON m.v_in = r.${ident(column)} WHERE NOT m.ok`,
    );
  }

  /**
   * The records that go to zod, in file order: those not in canonical form (bulk_bad) and those
   * sharing their key with one of them. More than MAX_NATIVE_OTHERS returns MAX_NATIVE_OTHERS + 1.
   */
  private async slowRecords(key: readonly string[]): Promise<number[]> {
    if (Number((await this.one('SELECT count(*) AS n FROM bulk_bad')).n ?? 0) === 0) return [];
    const k = key.map((c) => `r.${ident(c)}`).join(', ');
    const rows = await this.rowsUnlocked<{ r: number }>(`
      SELECT r FROM bulk_bad
      UNION
      SELECT r.rowid FROM bulk_raw r
      WHERE (${k}) IN (SELECT (${k}) FROM bulk_raw r JOIN bulk_bad b ON b.r = r.rowid)
      ORDER BY 1 LIMIT ${MAX_NATIVE_OTHERS + 1}`);
    return rows.map((x) => Number(x.r));
  }

  private async dropBulkTables(): Promise<void> {
    // the per-column maps are ordinary tables (loaded through the appender): found by name
    const maps = await this.rowsUnlocked<{ t: string }>(
      `SELECT table_name AS t FROM duckdb_tables() WHERE starts_with(table_name, 'bulk_map_')`,
    );
    for (const t of ['bulk_raw', 'bulk_bad', 'bulk_phones', 'bulk_lines', 'bulk_wanted', ...maps.map((m) => m.t)])
      await this.conn.run(`DROP TABLE IF EXISTS ${ident(t)}`);
  }

  /**
   * The line numbers of the given records, or undefined when records and lines cannot be matched
   * exactly (a quoted cell spanning lines, say). `headerLines` lines come before the first record.
   */
  private async nativeLines(
    path: string,
    records: number,
    indexes: readonly number[],
    headerLines: number,
  ): Promise<number[] | undefined> {
    const texts = await this.nativeLineTexts(
      path,
      records + headerLines,
      indexes.map((i) => i + headerLines),
    );
    return texts?.map((t) => t.line);
  }

  /** The text and line number of the given records (JSON Lines), or undefined when they cannot be matched exactly. */
  private async nativeOthers(
    path: string,
    records: number,
    indexes: readonly number[],
  ): Promise<NativeRecord[] | undefined> {
    const texts = await this.nativeLineTexts(path, records, indexes);
    return texts?.map((t, k) => ({ index: indexes[k]!, line: t.line, text: t.text }));
  }

  /**
   * Line number and text of the k-th non-blank lines (k in `indexes`, ascending), reading the file
   * line by line with DuckDB; undefined when the file does not have exactly `filled` non-blank lines.
   */
  private async nativeLineTexts(
    path: string,
    filled: number,
    indexes: readonly number[],
  ): Promise<{ line: number; text: string }[] | undefined> {
    if (indexes.length > MAX_NATIVE_OTHERS) return undefined;
    try {
      await this.conn.run(`CREATE OR REPLACE TEMP TABLE bulk_lines AS ${linesSql(path)}`);
    } catch {
      return undefined;
    }
    try {
      const c = await this.one(
        `SELECT count(*) AS lines, count(*) FILTER (WHERE j IS NOT NULL AND trim(j, ' \t\r') <> '') AS filled FROM bulk_lines`,
      );
      // Readers skip blank lines; the k-th record is on the k-th line with text on it.
      if (Number(c.filled) !== filled) return undefined;
      await this.loadTableUnlocked(
        'bulk_wanted',
        [['idx', 'integer']],
        indexes.map((r) => [r]),
      );
      const sql =
        Number(c.lines) === filled
          ? `SELECT w.idx, l.rowid + 1 AS line, l.j AS text FROM bulk_wanted w JOIN bulk_lines l ON l.rowid = w.idx`
          : `WITH filled AS (SELECT rowid + 1 AS line, j, row_number() OVER (ORDER BY rowid) - 1 AS rec FROM bulk_lines WHERE j IS NOT NULL AND trim(j, ' \t\r') <> '')
             SELECT w.idx, f.line, f.j AS text FROM bulk_wanted w JOIN filled f ON f.rec = w.idx`;
      const rows = await this.rowsUnlocked<{ idx: number; line: number; text: string }>(`${sql} ORDER BY 1`);
      return rows.length === indexes.length ? rows.map((r) => ({ line: Number(r.line), text: r.text })) : undefined;
    } finally {
      await this.conn.run('DROP TABLE IF EXISTS bulk_lines');
      await this.conn.run('DROP TABLE IF EXISTS bulk_wanted');
    }
  }

  private writeEventsRange(from: number, to: number): Promise<WriteCounts> {
    return this.serial(async () => {
      // A range never holds a record sent to zod: all of it is written here.
      const total = to - from;
      if (total <= 0) return emptyWriteCounts();
      return this.writeKeyed('events', total, async (mode) => {
        await this.conn.run(`CREATE OR REPLACE TEMP TABLE stage_links AS ${eventsLinksSql(from, to)}`);
        if (Number((await this.one('SELECT count(*) AS n FROM stage_links')).n ?? 0) > 0) await this.applyLinks();
        return this.applyEvents(`(${eventsStageSql(from, to)})`, total, mode);
      });
    });
  }

  /**
   * Runs `write` in one transaction (the caller holds the serial lock). A large append to a keyed
   * table — at least BULK_APPEND_MIN rows and a quarter of those stored — drops the key index first
   * and builds it again before committing: `write` runs with 'unique' (each key assumed once) and,
   * should the build find a key twice, again with 'dedup'. A crash leaves the append rolled back and
   * the index missing, which open() builds again.
   */
  private async writeKeyed(
    table: KeyedTable | undefined,
    rows: number,
    write: (mode: AppendMode | false) => Promise<WriteCounts>,
  ): Promise<WriteCounts> {
    let append = false;
    if (table && rows >= BULK_APPEND_MIN) {
      const stored = Number((await this.one(`SELECT count(*) AS n FROM ${table}`)).n ?? 0);
      append = rows * 4 >= stored;
    }
    const attempt = async (mode: AppendMode | false): Promise<WriteCounts> => {
      await this.conn.run('BEGIN TRANSACTION');
      try {
        const counts = await write(mode);
        if (mode && table) {
          const { index, columns } = keyIndexes[table];
          await this.conn.run(`CREATE UNIQUE INDEX ${index} ON ${table} (${columns.join(', ')})`);
        }
        await this.conn.run('COMMIT');
        return counts;
      } catch (e) {
        // A failed COMMIT (a key twice) has already ended the transaction.
        await this.conn.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
    };
    if (!append || !table) return attempt(false);
    await this.dropKeyIndex(table);
    try {
      return await attempt('unique');
    } catch {
      return await attempt('dedup');
    } finally {
      await this.ensureKeyIndexes([table]);
    }
  }

  private async upsertTags(rows: readonly TagAssignment[]): Promise<WriteCounts> {
    await this.stage(
      'stage_tags',
      rows.map((t, i) => [i, t.customer_id, t.tag, t.source, t.assigned_by, t.assigned_at]),
    );
    const inserted = await this.applyTags();
    return { inserted, updated: 0, unchanged: rows.length - inserted };
  }

  /** Stores the tags in stage_tags (ord, customer_id, tag, source, assigned_by, assigned_at); returns how many were new. */
  private async applyTags(): Promise<number> {
    await this.conn.run(
      `UPDATE stage_tags SET customer_id = c.merged_into FROM customers c WHERE c.id = stage_tags.customer_id AND c.merged_into IS NOT NULL`,
    );
    await this.ensureCustomers('SELECT customer_id FROM stage_tags');
    // A tag already on the customer keeps who assigned it first.
    await this.conn.run(
      `CREATE OR REPLACE TEMP TABLE dedup AS SELECT * FROM stage_tags QUALIFY row_number() OVER (PARTITION BY customer_id, tag ORDER BY ord) = 1`,
    );
    const r = await this.conn.run(`
      INSERT OR IGNORE INTO tags SELECT customer_id, tag, source, assigned_by, assigned_at::TIMESTAMPTZ FROM dedup`);
    return Number(r.rowsChanged);
  }
}

const numericTypes = new Set<DuckDBTypeId>([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL,
]);
const timestampTypes = new Set<DuckDBTypeId>([DuckDBTypeId.TIMESTAMP_TZ, DuckDBTypeId.TIMESTAMP]);

/**
 * Rows as plain JSON values every caller can compare: big integers and decimals as numbers,
 * times as ISO 8601 UTC strings, dates as YYYY-MM-DD, JSON as text.
 */
function toPlainRows(
  names: string[],
  types: DuckDBTypeId[],
  rows: Record<string, unknown>[],
): Record<string, unknown>[] {
  const convert: [string, (v: unknown) => unknown][] = [];
  names.forEach((name, i) => {
    const t = types[i]!;
    if (numericTypes.has(t)) convert.push([name, (v) => (typeof v === 'string' ? Number(v) : v)]);
    else if (timestampTypes.has(t)) {
      convert.push([
        name,
        (v) =>
          typeof v === 'string' ? new Date(v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString() : v,
      ]);
    }
  });
  if (convert.length === 0) return rows;
  for (const row of rows)
    for (const [name, f] of convert) if (row[name] !== null && row[name] !== undefined) row[name] = f(row[name]);
  return rows;
}

function addCounts(a: WriteCounts | undefined, b: WriteCounts): WriteCounts {
  const base = a ?? emptyWriteCounts();
  return {
    inserted: base.inserted + b.inserted,
    updated: base.updated + b.updated,
    unchanged: base.unchanged + b.unchanged,
  };
}
