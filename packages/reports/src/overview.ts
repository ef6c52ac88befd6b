import { ageGroups, lifecycleStages, OrderStatus, rfmScores, rfmSegmentGrid, rfmSegments, SqlParams } from '@strata/core';
import { read, lastProfileRun, type ReportContext } from './report-context.js';
import { col, money, num, share, type ReportRow, type ReportTable } from './report.js';
import { addDays, dayStart, findSavedSegment, type RawParameters, type SegmentRef } from './report-params.js';

/*
 * The store at a glance. Order figures (totals, cohorts, revenue by country, shop, brand and age
 * group) count confirmed orders placed from `from` to `to` (UTC days); cancelled and refunded
 * orders never count. The lifecycle counts and the RFM grid are the last profile run's.
 */

/** Cohorts and months after the first order shown when not asked otherwise. */
export const DEFAULT_COHORT_MONTHS = 12;
const NO_VALUE = '(none)';

export interface OverviewScope {
  from: string | null;
  to: string;
  segment: SegmentRef | null;
  months: number;
}

/**
 * SQL pieces the overview queries share: the period's confirmed orders, of the segment's members.
 * Each adds its parameters when it is written (DuckDB refuses parameters a statement does not use).
 */
function scopeSql(scope: OverviewScope, p: SqlParams) {
  const members = (c: string) =>
    scope.segment
      ? ` AND ${c} IN (SELECT customer_id FROM segment_members WHERE segment_id = ${p.add(scope.segment.id)})`
      : '';
  const until = () => `${p.add(dayStart(addDays(scope.to, 1)))}::TIMESTAMPTZ`;
  const orders = () => `SELECT o.id, o.customer_id, o.location_id, o.placed_at, o.total::DOUBLE AS total FROM orders o
    WHERE o.status = '${OrderStatus.confirmed}' AND o.placed_at < ${until()}${
      scope.from ? ` AND o.placed_at >= ${p.add(dayStart(scope.from))}::TIMESTAMPTZ` : ''
    }${members('o.customer_id')}`;
  return { orders, members, until };
}

export async function overviewTables(
  ctx: ReportContext,
  scope: OverviewScope,
): Promise<{ tables: ReportTable[]; notes: string[] }> {
  const run = await lastProfileRun(ctx);
  const notes = [
    `orders: confirmed orders placed ${scope.from ? `from ${scope.from}` : 'up to'}${scope.from ? ' to' : ''} ${scope.to} (UTC days); cancelled and refunded orders do not count`,
    `lifecycle stages, RFM grid and age groups: the profile run as of ${run.as_of}`,
  ];
  if (scope.segment) notes.push(`only the members of segment "${scope.segment.name}" now`);
  const byCustomer = await orderTotals(ctx, scope);
  const tables = [
    byCustomer.totals,
    await lifecycle(ctx, scope),
    ...(await rfm(ctx, scope)),
    await cohorts(ctx, scope),
    ...byCustomer.by,
    await revenueByBrand(ctx, scope),
  ];
  return { tables, notes };
}

interface GroupRow {
  set: string;
  k: string | null;
  kind: string | null;
  customers: number;
  buyers: number;
  orders: number;
  revenue: number;
  repeat_buyers: number;
}

/**
 * Totals and revenue by country, shop and age group from one pass over the orders: the period's
 * orders summed per customer and shop, then grouped each way.
 */
