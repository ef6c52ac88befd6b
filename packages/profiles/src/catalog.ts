import type { SqlRunner } from '@strata/core';

/** Whether the store has a table of this name (a profile run creates its tables on first use). */
export async function tableExists(db: SqlRunner, table: string): Promise<boolean> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = $1`,
    [table],
  );
  return Number(row?.n ?? 0) > 0;
}
