import { z } from 'zod';
import { AppError, Channel, channels, MessageStatus, SendReason, sqlLiteral, type SqlParams, type SqlRunner, timeZone } from '@strata/core';

/*
 * The guardrails: the one decision every message goes through before a provider sees it —
 * campaigns now, automations later, and the dry run over a whole audience. It is one set-based
 * SQL statement over a table of candidates, so planning half a million recipients costs one
 * query, and sending a batch costs one more inside the batch's transaction.
 *
 * In order, the first that applies decides: excluded, no consent for the channel (read at the
 * moment of the decision, so a withdrawal stops the next send), no address, the campaign's
 * holdout (a stable hash of campaign and customer), quiet hours in the customer's time zone
 * (deferred to the next allowed hour, never dropped), the frequency cap (per channel and overall,
 * counting every campaign's messages and the ones ahead in the same batch), else send.
 */

export const GuardrailConfig = z.object({
  /** At most `perChannel` messages on one channel and `overall` on all, in `windowDays`; null: no cap. */
  caps: z
    .object({
      windowDays: z.number().positive().max(365).default(7),
      perChannel: z.number().int().min(1).default(2),
      overall: z.number().int().min(1).default(2),
    })
    .nullable()
    .default({ windowDays: 7, perChannel: 2, overall: 2 }),
  /** Local hours when nothing is sent: from `start` o'clock to `end` o'clock (wrapping midnight when start > end); null: none. */
  quietHours: z
    .object({ start: z.number().int().min(0).max(23), end: z.number().int().min(0).max(23) })
    .refine((q) => q.start !== q.end, { message: 'quiet hours need different start and end hours' })
    .nullable()
    .default({ start: 21, end: 9 }),
  /** The time zone of customers who have none of their own. */
  storeTimeZone: timeZone.default('UTC'),
});
export type GuardrailConfig = z.infer<typeof GuardrailConfig>;
export type GuardrailConfigInput = z.input<typeof GuardrailConfig>;

export const defaultGuardrails: GuardrailConfig = GuardrailConfig.parse({});

/** Statuses that count toward the frequency cap: the provider was (or may have been) called. */
export const cappedStatuses = [
  MessageStatus.sending,
  MessageStatus.sent,
  MessageStatus.delivered,
  MessageStatus.opened,
  MessageStatus.clicked,
] as const;

/**
 * The holdout bucket of a customer in a campaign, in [0, 1): the first 32 bits of
 * SHA-256("campaign:customer"). Stable across runs, engines and restarts; the same in JS
 * (holdoutBucket in send-id.ts).
 */
export const holdoutBucketSql = (campaignId: string, customerId: string) =>
  `(('0x' || left(sha256(${campaignId} || ':' || ${customerId}), 8))::UBIGINT / 4294967296.0)`;

/** The channel's consent and address columns of customers `c`, as SQL CASE expressions. */
const byChannel = (column: (ch: Channel) => string) =>
  `CASE channel ${channels.map((ch) => `WHEN ${sqlLiteral(ch)} THEN ${column(ch)}`).join(' ')} END`;
export const consentSql = byChannel((ch) => `c.consent_${ch}_granted`);
export const addressSql = byChannel((ch) => (ch === Channel.email ? 'c.email' : 'c.phone'));

/** Whether local time `local` (TIMESTAMP) is inside quiet hours, and the next allowed instant. */
function quietHoursSql(q: { start: number; end: number }, zone: string, local: string) {
  const h = `hour(${local})`;
  const wraps = q.start > q.end;
  const inside = wraps ? `(${h} >= ${q.start} OR ${h} < ${q.end})` : `(${h} >= ${q.start} AND ${h} < ${q.end})`;
  // Past the start on a night that wraps midnight, the next allowed hour is tomorrow's end hour.
  const day = wraps ? `(${local}::DATE + CASE WHEN ${h} >= ${q.start} THEN 1 ELSE 0 END)` : `${local}::DATE`;
  return { inside, next: `timezone(${zone}, ${day} + INTERVAL ${q.end} HOUR)` };
}

/**
 * The decisions for `candidates`, a SELECT with columns id (the send id), campaign_id,
 * customer_id, channel, send_at (TIMESTAMPTZ: when it would go; NULL when the schedule has no time for
 * the customer), holdout_share (DOUBLE) and excluded (BOOLEAN). The SELECT returned has those
 * columns and reason (SendReason), next_at (the next allowed time, for quiet_hours) and address.
 *
 * Built for half a million candidates in one statement: the wall-clock time (ICU, the costliest
 * function here) is worked out once per time zone and due time, not per customer; the holdout hash
 * only for candidates that reach it; the cap counts only for candidates with messages in their
 * window, and the ranks among a customer's own candidates only for customers with more than one.
 */
