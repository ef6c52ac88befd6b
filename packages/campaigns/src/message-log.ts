import { AppError, SendReason, UnsentStatus, type MessageLogStatus, type SqlRunner } from '@strata/core';
import { findCampaign, type Campaign } from './campaign-store.js';

/** One row of the message log, as the API and CLI show it. */
export interface MessageLogEntry {
  id: string;
  campaign_id: string;
  step: string;
  customer_id: string;
  channel: string;
  status: MessageLogStatus;
  reason: SendReason | null;
  due_at: string;
  attempts: number;
  sent_at: string | null;
  provider_id: string | null;
  failure: string | null;
  error: string | null;
  address: string | null;
  coupon: string | null;
}

const isoCol = (c: string) => `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${c.replace(/^m\./, '')}`;

/**
 * The message log of one campaign or one customer (or both), in send-id order, a page after
 * `after` (keyset paging: the last id of the previous page).
 */
export async function messageLog(
  db: SqlRunner,
  filter: { campaignId?: string; customerId?: string; after?: string; limit?: number },
): Promise<MessageLogEntry[]> {
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new AppError('invalid', 'limit must be a whole number from 1 to 10,000');
  if (!filter.campaignId && !filter.customerId) throw new AppError('invalid', 'name a campaign or a customer');
  return db.query<MessageLogEntry>(
    `SELECT m.id, m.campaign_id, m.step, m.customer_id, m.channel, m.status, m.reason, ${isoCol('m.due_at')}, m.attempts,
            ${isoCol('m.sent_at')}, m.provider_id, m.failure, m.error, m.address, k.code AS coupon
     FROM messages m LEFT JOIN coupons k ON k.message_id = m.id
     WHERE ($1::VARCHAR IS NULL OR m.campaign_id = $1) AND ($2::VARCHAR IS NULL OR m.customer_id = $2)
       AND ($3::VARCHAR IS NULL OR m.id > $3)
     ORDER BY m.id LIMIT ${limit}`,
    [filter.campaignId ?? null, filter.customerId ?? null, filter.after ?? null],
  );
}

export interface CampaignReport {
  campaign: Campaign;
  /** Messages by status (queued, held_out, skipped, sending, sent, …). */
  byStatus: Record<string, number>;
  /** Messages kept back or put off, by the guardrails' reason. */
  byReason: Record<string, number>;
  /** When the next queued message is due. */
  nextDueAt: string | null;
}

/** A campaign's state and its message counts. */
export async function campaignReport(db: SqlRunner, campaignId: string): Promise<CampaignReport> {
  const campaign = await findCampaign(db, campaignId);
  const rows = await db.query<{ status: string; reason: string | null; n: number }>(
    `SELECT status, reason, count(*)::INTEGER AS n FROM messages WHERE campaign_id = $1 GROUP BY ALL`,
    [campaignId],
  );
  const byStatus: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  for (const r of rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + Number(r.n);
    if (r.reason && r.reason !== SendReason.send) byReason[r.reason] = (byReason[r.reason] ?? 0) + Number(r.n);
  }
  const [due] = await db.query<{ t: string | null }>(
    `SELECT strftime(min(due_at), '%Y-%m-%dT%H:%M:%S.%gZ') AS t FROM messages WHERE campaign_id = $1 AND status = $2`,
    [campaignId, UnsentStatus.queued],
  );
  return { campaign, byStatus, byReason, nextDueAt: due?.t ?? null };
}