async function orderTotals(
  ctx: ReportContext,
  scope: OverviewScope,
): Promise<{ totals: ReportTable; by: ReportTable[] }> {
  const p = new SqlParams();
  const { orders, members } = scopeSql(scope, p);
  const rows = await read<GroupRow>(
    ctx,
    `WITH pl AS MATERIALIZED (
       SELECT customer_id, location_id, count(*) AS orders, sum(total) AS revenue FROM (${orders()}) o GROUP BY 1, 2
     ), per AS MATERIALIZED (
       SELECT per.*, c.country, pr.age_group FROM (
         SELECT customer_id, sum(orders) AS orders, sum(revenue) AS revenue FROM pl GROUP BY 1
       ) per LEFT JOIN customers c ON c.id = per.customer_id LEFT JOIN customer_profile pr ON pr.customer_id = per.customer_id
     )
     SELECT 'totals' AS set, NULL AS k, NULL AS kind,
            (SELECT count(*) FROM customers c WHERE c.merged_into IS NULL${members('c.id')}) AS customers,
            count(*) AS buyers, coalesce(sum(orders), 0) AS orders, coalesce(sum(revenue), 0) AS revenue,
            count(*) FILTER (WHERE orders >= 2) AS repeat_buyers FROM per
     UNION ALL
     SELECT 'country', country, NULL, NULL, count(*), sum(orders), sum(revenue), NULL FROM per GROUP BY country
     UNION ALL
     SELECT 'age', age_group, NULL, NULL, count(*), sum(orders), sum(revenue), NULL FROM per GROUP BY age_group
     UNION ALL
     SELECT 'shop', coalesce(l.name, pl.location_id), any_value(l.kind), NULL, count(*), sum(orders), sum(revenue), NULL
     FROM pl LEFT JOIN locations l ON l.id = pl.location_id GROUP BY 2`,
    p.values,
  );
  const of = (set: string) =>
    rows
      .filter((r) => r.set === set)
      .sort((a, b) => num(b.revenue) - num(a.revenue) || String(a.k).localeCompare(String(b.k)));
  const r = rows.find((x) => x.set === 'totals');
  const o = num(r?.orders);
  const buyers = num(r?.buyers);
  const ageOrder = (k: string | null) =>
    k === null ? ageGroups.length : ageGroups.indexOf(k as (typeof ageGroups)[number]);
  const shop = of('shop');
  return {
    totals: {
      id: 'totals',
      title: 'Totals',
      columns: [
        col('customers', 'Customers', 'integer'),
        col('buyers', 'Buyers', 'integer'),
        col('orders', 'Orders', 'integer'),
        col('revenue', 'Revenue', 'money'),
        col('aov', 'Average order value', 'money'),
        col('repeat_buyers', 'Repeat buyers (2+ orders)', 'integer'),
        col('repeat_rate', 'Repeat rate', 'share'),
      ],
      rows: [
        {
          customers: num(r?.customers),
          buyers,
          orders: o,
          revenue: money(r?.revenue),
          aov: o > 0 ? money(num(r?.revenue) / o) : null,
          repeat_buyers: num(r?.repeat_buyers),
          repeat_rate: share(num(r?.repeat_buyers), buyers),
        },
      ],
    },
    by: [
      {
        id: 'revenue_by_country',
        title: "Revenue by the customer's country",
        columns: revenueColumns('country', 'Country'),
        rows: revenueRows('country', of('country')),
      },
      {
        id: 'revenue_by_shop',
        title: 'Revenue by shop (where the order was placed)',
        columns: [col('shop', 'Shop', 'text'), col('kind', 'Kind', 'text'), ...revenueColumns('shop', 'Shop').slice(1)],
        rows: revenueRows('shop', shop).map((x, i) => ({ ...x, kind: shop[i]?.kind ?? null })),
      },
      {
        id: 'revenue_by_age_group',
        title: 'Revenue by age group',
        columns: revenueColumns('age_group', 'Age group'),
        rows: revenueRows(
          'age_group',
          of('age').sort((a, b) => ageOrder(a.k) - ageOrder(b.k)),
        ),
      },
    ],
  };
}

/** Profiles of the scope's customers (all, or the segment's members). */
function profiles(scope: OverviewScope, p: SqlParams): string {
  return scope.segment
    ? `(SELECT * FROM customer_profile WHERE customer_id IN (SELECT customer_id FROM segment_members WHERE segment_id = ${p.add(scope.segment.id)}))`
    : 'customer_profile';
}

async function lifecycle(ctx: ReportContext, scope: OverviewScope): Promise<ReportTable> {
  const p = new SqlParams();
  const rows = await read<{ stage: string; n: number }>(
    ctx,
    `SELECT lifecycle_stage AS stage, count(*) AS n FROM ${profiles(scope, p)} GROUP BY 1`,
    p.values,
  );
  const by = new Map(rows.map((r) => [r.stage, num(r.n)]));
  const total = [...by.values()].reduce((a, b) => a + b, 0);
  return {
    id: 'lifecycle',
    title: 'Lifecycle stages',
    columns: [col('stage', 'Stage', 'text'), col('customers', 'Customers', 'integer'), col('share', 'Share', 'share')],
    rows: lifecycleStages.map((stage) => ({
      stage,
      customers: by.get(stage) ?? 0,
      share: share(by.get(stage) ?? 0, total),
    })),
  };
}

