import { FrequencyTier, Level, LifecycleStage, rfmScores, rfmSegmentGrid, sqlLiteral, sqlLiterals, type SqlRunner } from '@strata/core';
import type { ProfileConfig } from './profile-config.js';

/*
 * Traits that depend on the whole customer base (RFM quintiles, value tiers, AOV bands) or on
 * the model scores (DuckDB dialect). $1 is the as-of time.
 *
 * A base-relative trait is a step function of the customer's own value: the quintile score is
 * 1 + floor(5 × (rank − 1) / buyers), so it is at least j + 1 exactly when at least
 * ceil(j × buyers / 5) buyers rank before the customer, that is when the value reaches the
 * smallest value that has that many before it. Those few threshold values are found once per
 * run (rankThresholds), and every profile is then scored from its own row. An incremental update
 * finds the new thresholds and rewrites only the rows whose scores they change, instead of
 * ranking a million customers again, and still gives exactly what ranking would.
 */

const n = (v: number) => {
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  return String(v);
};

/** A double literal that DuckDB reads back as exactly the same double. */
const dbl = (v: number) => `'${n(v)}'::DOUBLE`;

const stage = sqlLiterals(LifecycleStage);
const level = sqlLiterals(Level);
const tier = sqlLiterals(FrequencyTier);

/** The ranked measures, as SQL over a traits or profile row: larger ranks later. */
const measures = {
  // most recent ranks last: ORDER BY days_since_last_order DESC
  recency: '-days_since_last_order',
  frequency: 'order_count',
  monetary: 'total_spent',
  aov: 'aov',
} as const;
type Measure = keyof typeof measures;

/** Each set of thresholds and the measure it is over. */
const measureOf = {
  recency: 'recency',
  frequency: 'frequency',
  monetary: 'monetary',
  value: 'monetary',
  aov: 'aov',
} as const satisfies Record<string, Measure>;

/**
 * Threshold values of one run: a buyer whose measure is at least `at[i]` has at least the i-th
 * count of buyers ranked before them. null: no buyer reaches it.
 */
export interface RankThresholds {
  buyers: number;
  /** The configured spend percentiles the value tiers were found for (high, medium). */
  valuePercentiles: [number, number];
  recency: (number | null)[];
  frequency: (number | null)[];
  monetary: (number | null)[];
  /** Spend percentile ≥ highValuePercentile, ≥ mediumValuePercentile. */
  value: (number | null)[];
  /** AOV percentile ≥ 2/3, ≥ 1/3. */
  aov: (number | null)[];
}

/** The fewest buyers ranked before a customer for a quintile score of j + 1, j = 1..4. */
const quintilePositions = (buyers: number) => [1, 2, 3, 4].map((j) => Math.ceil((j * buyers) / 5));

/**
 * The fewest buyers ranked before a customer for percent_rank = before / (buyers − 1) to reach p,
 * in the same floating-point arithmetic the comparison uses.
 */
function percentPosition(p: number, buyers: number): number {
  if (buyers <= 1) return p <= 0 ? 0 : Number.POSITIVE_INFINITY;
  const d = buyers - 1;
  let m = Math.max(0, Math.ceil(p * d));
  while (m > 0 && (m - 1) / d >= p) m--;
  while (m <= d && m / d < p) m++;
  return m;
}

/**
 * For each measure and position m, the smallest buyer value with at least m buyers' values below
 * it: with the buyers' values sorted, s[m] when s[m − 1] < s[m], else the next larger value.
 * DuckDB's quantile_disc(q) is s[ceil(q × n) − 1], so q = (i + ½) / n gives s[i] whatever the
 * rounding; every measure's s[m − 1], s[m] come from one pass, and only values held by several
 * buyers across a threshold need a second, for the next larger value.
 */
