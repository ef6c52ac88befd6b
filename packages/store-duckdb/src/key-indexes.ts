import type { WriteCounts } from '@strata/core';
import type { DuckDbRunner } from './duckdb-runner.js';
import type { AppendMode } from './staging.js';

/** Tables whose key is a unique index that bulk appends drop and build again. */
const keyIndexes = {
  events: { index: 'events_message_id', columns: ['message_id'], keep: 'first' },
  orders: { index: 'orders_id', columns: ['id'], keep: 'last' },
  order_lines: { index: 'order_lines_key', columns: ['order_id', 'line_no'], keep: 'last' },
} as const;
export type KeyedTable = keyof typeof keyIndexes;
const keyedTables = Object.keys(keyIndexes) as KeyedTable[];

/** Appending at least this many events (and a quarter of those stored) drops and rebuilds the index. */
const BULK_APPEND_MIN = 200_000;

function createKeyIndexSql(table: KeyedTable): string {
  const { index, columns } = keyIndexes[table];
  return `CREATE UNIQUE INDEX ${index} ON ${table} (${columns.join(', ')})`;
}

function dropKeyIndex(runner: DuckDbRunner, table: KeyedTable) {
  return runner.run(`DROP INDEX IF EXISTS ${keyIndexes[table].index}`);
}

/**
 * Builds the key indexes that a bulk append dropped, if missing (the append was killed before
 * building them again). Should rows with one key have been appended meanwhile, the first stored
 * event, or the last stored order or line, is kept; returns how many rows were removed.
 */
export async function ensureKeyIndexes(
  runner: DuckDbRunner,
  tables: readonly KeyedTable[] = keyedTables,
): Promise<number> {
  const present = new Set(
    (await runner.rows<{ n: string }>(`SELECT index_name AS n FROM duckdb_indexes()`)).map((r) => r.n),
  );
  let removed = 0;
  for (const table of tables) {
    const { index, columns, keep } = keyIndexes[table];
    if (present.has(index)) continue;
    // Checkpoints around the build keep the rebuilt index out of the write-ahead log, which DuckDB
    // 1.5 can replay inconsistent (see rebuildKeyIndexes).
    await runner.run('CHECKPOINT');
    try {
      await runner.run(createKeyIndexSql(table));
    } catch {
      const r = await runner.run(`
        DELETE FROM ${table} WHERE rowid IN (
          SELECT rowid FROM ${table} QUALIFY row_number() OVER (PARTITION BY ${columns.join(', ')} ORDER BY rowid ${keep === 'first' ? 'ASC' : 'DESC'}) > 1)`);
      removed += Number(r.rowsChanged);
      await runner.run(createKeyIndexSql(table));
    }
    await runner.run('CHECKPOINT');
  }
  return removed;
}

/**
 * Builds every key index again from the rows: after a recovery, since DuckDB 1.5 can replay a
 * unique index from the log inconsistent with its table.
 */
export async function rebuildKeyIndexes(runner: DuckDbRunner): Promise<void> {
  for (const table of keyedTables) await dropKeyIndex(runner, table);
  await ensureKeyIndexes(runner);
}

/** The first key stored more than once in `table`, if any (a hash aggregate: no index needed). */
async function firstDuplicateKey(runner: DuckDbRunner, table: KeyedTable): Promise<string | undefined> {
  const { columns } = keyIndexes[table];
  const row = await runner.rows<{ k: string }>(
    `SELECT concat_ws('/', ${columns.join(', ')}) AS k FROM ${table} GROUP BY ${columns.join(', ')} HAVING count(*) > 1 LIMIT 1`,
  );
  return row[0]?.k;
}

class DuplicateKeys extends Error {}

/**
 * Runs `write` in one transaction (the caller holds the serial turn). A large append to a keyed
 * table — at least BULK_APPEND_MIN rows and a quarter of those stored — drops the key index first
 * and builds it again after committing: `write` runs with 'unique' (each key assumed once) and,
 * should a check before the commit find a key twice, again with 'dedup'. The index is built after
 * the commit, not inside the transaction: DuckDB 1.5 refuses at commit an index built in the
 * transaction that updated its table's rows ("duplicate key" on a re-import of stored orders).
 * A crash leaves the append rolled back, or committed without its index, which DuckDbStore.open
 * builds again.
 */
export async function writeKeyed(
  runner: DuckDbRunner,
  table: KeyedTable | undefined,
  rows: number,
  write: (mode: AppendMode | false) => Promise<WriteCounts>,
): Promise<WriteCounts> {
  const append = table !== undefined && rows >= BULK_APPEND_MIN && rows * 4 >= (await runner.count(table));
  if (!append) return runner.inTransaction(() => write(false));
  const attempt = (mode: AppendMode): Promise<WriteCounts> =>
    runner.inTransaction(async () => {
      const counts = await write(mode);
      if (mode === 'unique' && (await firstDuplicateKey(runner, table)) !== undefined) throw new DuplicateKeys();
      return counts;
    });
  await dropKeyIndex(runner, table);
  try {
    return await attempt('unique');
  } catch (e) {
    if (!(e instanceof DuplicateKeys)) throw e;
    return await attempt('dedup');
  } finally {
    await ensureKeyIndexes(runner, [table]);
  }
}