async function rfm(ctx: ReportContext, scope: OverviewScope): Promise<ReportTable[]> {
  const p = new SqlParams();
  // FM as the profiles name the cell: round((F + M) / 2), as in core's rfmSegmentGrid
  const rows = await read<{ r: number; fm: number; n: number; revenue: number }>(
    ctx,
    `SELECT recency_score AS r, round((frequency_score + monetary_score) / 2, 0)::INTEGER AS fm,
            count(*) AS n, sum(total_spent) AS revenue
     FROM ${profiles(scope, p)} WHERE order_count > 0 GROUP BY 1, 2`,
    p.values,
  );
  const cell = new Map(rows.map((r) => [`${num(r.r)}/${num(r.fm)}`, r]));
  const buyers = rows.reduce((a, r) => a + num(r.n), 0);
  const revenue = rows.reduce((a, r) => a + num(r.revenue), 0);
  const grid: ReportRow[] = [];
  const bySegment = new Map<string, { n: number; revenue: number }>();
  for (const r of [...rfmScores].reverse())
    for (const fm of rfmScores) {
      const label = rfmSegmentGrid[r][fm - 1]!;
      const c = cell.get(`${r}/${fm}`);
      const n = num(c?.n);
      grid.push({
        recency: r,
        frequency_monetary: fm,
        segment: label,
        customers: n,
        revenue: money(c?.revenue),
        share: share(n, buyers),
      });
      const s = bySegment.get(label) ?? { n: 0, revenue: 0 };
      bySegment.set(label, { n: s.n + n, revenue: s.revenue + num(c?.revenue) });
    }
  return [
    {
      id: 'rfm_grid',
      title: 'RFM grid (buyers by recency score and frequency-monetary score, 5 = best)',
      columns: [
        col('recency', 'R', 'integer'),
        col('frequency_monetary', 'FM', 'integer'),
        col('segment', 'Segment', 'text'),
        col('customers', 'Buyers', 'integer'),
        col('revenue', 'Spent (all time)', 'money'),
        col('share', 'Share of buyers', 'share'),
      ],
      rows: grid,
    },
    {
      id: 'rfm_segments',
      title: 'RFM segments',
      columns: [
        col('segment', 'Segment', 'text'),
        col('customers', 'Buyers', 'integer'),
        col('share', 'Share of buyers', 'share'),
        col('revenue', 'Spent (all time)', 'money'),
        col('revenue_share', 'Share of spend', 'share'),
      ],
      rows: rfmSegments.map((segment) => {
        const s = bySegment.get(segment) ?? { n: 0, revenue: 0 };
        return {
          segment,
          customers: s.n,
          share: share(s.n, buyers),
          revenue: money(s.revenue),
          revenue_share: share(s.revenue, revenue),
        };
      }),
    },
  ];
}

const monthOf = (day: string) => day.slice(0, 7);
const addMonths = (month: string, n: number) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
};
/**
 * An order's UTC month as a number (year × 12 + month − 1), by integer arithmetic on its epoch
 * day: converting a million time stamps to calendar months through the time-zone library is
 * many times slower.
 */
const MONTH_INDEX = `(year(DATE '1970-01-01' + (epoch_us(o.placed_at) // 86400000000)::INTEGER) * 12
  + month(DATE '1970-01-01' + (epoch_us(o.placed_at) // 86400000000)::INTEGER) - 1)`;
