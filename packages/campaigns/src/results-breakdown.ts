/**
 * A campaign's results broken down by a group: the customer's segments, age group, country, RFM
 * segment or value tier (who the customer is), or the brand bought and the shop it was bought at
 * (what the converted orders hold). Every row carries the measures of the totals and, where the
 * group's holdout is not empty, the uplift over it. The attribution is results.ts's: recipients'
 * orders by coupon or last touch, the holdout's by the same rules from the moment it was held out.
 */
import {
  ageGroups,
  AppError,
  levels,
  MessageStatus,
  ResultBreakdown,
  resultBreakdowns,
  rfmSegments,
  sqlLiteral,
  type SqlRunner,
  UnsentStatus,
} from '@strata/core';
import type { SegmentService } from '@strata/segments';
import { materialiseAudience } from './audience.js';
import { findCampaign } from './campaign-store.js';
import {
  armMeasures,
  attributionSql,
  attributionWindows,
  heldOutTouchesSql,
  holdoutAttributionSql,
  type ArmMeasures,
  upliftOf,
  type AttributionOptions,
} from './results.js';
import type { Uplift } from './uplift.js';

export interface BreakdownOptions extends AttributionOptions {
  /** Needed for `segment`: the saved segments and their members. */
  segments?: SegmentService;
  /** For `segment`: saved segments (id or name) to report besides the campaign's audience segments. */
  segmentKeys?: readonly string[];
}

/** The measures of one group of a breakdown (the same as a campaign's totals). */
export interface ResultGroup extends ArmMeasures {
  /** The group: an age group, an RFM segment, a brand, a location id, a segment name, … */
  group: string;
  /** What to call it (a shop's name; otherwise the group). */
  name: string;
  audience: number;
  heldOut: number;
  sent: number;
  delivered: number;
  /** Recipients with an attributed order (for brand and shop: one with that brand in it, placed at that shop). */
  converted: number;
  /** Recipients over the holdout within the group; null when the group's holdout is empty. */
  uplift: Uplift | null;
}

export interface ResultsBreakdown {
  by: ResultBreakdown;
  /** How the groups were found, in a sentence (what the numbers mean). */
  basis: string;
  groups: ResultGroup[];
}

const WENT_OUT = [MessageStatus.sent, MessageStatus.delivered, MessageStatus.opened, MessageStatus.clicked];
const DELIVERED = [MessageStatus.delivered, MessageStatus.opened, MessageStatus.clicked];
const inList = (xs: readonly string[]) => `(${xs.map(sqlLiteral).join(', ')})`;

/** The group of a customer (or an order) without a value for it. */
export const UNKNOWN_GROUP = 'unknown';
/** The group of the customers in none of the segments asked about. */
export const NO_SEGMENT_GROUP = 'in none of these segments';

const basis: Record<ResultBreakdown, string> = {
  segment:
    'customers by their membership now of the audience segments and those asked for (a customer in two is in both rows)',
  age_group: 'customers by the age group of their current profile (ages are not kept per send)',
  brand:
    "recipients' and holdout's attributed orders by the brand of their lines; revenue is the lines' net amount; audience, sent and delivered are the campaign's",
  country: 'customers by the country on their customer record',
  shop: "attributed orders by the location they were placed at; audience, sent and delivered are the campaign's",
  rfm: 'customers by the RFM segment of their current profile (profiles are not kept per send)',
  value_tier: 'customers by the value tier of their current profile (profiles are not kept per send)',
};

/** The groups every breakdown by a core vocabulary lists, in its order, even when empty. */
const vocabulary: Partial<Record<ResultBreakdown, readonly string[]>> = {
  age_group: ageGroups,
  rfm: rfmSegments,
  value_tier: levels,
};

/** Per customer of the campaign: recipient or held out, messages, and attributed orders and revenue. */
function peopleSql(campaignParam: string, a: string, h: string): string {
  return `
    people AS (
      SELECT customer_id, bool_or(status IN ${inList(WENT_OUT)}) AS recipient,
             bool_or(status = ${sqlLiteral(UnsentStatus.held_out)}) AS held,
             count(*) FILTER (WHERE status IN ${inList(WENT_OUT)}) AS sent,
             count(*) FILTER (WHERE status IN ${inList(DELIVERED)}) AS delivered
      FROM messages WHERE campaign_id = ${campaignParam} GROUP BY customer_id
    ), credited AS (
      SELECT 'treated' AS arm, customer_id, order_id, total FROM (${a}) WHERE campaign_id = ${campaignParam}
      UNION ALL SELECT 'holdout', customer_id, order_id, total FROM (${h})
    )`;
}

const measures = (arm: string, when: string) => `
  count(*) FILTER (WHERE ${when})::INTEGER AS ${arm}_n,
  count(*) FILTER (WHERE ${when} AND orders > 0)::INTEGER AS ${arm}_converted,
  coalesce(sum(orders) FILTER (WHERE ${when}), 0)::INTEGER AS ${arm}_orders,
  coalesce(sum(revenue) FILTER (WHERE ${when}), 0)::DOUBLE AS ${arm}_revenue,
  coalesce(sum(revenue * revenue) FILTER (WHERE ${when}), 0)::DOUBLE AS ${arm}_sumsq`;

