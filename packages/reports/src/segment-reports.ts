import { AppError, OrderStatus, SqlParams } from '@strata/core';
import { dailyChanges, dailySizes } from '@strata/membership';
import { read, type ReportContext } from './report-context.js';
import { col, money, num, share, type ReportRow, type ReportTable } from './report.js';
import { addDays, dayStart, findSavedSegment, type SegmentRef } from './report-params.js';

/*
 * Reports over saved segments, from what the live engine records: segment_members (who is in each
 * now), segment_changes (every entry and exit) and segment_sizes (the size at the end of each day).
 */

/** A saved segment's size at the end of each day and its entries and exits that day. */
export async function segmentSizesTables(
  ctx: ReportContext,
  segment: SegmentRef,
  range: { from: string; to: string },
): Promise<ReportTable[]> {
  const sizes = new Map((await dailySizes(ctx.db, segment.id, range)).map((d) => [d.day, d.size]));
  const changes = new Map((await dailyChanges(ctx.db, segment.id, range)).map((d) => [d.day, d]));
  const rows: ReportRow[] = [];
  let entered = 0;
  let exited = 0;
  for (let day = range.from; day <= range.to; day = addDays(day, 1)) {
    const c = changes.get(day);
    entered += c?.entered ?? 0;
    exited += c?.exited ?? 0;
    rows.push({ day, size: sizes.get(day) ?? 0, entered: c?.entered ?? 0, exited: c?.exited ?? 0 });
  }
  const first = sizes.get(range.from) ?? 0;
  const start = first - (changes.get(range.from)?.entered ?? 0) + (changes.get(range.from)?.exited ?? 0);
  const end = sizes.get(range.to) ?? 0;
  return [
    {
      id: 'summary',
      title: `Segment "${segment.name}"`,
      columns: [
        col('segment', 'Segment', 'text'),
        col('size_before', `Size before ${range.from}`, 'integer'),
        col('size_after', `Size at the end of ${range.to}`, 'integer'),
        col('entered', 'Entries', 'integer'),
        col('exited', 'Exits', 'integer'),
        col('net', 'Net change', 'integer'),
      ],
      rows: [{ segment: segment.name, size_before: start, size_after: end, entered, exited, net: end - start }],
    },
    {
      id: 'days',
      title: 'Size at the end of each day (UTC), entries and exits that day',
      columns: [
        col('day', 'Day', 'day'),
        col('size', 'Size', 'integer'),
        col('entered', 'Entered', 'integer'),
        col('exited', 'Exited', 'integer'),
      ],
      rows,
    },
  ];
}

/** Most segments one overlap report compares (an UpSet table of more is not read by anyone). */
export const MAX_OVERLAP_SEGMENTS = 12;