const monthIndex = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return y * 12 + m - 1;
};
const monthOfIndex = (i: number) =>
  `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;
const monthsBetween = (a: string, b: string) => {
  const [ya, ma] = a.split('-').map(Number) as [number, number];
  const [yb, mb] = b.split('-').map(Number) as [number, number];
  return (yb - ya) * 12 + (mb - ma);
};

/**
 * Cohort retention: customers by the month of their first confirmed order ever (UTC), and the
 * share of each cohort with an order in each month after it. The cohorts are the first-order
 * months from `from` to `to`, or the last `months` of them up to `to`; a month after `to` is null.
 */
async function cohorts(ctx: ReportContext, scope: OverviewScope): Promise<ReportTable> {
  const p = new SqlParams();
  const { members, until } = scopeSql(scope, p);
  const last = monthOf(scope.to);
  const first = scope.from ? monthOf(scope.from) : addMonths(last, -(scope.months - 1));
  const rows = await read<{ m0: number; k: number; n: number }>(
    ctx,
    // customers keyed by a 64-bit hash of their id (grouping by a number is much cheaper than by
    // text; two ids sharing a hash among a million customers is a chance of about 1 in 40 million)
    `WITH cm AS (
       SELECT hash(customer_id) AS c, ${MONTH_INDEX} AS m FROM orders o
       WHERE o.status = '${OrderStatus.confirmed}' AND o.placed_at < ${until()}${members('o.customer_id')}
       GROUP BY 1, 2
     ), f AS (SELECT c, min(m) AS m0 FROM cm GROUP BY c HAVING min(m) >= ${p.add(monthIndex(first))})
     SELECT m0, (m - m0)::INTEGER AS k, count(*) AS n FROM cm JOIN f USING (c)
     WHERE m - m0 <= ${p.add(scope.months)}
     GROUP BY 1, 2`,
    p.values,
  );
  const counts = new Map(rows.map((r) => [`${monthOfIndex(num(r.m0))}/${num(r.k)}`, num(r.n)]));
  const ks = Array.from({ length: scope.months + 1 }, (_, k) => k);
  const out: ReportRow[] = [];
  for (let m = first; m <= last; m = addMonths(m, 1)) {
    const size = counts.get(`${m}/0`) ?? 0;
    const row: ReportRow = { cohort: m, customers: size };
    const observed = monthsBetween(m, last);
    for (const k of ks) row[`month_${k}`] = k > observed ? null : share(counts.get(`${m}/${k}`) ?? 0, size);
    out.push(row);
  }
  return {
    id: 'cohorts',
    title: 'Cohort retention (share of each first-order month ordering again N months later)',
    columns: [
      col('cohort', 'First order', 'month'),
      col('customers', 'Customers', 'integer'),
      ...ks.map((k) => col(`month_${k}`, `+${k}`, 'share')),
    ],
    rows: out,
  };
}

const revenueColumns = (key: string, label: string) => [
  col(key, label, 'text'),
  col('buyers', 'Buyers', 'integer'),
  col('orders', 'Orders', 'integer'),
  col('revenue', 'Revenue', 'money'),
  col('revenue_share', 'Share of revenue', 'share'),
];

function revenueRows(key: string, rows: { k: string | null; buyers: number; orders: number; revenue: number }[]) {
  const total = rows.reduce((a, r) => a + num(r.revenue), 0);
  return rows.map((r) => ({
    [key]: r.k ?? NO_VALUE,
    buyers: num(r.buyers),
    orders: num(r.orders),
    revenue: money(r.revenue),
    revenue_share: share(num(r.revenue), total),
  }));
}

/**
 * Revenue by brand from the order lines (quantity × unit price less the line's discount; order-level
 * discounts are not split over lines). Over all time and every customer, the lines of the few
 * orders that do not count are left out; otherwise the lines of the orders that do are kept.
 */
async function revenueByBrand(ctx: ReportContext, scope: OverviewScope): Promise<ReportTable> {
  const p = new SqlParams();
  const { orders, until } = scopeSql(scope, p);
  const counted =
    scope.from || scope.segment
      ? `li.order_id IN (SELECT id FROM (${orders()}) o)`
      : `li.order_id NOT IN (SELECT id FROM orders WHERE status <> '${OrderStatus.confirmed}' OR placed_at >= ${until()})`;
  const rows = await read<{ k: string | null; lines: number; units: number; revenue: number }>(
    ctx,
    `SELECT p.brand AS k, sum(b.lines) AS lines, sum(b.units) AS units, sum(b.revenue) AS revenue FROM (
       SELECT li.sku, count(*) AS lines, sum(li.quantity) AS units, sum(li.quantity * li.unit_price - li.line_discount)::DOUBLE AS revenue
       FROM order_lines li WHERE ${counted} GROUP BY 1
     ) b LEFT JOIN products p ON p.sku = b.sku GROUP BY 1 ORDER BY revenue DESC, k`,
    p.values,
  );
  const total = rows.reduce((a, r) => a + num(r.revenue), 0);
  return {
    id: 'revenue_by_brand',
    title: 'Revenue by brand (order lines: quantity × unit price less line discounts)',
    columns: [
      col('brand', 'Brand', 'text'),
      col('lines', 'Order lines', 'integer'),
      col('units', 'Units', 'integer'),
      col('revenue', 'Revenue', 'money'),
      col('revenue_share', 'Share of line revenue', 'share'),
    ],
    rows: rows.map((r) => ({
      brand: r.k ?? NO_VALUE,
      lines: num(r.lines),
      units: num(r.units),
      revenue: money(r.revenue),
      revenue_share: share(num(r.revenue), total),
    })),
  };
}

/** The overview's scope from its checked parameters. */
export async function overviewScope(ctx: ReportContext, params: RawParameters, to: string): Promise<OverviewScope> {
  return {
    from: params.from ?? null,
    to,
    segment: params.segment ? await findSavedSegment(ctx.db, params.segment) : null,
    months: Number(params.months ?? DEFAULT_COHORT_MONTHS),
  };
}
