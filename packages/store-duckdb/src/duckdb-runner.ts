import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import { AppError, type LoadColumnType, type SqlParam } from '@strata/core';
import { makeOwnerOnly } from './file-modes.js';
import { ident } from './native-sql.js';

/** Read connections: user-chosen queries, and the cheap status counts (see DuckDbRunner.read). */
export type ReadLane = 'queries' | 'status';

/** A value the appender writes: undefined and null both become NULL. */
export type Cell = string | number | boolean | null | undefined;

/** Columns of a table filled through the appender: name and how the appender writes it. */
export type ColumnKind = 'text' | 'double' | 'int' | 'bool';
export type Columns = readonly (readonly [name: string, kind: ColumnKind])[];

const sqlType: Record<ColumnKind, string> = { text: 'VARCHAR', double: 'DOUBLE', int: 'BIGINT', bool: 'BOOLEAN' };

/** How SqlRunner.loadTable's column types are created and appended. */
const loadTypes: Record<LoadColumnType, [sql: string, kind: ColumnKind]> = {
  text: ['VARCHAR', 'text'],
  double: ['DOUBLE', 'double'],
  integer: ['BIGINT', 'int'],
  boolean: ['BOOLEAN', 'bool'],
  timestamp: ['VARCHAR', 'text'],
};

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

/** Rows appended between two turns of the event loop (~50 ms of work). */
const APPEND_YIELD_EVERY = 5000;

const LOCK_ERROR = /Could not set lock on file "([^"]+)": Conflicting lock is held in (.*?) \(PID (\d+)\)/;

/**
 * One DuckDB file and its one writing connection. Calls through `serial` run one at a time, so a
 * batch never interleaves with another; the other methods assume the caller already holds that turn.
 */