interface GroupRow {
  grp: string | null;
  name: string | null;
  audience: number;
  held_out: number;
  sent: number;
  delivered: number;
  t_n: number;
  t_converted: number;
  t_orders: number;
  t_revenue: number;
  t_sumsq: number;
  h_n: number;
  h_converted: number;
  h_orders: number;
  h_revenue: number;
  h_sumsq: number;
}

const n = (x: unknown) => Number(x ?? 0);

function toGroup(r: GroupRow, unknown: string): ResultGroup {
  const t = {
    n: n(r.t_n),
    converted: n(r.t_converted),
    orders: n(r.t_orders),
    revenue: n(r.t_revenue),
    sumsq: n(r.t_sumsq),
  };
  const h = {
    n: n(r.h_n),
    converted: n(r.h_converted),
    orders: n(r.h_orders),
    revenue: n(r.h_revenue),
    sumsq: n(r.h_sumsq),
  };
  const group = r.grp ?? unknown;
  return {
    group,
    name: r.name ?? group,
    audience: n(r.audience),
    heldOut: n(r.held_out),
    sent: n(r.sent),
    delivered: n(r.delivered),
    ...armMeasures(t, h),
    uplift: h.n > 0 ? upliftOf(t, h) : null,
  };
}

/** Groups of customers (customer_id, grp, name): a customer may be in several, or in none (unknown). */
async function customerGroups(
  db: SqlRunner,
  campaignId: string,
  by: ResultBreakdown,
  options: BreakdownOptions,
  table: string,
): Promise<string[] | undefined> {
  const profileColumn = { age_group: 'age_group', rfm: 'rfm_segment', value_tier: 'value_tier' } as const;
  if (by === ResultBreakdown.country) {
    await db.exec(
      `CREATE OR REPLACE TEMP TABLE ${table} AS SELECT id AS customer_id, country AS grp, country AS name
       FROM customers WHERE country IS NOT NULL AND id IN (SELECT customer_id FROM messages WHERE campaign_id = $1)`,
      [campaignId],
    );
    return undefined;
  }
  if (by === ResultBreakdown.age_group || by === ResultBreakdown.rfm || by === ResultBreakdown.value_tier) {
    const [profiles] = await db.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'customer_profile'`,
    );
    const col = profileColumn[by];
    await db.exec(
      n(profiles?.n) > 0
        ? `CREATE OR REPLACE TEMP TABLE ${table} AS SELECT customer_id, ${col}::VARCHAR AS grp, ${col}::VARCHAR AS name
           FROM customer_profile WHERE ${col} IS NOT NULL AND customer_id IN (SELECT customer_id FROM messages WHERE campaign_id = $1)`
        : `CREATE OR REPLACE TEMP TABLE ${table} (customer_id VARCHAR, grp VARCHAR, name VARCHAR)`,
      n(profiles?.n) > 0 ? [campaignId] : [],
    );
    return undefined;
  }
  // Segments: the campaign's audience segments, then those asked for, each once.
  const segments = options.segments;
  if (!segments) throw new AppError('internal', 'a breakdown by segment needs the saved segments');
  const campaign = await findCampaign(db, campaignId);
  const saved = await segments.list();
  const keys = [...campaign.definition.audience.include, ...(options.segmentKeys ?? [])];
  const names: string[] = [];
  await db.exec(`CREATE OR REPLACE TEMP TABLE ${table} (customer_id VARCHAR, grp VARCHAR, name VARCHAR)`);
  for (const [i, key] of keys.entries()) {
    const s = saved.find((x) => x.id === key || x.name === key);
    if (!s)
      throw new AppError('not_found', `no saved segment "${key}" to break the results down by`, [
        { field: i < campaign.definition.audience.include.length ? 'audience.include' : 'segments', message: key },
      ]);
    if (names.includes(s.name)) continue;
    names.push(s.name);
    await materialiseAudience(db, segments, { include: [s.id], exclude: [] }, `${table}_one`);
    await db.exec(`INSERT INTO ${table} SELECT customer_id, $1, $1 FROM ${table}_one`, [s.name]);
    await db.exec(`DROP TABLE IF EXISTS ${table}_one`);
  }
  return names;
}

/** Amounts of attributed orders by group (order_id, grp, name, amount). */
const orderGroupsSql: Partial<Record<ResultBreakdown, string>> = {
  brand: `SELECT l.order_id, p.brand AS grp, p.brand AS name,
                 sum(l.quantity * l.unit_price - l.line_discount)::DOUBLE AS amount
          FROM order_lines l LEFT JOIN products p ON p.sku = l.sku
          WHERE l.order_id IN (SELECT order_id FROM credited) GROUP BY ALL`,
  shop: `SELECT o.id AS order_id, o.location_id AS grp, coalesce(loc.name, o.location_id) AS name, o.total::DOUBLE AS amount
         FROM orders o LEFT JOIN locations loc ON loc.id = o.location_id
         WHERE o.id IN (SELECT order_id FROM credited)`,
};

let tables = 0;

/**
 * A campaign's results by `by` (see ResultBreakdown). AppError 'invalid' for an unknown breakdown,
 * 'not_found' for an unknown campaign or segment.
 */
export async function resultsBreakdown(
  db: SqlRunner,
  campaignId: string,
  by: string,
  options: BreakdownOptions = {},
): Promise<ResultsBreakdown> {
  if (!(resultBreakdowns as readonly string[]).includes(by))
    throw new AppError('invalid', `by: unknown breakdown "${by}" (known: ${resultBreakdowns.join(', ')})`, [
      { field: 'by', message: `"${by}" is not one of ${resultBreakdowns.join(', ')}` },
    ]);
  const dim = by as ResultBreakdown;
  await findCampaign(db, campaignId);
  const w = attributionWindows(options);
  const with_ = `WITH ${peopleSql('$1', attributionSql(w, '$1'), holdoutAttributionSql(w, heldOutTouchesSql('$1')))}`;
  const perCustomer = `per AS (
      SELECT p.*, count(c.order_id) AS orders, coalesce(sum(c.total), 0) AS revenue
      FROM people p LEFT JOIN credited c ON c.customer_id = p.customer_id
        AND c.arm = CASE WHEN p.recipient THEN 'treated' ELSE 'holdout' END
      GROUP BY ALL
    )`;
  const orderGroups = orderGroupsSql[dim];
  let rows: GroupRow[];
  let order: string[] | undefined = vocabulary[dim] ? [...vocabulary[dim]] : undefined;
  const unknown = dim === ResultBreakdown.segment ? NO_SEGMENT_GROUP : UNKNOWN_GROUP;
  if (orderGroups) {
    // The campaign's audience and sends in every row; the conversions of each group its own.
    const [all] = await db.query<GroupRow>(
      `${with_}, ${perCustomer}
       SELECT count(*)::INTEGER AS audience, count(*) FILTER (WHERE held)::INTEGER AS held_out,
              coalesce(sum(sent), 0)::INTEGER AS sent, coalesce(sum(delivered), 0)::INTEGER AS delivered,
              ${measures('t', 'recipient')}, ${measures('h', 'held AND NOT recipient')}
       FROM per`,
      [campaignId],
    );
    const groups = await db.query<GroupRow>(
      `${with_}, g AS (${orderGroups}),
       per AS (
         SELECT c.arm, c.customer_id, g.grp, any_value(g.name) AS name,
                count(DISTINCT c.order_id) AS orders, sum(g.amount) AS revenue
         FROM credited c JOIN g ON g.order_id = c.order_id GROUP BY ALL
       )
       SELECT grp, any_value(name) AS name, ${measures('t', "arm = 'treated'")}, ${measures('h', "arm = 'holdout'")}
       FROM per GROUP BY grp ORDER BY t_revenue DESC, h_revenue DESC, grp NULLS LAST`,
      [campaignId],
    );
    rows = groups.map((g) => ({
      ...g,
      audience: n(all?.audience),
      held_out: n(all?.held_out),
      sent: n(all?.sent),
      delivered: n(all?.delivered),
      t_n: n(all?.t_n),
      h_n: n(all?.h_n),
    }));
  } else {
    const table = `results_groups_${process.pid}_${++tables}`;
    try {
      const segmentOrder = await customerGroups(db, campaignId, dim, options, table);
      order ??= segmentOrder;
      rows = await db.query<GroupRow>(
        `${with_}, ${perCustomer}
         SELECT k.grp, any_value(k.name) AS name, count(*)::INTEGER AS audience,
                count(*) FILTER (WHERE held)::INTEGER AS held_out,
                coalesce(sum(sent), 0)::INTEGER AS sent, coalesce(sum(delivered), 0)::INTEGER AS delivered,
                ${measures('t', 'recipient')}, ${measures('h', 'held AND NOT recipient')}
         FROM per LEFT JOIN ${table} k ON k.customer_id = per.customer_id
         GROUP BY k.grp ORDER BY t_revenue DESC, grp NULLS LAST`,
        [campaignId],
      );
    } finally {
      await db.exec(`DROP TABLE IF EXISTS ${table}`);
    }
  }
  let groups = rows.map((r) => toGroup(r, unknown));
  if (order) {
    // A vocabulary's (or the segments') order, every member listed; then anything else (unknown).
    const seen = new Map(groups.map((g) => [g.group, g]));
    const empty = (group: string) => toGroup({ grp: group, name: group } as GroupRow, unknown);
    groups = [...order.map((o) => seen.get(o) ?? empty(o)), ...groups.filter((g) => !order.includes(g.group))];
  }
  return { by: dim, basis: basis[dim], groups };
}
