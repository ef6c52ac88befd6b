import type { ProfileConfig } from './profile-config.js';

/*
 * Traits that depend on the whole customer base (RFM quintiles, value tiers, AOV bands) or on
 * the model scores, computed over the per-customer traits table in one pass (DuckDB dialect).
 * $1 is the as-of time.
 */

const n = (v: number) => {
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  return String(v);
};

/**
 * The RFM segment of each (R, FM) cell, FM = round((F + M) / 2). Every one of the 25 cells is
 * named, so every buyer gets exactly one segment. Rows are R 5..1, columns FM 1..5.
 */
export const rfmSegmentMap: Readonly<Record<number, readonly string[]>> = {
  5: ['New', 'Potential Loyalist', 'Potential Loyalist', 'Champions', 'Champions'],
  4: ['Promising', 'Potential Loyalist', 'Potential Loyalist', 'Loyal', 'Champions'],
  3: ['About to Sleep', 'Need Attention', 'Need Attention', 'Loyal', 'Loyal'],
  2: ['Hibernating', 'About to Sleep', 'At Risk', 'At Risk', "Can't Lose Them"],
  1: ['Lost', 'Hibernating', 'At Risk', "Can't Lose Them", "Can't Lose Them"],
};

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

function rfmCase(): string {
  const whens: string[] = [];
  for (const r of [5, 4, 3, 2, 1]) {
    rfmSegmentMap[r]!.forEach((name, i) => whens.push(`WHEN recency_score = ${r} AND fm_score = ${i + 1} THEN ${quote(name)}`));
  }
  return `CASE ${whens.join(' ')} END`;
}

/**
 * A quintile score 1–5 where ties share the score of the lowest position in their group:
 * 1 + floor(5 × (rank − 1) / buyers). Customers without orders get no score.
 */
const quintile = (orderBy: string) =>
  `CASE WHEN order_count > 0 THEN 1 + floor(5 * (rank() OVER (PARTITION BY order_count > 0 ORDER BY ${orderBy}) - 1) / count(*) OVER (PARTITION BY order_count > 0))::INTEGER END`;

const percentRank = (col: string) =>
  `CASE WHEN order_count > 0 THEN percent_rank() OVER (PARTITION BY order_count > 0 ORDER BY ${col}) END`;

export function customerProfileSql(target: string, traits: string, scores: string, config: ProfileConfig, runId: string): string {
  const usual = 'coalesce(median_days_between_orders, avg_days_between_orders)';
  return `
CREATE OR REPLACE TABLE ${target} AS
-- The window functions run over the few columns they need and are joined back: sorting the wide
-- trait rows (lists, JSON) five times cost ten times more than the ranking itself.
WITH ranks AS (
  SELECT customer_id,
    ${quintile('days_since_last_order DESC')} AS recency_score,
    ${quintile('order_count')} AS frequency_score,
    ${quintile('total_spent')} AS monetary_score,
    ${percentRank('total_spent')} AS spend_percentile,
    ${percentRank('aov')} AS aov_percentile
  FROM ${traits}
),
scored AS (
  SELECT t.*, r.recency_score, r.frequency_score, r.monetary_score, r.spend_percentile, r.aov_percentile,
    m.p_alive, m.expected_orders_30d, m.expected_orders_90d, m.expected_orders_365d, m.expected_aov, m.predicted_clv
  FROM ${traits} t JOIN ranks r ON r.customer_id = t.customer_id LEFT JOIN ${scores} m ON m.customer_id = t.customer_id
),
fm AS (
  SELECT *, CASE WHEN order_count > 0 THEN round((frequency_score + monetary_score) / 2, 0)::INTEGER END AS fm_score FROM scored
)
SELECT
  customer_id,
  ${quote(runId)} AS run_id,
  $1::TIMESTAMPTZ AS as_of,
  * EXCLUDE (customer_id, fm_score),
  ${rfmCase()} AS rfm_segment,
  CASE WHEN order_count > 0 THEN concat(recency_score, frequency_score, monetary_score) END AS rfm_cell,
  days_since_last_order / nullif(${usual}, 0) AS overdue_ratio,
  CASE WHEN order_count = 0 THEN NULL
       WHEN spend_percentile >= ${n(config.highValuePercentile)} THEN 'high'
       WHEN spend_percentile >= ${n(config.mediumValuePercentile)} THEN 'medium'
       ELSE 'low' END AS value_tier,
  CASE WHEN order_count = 0 THEN NULL
       WHEN aov_percentile >= 2.0 / 3 THEN 'high'
       WHEN aov_percentile >= 1.0 / 3 THEN 'medium'
       ELSE 'low' END AS aov_band,
  CASE WHEN order_count = 0 THEN NULL
       WHEN orders_365d >= ${n(config.heavyOrdersPerYear)} THEN 'heavy'
       WHEN orders_365d >= ${n(config.mediumOrdersPerYear)} THEN 'medium'
       ELSE 'light' END AS frequency_tier,
  CASE
    WHEN order_count = 0 THEN 'prospect'
    WHEN days_since_last_order > ${n(config.dormantDays)} THEN 'dormant'
    WHEN order_count = 1 AND days_since_last_order <= ${n(config.newDays)} THEN 'new'
    WHEN order_count = 1 THEN 'one_time'
    WHEN days_since_last_order > ${n(config.churnDays)} THEN 'churned'
    WHEN ${usual} > 0 AND days_since_last_order > ${n(config.atRiskFactor)} * ${usual} THEN 'at_risk'
    WHEN ${usual} > 0 AND days_since_last_order > ${n(config.skippedCycleFactor)} * ${usual} THEN 'skipped_cycle'
    WHEN order_count >= ${n(config.loyalMinOrders)} THEN 'loyal'
    ELSE 'active' END AS lifecycle_stage,
  CASE
    WHEN order_count = 0 THEN NULL
    WHEN p_alive < ${n(config.highRiskPAlive)} OR (${usual} > 0 AND days_since_last_order > 2 * ${usual}) THEN 'high'
    WHEN p_alive >= ${n(config.lowRiskPAlive)} AND (${usual} IS NULL OR days_since_last_order <= ${usual}) THEN 'low'
    ELSE 'medium' END AS churn_risk
FROM fm
`;
}
