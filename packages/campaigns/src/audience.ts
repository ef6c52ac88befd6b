import { AppError, LiveSetting, type SqlParam, type SqlRunner } from '@strata/core';
import { savedByKey, type SavedSegment, type SegmentService } from '@strata/segments';
import type { CampaignAudience } from './campaign-definition.js';

/*
 * A campaign's audience: the members of its included saved segments, each person once, with those
 * in an excluded segment marked (they are counted in the dry run as excluded, never sent to).
 * The exclusion segments are asked again just before each message goes (excludedNow).
 * A segment the live engine keeps current is read from the membership store (segment_members);
 * any other is evaluated now, by its compiled SQL. Each segment's members go into a temporary
 * table with their own query and parameters, so no query's parameters are renumbered.
 */

/** The saved segments whose membership the live engine keeps: evaluated by it as they stand now. */
async function liveSegments(db: SqlRunner, saved: readonly SavedSegment[]): Promise<Set<string>> {
  const rows = await db.query<{ key: string; value: string }>(`SELECT key, value FROM settings WHERE key IN ($1, $2)`, [
    LiveSetting.segments,
    LiveSetting.lastRecompute,
  ]);
  const evaluated = rows.find((r) => r.key === LiveSetting.segments)?.value;
  if (!evaluated || !rows.some((r) => r.key === LiveSetting.lastRecompute)) return new Set();
  const at = JSON.parse(evaluated) as Record<string, string>;
  return new Set(saved.filter((s) => at[s.id] === s.updated_at).map((s) => s.id));
}

export interface AudienceCounts {
  /** People in at least one included segment. */
  included: number;
  /** Of those, people in an excluded segment. */
  excluded: number;
}

/** The saved segments `keys` name (by id or name), each checked: an unknown one is an error naming it and `field`. */
function resolveSegments(saved: readonly SavedSegment[], keys: readonly string[], field: string): SavedSegment[] {
  const byKey = new Map(saved.flatMap((s) => [[s.id, s] as const, [s.name, s] as const]));
  return keys.map((key, i) => {
    const s = byKey.get(key);
    if (!s)
      throw new AppError('not_found', `the audience names a saved segment that does not exist: "${key}"`, [
        { field: `${field}.${i}`, message: `no saved segment "${key}"` },
      ]);
    return s;
  });
}

/**
 * When a segment is evaluated: at `at` where it can be (its conditions on orders and events are
 * then measured up to that moment), else as of the profiles (a segment reading traits measured
 * at the profile run is only as fresh as they are).
 */
async function evaluatedAt(segments: SegmentService, def: { segment: string }, at: Date | undefined): Promise<Date> {
  if (at)
    try {
      return await segments.evaluationTime(def, at);
    } catch (e) {
      if (!(e instanceof AppError && e.kind === 'invalid')) throw e;
    }
  return segments.evaluationTime(def);
}

/**
 * The members of one saved segment now, as a SELECT of customer_id with its parameters: the
 * membership store for a segment the live engine keeps, else its compiled query.
 */
async function membersQuery(
  segments: SegmentService,
  segment: SavedSegment,
  live: ReadonlySet<string>,
  irs: ReturnType<typeof savedByKey>,
  at?: Date,
): Promise<{ sql: string; params: readonly SqlParam[] }> {
  if (live.has(segment.id))
    return { sql: 'SELECT customer_id FROM segment_members WHERE segment_id = $1', params: [segment.id] };
  const def = { segment: segment.id };
  const q = await segments.idsQuery(def, await evaluatedAt(segments, def, at), irs);
  return {
    sql: `SELECT CAST(customer_id AS VARCHAR) AS customer_id FROM (${q.sql}) AS m(customer_id)`,
    params: q.params,
  };
}

/**
 * Writes the audience to the temporary table `table` (customer_id, excluded), one row per person,
 * and returns its counts. Segments are named by id or name; an unknown one is an error naming it.
 */
export async function materialiseAudience(
  db: SqlRunner,
  segments: SegmentService,
  audience: CampaignAudience,
  table: string,
): Promise<AudienceCounts> {
  const saved = await segments.list();
  const include = resolveSegments(saved, audience.include, 'audience.include');
  const exclude = resolveSegments(saved, audience.exclude, 'audience.exclude');
  const live = await liveSegments(db, saved);
  const irs = savedByKey(saved);
  const fill = async (target: string, list: readonly SavedSegment[]) => {
    await db.exec(`CREATE OR REPLACE TEMP TABLE ${target} (customer_id VARCHAR)`);
    for (const s of list) {
      const q = await membersQuery(segments, s, live, irs);
      await db.exec(`INSERT INTO ${target} ${q.sql}`, q.params);
    }
  };
  await fill(`${table}_in`, include);
  await fill(`${table}_out`, exclude);
  await db.exec(
    `CREATE OR REPLACE TEMP TABLE ${table} AS
     SELECT i.customer_id, EXISTS (SELECT 1 FROM ${table}_out o WHERE o.customer_id = i.customer_id) AS excluded
     FROM (SELECT DISTINCT customer_id FROM ${table}_in WHERE customer_id IS NOT NULL) i`,
  );
  await db.exec(`DROP TABLE IF EXISTS ${table}_in`);
  await db.exec(`DROP TABLE IF EXISTS ${table}_out`);
  const [row] = await db.query<{ included: number; excluded: number }>(
    `SELECT count(*)::INTEGER AS included, count(*) FILTER (WHERE excluded)::INTEGER AS excluded FROM ${table}`,
  );
  return { included: Number(row?.included ?? 0), excluded: Number(row?.excluded ?? 0) };
}

/**
 * Which of `customerIds` are in one of the exclusion segments `exclude` at `at`, and the name of
 * the (first) segment each is in: the send engine asks just before a message goes, so a customer
 * who joined an exclusion segment after the campaign started is not sent to either. A segment the
 * live engine keeps is read as it stands; another is evaluated at `at` (as of the profiles when
 * it reads traits measured at the profile run: run `strata profiles compute` to bring them up).
 */
export async function excludedNow(
  db: SqlRunner,
  segments: SegmentService,
  exclude: readonly string[],
  customerIds: readonly string[],
  at: Date,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (!exclude.length || !customerIds.length) return found;
  const saved = await segments.list();
  const live = await liveSegments(db, saved);
  const irs = savedByKey(saved);
  // A segment deleted since the start is not asked any more (who was in it then stays excluded).
  const names = new Set(saved.flatMap((s) => [s.id, s.name]));
  for (const s of resolveSegments(
    saved,
    exclude.filter((key) => names.has(key)),
    'audience.exclude',
  )) {
    const q = await membersQuery(segments, s, live, irs, at);
    const asked = `$${q.params.length + 1}`;
    const rows = await db.query<{ customer_id: string }>(
      `SELECT DISTINCT customer_id FROM (${q.sql}) AS m
       WHERE customer_id IN (SELECT unnest(from_json(${asked}, '["VARCHAR"]')))`,
      [...q.params, JSON.stringify(customerIds.filter((id) => !found.has(id)))],
    );
    for (const r of rows) if (!found.has(r.customer_id)) found.set(r.customer_id, s.name);
  }
  return found;
}
