import { AppError, SegmentSignal, type SegmentChange, type SqlParam, type SqlRunner } from '@strata/core';

/**
 * The read side of the membership store: a segment's entries and exits in order, a customer's
 * segments now or at a past time, daily sizes, member counts, and the changes after a seq that
 * the change stream and webhooks deliver.
 */

interface ChangeRow {
  id: string;
  seq: number;
  kind: string;
  segment_id: string;
  segment_name: string | null;
  customer_id: string;
  at: string;
  cause: SegmentChange['cause'];
  ref: string | null;
}

const CHANGE_COLUMNS = `c.id, c.seq, c.kind, c.segment_id, s.name AS segment_name, c.customer_id, c."at", c.cause, c.ref
  FROM segment_changes c LEFT JOIN segments s ON s.id = c.segment_id`;

const toChange = (r: ChangeRow): SegmentChange => ({
  id: r.id,
  seq: Number(r.seq),
  type: r.kind === 'entered' ? SegmentSignal.entered : SegmentSignal.exited,
  segment_id: r.segment_id,
  segment_name: r.segment_name,
  customer_id: r.customer_id,
  at: r.at,
  cause: r.cause,
  ref: r.ref,
});

/** Most changes one read returns. */
export const MAX_CHANGES_PER_READ = 10_000;

function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CHANGES_PER_READ)
    throw new AppError(
      'invalid',
      `limit must be a whole number from 1 to ${MAX_CHANGES_PER_READ.toLocaleString('en')}`,
      [{ field: 'limit', message: `got ${limit}` }],
    );
  return limit;
}

export interface HistoryOptions {
  /** Only changes after this seq (the last one a reader has). */
  after?: number;
  /** Only changes at or after this time. */
  since?: Date;
  /** Only changes before this time. */
  until?: Date;
  limit: number;
}

/** A segment's entries and exits in seq order. */
export async function segmentHistory(
  db: SqlRunner,
  segmentId: string,
  options: HistoryOptions,
): Promise<SegmentChange[]> {
  const params: SqlParam[] = [segmentId, options.after ?? 0];
  const where = ['c.segment_id = $1', 'c.seq > $2'];
  if (options.since) where.push(`c."at" >= CAST($${params.push(options.since.toISOString())} AS TIMESTAMPTZ)`);
  if (options.until) where.push(`c."at" < CAST($${params.push(options.until.toISOString())} AS TIMESTAMPTZ)`);
  const rows = await db.query<ChangeRow>(
    `SELECT ${CHANGE_COLUMNS} WHERE ${where.join(' AND ')} ORDER BY c.seq LIMIT ${checkedLimit(options.limit)}`,
    params,
  );
  return rows.map(toChange);
}

/**
 * One customer's entries and exits of every segment, newest first (the customer page's "segments
 * in the past"): a merged customer's id reads the customer it was merged into. Page with `before`,
 * the last seq of the previous page.
 */
export async function customerHistory(
  db: SqlRunner,
  customerId: string,
  options: { before?: number; limit: number },
): Promise<{ customer_id: string; changes: SegmentChange[] }> {
  const [customer] = await db.query<{ id: string }>(
    'SELECT coalesce(merged_into, id) AS id FROM customers WHERE id = $1',
    [customerId],
  );
  if (!customer) throw new AppError('not_found', `no customer "${customerId}"`);
  const rows = await db.query<ChangeRow>(
    `SELECT ${CHANGE_COLUMNS} WHERE c.customer_id = $1 AND ($2::BIGINT IS NULL OR c.seq < $2)
     ORDER BY c.seq DESC LIMIT ${checkedLimit(options.limit)}`,
    [customer.id, options.before ?? null],
  );
  return { customer_id: customer.id, changes: rows.map(toChange) };
}

