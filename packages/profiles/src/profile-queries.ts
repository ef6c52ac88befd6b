import { AppError, type SqlRunner } from '@strata/core';
import { tableExists } from './catalog.js';

const hasProfiles = (db: SqlRunner) => tableExists(db, 'customer_profile');

const noRunYet = () => new AppError('not_found', 'no profiles computed yet: run `strata profiles compute`');

/** One customer's profile row (the id may be one that was merged into another customer). */
export async function findProfile(db: SqlRunner, customer: string): Promise<Record<string, unknown>> {
  if (!(await hasProfiles(db))) throw noRunYet();
  // The spend and AOV percentiles among buyers change whenever anyone orders, so they are not
  // stored with each profile but worked out when asked for (percent_rank: ties share the lowest).
  const percentile = (col: string) => `CASE WHEN p.order_count > 0 THEN (
       SELECT CASE WHEN count(*) > 1 THEN (count(*) FILTER (WHERE b.${col} < p.${col}))::DOUBLE / (count(*) - 1) ELSE 0 END
       FROM customer_profile b WHERE b.order_count > 0) END`;
  const [row] = await db.query<Record<string, unknown>>(
    `SELECT p.*, ${percentile('total_spent')} AS spend_percentile, ${percentile('aov')} AS aov_percentile FROM customer_profile p
     WHERE p.customer_id = (SELECT coalesce(merged_into, id) FROM customers WHERE id = $1)`,
    [customer],
  );
  if (!row) throw new AppError('not_found', `no customer "${customer}" in the last profile run`);
  return row;
}

export interface ProfilesSummary {
  run: { id: string; kind: string; as_of: string; finished_at: string; ran_by: string; customers: number } | null;
  customers: number;
  buyers: number;
  lifecycle: Record<string, number>;
  rfmSegments: Record<string, number>;
  /** Buyers per recency score (rows, 5 = most recent) and frequency score (columns 1–5). */
  rfmGrid: number[][];
  valueTiers: Record<string, number>;
  churnRisk: Record<string, number>;
  /** Customers per value tier × churn risk (the overview's grid; `none` where a profile has neither). */
  valueRisk: { value_tier: string; churn_risk: string; customers: number }[];
  model: unknown;
}

const countsBy = async (db: SqlRunner, column: string): Promise<Record<string, number>> =>
  Object.fromEntries(
    (
      await db.query<{ k: string | null; n: number }>(
        `SELECT ${column} AS k, count(*) AS n FROM customer_profile GROUP BY 1 ORDER BY 2 DESC`,
      )
    ).map((r) => [r.k ?? 'none', Number(r.n)]),
  );

/** What the dashboard's overview shows: counts per lifecycle stage, RFM grid and segment, model fit. */
export async function profilesSummary(db: SqlRunner): Promise<ProfilesSummary> {
  if (!(await hasProfiles(db))) throw noRunYet();
  const [run] = await db.query<ProfilesSummary['run'] & { model: string | null }>(
    `SELECT id, kind, as_of, finished_at, ran_by, customers, model FROM profile_runs WHERE status = 'complete' ORDER BY finished_at DESC LIMIT 1`,
  );
  const [totals] = await db.query<{ customers: number; buyers: number }>(
    `SELECT count(*) AS customers, count(*) FILTER (WHERE order_count > 0) AS buyers FROM customer_profile`,
  );
  const grid = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
  for (const r of await db.query<{ r: number; f: number; n: number }>(
    `SELECT recency_score AS r, frequency_score AS f, count(*) AS n FROM customer_profile WHERE order_count > 0 GROUP BY 1, 2`,
  )) {
    grid[5 - Number(r.r)]![Number(r.f) - 1] = Number(r.n);
  }
  const [full] = await db.query<{ model: string | null }>(
    `SELECT model FROM profile_runs WHERE status = 'complete' AND kind = 'full' ORDER BY finished_at DESC LIMIT 1`,
  );
  return {
    run: run
      ? {
          id: run.id,
          kind: run.kind,
          as_of: run.as_of,
          finished_at: run.finished_at,
          ran_by: run.ran_by,
          customers: Number(run.customers),
        }
      : null,
    customers: Number(totals?.customers ?? 0),
    buyers: Number(totals?.buyers ?? 0),
    lifecycle: await countsBy(db, 'lifecycle_stage'),
    rfmSegments: await countsBy(db, 'rfm_segment'),
    rfmGrid: grid,
    valueTiers: await countsBy(db, 'value_tier'),
    churnRisk: await countsBy(db, 'churn_risk'),
    valueRisk: (
      await db.query<{ v: string | null; r: string | null; n: number }>(
        `SELECT value_tier AS v, churn_risk AS r, count(*) AS n FROM customer_profile GROUP BY 1, 2 ORDER BY 1, 2`,
      )
    ).map((r) => ({ value_tier: r.v ?? 'none', churn_risk: r.r ?? 'none', customers: Number(r.n) })),
    model: full?.model ? (JSON.parse(full.model) as unknown) : null,
  };
}
