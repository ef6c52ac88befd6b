import type { LoadColumnType, ReadOptions, SqlParam, SqlRunner } from '@strata/core';
import { DuckDbRunner } from './duckdb-runner.js';

/** A SqlRunner that ends with the work it was opened for. */
export interface ScratchDatabase extends SqlRunner {
  close(): Promise<void>;
}

/**
 * An in-memory DuckDB with no tables and no store behind it, for set-based work on files (DuckDB's
 * `read_csv` and the like): what it holds is gone when it is closed.
 */
export async function openScratchDatabase(): Promise<ScratchDatabase> {
  const runner = await DuckDbRunner.open(':memory:');
  const sql: ScratchDatabase = {
    dialect: 'duckdb',
    query: <T>(text: string, params: readonly SqlParam[] = []) => runner.serial(() => runner.rows<T>(text, params)),
    exec: async (text: string, params: readonly SqlParam[] = []) => {
      await runner.serial(() => runner.run(text, params));
    },
    read: <T>(text: string, params: readonly SqlParam[], options: ReadOptions) =>
      runner.read<T>(text, params, options.timeoutMs),
    loadTable: (
      name: string,
      columns: readonly (readonly [string, LoadColumnType])[],
      rows: Iterable<readonly (SqlParam | undefined)[]>,
    ) => runner.serial(() => runner.loadTable(name, columns, rows)),
    transaction: <T>(fn: (tx: SqlRunner) => Promise<T>) => {
      const tx: SqlRunner = {
        dialect: 'duckdb',
        query: <R>(text: string, params: readonly SqlParam[] = []) => runner.rows<R>(text, params),
        exec: async (text: string, params: readonly SqlParam[] = []) => {
          await runner.run(text, params);
        },
        read: (text, params, options) => runner.read(text, params, options.timeoutMs),
        loadTable: (name, columns, rows) => runner.loadTable(name, columns, rows),
        transaction: (inner) => inner(tx),
      };
      return runner.serial(() => runner.inTransaction(() => fn(tx)));
    },
    close: () => runner.close(),
  };
  return sql;
}