/** Changes after `seq`, in seq order, of every segment or of the segments named. */
export async function changesAfter(
  db: SqlRunner,
  seq: number,
  limit: number,
  segmentIds?: readonly string[],
): Promise<SegmentChange[]> {
  if (segmentIds && segmentIds.length === 0) return [];
  const params: SqlParam[] = [seq, ...(segmentIds ?? [])];
  const only = segmentIds ? `AND c.segment_id IN (${segmentIds.map((_, i) => `$${i + 2}`).join(', ')})` : '';
  const rows = await db.query<ChangeRow>(
    `SELECT ${CHANGE_COLUMNS} WHERE c.seq > $1 ${only} ORDER BY c.seq LIMIT ${checkedLimit(limit)}`,
    params,
  );
  return rows.map(toChange);
}

/** The changes with seq in [first, last] (a webhook delivery's, read again for a retry). */
export async function changesBetween(
  db: SqlRunner,
  first: number,
  last: number,
  segmentIds?: readonly string[],
): Promise<SegmentChange[]> {
  if (segmentIds && segmentIds.length === 0) return [];
  const params: SqlParam[] = [first, last, ...(segmentIds ?? [])];
  const only = segmentIds ? `AND c.segment_id IN (${segmentIds.map((_, i) => `$${i + 3}`).join(', ')})` : '';
  const rows = await db.query<ChangeRow>(
    `SELECT ${CHANGE_COLUMNS} WHERE c.seq BETWEEN $1 AND $2 ${only} ORDER BY c.seq`,
    params,
  );
  return rows.map(toChange);
}

/** The seq of the last change recorded (0 before the first): where a reader that wants only new changes starts. */
export async function latestChangeSeq(db: SqlRunner): Promise<number> {
  const [row] = await db.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM segment_changes');
  return Number(row?.seq ?? 0);
}

