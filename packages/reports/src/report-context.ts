import { AppError, type Clock, type SqlParam, type SqlRunner } from '@strata/core';

/** What a report runs with: the store, the clock (today, `generatedAt`) and how long a query may run. */
export interface ReportContext {
  db: SqlRunner;
  clock: Clock;
  /** Each query is stopped once it has run this long (AppError 'too_costly'). */
  timeoutMs: number;
  /** Called after each query with its text and duration (benchmarks, logs). */
  onQuery?: (sql: string, ms: number) => void;
}

/** A read-only query over committed data: it neither waits behind writes nor holds them up. */
export async function read<T = Record<string, unknown>>(
  ctx: ReportContext,
  sql: string,
  params: readonly SqlParam[] = [],
): Promise<T[]> {
  const started = performance.now();
  const rows = await ctx.db.read<T>(sql, params, { timeoutMs: ctx.timeoutMs });
  ctx.onQuery?.(sql, performance.now() - started);
  return rows;
}

/** The reports are written in DuckDB's SQL, the engine Strata runs on (PostgreSQL is not a store yet). */
export function requireDuckDb(db: SqlRunner): void {
  if (db.dialect !== 'duckdb')
    throw new AppError('unavailable', `reports need a DuckDB store; this one is ${db.dialect}`);
}

/** The last complete profile run, or AppError 'not_found' telling how to make one. */
export async function lastProfileRun(ctx: ReportContext): Promise<{ id: string; as_of: string }> {
  const [run] = await read<{ id: string; as_of: string }>(
    ctx,
    `SELECT id, strftime(as_of, '%Y-%m-%dT%H:%M:%SZ') AS as_of FROM profile_runs WHERE status = 'complete'
     AND EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'customer_profile')
     ORDER BY finished_at DESC LIMIT 1`,
  );
  if (!run) throw new AppError('not_found', 'no profiles computed yet: run `strata profiles compute`');
  return run;
}
