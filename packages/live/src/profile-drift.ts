import type { SqlRunner } from '@strata/core';
import { scoreColumns } from '@strata/profiles';

/** Customers whose live profile differed from a recompute, and how many per trait. */
export interface ProfileDrift {
  customers: number;
  columns: Record<string, number>;
}

/**
 * Traits not compared: the bookkeeping of a run, and the BG/NBD scores with what is derived from
 * them, which count whole local days and are brought up to date daily (docs/profiles.md).
 */
export const refreshedDaily: readonly string[] = [
  ...scoreColumns.map(([name]) => name).filter((name) => name !== 'customer_id'),
  'churn_risk',
];
const bookkeeping = ['run_id', 'as_of'];

/** Compares live_profile_before (the live profiles) with customer_profile (just recomputed). */
export async function profileDrift(db: SqlRunner): Promise<ProfileDrift> {
  const columns = (
    await db.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'customer_profile' ORDER BY ordinal_position`,
    )
  )
    .map((r) => r.name)
    .filter((c) => c !== 'customer_id' && !bookkeeping.includes(c) && !refreshedDaily.includes(c));
  const differs = (c: string) => `(a.${c} IS DISTINCT FROM b.${c})`;
  const [row] = await db.query<Record<string, number>>(
    `SELECT count(*) FILTER (WHERE ${columns.map(differs).join(' OR ')})::INTEGER AS customers,
            ${columns.map((c) => `count(*) FILTER (WHERE ${differs(c)})::INTEGER AS "${c}"`).join(', ')}
     FROM customer_profile a FULL JOIN live_profile_before b ON a.customer_id = b.customer_id`,
  );
  return {
    customers: Number(row?.customers ?? 0),
    columns: Object.fromEntries(
      columns.map((c): [string, number] => [c, Number(row?.[c] ?? 0)]).filter(([, n]) => n > 0),
    ),
  };
}