/** Whether a segment is saved now or was once (it has changes or sizes recorded). */
export async function segmentKnown(db: SqlRunner, segmentId: string): Promise<boolean> {
  const [row] = await db.query<{ known: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM segments WHERE id = $1)
         OR EXISTS (SELECT 1 FROM segment_changes WHERE segment_id = $1)
         OR EXISTS (SELECT 1 FROM segment_sizes WHERE segment_id = $1) AS known`,
    [segmentId],
  );
  return Boolean(row?.known);
}

export interface CustomerSegment {
  segment_id: string;
  /** Null once the segment is deleted. */
  segment_name: string | null;
  /** When the customer entered (the last entry, if they entered more than once). */
  entered_at: string;
}

export interface CustomerSegments {
  /** The customer the id resolves to (a merged customer's id resolves to the one it was merged into). */
  customer_id: string;
  segments: CustomerSegment[];
}

/**
 * The segments a customer is in now, or at a past time (the last change of each segment at or
 * before it, in seq order, is an entry). A merged customer's id resolves to the customer it was
 * merged into, as everywhere else; the past is that customer's own history.
 */
export async function customerSegments(db: SqlRunner, customerId: string, at?: Date): Promise<CustomerSegments> {
  const [customer] = await db.query<{ id: string }>(
    'SELECT coalesce(merged_into, id) AS id FROM customers WHERE id = $1',
    [customerId],
  );
  if (!customer) throw new AppError('not_found', `no customer "${customerId}"`);
  const rows = at
    ? await db.query<CustomerSegment>(
        `SELECT c.segment_id, s.name AS segment_name, c."at" AS entered_at FROM (
           SELECT segment_id, kind, "at", row_number() OVER (PARTITION BY segment_id ORDER BY seq DESC) AS n
           FROM segment_changes WHERE customer_id = $1 AND "at" <= CAST($2 AS TIMESTAMPTZ)
         ) c LEFT JOIN segments s ON s.id = c.segment_id
         WHERE c.n = 1 AND c.kind = 'entered' ORDER BY s.name NULLS LAST, c.segment_id`,
        [customer.id, at.toISOString()],
      )
    : await db.query<CustomerSegment>(
        `SELECT m.segment_id, s.name AS segment_name, m.entered_at FROM segment_members m
         LEFT JOIN segments s ON s.id = m.segment_id
         WHERE m.customer_id = $1 ORDER BY s.name NULLS LAST, m.segment_id`,
        [customer.id],
      );
  return { customer_id: customer.id, segments: rows };
}

/** Members of a segment now (the size kept with each change: no count over the members). */
export async function memberCount(db: SqlRunner, segmentId: string): Promise<number> {
  const [row] = await db.query<{ size: number }>(
    'SELECT size FROM segment_sizes WHERE segment_id = $1 ORDER BY day DESC LIMIT 1',
    [segmentId],
  );
  return Number(row?.size ?? 0);
}

export interface DailySize {
  /** A UTC day, YYYY-MM-DD. */
  day: string;
  /** Members at the end of that day (for today: now). */
  size: number;
}

/** Longest range of days one call answers (ten years). */
export const MAX_SIZE_DAYS = 3660;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;

/**
 * A segment's size at the end of each UTC day in [from, to], from the first day it had members
 * recorded: a day without changes keeps the size of the day before.
 */
export async function dailySizes(
  db: SqlRunner,
  segmentId: string,
  range: { from: string; to: string },
): Promise<DailySize[]> {
  for (const [field, v] of Object.entries(range))
    if (!DAY.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
      throw new AppError('invalid', `${field} must be a day as YYYY-MM-DD, not "${v}"`, [
        { field, message: 'not a day' },
      ]);
  const first = Date.parse(`${range.from}T00:00:00Z`);
  const last = Date.parse(`${range.to}T00:00:00Z`);
  if (last < first)
    throw new AppError('invalid', `from (${range.from}) is after to (${range.to})`, [
      { field: 'from', message: 'after to' },
    ]);
  if ((last - first) / MS_PER_DAY >= MAX_SIZE_DAYS)
    throw new AppError('invalid', `at most ${MAX_SIZE_DAYS.toLocaleString('en')} days at a time`, [
      { field: 'to', message: 'range too long' },
    ]);
  const rows = await db.query<{ day: string; size: number }>(
    `SELECT CAST(day AS VARCHAR) AS day, size FROM segment_sizes
     WHERE segment_id = $1 AND day <= CAST($3 AS DATE)
       AND day >= coalesce((SELECT max(day) FROM segment_sizes WHERE segment_id = $1 AND day <= CAST($2 AS DATE)), CAST($2 AS DATE))
     ORDER BY day`,
    [segmentId, range.from, range.to],
  );
  const out: DailySize[] = [];
  let i = 0;
  let size: number | undefined;
  for (let t = first; t <= last; t += MS_PER_DAY) {
    const day = new Date(t).toISOString().slice(0, 10);
    while (i < rows.length && rows[i]!.day <= day) size = Number(rows[i++]!.size);
    if (size !== undefined) out.push({ day, size });
  }
  return out;
}

export interface DailyChanges {
  /** A UTC day, YYYY-MM-DD. */
  day: string;
  entered: number;
  exited: number;
}

/**
 * A segment's entries and exits per UTC day in [from, to] (days given as YYYY-MM-DD, checked by
 * the caller), only the days that had any: a customer who entered and left the same day counts once each.
 */
export async function dailyChanges(
  db: SqlRunner,
  segmentId: string,
  range: { from: string; to: string },
): Promise<DailyChanges[]> {
  const rows = await db.query<{ day: string; entered: number; exited: number }>(
    `SELECT CAST(CAST(timezone('UTC', "at") AS DATE) AS VARCHAR) AS day,
            count(*) FILTER (WHERE kind = 'entered') AS entered, count(*) FILTER (WHERE kind = 'exited') AS exited
     FROM segment_changes
     WHERE segment_id = $1 AND "at" >= CAST($2 AS TIMESTAMPTZ) AND "at" < CAST($3 AS TIMESTAMPTZ) + INTERVAL 1 DAY
     GROUP BY 1 ORDER BY 1`,
    [segmentId, `${range.from}T00:00:00Z`, `${range.to}T00:00:00Z`],
  );
  return rows.map((r) => ({ day: r.day, entered: Number(r.entered), exited: Number(r.exited) }));
}
