import { AppError, MembershipCause, membershipCauses, type SqlParam, type SqlRunner } from '@strata/core';

/**
 * The write side of the membership store: one segment's members after a re-evaluation, diffed
 * against the members it had, in the caller's transaction. Each entry and exit becomes a row of
 * segment_changes (its seq from segment_change_seq, its id a UUID made once, when the row is
 * written), segment_members follows, and the segment's size for the day is brought up to date.
 *
 * Writes to a store are serialised (one writing connection), so changes commit in seq order:
 * a reader that has seen seq n has seen every change before it. Gaps in seq are possible (a
 * transaction rolled back after taking numbers) and mean nothing.
 */

export interface MembershipUpdate {
  segmentId: string;
  /**
   * SQL: a SELECT whose first column is the ids of the customers re-evaluated, or `all` when every
   * customer was (then every current member not in `members` exits).
   */
  scope: string;
  /** SQL: a SELECT whose first column is the ids of those customers who are members now. */
  members: string;
  /** Values of $1, $2, … in `scope` and `members` (one list for both). */
  params?: readonly SqlParam[];
  /** When membership changed: the evaluation time (ISO 8601). */
  at: string;
  cause: MembershipCause;
  /** The record or due time that caused it (an order id, a message id, a due time). */
  ref?: string;
}

export interface MembershipDiff {
  entered: number;
  exited: number;
}

const DIFF_TABLE = 'membership_diff';

/** The time of an update, checked with its cause. */
function checkedChange(u: { at: string; cause: MembershipCause }): Date {
  if (!(membershipCauses as readonly string[]).includes(u.cause))
    throw new AppError('invalid', `unknown membership cause "${u.cause}"; one of ${membershipCauses.join(', ')}`);
  return checkedTime(u.at, 'the membership time');
}

function checkedTime(at: string, what: string): Date {
  const when = new Date(at);
  if (Number.isNaN(when.getTime())) throw new AppError('invalid', `${what} is not a time: ${at}`);
  return when;
}

/**
 * Records what changed for one segment: customers in `members` who are not members yet enter,
 * members in `scope` who are not in `members` exit. Recording the same update twice records
 * nothing the second time.
 */
export async function recordMembership(tx: SqlRunner, u: MembershipUpdate): Promise<MembershipDiff> {
  const when = checkedChange(u);
  const params = [...(u.params ?? [])];
  const segment = `$${params.push(u.segmentId)}`;
  const inScope =
    u.scope.trim().toLowerCase() === 'all'
      ? ''
      : `AND c.customer_id IN (SELECT CAST(customer_id AS VARCHAR) FROM (${u.scope}) AS s(customer_id))`;
  await tx.exec(
    `CREATE OR REPLACE TEMP TABLE ${DIFF_TABLE} AS
     WITH now_in AS (
       SELECT DISTINCT CAST(customer_id AS VARCHAR) AS customer_id FROM (${u.members}) AS m(customer_id)
       WHERE customer_id IS NOT NULL
     ),
     current_members AS (SELECT customer_id FROM segment_members WHERE segment_id = ${segment})
     SELECT n.customer_id, 'entered' AS kind FROM now_in n
     WHERE NOT EXISTS (SELECT 1 FROM current_members c WHERE c.customer_id = n.customer_id)
     UNION ALL
     SELECT c.customer_id, 'exited' AS kind FROM current_members c
     WHERE NOT EXISTS (SELECT 1 FROM now_in n WHERE n.customer_id = c.customer_id) ${inScope}`,
    params,
  );
  const diff = await applyDiff(tx, u, when);
  // Dropped on success only: after a failure the transaction is rolled back, and the table with it.
  await tx.exec(`DROP TABLE IF EXISTS ${DIFF_TABLE}`);
  return diff;
}

