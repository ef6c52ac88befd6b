import { AppError, SendReason, sendReasons, SqlParams, type SqlRunner, UnsentStatus } from '@strata/core';
import type { SegmentService } from '@strata/segments';
import { materialiseAudience } from './audience.js';
import { CAMPAIGN_STEP, CouponSource, ScheduleKind } from './campaign-definition.js';
import type { Campaign } from './campaign-store.js';
import { couponsLeft } from './coupons.js';
import { decideSends, type GuardrailConfig } from './guardrails.js';
import { dueAtSql, readsProfile } from './schedule.js';
import { sendIdSql } from './send-id.js';

/*
 * The dry run and the start of a campaign, both over the whole audience in set-based SQL: the
 * audience (deduplicated, exclusions marked), each recipient's due time from the schedule in
 * their own time zone, and — for the dry run — the guardrails' verdict at that time, counted by
 * reason. Nothing is sent and nothing is written but temporary tables.
 */

const AUDIENCE = 'campaign_audience';
const DECISIONS = 'campaign_plan_decisions';

async function hasProfiles(db: SqlRunner): Promise<boolean> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'customer_profile'`,
  );
  return Number(row?.n ?? 0) > 0;
}

/** The audience with send ids and due times: a SELECT in the shape decideSends takes. */
async function candidates(
  db: SqlRunner,
  campaign: Campaign,
  start: Date,
  config: GuardrailConfig,
  ids: 'send ids' | 'customer ids',
): Promise<{ sql: string; params: SqlParams }> {
  const def = campaign.definition;
  const profiles = await hasProfiles(db);
  if (readsProfile(def.schedule) && !profiles)
    throw new AppError(
      'not_found',
      `the schedule "${def.schedule.kind}" reads profile traits: run \`strata profiles compute\` first`,
    );
  const params = new SqlParams();
  const id = params.add(campaign.id);
  const storeZone = params.lazy(def.storeTimeZone ?? config.storeTimeZone);
  // The customers and profiles are joined only when the schedule reads them (not for "now" or "at").
  let readsCustomer = false;
  let readsProfiles = false;
  const due = dueAtSql(def.schedule, {
    start: params.add(start.toISOString()),
    get zone() {
      readsCustomer = true;
      return `coalesce(c.timezone, ${storeZone()})`;
    },
    get favouriteWeekday() {
      readsProfiles = profiles;
      return profiles ? 'p.favourite_weekday' : 'NULL';
    },
    get replenishmentDue() {
      readsProfiles = profiles;
      return profiles ? 'p.next_replenishment_due_at' : 'NULL';
    },
    ...(def.schedule.kind === ScheduleKind.at ? { at: params.add(def.schedule.at) } : {}),
  });
  const sql = `
    SELECT ${ids === 'send ids' ? sendIdSql(id, params.add(CAMPAIGN_STEP), 'a.customer_id') : 'a.customer_id'} AS id, ${id} AS campaign_id, a.customer_id,
           ${params.add(def.message.channel)} AS channel, ${due} AS send_at,
           ${params.add(def.holdoutShare)}::DOUBLE AS holdout_share, a.excluded
    FROM ${AUDIENCE} a
    ${readsCustomer ? 'LEFT JOIN customers c ON c.id = a.customer_id' : ''}
    ${readsProfiles ? 'LEFT JOIN customer_profile p ON p.customer_id = a.customer_id' : ''}`;
  return { sql, params };
}

export interface CampaignPlan {
  campaignId: string;
  /** When the plan was made: the start it assumes. */
  at: string;
  /** People in the included segments, each once. */
  audience: number;
  /** The guardrails' verdict at each recipient's due time, by reason (`send` = would be sent then). */
  counts: Record<SendReason, number>;
  /** Messages that would go: at their due time, or later for those deferred by quiet hours. */
  wouldSend: number;
  /** The earliest and latest due time of a message that would go. */
  firstDueAt: string | null;
  lastDueAt: string | null;
  /** For campaigns with coupons: codes needed, and (imported codes) codes left in the pool. */
  coupons?: { needed: number; available: number | null };
}