export function guardrailDecisionsSql(candidates: string, config: GuardrailConfig, params: SqlParams): string {
  const zone = `coalesce(c.timezone, ${params.add(config.storeTimeZone)})`;
  const quiet = config.quietHours ? quietHoursSql(config.quietHours, 'zone', 'local_at') : undefined;
  const caps = config.caps;
  const window = caps ? `INTERVAL ${Math.round(caps.windowDays * 86_400)} SECOND` : '';
  const cappedIn = cappedStatuses.map(sqlLiteral).join(', ');
  const reason = `CASE
      WHEN b.excluded THEN '${SendReason.excluded}'
      WHEN b.consent IS NOT TRUE THEN '${SendReason.no_consent}'
      WHEN b.address IS NULL OR trim(b.address) = '' THEN '${SendReason.missing_address}'
      WHEN ${holdoutBucketSql('b.campaign_id', 'b.customer_id')} < b.holdout_share THEN '${SendReason.held_out}'
      WHEN b.send_at IS NULL THEN '${SendReason.unscheduled}'
      ${quiet ? `WHEN l.quiet THEN '${SendReason.quiet_hours}'` : ''}
      ELSE '${SendReason.send}' END`;
  const base = `
    SELECT k.id, k.campaign_id, k.customer_id, k.channel, k.send_at::TIMESTAMPTZ AS send_at, k.holdout_share,
           coalesce(k.excluded, false) OR c.id IS NULL OR c.merged_into IS NOT NULL AS excluded,
           ${consentSql} AS consent, ${addressSql} AS address, ${zone} AS zone
    FROM (${candidates}) k LEFT JOIN customers c ON c.id = k.customer_id`;
  // Quiet hours per (time zone, due time): a campaign to half a million people has a handful of each.
  const local = quiet
    ? `, local AS (
      SELECT zone, send_at, ${quiet.inside} AS quiet, CASE WHEN ${quiet.inside} THEN ${quiet.next} END AS quiet_next
      FROM (SELECT zone, send_at, timezone(zone, send_at) AS local_at
            FROM (SELECT DISTINCT zone, send_at FROM base WHERE send_at IS NOT NULL)))`
    : '';
  const decided = `
    SELECT b.id, b.campaign_id, b.customer_id, b.channel, b.send_at, b.holdout_share, b.excluded, b.address,
           ${reason} AS pre_reason, ${quiet ? 'l.quiet_next' : 'NULL::TIMESTAMPTZ'} AS quiet_next
    FROM base b ${quiet ? 'LEFT JOIN local l ON l.zone = b.zone AND l.send_at = b.send_at' : ''}`;
  const head = `WITH base AS MATERIALIZED (${base})${local}`;
  if (!caps)
    return `${head}
      SELECT id, campaign_id, customer_id, channel, send_at, holdout_share, excluded, pre_reason AS reason,
             CASE WHEN pre_reason = '${SendReason.quiet_hours}' THEN quiet_next END AS next_at, address
      FROM (${decided})`;
  // The frequency cap: messages already sent in the window before each candidate's time, plus the
  // candidates of the same customer ahead of it that would go too (two campaigns in one batch).
  return `${head},
    d AS MATERIALIZED (${decided}),
    going AS (SELECT id, customer_id, channel, send_at FROM d WHERE pre_reason = '${SendReason.send}'),
    recent AS (
      SELECT m.id, m.customer_id, m.channel, m.sending_at FROM messages m
      WHERE m.status IN (${cappedIn}) AND m.customer_id IN (SELECT customer_id FROM going)
        AND m.sending_at > (SELECT min(send_at) FROM going) - ${window}
    ),
    before AS (
      SELECT g.id, count(*) AS overall_before, count(*) FILTER (WHERE r.channel = g.channel) AS channel_before
      FROM going g JOIN recent r
        ON r.customer_id = g.customer_id AND r.id <> g.id AND r.sending_at > g.send_at - ${window} AND r.sending_at <= g.send_at
      GROUP BY g.id
    ),
    ahead AS (
      SELECT id,
             row_number() OVER (PARTITION BY customer_id ORDER BY send_at, id) - 1 AS overall_ahead,
             row_number() OVER (PARTITION BY customer_id, channel ORDER BY send_at, id) - 1 AS channel_ahead
      FROM going
      WHERE customer_id IN (SELECT customer_id FROM going GROUP BY customer_id HAVING count(*) > 1)
    )
    SELECT d.id, d.campaign_id, d.customer_id, d.channel, d.send_at, d.holdout_share, d.excluded,
           CASE WHEN d.pre_reason = '${SendReason.send}'
                 AND (coalesce(b.overall_before, 0) + coalesce(a.overall_ahead, 0) + 1 > ${caps.overall}
                      OR coalesce(b.channel_before, 0) + coalesce(a.channel_ahead, 0) + 1 > ${caps.perChannel})
                THEN '${SendReason.capped}' ELSE d.pre_reason END AS reason,
           CASE WHEN d.pre_reason = '${SendReason.quiet_hours}' THEN d.quiet_next END AS next_at,
           d.address
    FROM d LEFT JOIN before b ON b.id = d.id LEFT JOIN ahead a ON a.id = d.id`;
}

/**
 * The one decision every send goes through: the guardrails' verdict on each candidate, written
 * to the temporary table `into` (columns as guardrailDecisionsSql). Run it inside the transaction
 * that then marks the messages sending, so the verdict and the send cannot drift apart.
 */
export async function decideSends(
  tx: SqlRunner,
  candidates: { sql: string; params: SqlParams },
  config: GuardrailConfig,
  into: string,
): Promise<void> {
  if (tx.dialect !== 'duckdb')
    throw new AppError('unavailable', `campaigns run on the DuckDB store; this one is ${tx.dialect}`);
  if (!/^[a-z_][a-z0-9_]*$/.test(into)) throw new AppError('invalid', `not a table name: ${into}`);
  const sql = guardrailDecisionsSql(candidates.sql, config, candidates.params);
  await tx.exec(`CREATE OR REPLACE TEMP TABLE ${into} AS ${sql}`, candidates.params.values);
}