export async function rankThresholds(db: SqlRunner, traits: string, config: ProfileConfig): Promise<RankThresholds> {
  const [count] = await db.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${traits} WHERE order_count > 0`);
  const buyers = Number(count?.n ?? 0);
  const wanted: [keyof typeof measureOf, Measure, number[]][] = [
    ['recency', 'recency', quintilePositions(buyers)],
    ['frequency', 'frequency', quintilePositions(buyers)],
    ['monetary', 'monetary', quintilePositions(buyers)],
    [
      'value',
      'monetary',
      [percentPosition(config.highValuePercentile, buyers), percentPosition(config.mediumValuePercentile, buyers)],
    ],
    ['aov', 'aov', [percentPosition(2 / 3, buyers), percentPosition(1 / 3, buyers)]],
  ];
  // the sorted positions each measure needs: m − 1 and m of every position m inside the range
  const inside = (m: number) => m >= 1 && m <= buyers - 1;
  const indices = new Map<Measure, number[]>();
  for (const [, measure, positions] of wanted) {
    const list = indices.get(measure) ?? [];
    for (const m of positions.filter(inside)) list.push(m - 1, m);
    indices.set(
      measure,
      [...new Set(list)].sort((a, b) => a - b),
    );
  }
  const sorted = new Map<Measure, Map<number, number>>();
  const asked = [...indices].filter(([, list]) => list.length > 0);
  if (asked.length) {
    const cols = asked.map(
      ([measure, list], i) =>
        `quantile_disc(${measures[measure]}, [${list.map((k) => n((k + 0.5) / buyers)).join(', ')}])::DOUBLE[] AS q${i}`,
    );
    const [row] = await db.query<Record<string, number[]>>(
      `SELECT ${cols.join(', ')} FROM ${traits} WHERE order_count > 0`,
    );
    asked.forEach(([measure, list], i) =>
      sorted.set(measure, new Map(list.map((k, j) => [k, Number(row![`q${i}`]![j])]))),
    );
  }
  /** The sorted values s[m − 1] and s[m] of a measure. */
  const around = (measure: Measure, m: number) => {
    const values = sorted.get(measure)!;
    return { below: values.get(m - 1)!, at: values.get(m)! };
  };
  // values held by several buyers across a threshold: the next larger value
  const tied = new Map<string, { measure: Measure; value: number; next?: number | null }>();
  for (const [, measure, positions] of wanted) {
    for (const m of positions.filter(inside)) {
      const { below, at } = around(measure, m);
      if (below === at) tied.set(`${measure} ${at}`, { measure, value: at });
    }
  }
  if (tied.size) {
    const ties = [...tied.values()];
    const cols = ties.map(
      (t, i) =>
        `min(${measures[t.measure]}) FILTER (WHERE ${measures[t.measure]} > ${dbl(t.value)})::DOUBLE AS next${i}`,
    );
    const [row] = await db.query<Record<string, number | null>>(
      `SELECT ${cols.join(', ')} FROM ${traits} WHERE order_count > 0`,
    );
    ties.forEach((t, i) => (t.next = row![`next${i}`] ?? null));
  }
  const out = {
    buyers,
    valuePercentiles: [config.highValuePercentile, config.mediumValuePercentile],
  } as RankThresholds;
  for (const [key, measure, positions] of wanted) {
    out[key] = positions.map((m) => {
      // before no one: every buyer; before more than all others: no one
      if (m <= 0) return Number.NEGATIVE_INFINITY;
      if (!inside(m)) return null;
      const { below, at } = around(measure, m);
      return below < at ? at : (tied.get(`${measure} ${at}`)!.next ?? null);
    });
  }
  return out;
}

const reaches = (measure: Measure, at: number | null) =>
  at === null ? 'false' : at === Number.NEGATIVE_INFINITY ? 'true' : `${measures[measure]} >= ${dbl(at)}`;

const quintile = (measure: Measure, at: readonly (number | null)[]) =>
  `CASE WHEN order_count > 0 THEN (1 ${at.map((v) => `+ (${reaches(measure, v)})::INTEGER`).join(' ')}) END`;

const band = (measure: Measure, [high, medium]: readonly (number | null)[]) =>
  `CASE WHEN order_count = 0 THEN NULL WHEN ${reaches(measure, high!)} THEN ${level.high} WHEN ${reaches(measure, medium!)} THEN ${level.medium} ELSE ${level.low} END`;

/** The segment names by cell, (R − 1) × 5 + FM, as one list: a lookup instead of 25 branches. */
const rfmNames = () => `[${rfmScores.flatMap((r) => rfmSegmentGrid[r].map(sqlLiteral)).join(', ')}]`;

/** The base-relative columns of a profile, as SQL over a row that has its traits. */
function relativeColumns(th: RankThresholds): [string, string][] {
  const r = quintile('recency', th.recency);
  const f = quintile('frequency', th.frequency);
  const m = quintile('monetary', th.monetary);
  const fm = `round((${f} + ${m}) / 2, 0)::INTEGER`;
  return [
    ['recency_score', r],
    ['frequency_score', f],
    ['monetary_score', m],
    ['rfm_segment', `CASE WHEN order_count > 0 THEN ${rfmNames()}[(${r} - 1) * 5 + ${fm}] END`],
    ['rfm_cell', `CASE WHEN order_count > 0 THEN concat(${r}, ${f}, ${m}) END`],
    ['value_tier', band('monetary', th.value)],
    ['aov_band', band('aov', th.aov)],
  ];
}

/**
 * The profile rows of `traits` joined with their model `scores` (of the customers in `scope`,
 * when given), as a SELECT.
 */
export function customerProfileSelect(
  traits: string,
  scores: string,
  config: ProfileConfig,
  runId: string,
  th: RankThresholds,
  scope?: string,
): string {
  const usual = 'coalesce(median_days_between_orders, avg_days_between_orders)';
  // Days since the last order to the second: "no order in the last 30 days" means
  // last_order_at < as_of − 30 days, as the segment `last_order_at before 30 days ago` does;
  // the whole-day `days_since_last_order` would keep a customer 30.9 days out of `churned`.
  const elapsed = '((epoch($1::TIMESTAMPTZ) - epoch(last_order_at)) / 86400.0)';
  return `
WITH scored AS (
  SELECT t.*, m.p_alive, m.expected_orders_30d, m.expected_orders_90d, m.expected_orders_365d, m.expected_aov, m.predicted_clv
  FROM ${traits} t LEFT JOIN ${scores} m ON m.customer_id = t.customer_id
  ${scope ? `WHERE t.customer_id IN (${scope})` : ''}
)
SELECT
  customer_id,
  ${sqlLiteral(runId)} AS run_id,
  $1::TIMESTAMPTZ AS as_of,
  * EXCLUDE (customer_id),
  ${relativeColumns(th)
    .map(([name, sql]) => `${sql} AS ${name}`)
    .join(',\n  ')},
  days_since_last_order / nullif(${usual}, 0) AS overdue_ratio,
  CASE WHEN order_count = 0 THEN NULL
       WHEN orders_365d >= ${n(config.heavyOrdersPerYear)} THEN ${tier.heavy}
       WHEN orders_365d >= ${n(config.mediumOrdersPerYear)} THEN ${tier.medium}
       ELSE ${tier.light} END AS frequency_tier,
  CASE
    WHEN order_count = 0 THEN ${stage.prospect}
    WHEN ${elapsed} > ${n(config.dormantDays)} THEN ${stage.dormant}
    WHEN order_count = 1 AND ${elapsed} <= ${n(config.newDays)} THEN ${stage.new}
    WHEN order_count = 1 THEN ${stage.one_time}
    WHEN ${elapsed} > ${n(config.churnDays)} THEN ${stage.churned}
    WHEN ${usual} > 0 AND ${elapsed} > ${n(config.atRiskFactor)} * ${usual} THEN ${stage.at_risk}
    WHEN ${usual} > 0 AND ${elapsed} > ${n(config.skippedCycleFactor)} * ${usual} THEN ${stage.skipped_cycle}
    WHEN order_count >= ${n(config.loyalMinOrders)} THEN ${stage.loyal}
    ELSE ${stage.active} END AS lifecycle_stage,
  CASE
    WHEN order_count = 0 THEN NULL
    WHEN p_alive < ${n(config.highRiskPAlive)} OR (${usual} > 0 AND ${elapsed} > 2 * ${usual}) THEN ${level.high}
    WHEN p_alive >= ${n(config.lowRiskPAlive)} AND (${usual} IS NULL OR ${elapsed} <= ${usual})
      -- whatever the model says, a one-time buyer silent past the dormant mark is not low risk
      AND NOT (order_count = 1 AND ${elapsed} > ${n(config.dormantDays)}) THEN ${level.low}
    ELSE ${level.medium} END AS churn_risk
FROM scored
`;
}

/** Builds `target` with the profile of every customer in `traits`. */
export function customerProfileSql(
  target: string,
  traits: string,
  scores: string,
  config: ProfileConfig,
  runId: string,
  th: RankThresholds,
): string {
  return `CREATE OR REPLACE TABLE ${target} AS ${customerProfileSelect(traits, scores, config, runId, th)}`;
}

/** Thresholds as JSON (−∞ does not survive JSON.stringify), and back. */
export const thresholdsToJson = (th: RankThresholds) =>
  JSON.stringify(th, (_, v: unknown) => (v === Number.NEGATIVE_INFINITY ? '-inf' : v));
export const thresholdsFromJson = (json: string) =>
  JSON.parse(json, (_, v: unknown) => (v === '-inf' ? Number.NEGATIVE_INFINITY : v)) as RankThresholds;

/**
 * Rewrites the base-relative columns of the stored profiles whose values the thresholds change
 * (and marks them with the run that changed them). Given the thresholds the stored scores were
 * made with, only a value between an old and a new threshold can change its score: those ranges
 * are all that is looked at, and nothing is rewritten when no threshold moved (null).
 */
export function rescoreProfilesSql(th: RankThresholds, runId: string, previous?: RankThresholds): string | null {
  const cols = relativeColumns(th);
  let where = cols.map(([name, sql]) => `(${sql}) IS DISTINCT FROM ${name}`).join(' OR ');
  if (previous) {
    const ranges: string[] = [];
    for (const key of Object.keys(measureOf) as (keyof typeof measureOf)[]) {
      const m = measures[measureOf[key]];
      th[key].forEach((now, i) => {
        const before = previous[key][i] ?? null;
        if (now === before) return;
        // null: no value reaches the threshold (+∞)
        const [lo, hi] = [before, now].sort((x, y) => (x ?? Infinity) - (y ?? Infinity)) as [
          number | null,
          number | null,
        ];
        const from = lo === Number.NEGATIVE_INFINITY ? null : lo;
        ranges.push(
          [from === null ? null : `${m} >= ${dbl(from)}`, hi === null ? null : `${m} < ${dbl(hi)}`]
            .filter(Boolean)
            .join(' AND ') || 'true',
        );
      });
    }
    if (!ranges.length) return null;
    where = `order_count > 0 AND (${ranges.map((r) => `(${r})`).join(' OR ')}) AND (${where})`;
  }
  return `
UPDATE customer_profile SET ${cols.map(([name, sql]) => `${name} = ${sql}`).join(', ')}, run_id = ${sqlLiteral(runId)}
WHERE ${where}`;
}
