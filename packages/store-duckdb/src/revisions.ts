import type { Event, TagRemoval, WriteCounts } from '@strata/core';
import type { DuckDbRunner } from './duckdb-runner.js';
import { insertEventStubs, resolvedEventsSql, stageEvents } from './event-rows.js';
import { redirectMerged } from './identity-resolution.js';
import { markTouched } from './live-marks.js';
import { stage } from './staging.js';

/*
 * Writes that change what is stored rather than add to it: tags taken off customers, and events
 * replaced by a later account of the same happening. Each marks the customers it touched in
 * live_pending, inside the write's transaction, like every other write (live-marks.ts).
 */

/** Takes the tags off (a merged customer's go to who they were merged into); returns how many were removed. */
export async function removeTags(runner: DuckDbRunner, rows: readonly TagRemoval[]): Promise<number> {
  await stage(
    runner,
    'stage_tag_removals',
    rows.map((r, i) => [i, r.customer_id, r.tag, r.assigned_by ?? null]),
  );
  await redirectMerged(runner, 'stage_tag_removals', 'customer_id');
  await runner.run(`
    CREATE OR REPLACE TEMP TABLE removed_tags AS
    SELECT DISTINCT t.customer_id, t.tag FROM tags t
    JOIN stage_tag_removals s ON t.customer_id = s.customer_id AND t.tag = s.tag
    WHERE s.assigned_by IS NULL OR t.assigned_by = s.assigned_by`);
  const r = await runner.run(
    `DELETE FROM tags WHERE EXISTS (SELECT 1 FROM removed_tags r WHERE r.customer_id = tags.customer_id AND r.tag = tags.tag)`,
  );
  await markTouched(runner, 'tag', 'SELECT customer_id, tag AS ref FROM removed_tags');
  return Number(r.rowsChanged);
}

const eventColumns = ['customer_id', 'anonymous_id', 'type', 'occurred_at', 'properties'] as const;

/**
 * Stores each event in place of the stored one with its message id, or as a new event; the last
 * of each id in the batch wins. The message id (the key index) is never updated.
 */
export async function replaceEvents(runner: DuckDbRunner, rows: readonly Event[]): Promise<WriteCounts> {
  await stageEvents(runner, rows);
  await insertEventStubs(runner, 'stage_events');
  await runner.run(
    `CREATE OR REPLACE TEMP TABLE replacing_events AS ${resolvedEventsSql(
      '(SELECT * FROM stage_events QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY ord DESC) = 1)',
    )}`,
  );
  const changed = eventColumns.map((c) => `s.${c} IS DISTINCT FROM t.${c}`).join(' OR ');
  const c = await runner.one(`
    SELECT count(*) FILTER (WHERE t.message_id IS NULL) AS inserted,
           count(*) FILTER (WHERE t.message_id IS NOT NULL AND (${changed})) AS updated,
           count(*) AS total
    FROM replacing_events s LEFT JOIN events t ON t.message_id = s.message_id`);
  // Whoever an event belonged to before is re-evaluated too (a replaced event may name someone else).
  await markTouched(
    runner,
    'event',
    `SELECT s.customer_id, s.message_id AS ref FROM replacing_events s
     UNION ALL SELECT t.customer_id, t.message_id FROM events t JOIN replacing_events s ON t.message_id = s.message_id
     UNION ALL SELECT unnest([properties->>'referrer', properties->>'referee']), message_id FROM replacing_events WHERE type = 'referral'`,
  );
  await runner.run(`
    UPDATE events AS t SET ${eventColumns.map((col) => `${col} = s.${col}`).join(', ')}
    FROM replacing_events s WHERE t.message_id = s.message_id AND (${changed})`);
  await runner.run(`
    INSERT INTO events (message_id, ${eventColumns.join(', ')})
    SELECT s.message_id, ${eventColumns.map((col) => `s.${col}`).join(', ')} FROM replacing_events s
    WHERE NOT EXISTS (SELECT 1 FROM events t WHERE t.message_id = s.message_id)`);
  const inserted = Number(c.inserted ?? 0);
  const updated = Number(c.updated ?? 0);
  return { inserted, updated, unchanged: rows.length - inserted - updated };
}