/** Saved segments named in a comma-separated list, or the largest saved ones (at most `max`). */
export async function chosenSegments(ctx: ReportContext, list: string | undefined, max: number): Promise<SegmentRef[]> {
  if (list) {
    const names = [
      ...new Set(
        list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    if (names.length > max)
      throw new AppError('invalid', `segments: at most ${max} at a time, not ${names.length}`, [
        { field: 'segments', message: 'too many' },
      ]);
    const out: SegmentRef[] = [];
    for (const name of names) {
      const s = await findSavedSegment(ctx.db, name, 'segments');
      if (!out.some((o) => o.id === s.id)) out.push(s);
    }
    return out;
  }
  return read<SegmentRef>(
    ctx,
    `SELECT s.id, s.name FROM segments s LEFT JOIN (SELECT segment_id, count(*) AS n FROM segment_members GROUP BY 1) m
       ON m.segment_id = s.id
     ORDER BY coalesce(m.n, 0) DESC, s.name LIMIT ${max}`,
  );
}

/**
 * How saved segments overlap: each pair's shared members, and the UpSet table — every
 * combination of the segments with the customers in exactly those (and none of the others).
 * Each customer's memberships become one bit mask, so the work is one pass over the members.
 */
export async function overlapTables(ctx: ReportContext, segments: SegmentRef[], limit: number): Promise<ReportTable[]> {
  if (segments.length < 2)
    throw new AppError(
      'invalid',
      `segments: overlap needs at least two saved segments, ${segments.length === 0 ? 'and none is saved' : `not only "${segments[0]!.name}"`}`,
      [{ field: 'segments', message: 'fewer than two' }],
    );
  const p = new SqlParams();
  const bit = `CASE segment_id ${segments.map((s, i) => `WHEN ${p.add(s.id)} THEN ${2 ** i}`).join(' ')} END`;
  const combos = (
    await read<{ mask: number; n: number }>(
      ctx,
      `SELECT mask, count(*) AS n FROM (
         SELECT customer_id, bit_or(${bit})::INTEGER AS mask FROM segment_members
         WHERE segment_id IN (${segments.map((_, i) => `$${i + 1}`).join(', ')}) GROUP BY customer_id
       ) GROUP BY mask`,
      p.values,
    )
  ).map((r) => ({ mask: num(r.mask), n: num(r.n) }));
  const has = (mask: number, i: number) => (mask & (2 ** i)) !== 0;
  const size = segments.map((_, i) => combos.filter((c) => has(c.mask, i)).reduce((a, c) => a + c.n, 0));
  const union = combos.reduce((a, c) => a + c.n, 0);
  const pairs: ReportRow[] = [];
  for (let i = 0; i < segments.length; i++)
    for (let j = i + 1; j < segments.length; j++) {
      const both = combos.filter((c) => has(c.mask, i) && has(c.mask, j)).reduce((a, c) => a + c.n, 0);
      pairs.push({
        segment_a: segments[i]!.name,
        segment_b: segments[j]!.name,
        size_a: size[i]!,
        size_b: size[j]!,
        both,
        share_of_a: share(both, size[i]!),
        share_of_b: share(both, size[j]!),
        jaccard: share(both, size[i]! + size[j]! - both),
      });
    }
  pairs.sort((a, b) => num(b.both) - num(a.both));
  const flag = (i: number) => `in_${i + 1}`;
  const intersections = [...combos]
    .sort((a, b) => b.n - a.n || a.mask - b.mask)
    .slice(0, limit)
    .map((c) => {
      const inside = segments.filter((_, i) => has(c.mask, i));
      const row: ReportRow = {
        segments: inside.map((s) => s.name).join(' & '),
        degree: inside.length,
        customers: c.n,
        share: share(c.n, union),
      };
      segments.forEach((_, i) => (row[flag(i)] = has(c.mask, i) ? 1 : 0));
      return row;
    });
  return [
    {
      id: 'segments',
      title: 'Segments compared',
      columns: [col('segment', 'Segment', 'text'), col('id', 'Id', 'text'), col('members', 'Members', 'integer')],
      rows: segments.map((s, i) => ({ segment: s.name, id: s.id, members: size[i]! })),
    },
    {
      id: 'pairs',
      title: 'Pairs: members in both',
      columns: [
        col('segment_a', 'Segment A', 'text'),
        col('segment_b', 'Segment B', 'text'),
        col('size_a', '|A|', 'integer'),
        col('size_b', '|B|', 'integer'),
        col('both', '|A ∩ B|', 'integer'),
        col('share_of_a', 'Share of A', 'share'),
        col('share_of_b', 'Share of B', 'share'),
        col('jaccard', 'Jaccard', 'share'),
      ],
      rows: pairs,
    },
    {
      id: 'intersections',
      title: `Intersections (UpSet): customers in exactly these segments, largest ${limit}`,
      columns: [
        col('segments', 'Segments', 'text'),
        col('degree', 'How many', 'integer'),
        col('customers', 'Customers', 'integer'),
        col('share', 'Share of all in any', 'share'),
        ...segments.map((s, i) => col(flag(i), s.name, 'integer')),
      ],
      rows: intersections,
    },
  ];
}

/**
 * Each saved segment's share of the customers and of the revenue (confirmed orders placed in the
 * period, by its members now), and the buyers by spend decile ("the top 10% bring 58%").
 */
export async function revenueShareTables(
  ctx: ReportContext,
  range: { from: string | null; to: string },
): Promise<ReportTable[]> {
  const p = new SqlParams();
  // customers keyed by a 64-bit hash of their id: grouping ten million orders by a number is much
  // cheaper than by text (two of a million ids sharing a hash: about 1 in 40 million)
  const per = `SELECT hash(customer_id) AS c, sum(total::DOUBLE) AS revenue FROM orders
    WHERE status = '${OrderStatus.confirmed}' AND placed_at < ${p.add(dayStart(addDays(range.to, 1)))}::TIMESTAMPTZ
    ${range.from ? `AND placed_at >= ${p.add(dayStart(range.from))}::TIMESTAMPTZ` : ''} GROUP BY 1`;
  // one pass over the orders: the per-customer revenue feeds the totals, the segments and the deciles
  const rows = await read<{
    set: string;
    id: string | null;
    name: string | null;
    n: number;
    buyers: number;
    revenue: number;
    min: number;
    max: number;
  }>(
    ctx,
    `WITH per AS MATERIALIZED (${per})
     SELECT 'totals' AS set, NULL AS id, NULL AS name, (SELECT count(*) FROM customers WHERE merged_into IS NULL) AS n,
            count(*) AS buyers, coalesce(sum(revenue), 0) AS revenue, NULL AS min, NULL AS max FROM per
     UNION ALL
     SELECT 'segment', s.id, any_value(s.name), count(m.customer_id), count(per.c), coalesce(sum(per.revenue), 0), NULL, NULL
     FROM segments s LEFT JOIN segment_members m ON m.segment_id = s.id LEFT JOIN per ON per.c = hash(m.customer_id)
     GROUP BY s.id
     UNION ALL
     SELECT 'decile', CAST(d AS VARCHAR), NULL, count(*), count(*), sum(revenue), min(revenue), max(revenue)
     FROM (SELECT revenue, ntile(10) OVER (ORDER BY revenue DESC, c) AS d FROM per WHERE revenue > 0) GROUP BY d`,
    p.values,
  );
  const totals = rows.find((r) => r.set === 'totals');
  const customers = num(totals?.n);
  const revenue = num(totals?.revenue);
  const segments = rows
    .filter((r) => r.set === 'segment')
    .map((r) => ({ id: r.id, name: r.name, members: num(r.n), buyers: num(r.buyers), revenue: num(r.revenue) }))
    .sort((a, b) => b.revenue - a.revenue || String(a.name).localeCompare(String(b.name)));
  const deciles = rows
    .filter((r) => r.set === 'decile')
    .map((r) => ({ d: Number(r.id), n: num(r.n), revenue: num(r.revenue), min: num(r.min), max: num(r.max) }))
    .sort((a, b) => a.d - b.d);
  let cumulative = 0;
  return [
    {
      id: 'segments',
      title: 'Saved segments: share of customers and of revenue',
      columns: [
        col('segment', 'Segment', 'text'),
        col('members', 'Members', 'integer'),
        col('customer_share', 'Share of customers', 'share'),
        col('buyers', 'Buyers', 'integer'),
        col('revenue', 'Revenue', 'money'),
        col('revenue_share', 'Share of revenue', 'share'),
        col('revenue_per_member', 'Revenue per member', 'money'),
      ],
      rows: segments.map((s) => ({
        segment: s.name,
        members: s.members,
        customer_share: share(num(s.members), customers),
        buyers: num(s.buyers),
        revenue: money(s.revenue),
        revenue_share: share(num(s.revenue), revenue),
        revenue_per_member: num(s.members) > 0 ? money(num(s.revenue) / num(s.members)) : null,
      })),
    },
    {
      id: 'spend_deciles',
      title: 'Buyers by spend decile (1 = the top 10%)',
      columns: [
        col('decile', 'Decile', 'integer'),
        col('buyers', 'Buyers', 'integer'),
        col('revenue', 'Revenue', 'money'),
        col('revenue_share', 'Share of revenue', 'share'),
        col('cumulative_share', 'Cumulative share', 'share'),
        col('min_spend', 'Least spent', 'money'),
        col('max_spend', 'Most spent', 'money'),
      ],
      rows: deciles.map((d) => {
        cumulative += num(d.revenue);
        return {
          decile: num(d.d),
          buyers: num(d.n),
          revenue: money(d.revenue),
          revenue_share: share(num(d.revenue), revenue),
          cumulative_share: share(cumulative, revenue),
          min_spend: money(d.min),
          max_spend: money(d.max),
        };
      }),
    },
  ];
}
