import type { SqlRunner } from '@strata/core';
import { waitMs, type WaitStep } from './automation-definition.js';
import { hasProfiles } from './trigger-sources.js';

/*
 * When a wait step ends: its duration after the step fell due, then on to a local time of day
 * and/or a weekday in the customer's time zone (else the store's). Local times become instants
 * with DuckDB's timezone(), as the campaigns' schedules do (campaigns/src/schedule.ts): the
 * wall-clock time 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
 */

/** Whether the wait depends on the customer (their zone or weekday), not only on its duration. */
export const waitsForLocalTime = (w: WaitStep) => w.untilTime !== undefined || w.untilWeekday !== undefined;

/**
 * The end of wait `w` for `customerId` when the step fell due at `due`. A customer without a
 * favourite weekday waits as if no weekday had been asked for.
 */
export async function waitEnd(
  db: SqlRunner,
  w: WaitStep,
  customerId: string,
  due: Date,
  storeZone: string,
): Promise<Date> {
  const base = new Date(due.getTime() + waitMs(w));
  if (!waitsForLocalTime(w)) return base;
  const favourite =
    w.untilWeekday === 'usual'
      ? (await hasProfiles(db))
        ? `(SELECT favourite_weekday FROM customer_profile WHERE customer_id = $2)`
        : 'NULL::VARCHAR'
      : w.untilWeekday !== undefined
        ? `'${w.untilWeekday}'`
        : 'NULL::VARCHAR';
  // The time of day: as asked, else the one the duration ends at (local).
  const [hh, mm] = (w.untilTime ?? '').split(':').map(Number);
  const time =
    w.untilTime !== undefined
      ? `INTERVAL ${hh! * 60 + mm!} MINUTE`
      : `(timezone(zone, base) - timezone(zone, base)::DATE)`;
  const [row] = await db.query<{ t: string }>(
    `WITH i AS (
       SELECT $1::TIMESTAMPTZ AS base,
              coalesce((SELECT timezone FROM customers WHERE id = $2), $3) AS zone,
              ${favourite} AS weekday)
     SELECT strftime(min(ends), '%Y-%m-%dT%H:%M:%S.%gZ') AS t FROM (
       SELECT timezone(zone, (timezone(zone, base)::DATE + k)::TIMESTAMP + ${time}) AS ends, base, weekday,
              lower(dayname(timezone(zone, base)::DATE + k)) AS day_name
       FROM i, (SELECT unnest(range(0, 9))::INTEGER AS k))
     WHERE ends >= base AND (weekday IS NULL OR day_name = weekday)`,
    [base.toISOString(), customerId, storeZone],
  );
  return row?.t ? new Date(row.t) : base;
}
