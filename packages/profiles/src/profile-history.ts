import type { SqlRunner } from '@strata/core';
import { tableExists } from './catalog.js';

/**
 * Keeps profile_history: after a full run, a row for each customer whose RFM segment or lifecycle
 * stage differs from their last recorded one (a first run records everyone). The state at a time
 * is then each customer's last row at or before it, which is what the transitions report reads.
 * A run as of a time before the last recorded one records nothing: its rows would sit between
 * rows already written and change what those say. Runs in the caller's transaction, so the
 * history changes with the profiles it describes.
 */
export async function recordProfileHistory(tx: SqlRunner, asOf: string): Promise<void> {
  // a store of a version before the table (a runner without the store's migrations)
  if (!(await tableExists(tx, 'profile_history'))) return;
  const [latest] = await tx.query<{ later: boolean }>(
    'SELECT coalesce(max(as_of) > $1::TIMESTAMPTZ, false) AS later FROM profile_history',
    [asOf],
  );
  if (latest?.later) return;
  await tx.exec(
    `INSERT INTO profile_history
     WITH last AS (
       SELECT customer_id, arg_max(rfm_segment, as_of) AS rfm_segment, arg_max(lifecycle_stage, as_of) AS lifecycle_stage
       FROM profile_history GROUP BY customer_id
     )
     SELECT p.customer_id, $1::TIMESTAMPTZ, p.rfm_segment, p.lifecycle_stage
     FROM customer_profile p LEFT JOIN last l ON l.customer_id = p.customer_id
     WHERE l.customer_id IS NULL OR l.rfm_segment IS DISTINCT FROM p.rfm_segment
        OR l.lifecycle_stage IS DISTINCT FROM p.lifecycle_stage`,
    [asOf],
  );
}
