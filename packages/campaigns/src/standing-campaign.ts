import { UnsentStatus, type SqlRunner } from '@strata/core';
import { sendId } from './send-id.js';

/*
 * One message at a time, for automations: a standing campaign (CampaignStatus.standing) holds a
 * send step's template, coupons and holdout share, and each customer who reaches the step gets one
 * queued message under a deterministic send id (campaign, step, customer, entry number). The send
 * engine then treats it like any campaign's message: the guardrails decide it when it falls due,
 * a coupon is given, it is rendered and sent, and the outcome is recorded. Nothing here sends.
 */

export interface StepMessage {
  campaignId: string;
  /** The automation step's name (the message log's `step`). */
  step: string;
  customerId: string;
  /** Which time this customer passes the step (their entry number): part of the send id. */
  occurrence: number;
  channel: string;
  /** When it may go (the guardrails may put it off, e.g. quiet hours). */
  dueAt: Date;
  /** When it is recorded. */
  at: Date;
}

/**
 * Queues one message in the message log, or does nothing when its send id is there already (a
 * retried automation step). Returns the send id. Run it in the transaction that moves the
 * automation on, so the message and the customer's position commit together.
 */
export async function enqueueMessage(db: SqlRunner, m: StepMessage): Promise<string> {
  const id = sendId(m.campaignId, m.step, m.customerId, m.occurrence);
  await db.exec(
    `INSERT OR IGNORE INTO messages (id, campaign_id, step, customer_id, channel, status, due_at, attempts, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::TIMESTAMPTZ, 0, $8::TIMESTAMPTZ, $8::TIMESTAMPTZ)`,
    [id, m.campaignId, m.step, m.customerId, m.channel, UnsentStatus.queued, m.dueAt.toISOString(), m.at.toISOString()],
  );
  return id;
}
