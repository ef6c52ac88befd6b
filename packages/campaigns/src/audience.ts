import { AppError, LiveSetting, type SqlRunner } from '@strata/core';
import { savedByKey, type SavedSegment, type SegmentService } from '@strata/segments';
import type { CampaignAudience } from './campaign-definition.js';

/*
 * A campaign's audience: the members of its included saved segments, each person once, with those
 * in an excluded segment marked (they are counted in the dry run as excluded, never sent to).
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
  const byKey = new Map(saved.flatMap((s) => [[s.id, s] as const, [s.name, s] as const]));
  const resolve = (key: string, field: string) => {
    const s = byKey.get(key);
    if (!s)
      throw new AppError('not_found', `the audience names a saved segment that does not exist: "${key}"`, [
        { field, message: `no saved segment "${key}"` },
      ]);
    return s;
  };
  const include = audience.include.map((k, i) => resolve(k, `audience.include.${i}`));
  const exclude = audience.exclude.map((k, i) => resolve(k, `audience.exclude.${i}`));
  const live = await liveSegments(db, saved);
  const irs = savedByKey(saved);
  const fill = async (target: string, list: readonly SavedSegment[]) => {
    await db.exec(`CREATE OR REPLACE TEMP TABLE ${target} (customer_id VARCHAR)`);
    for (const s of list) {
      if (live.has(s.id)) {
        await db.exec(`INSERT INTO ${target} SELECT customer_id FROM segment_members WHERE segment_id = $1`, [s.id]);
        continue;
      }
      const def = { segment: s.id };
      const q = await segments.idsQuery(def, await segments.evaluationTime(def), irs);
      await db.exec(
        `INSERT INTO ${target} SELECT CAST(customer_id AS VARCHAR) FROM (${q.sql}) AS m(customer_id)`,
        q.params,
      );
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