/** The diff table's changes written: segment_changes, segment_members, the day's size. */
async function applyDiff(tx: SqlRunner, u: MembershipUpdate, when: Date): Promise<MembershipDiff> {
  const [counts] = await tx.query<{ entered: number | null; exited: number | null }>(
    `SELECT count(*) FILTER (WHERE kind = 'entered') AS entered, count(*) FILTER (WHERE kind = 'exited') AS exited FROM ${DIFF_TABLE}`,
  );
  const diff = { entered: Number(counts?.entered ?? 0), exited: Number(counts?.exited ?? 0) };
  if (diff.entered + diff.exited === 0) return diff;
  const at = when.toISOString();
  // Exits first, then entries, each in customer order: a reader sees one call's changes in a
  // predictable order.
  await tx.exec(
    `INSERT INTO segment_changes (seq, id, segment_id, customer_id, kind, "at", cause, ref)
     SELECT nextval('segment_change_seq'), CAST(gen_random_uuid() AS VARCHAR), $1, customer_id, kind,
            CAST($2 AS TIMESTAMPTZ), $3, $4
     FROM (SELECT customer_id, kind FROM ${DIFF_TABLE} ORDER BY kind DESC, customer_id) d`,
    [u.segmentId, at, u.cause, u.ref ?? null],
  );
  await tx.exec(
    `DELETE FROM segment_members WHERE segment_id = $1
     AND customer_id IN (SELECT customer_id FROM ${DIFF_TABLE} WHERE kind = 'exited')`,
    [u.segmentId],
  );
  await tx.exec(
    `INSERT INTO segment_members (segment_id, customer_id, entered_at)
     SELECT $1, customer_id, CAST($2 AS TIMESTAMPTZ) FROM ${DIFF_TABLE} WHERE kind = 'entered'`,
    [u.segmentId, at],
  );
  await addToDailySize(tx, u.segmentId, at.slice(0, 10), diff.entered - diff.exited);
  return diff;
}

/** Several segments decided for the same customers at once (a live step): one diff for all of them. */
export interface MembershipsUpdate {
  /** The segments decided, in the order their changes are numbered. */
  segmentIds: readonly string[];
  /** SQL: a SELECT whose first column is the ids of the customers re-evaluated. */
  scope: string;
  /** SQL: a SELECT of (segment_id, customer_id): who is a member of which of `segmentIds` now. */
  members: string;
  params?: readonly SqlParam[];
  at: string;
  cause: MembershipCause;
  ref?: string;
}

const MANY_DIFF_TABLE = 'membership_diff_many';
const MANY_SEGMENTS_TABLE = 'membership_diff_segments';

/**
 * As recordMembership, for many segments and one scope of customers in a few statements instead
 * of a handful per segment (a live step decides every saved segment for the customers it took:
 * per segment, the statements' fixed cost was most of the step's recording time). Changes are
 * numbered segment by segment in the order given, exits before entries, each in customer order,
 * as separate recordMembership calls would number them.
 */