export class DuckDbRunner {
  private tail: Promise<unknown> = Promise.resolve();
  /** The connections of `read`, one per lane, each made on first use with its own queue. */
  private readonly lanes = new Map<ReadLane, { conn: Promise<DuckDBConnection>; tail: Promise<unknown> }>();
  /** Set by `interrupt`: reads (and, with writes, writes) stopped from now on end as "shutting down". */
  private stopping = false;
  private writesStopping = false;
  /** Other writing connections on the same file (see `sibling`), stopped and closed with this one. */
  private readonly siblings: DuckDbRunner[] = [];
  /** Set on a sibling: closing it closes its connection, not the file. */
  private owner: DuckDbRunner | undefined;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly readOnly: boolean,
    /** The last process did not close the store (a crash or a kill): its write-ahead log was replayed. */
    readonly recovered: boolean,
  ) {}

  /** Opens the file (creating its folder, owner-only); a lock held by another process is a `conflict` naming its pid. */
  static async open(path: string, options: { readOnly?: boolean; memoryLimit?: string } = {}): Promise<DuckDbRunner> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // A write-ahead log left behind means the last process did not close the store (a crash or a kill).
    const recovering =
      path !== ':memory:' && !options.readOnly && existsSync(`${path}.wal`) && statSync(`${path}.wal`).size > 0;
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, {
        ...(options.readOnly ? { access_mode: 'READ_ONLY' } : {}),
        ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
      });
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
    if (path !== ':memory:' && !options.readOnly) makeOwnerOnly(path);
    const conn = await instance.connect();
    await conn.run(`SET TimeZone = 'UTC'`);
    return new DuckDbRunner(path, instance, conn, options.readOnly ?? false, recovering);
  }

  /**
   * A second writing connection on the same file, with its own queue: work on it (a live step)
   * runs beside the writes of this one instead of after them. DuckDB runs concurrent transactions
   * optimistically: they commit side by side unless both change the same row, in which case the
   * later commit fails (and rolls back). Callers keep their writes to rows the other side does not
   * change. Stopped by `interrupt` and closed by `close` of the runner it came from.
   */
  async sibling(): Promise<DuckDbRunner> {
    if (this.owner) return this.owner.sibling();
    const conn = await this.instance.connect();
    await conn.run(`SET TimeZone = 'UTC'`);
    const s = new DuckDbRunner(this.path, this.instance, conn, this.readOnly, false);
    s.owner = this;
    this.siblings.push(s);
    return s;
  }

  /** Runs fn after every call queued before it has ended, whether that call succeeded or not. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const guarded = () => (this.writesStopping ? Promise.reject(shuttingDown()) : fn());
    const run = this.tail.then(guarded, guarded);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * A read on a connection of its own (MVCC: it sees committed data and never waits for the
   * writer's turn), one at a time per lane, interrupted in the engine once it has run `timeoutMs`.
   * Lane 'queries' takes work whose cost users choose (segments); lane 'status' the cheap counts
   * behind /health, so a long query never holds those up either.
   */
  read<T = Record<string, unknown>>(
    sql: string,
    params: readonly DuckDBValue[],
    timeoutMs: number,
    laneName: ReadLane = 'queries',
  ): Promise<T[]> {
    let lane = this.lanes.get(laneName);
    if (!lane) {
      const conn = this.instance.connect().then(async (c) => {
        await c.run(`SET TimeZone = 'UTC'`);
        return c;
      });
      lane = { conn, tail: Promise.resolve() };
      this.lanes.set(laneName, lane);
    }
    const { conn: connecting } = lane;
    const run = async (): Promise<T[]> => {
      if (this.stopping) throw shuttingDown();
      const conn = await connecting;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        conn.interrupt();
      }, timeoutMs);
      try {
        return await rowsOn<T>(conn, sql, params);
      } catch (e) {
        if (this.stopping) throw shuttingDown();
        if (timedOut) {
          throw new AppError(
            'too_costly',
            `the query ran for ${formatSeconds(timeoutMs)}, its time limit, and was stopped`,
            [{ field: 'time', message: `over ${formatSeconds(timeoutMs)}` }],
            { cause: e },
          );
        }
        if (e instanceof Error && /Out of Memory Error/i.test(e.message)) {
          throw new AppError(
            'too_costly',
            'the query needed more memory than the store may use (its memory limit) and was stopped',
            [{ field: 'memory', message: 'over the memory limit' }],
            { cause: e },
          );
        }
        throw e;
      } finally {
        clearTimeout(timer);
      }
    };
    const result = lane.tail.then(run, run);
    lane.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * A shutdown: stops the reads running now and refuses reads from now on (AppError
   * 'unavailable'); with `writes`, also stops the write running now (its transaction is rolled
   * back, so nothing it did was acknowledged) and refuses queued and new writes.
   */
  interrupt(options: { writes: boolean }): void {
    this.stopping = true;
    for (const lane of this.lanes.values()) void lane.conn.then((c) => c.interrupt());
    if (options.writes) {
      this.writesStopping = true;
      this.conn.interrupt();
    }
    for (const s of this.siblings) s.interrupt(options);
  }

  /** Waits for the queued calls, then closes the connections and the file. */
  async close(): Promise<void> {
    if (this.owner) {
      // A sibling's close ends its own connection; the file stays open for its owner.
      const owner = this.owner;
      owner.siblings.splice(owner.siblings.indexOf(this), 1);
      await this.tail;
      for (const lane of this.lanes.values()) {
        await lane.tail;
        (await lane.conn).closeSync();
      }
      this.conn.closeSync();
      return;
    }
    for (const s of [...this.siblings]) await s.close();
    await this.tail;
    for (const lane of this.lanes.values()) {
      await lane.tail;
      (await lane.conn).closeSync();
    }
    this.conn.closeSync();
    this.instance.closeSync();
  }

  /** Runs one statement; `rowsChanged` of the result counts the rows it wrote. */
  run(sql: string, params: readonly DuckDBValue[] = []) {
    return this.conn.run(sql, params as DuckDBValue[]);
  }

  /** Runs one query and returns plain JS rows (see toPlainRows). */
  rows<T = Record<string, unknown>>(sql: string, params: readonly DuckDBValue[] = []): Promise<T[]> {
    return rowsOn<T>(this.conn, sql, params);
  }

  /** The first row of a query, or an empty object when there is none. */
  async one(sql: string, params: readonly DuckDBValue[] = []): Promise<Record<string, unknown>> {
    const r = await this.rows<Record<string, unknown>>(sql, params);
    return r[0] ?? {};
  }

  /** How many rows `relation` (a table, subquery or `table WHERE …`) has. */
  async count(relation: string): Promise<number> {
    return Number((await this.one(`SELECT count(*) AS n FROM ${relation}`)).n ?? 0);
  }

  /** The column names of a query's result, without reading any row. */
  async columnNames(sql: string): Promise<string[]> {
    return (await this.conn.runAndReadAll(`${sql} LIMIT 0`)).columnNames();
  }

  /**
   * Runs fn in one transaction: committed when it returns, rolled back when it throws. A failed
   * COMMIT (a key twice in a unique index) has already ended the transaction, so a failing ROLLBACK
   * does not hide the error that caused it.
   */
  async inTransaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const result = await fn();
      await this.conn.run('COMMIT');
      return result;
    } catch (e) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /**
   * Creates (or replaces) `table` with these columns and fills it through the appender, which is
   * far faster than INSERT statements; a fresh table is also cheaper than deleting old rows.
   */
  async appendRows(
    table: string,
    columns: Columns,
    rows: Iterable<readonly Cell[]>,
    options: { temp?: boolean } = {},
  ): Promise<void> {
    await this.conn.run(
      `CREATE OR REPLACE ${options.temp ? 'TEMP ' : ''}TABLE ${table} (${columns.map(([n, k]) => `${ident(n)} ${sqlType[k]}`).join(', ')})`,
    );
    const a = options.temp
      ? await this.conn.createAppender(table, 'main', 'temp')
      : await this.conn.createAppender(table);
    try {
      let n = 0;
      for (const row of rows) {
        for (let i = 0; i < columns.length; i++) appendCell(a, columns[i]![1], row[i]);
        a.endRow();
        // The appender is synchronous: a turn of the event loop every few thousand rows keeps a
        // server answering (/health, ingest acknowledgements) while a large batch is staged.
        if (++n % APPEND_YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  }

  /** SqlRunner.loadTable: replaces table `name` with these rows, timestamps cast once in SQL. */
  async loadTable(
    name: string,
    columns: readonly (readonly [string, LoadColumnType])[],
    rows: Iterable<readonly (SqlParam | undefined)[]>,
  ): Promise<void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new AppError('invalid', `not a table name: ${name}`);
    // Timestamps travel as ISO text through the appender.
    await this.appendRows(
      `${name}__load`,
      columns.map(([c, t]) => [c, loadTypes[t][1]] as const),
      rows as Iterable<readonly Cell[]>,
    );
    const select = columns
      .map(([c, t]) => (t === 'timestamp' ? `${ident(c)}::TIMESTAMPTZ AS ${ident(c)}` : ident(c)))
      .join(', ');
    await this.conn.run(`CREATE OR REPLACE TABLE ${name} AS SELECT ${select} FROM ${name}__load`);
    await this.conn.run(`DROP TABLE ${name}__load`);
  }
}

async function rowsOn<T>(conn: DuckDBConnection, sql: string, params: readonly DuckDBValue[]): Promise<T[]> {
  const reader = await conn.runAndReadAll(sql, params as DuckDBValue[]);
  return toPlainRows(
    reader.columnNames(),
    reader.columnTypes().map((t) => t.typeId),
    reader.getRowObjectsJson(),
  ) as T[];
}

const shuttingDown = () => new AppError('unavailable', 'the store is shutting down: the query was stopped');

const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1))} s`;

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
      // A TIMESTAMP without a zone is UTC, as every time Strata stores (the process's own zone
      // must not leak in); 'infinity' and other non-dates are left as the engine wrote them.
      const zone = t === DuckDBTypeId.TIMESTAMP ? (text: string) => `${text}Z` : (text: string) => text.replace(/([+-]\d\d)$/, '$1:00');
      convert.push([
        name,
        (v) => {
          if (typeof v !== 'string') return v;
          const d = new Date(zone(v.replace(' ', 'T')));
          return Number.isNaN(d.getTime()) ? v : d.toISOString();
        },
      ]);
    }
  });
  if (convert.length === 0) return rows;
  for (const row of rows)
    for (const [name, f] of convert) if (row[name] !== null && row[name] !== undefined) row[name] = f(row[name]);
  return rows;
}
