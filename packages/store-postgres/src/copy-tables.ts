import type { SqlRunner } from '@strata/core';
import { insertRows } from './postgres-runner.js';

/** DuckDB column types (information_schema spelling) → PostgreSQL. */
export function toPostgresType(duckType: string): string {
  const t = duckType.toUpperCase();
  if (t.endsWith('[]')) return `${toPostgresType(t.slice(0, -2))}[]`;
  if (t.startsWith('DECIMAL')) return t.replace('DECIMAL', 'NUMERIC');
  const map: Record<string, string> = {
    VARCHAR: 'TEXT',
    INTEGER: 'INTEGER',
    BIGINT: 'BIGINT',
    HUGEINT: 'NUMERIC',
    DOUBLE: 'DOUBLE PRECISION',
    FLOAT: 'REAL',
    BOOLEAN: 'BOOLEAN',
    DATE: 'DATE',
    'TIMESTAMP WITH TIME ZONE': 'TIMESTAMPTZ',
    TIMESTAMP: 'TIMESTAMP',
    JSON: 'JSONB',
  };
  const pgType = map[t];
  if (!pgType) throw new Error(`no PostgreSQL type for DuckDB type ${duckType}`);
  return pgType;
}

/**
 * Copies tables (schema and rows) from one store to a PostgreSQL database, so the same data can be
 * queried on both engines (the differential tests).
 */
export async function copyTables(source: SqlRunner, target: SqlRunner, tables: readonly string[]): Promise<void> {
  for (const name of tables) {
    const columns = await source.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 AND table_schema = 'main' ORDER BY ordinal_position`,
      [name],
    );
    if (!columns.length) throw new Error(`no table ${name} in the source store`);
    await target.exec(`DROP TABLE IF EXISTS ${name}`);
    await target.exec(`CREATE TABLE ${name} (${columns.map((c) => `"${c.column_name}" ${toPostgresType(c.data_type)}`).join(', ')})`);
    const rows = await source.query<Record<string, unknown>>(`SELECT * FROM ${name}`);
    const names = columns.map((c) => c.column_name);
    const isJson = columns.map((c) => c.data_type.toUpperCase() === 'JSON');
    await insertRows(
      { query: (text, values) => target.query(text, values as never).then((rows) => ({ rows })) },
      name,
      names,
      rows.map((r) => names.map((n, i) => (isJson[i] && r[n] !== null && typeof r[n] !== 'string' ? JSON.stringify(r[n]) : r[n]))),
    );
    // The keys queries join on, as the DuckDB store has them.
    for (const key of ['id', 'customer_id', 'order_id', 'sku', 'message_id']) {
      if (names.includes(key)) await target.exec(`CREATE INDEX ON ${name} ("${key}")`);
    }
    await target.exec(`ANALYZE ${name}`);
  }
}