export async function recordMemberships(tx: SqlRunner, u: MembershipsUpdate): Promise<Map<string, MembershipDiff>> {
  const when = checkedChange(u);
  const result = new Map(u.segmentIds.map((id) => [id, { entered: 0, exited: 0 }]));
  if (u.segmentIds.length === 0) return result;
  await tx.loadTable(
    MANY_SEGMENTS_TABLE,
    [
      ['segment_id', 'text'],
      ['pos', 'integer'],
    ],
    u.segmentIds.map((id, i) => [id, i]),
  );
  await tx.exec(
    `CREATE OR REPLACE TEMP TABLE ${MANY_DIFF_TABLE} AS
     WITH scope AS (SELECT DISTINCT CAST(id AS VARCHAR) AS id FROM (${u.scope}) AS s(id) WHERE id IS NOT NULL),
     now_in AS (
       SELECT DISTINCT CAST(m.segment_id AS VARCHAR) AS segment_id, CAST(m.customer_id AS VARCHAR) AS customer_id
       FROM (${u.members}) AS m(segment_id, customer_id)
       WHERE m.customer_id IS NOT NULL AND m.segment_id IN (SELECT segment_id FROM ${MANY_SEGMENTS_TABLE})
     ),
     current_members AS (
       SELECT c.segment_id, c.customer_id FROM segment_members c
       WHERE c.segment_id IN (SELECT segment_id FROM ${MANY_SEGMENTS_TABLE})
         AND (c.customer_id IN (SELECT id FROM scope) OR c.customer_id IN (SELECT customer_id FROM now_in))
     )
     SELECT n.segment_id, n.customer_id, 'entered' AS kind FROM now_in n
     WHERE NOT EXISTS (SELECT 1 FROM current_members c WHERE c.segment_id = n.segment_id AND c.customer_id = n.customer_id)
     UNION ALL
     SELECT c.segment_id, c.customer_id, 'exited' AS kind FROM current_members c
     WHERE c.customer_id IN (SELECT id FROM scope)
       AND NOT EXISTS (SELECT 1 FROM now_in n WHERE n.segment_id = c.segment_id AND n.customer_id = c.customer_id)`,
    u.params ?? [],
  );
  const counts = await tx.query<{ segment_id: string; entered: number; exited: number }>(
    `SELECT segment_id, count(*) FILTER (WHERE kind = 'entered')::INTEGER AS entered,
            count(*) FILTER (WHERE kind = 'exited')::INTEGER AS exited
     FROM ${MANY_DIFF_TABLE} GROUP BY segment_id`,
  );
  for (const c of counts) result.set(c.segment_id, { entered: Number(c.entered), exited: Number(c.exited) });
  if (counts.length > 0) {
    const at = when.toISOString();
    await tx.exec(
      `INSERT INTO segment_changes (seq, id, segment_id, customer_id, kind, "at", cause, ref)
       SELECT nextval('segment_change_seq'), CAST(gen_random_uuid() AS VARCHAR), segment_id, customer_id, kind,
              CAST($1 AS TIMESTAMPTZ), $2, $3
       FROM (SELECT d.segment_id, d.customer_id, d.kind FROM ${MANY_DIFF_TABLE} d
             JOIN ${MANY_SEGMENTS_TABLE} s USING (segment_id) ORDER BY s.pos, d.kind DESC, d.customer_id) d`,
      [at, u.cause, u.ref ?? null],
    );
    await tx.exec(
      `DELETE FROM segment_members USING ${MANY_DIFF_TABLE} d
       WHERE d.kind = 'exited' AND segment_members.segment_id = d.segment_id AND segment_members.customer_id = d.customer_id`,
    );
    await tx.exec(
      `INSERT INTO segment_members (segment_id, customer_id, entered_at)
       SELECT segment_id, customer_id, CAST($1 AS TIMESTAMPTZ) FROM ${MANY_DIFF_TABLE} WHERE kind = 'entered'`,
      [at],
    );
    // Each changed segment's size for the day, as addToDailySize does one at a time.
    await tx.exec(
      `INSERT INTO segment_sizes (segment_id, day, size)
       SELECT d.segment_id, CASE WHEN l.day > CAST($1 AS DATE) THEN l.day ELSE CAST($1 AS DATE) END,
              coalesce(l.size, 0) + d.delta
       FROM (SELECT segment_id, sum(CASE kind WHEN 'entered' THEN 1 ELSE -1 END)::INTEGER AS delta
             FROM ${MANY_DIFF_TABLE} GROUP BY segment_id) d
       LEFT JOIN (SELECT segment_id, max(day) AS day, arg_max(size, day) AS size FROM segment_sizes
                  WHERE segment_id IN (SELECT segment_id FROM ${MANY_DIFF_TABLE}) GROUP BY segment_id) l
         USING (segment_id)
       ON CONFLICT (segment_id, day) DO UPDATE SET size = excluded.size`,
      [at.slice(0, 10)],
    );
  }
  // Dropped on success only: after a failure the transaction is rolled back, and the tables with it.
  await tx.exec(`DROP TABLE IF EXISTS ${MANY_DIFF_TABLE}`);
  await tx.exec(`DROP TABLE IF EXISTS ${MANY_SEGMENTS_TABLE}`);
  return result;
}

/**
 * The size at the end of a day (today: now) moves with each change. A change dated on a day
 * before the last day with a size counts toward that last day, so the latest size is always the
 * number of members.
 */
async function addToDailySize(tx: SqlRunner, segmentId: string, day: string, delta: number): Promise<void> {
  const [last] = await tx.query<{ day: string; size: number }>(
    'SELECT CAST(day AS VARCHAR) AS day, size FROM segment_sizes WHERE segment_id = $1 ORDER BY day DESC LIMIT 1',
    [segmentId],
  );
  const onDay = last && last.day > day ? last.day : day;
  await tx.exec(
    `INSERT INTO segment_sizes (segment_id, day, size) VALUES ($1, CAST($2 AS DATE), $3)
     ON CONFLICT (segment_id, day) DO UPDATE SET size = excluded.size`,
    [segmentId, onDay, Number(last?.size ?? 0) + delta],
  );
}

/**
 * A deleted segment: every member exits (cause `segment`, ref `deleted`), so a subscriber that
 * mirrors membership sees them go, and the size drops to 0. The segment's history and daily
 * sizes stay readable by its id.
 */
export function dropSegmentMembership(tx: SqlRunner, segmentId: string, at: string): Promise<MembershipDiff> {
  return recordMembership(tx, {
    segmentId,
    scope: 'all',
    members: 'SELECT CAST(NULL AS VARCHAR) WHERE false',
    at,
    cause: MembershipCause.segment,
    ref: 'deleted',
  });
}
