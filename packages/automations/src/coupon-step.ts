import { assignCoupons, sendId } from '@strata/campaigns';
import { sqlLiteral, type SqlRunner } from '@strata/core';
import { couponStepBefore, type AutomationDefinition, type CouponStep } from './automation-definition.js';
import { stepCampaignId } from './automation-store.js';

/*
 * A coupon step gives the customer a code of their own (the campaigns' coupons: generated unique,
 * or the next imported code of the step), recorded in the coupons table under the step's id
 * `<automation>.<step>` and a placeholder message id until a message carries it. The next send
 * step's message takes it over (the code's message_id becomes that message's send id, in the
 * transaction that queues the message), so the send engine renders it as `{{ coupon }}` and
 * results attribute orders with the code to that message.
 */

/** The placeholder message id a coupon step's code is held under until a message carries it. */
const heldId = (automationId: string, step: string, customerId: string, entry: number) =>
  sendId(stepCampaignId(automationId, step), step, customerId, entry);

/** Issues the run's code for a coupon step (again after a crash: a code already issued is kept). */
export async function issueCoupon(
  tx: SqlRunner,
  automationId: string,
  step: CouponStep,
  customerId: string,
  entry: number,
  at: Date,
): Promise<void> {
  const id = heldId(automationId, step.name, customerId, entry);
  const missing = await assignCoupons(
    tx,
    stepCampaignId(automationId, step.name),
    step.coupons,
    `(SELECT ${sqlLiteral(id)} AS id, ${sqlLiteral(customerId)} AS customer_id)`,
    at,
  );
  if (missing.length) throw new Error(`no coupon code left for the step "${step.name}" (import more codes)`);
}

/** Hands the run's code from the coupon step before `index` (if any, and not yet carried) to `message`. */
export async function carryCoupon(
  tx: SqlRunner,
  def: AutomationDefinition,
  automationId: string,
  index: number,
  customerId: string,
  entry: number,
  message: { id: string; campaignId: string },
): Promise<void> {
  const { id: messageId, campaignId } = message;
  const from = couponStepBefore(def, index);
  if (!from) return;
  const [has] = await tx.query(`SELECT 1 FROM coupons WHERE message_id = $1`, [messageId]);
  if (has) return;
  // The code moves to the message's campaign too, so its results count orders that use it.
  await tx.exec(`UPDATE coupons SET message_id = $2, campaign_id = $3 WHERE message_id = $1`, [
    heldId(automationId, from.name, customerId, entry),
    messageId,
    campaignId,
  ]);
}