/** The dry run: what starting `campaign` at `at` would do, without sending or recording anything. */
export async function planCampaign(
  db: SqlRunner,
  segments: SegmentService,
  campaign: Campaign,
  at: Date,
  config: GuardrailConfig,
): Promise<CampaignPlan> {
  const audience = await materialiseAudience(db, segments, campaign.definition.audience, AUDIENCE);
  // Each person once: their id stands in for the send id, which the dry run does not need.
  await decideSends(db, await candidates(db, campaign, at, config, 'customer ids'), config, DECISIONS);
  const rows = await db.query<{ reason: SendReason; n: number; first: string | null; last: string | null }>(
    `SELECT reason, count(*)::INTEGER AS n,
            strftime(min(coalesce(next_at, send_at)), '%Y-%m-%dT%H:%M:%S.%gZ') AS first,
            strftime(max(coalesce(next_at, send_at)), '%Y-%m-%dT%H:%M:%S.%gZ') AS last
     FROM ${DECISIONS} GROUP BY reason`,
  );
  await db.exec(`DROP TABLE IF EXISTS ${DECISIONS}`);
  await db.exec(`DROP TABLE IF EXISTS ${AUDIENCE}`);
  const counts = Object.fromEntries(sendReasons.map((r) => [r, 0])) as Record<SendReason, number>;
  for (const r of rows) counts[r.reason] = Number(r.n);
  const going = rows.filter((r) => r.reason === SendReason.send || r.reason === SendReason.quiet_hours);
  const times = going
    .flatMap((r) => [r.first, r.last])
    .filter((t): t is string => t !== null)
    .sort();
  const wouldSend = counts.send + counts.quiet_hours;
  const plan: CampaignPlan = {
    campaignId: campaign.id,
    at: at.toISOString(),
    audience: audience.included,
    counts,
    wouldSend,
    firstDueAt: times[0] ?? null,
    lastDueAt: times[times.length - 1] ?? null,
  };
  const coupons = campaign.definition.coupons;
  if (coupons)
    plan.coupons = {
      needed: wouldSend,
      available: coupons.source === CouponSource.imported ? await couponsLeft(db, campaign.id) : null,
    };
  return plan;
}

/**
 * Records the audience of a starting campaign in the message log, in one statement: one row per
 * person (the send id is the key, so starting again adds nobody twice), queued for
 * its due time, or skipped when excluded or when the schedule has no time for them. The
 * guardrails decide each queued message when it falls due. Returns the rows added.
 */
export async function enqueueCampaign(
  db: SqlRunner,
  segments: SegmentService,
  campaign: Campaign,
  at: Date,
  config: GuardrailConfig,
): Promise<number> {
  await materialiseAudience(db, segments, campaign.definition.audience, AUDIENCE);
  const c = await candidates(db, campaign, at, config, 'send ids');
  const now = c.params.add(at.toISOString());
  const step = c.params.add(CAMPAIGN_STEP);
  const [before] = await db.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM messages WHERE campaign_id = $1`, [
    campaign.id,
  ]);
  await db.exec(
    `INSERT OR IGNORE INTO messages (id, campaign_id, step, customer_id, channel, status, reason, due_at, attempts, created_at, updated_at)
     SELECT id, campaign_id, ${step}, customer_id, channel,
            CASE WHEN excluded OR send_at IS NULL THEN '${UnsentStatus.skipped}' ELSE '${UnsentStatus.queued}' END,
            CASE WHEN excluded THEN '${SendReason.excluded}' WHEN send_at IS NULL THEN '${SendReason.unscheduled}' END,
            coalesce(send_at, ${now}::TIMESTAMPTZ), 0, ${now}::TIMESTAMPTZ, ${now}::TIMESTAMPTZ
     FROM (${c.sql})`,
    c.params.values,
  );
  await db.exec(`DROP TABLE IF EXISTS ${AUDIENCE}`);
  const [after] = await db.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM messages WHERE campaign_id = $1`, [
    campaign.id,
  ]);
  return Number(after?.n ?? 0) - Number(before?.n ?? 0);
}
