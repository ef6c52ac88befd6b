import { AppError, lifecycleStages, RfmSegment } from '@strata/core';
import { read, type ReportContext } from './report-context.js';
import { col, num, share, type ReportColumn, type ReportRow, type ReportTable } from './report.js';
import { addDays, dayStart } from './report-params.js';

/*
 * Movement between RFM segments or lifecycle stages from one day to another. Profiles are
 * recomputed in place, so the past comes from profile_history, which every full profile run adds
 * to (a row per customer whose segment or stage changed): the state on a day is each customer's
 * last row recorded as of the end of that day or earlier.
 */

export const TransitionDimension = { rfm: 'rfm', lifecycle: 'lifecycle' } as const;
export type TransitionDimension = (typeof TransitionDimension)[keyof typeof TransitionDimension];
export const transitionDimensions = Object.values(TransitionDimension);

/** The row and column of a customer absent from one side (not a customer yet, or merged away). */
const ABSENT = { key: 'absent', label: '(not a customer)' } as const;
/** An RFM segment of a customer with no orders (RFM is for buyers). */
const NO_ORDERS = { key: 'no_orders', label: '(no orders)' } as const;

/** The states of a dimension, each with the key its column goes by and the value stored. */
function states(by: TransitionDimension): { key: string; label: string; value: string | null }[] {
  const named =
    by === 'rfm'
      ? [
          ...Object.entries(RfmSegment).map(([key, label]) => ({ key, label, value: label })),
          { ...NO_ORDERS, value: null },
        ]
      : lifecycleStages.map((s) => ({ key: s, label: s, value: s }));
  return [...named, { ...ABSENT, value: null }];
}

/** The time of the last history row at or before the end of `day`, or null when there is none. */
async function snapshotAt(ctx: ReportContext, day: string): Promise<string | null> {
  const [row] = await read<{ at: string | null }>(
    ctx,
    `SELECT strftime(max(as_of), '%Y-%m-%dT%H:%M:%SZ') AS at FROM profile_history WHERE as_of < $1::TIMESTAMPTZ`,
    [dayStart(addDays(day, 1))],
  );
  return row?.at ?? null;
}

export async function transitionTables(
  ctx: ReportContext,
  by: TransitionDimension,
  range: { from: string; to: string },
): Promise<{ tables: ReportTable[]; notes: string[] }> {
  const [from, to] = [await snapshotAt(ctx, range.from), await snapshotAt(ctx, range.to)];
  if (!from || !to) {
    const [first] = await read<{ at: string | null }>(
      ctx,
      `SELECT strftime(min(as_of), '%Y-%m-%d') AS at FROM profile_history`,
    );
    throw new AppError(
      'not_found',
      first?.at
        ? `no profile run recorded as of ${range.from} or earlier: the first is as of ${first.at} (from must be that day or later)`
        : 'no profile history yet: each full profile run (`strata profiles compute`) records one; transitions need runs as of two days',
      [{ field: 'from', message: 'before the first profile run' }],
    );
  }
  const column = by === 'rfm' ? 'rfm_segment' : 'lifecycle_stage';
  // Each customer's state at both times in one pass: the last row up to each time (customers
  // keyed by a 64-bit hash of their id, much cheaper to group by than the text).
  const rows = await read<{ a: string | null; b: string | null; a_known: boolean; b_known: boolean; n: number }>(
    ctx,
    `SELECT a, b, a_known, b_known, count(*) AS n FROM (
       SELECT hash(customer_id) AS c,
              arg_max(${column}, as_of) FILTER (WHERE as_of <= $1::TIMESTAMPTZ) AS a,
              count(*) FILTER (WHERE as_of <= $1::TIMESTAMPTZ) > 0 AS a_known,
              arg_max(${column}, as_of) AS b, true AS b_known
       FROM profile_history WHERE as_of <= $2::TIMESTAMPTZ GROUP BY 1
     ) GROUP BY ALL`,
    [from, to],
  );
  const list = states(by);
  const keyOf = (value: string | null, known: boolean) =>
    !known ? ABSENT.key : (list.find((s) => s.value === value && s.key !== ABSENT.key)?.key ?? String(value));
  const counts = new Map<string, number>();
  for (const r of rows) {
    const k = `${keyOf(r.a, r.a_known)}→${keyOf(r.b, r.b_known)}`;
    counts.set(k, (counts.get(k) ?? 0) + num(r.n));
  }
  const fromStates = list;
  const toStates = list.filter((s) => s.key !== ABSENT.key);
  let stayed = 0;
  let moved = 0;
  let joined = 0;
  const matrix: ReportRow[] = fromStates.map((a) => {
    const row: ReportRow = { from: a.label };
    let total = 0;
    for (const b of toStates) {
      const n = counts.get(`${a.key}→${b.key}`) ?? 0;
      row[b.key] = n;
      total += n;
      if (a.key === ABSENT.key) joined += n;
      else if (a.key === b.key) stayed += n;
      else moved += n;
    }
    row.total = total;
    return row;
  });
  const columns: ReportColumn[] = [
    col('from', `${by === 'rfm' ? 'RFM segment' : 'Stage'} on ${range.from} ↓ / on ${range.to} →`, 'text'),
    ...toStates.map((s) => col(s.key, s.label, 'integer')),
    col('total', 'Total', 'integer'),
  ];
  const compared = stayed + moved;
  return {
    notes: [
      `${range.from}: the profiles as of ${from}; ${range.to}: as of ${to} (full profile runs recorded in profile_history)`,
    ],
    tables: [
      {
        id: 'summary',
        title: 'Customers compared',
        columns: [
          col('from_profiles', 'Profiles (from)', 'text'),
          col('to_profiles', 'Profiles (to)', 'text'),
          col('customers', 'Customers at both', 'integer'),
          col('stayed', 'Stayed', 'integer'),
          col('moved', 'Moved', 'integer'),
          col('moved_share', 'Share moved', 'share'),
          col('new_customers', 'New since', 'integer'),
        ],
        rows: [
          {
            from_profiles: from,
            to_profiles: to,
            customers: compared,
            stayed,
            moved,
            moved_share: share(moved, compared),
            new_customers: joined,
          },
        ],
      },
      {
        id: 'matrix',
        title: `Transitions (rows: ${range.from}, columns: ${range.to})`,
        columns,
        rows: matrix.filter((r) => r.from !== ABSENT.label || num(r.total) > 0),
      },
    ],
  };
}
