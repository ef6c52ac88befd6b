import { AppError, type SqlRunner } from '@strata/core';

/**
 * The profile engine is written in DuckDB's SQL (CREATE OR REPLACE, INSERT … BY NAME, QUALIFY,
 * list and time-zone functions), so it runs on the DuckDB store only. A runner of another
 * dialect is refused before the first statement, rather than failing on a syntax error halfway
 * through a run and leaving a failed run behind.
 */
export function requireDuckDbProfileEngine(db: SqlRunner): void {
  if (db.dialect === 'duckdb') return;
  throw new AppError(
    'unavailable',
    `the profile engine runs on DuckDB; this store speaks ${db.dialect}. Compute profiles on the embedded DuckDB store (the default; PostgreSQL is used only for differential segment tests so far)`,
    [{ field: 'dialect', message: `${db.dialect} is not supported by the profile engine` }],
  );
}
