import pg from 'pg';
import { AppError, type LoadColumnType, type ReadOptions, type SqlParam, type SqlRunner } from '@strata/core';

const { Pool, types } = pg;

/**
 * PostgreSQL's text form of a time as ISO 8601 UTC. A time without a zone is taken as UTC, not as
 * the local time of the process (pg's default), so rows do not depend on the server's zone.
 * Values a Date cannot hold (infinity, BC) stay as PostgreSQL wrote them.
 */
function toUtcIso(v: string, zoned: boolean): string {
  const d = new Date(v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00') + (zoned ? '' : 'Z'));
  return Number.isNaN(d.getTime()) ? v : d.toISOString();
}

/*
 * Rows as the same plain values the DuckDB store returns: numbers for int8/numeric, ISO 8601 UTC
 * strings for timestamps, YYYY-MM-DD for dates, JSON as text.
 */
const parsers: Record<number, (v: string) => unknown> = {
  [types.builtins.INT8]: Number,
  [types.builtins.NUMERIC]: Number,
  [types.builtins.FLOAT8]: Number,
  [types.builtins.TIMESTAMPTZ]: (v) => toUtcIso(v, true),
  [types.builtins.TIMESTAMP]: (v) => toUtcIso(v, false),
  [types.builtins.DATE]: (v) => v,
  [types.builtins.JSON]: (v) => v,
  [types.builtins.JSONB]: (v) => v,
};
const typeConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => parsers[oid] ?? (types.getTypeParser(oid, format) as (v: string) => unknown)) as typeof types.getTypeParser,
};

const pgType: Record<LoadColumnType, string> = { text: 'TEXT', double: 'DOUBLE PRECISION', integer: 'BIGINT', boolean: 'BOOLEAN', timestamp: 'TIMESTAMPTZ' };

type Queryable = { query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> };

function runnerOn(db: Queryable, inTransaction: () => SqlRunner['transaction'], read: SqlRunner['read']): SqlRunner {
  const self: SqlRunner = {
    dialect: 'postgres',
    query: async <T>(sql: string, params: readonly SqlParam[] = []) => (await db.query(sql, [...params])).rows as T[],
    read,
    exec: async (sql: string, params: readonly SqlParam[] = []) => {
      await db.query(sql, [...params]);
    },
    loadTable: async (name, columns, rows) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new AppError('invalid', `not a table name: ${name}`);
      await db.query(`DROP TABLE IF EXISTS ${name}`);
      await db.query(`CREATE TABLE ${name} (${columns.map(([c, t]) => `"${c}" ${pgType[t]}`).join(', ')})`);
      await insertRows(db, name, columns.map(([c]) => c), rows);
    },
    transaction: (fn) => inTransaction()(fn),
  };
  return self;
}

/** Inserts rows in multi-row statements (parameters only; PostgreSQL allows 65,535 per statement). */
export async function insertRows(db: Queryable, name: string, columns: readonly string[], rows: Iterable<readonly unknown[]>): Promise<void> {
  const perStatement = Math.max(1, Math.floor(60_000 / Math.max(1, columns.length)));
  let chunk: unknown[][] = [];
  const flush = async () => {
    if (!chunk.length) return;
    const values: unknown[] = [];
    const tuples = chunk.map((row) => `(${row.map((v) => (values.push(v === undefined ? null : v), `$${values.length}`)).join(', ')})`);
    await db.query(`INSERT INTO ${name} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`, values);
    chunk = [];
  };
  for (const row of rows) {
    chunk.push([...row]);
    if (chunk.length >= perStatement) await flush();
  }
  await flush();
}

/**
 * The core SQL port on a PostgreSQL server. Segment queries compiled for the `postgres` dialect
 * run here (the differential tests); the contract suite in @strata/testkit/contracts checks it.
 */
export class PostgresRunner implements SqlRunner {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly direct: SqlRunner;

  constructor(connectionString: string) {
    this.pool = new Pool({ connectionString, types: typeConfig, max: 4 });
    this.direct = runnerOn(this.pool, () => this.transaction.bind(this), this.read.bind(this));
  }

  /**
   * A read in its own READ ONLY transaction on a pooled connection, stopped by the server's
   * statement_timeout (SQLSTATE 57014, query_canceled) once it has run `timeoutMs`.
   */
  async read<T = Record<string, unknown>>(sql: string, params: readonly SqlParam[], options: ReadOptions): Promise<T[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(options.timeoutMs))}`);
      try {
        const rows = (await client.query(sql, [...params])).rows as T[];
        await client.query('COMMIT');
        return rows;
      } catch (e) {
        await client.query('ROLLBACK');
        if ((e as { code?: string }).code === '57014') {
          throw new AppError('too_costly', `the query ran for ${options.timeoutMs / 1000} s, its time limit, and was stopped`, [], { cause: e });
        }
        throw e;
      }
    } finally {
      client.release();
    }
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.direct.query<T>(sql, params);
  }

  exec(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    return this.direct.exec(sql, params);
  }

  loadTable(name: string, columns: readonly (readonly [string, LoadColumnType])[], rows: Iterable<readonly (SqlParam | undefined)[]>): Promise<void> {
    return this.direct.loadTable(name, columns, rows);
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx = runnerOn(client, () => (inner) => inner(tx), this.read.bind(this));
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
