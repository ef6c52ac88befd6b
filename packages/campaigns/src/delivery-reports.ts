/*
 * What providers say became of the messages they accepted (Twilio status callbacks, WhatsApp
 * statuses, verified by the server's inbound routes) moves each message's status in the log. A
 * status only moves forward (sent → delivered → opened → clicked), so reports that arrive out of
 * order, or twice, change nothing; a failure after acceptance (undelivered) marks a message that
 * was not yet delivered as failed.
 */
import { MessageStatus, type Channel, type DeliveryReport, type SqlRunner } from '@strata/core';

/** How far along a status is; a report moves a message only to a later one. */
const progress: Record<MessageStatus, number> = {
  [MessageStatus.sending]: 0,
  [MessageStatus.sent]: 1,
  [MessageStatus.failed]: 2,
  [MessageStatus.delivered]: 3,
  [MessageStatus.opened]: 4,
  [MessageStatus.clicked]: 5,
};

const rankSql = (column: string) =>
  `CASE ${column} ${Object.entries(progress)
    .map(([status, rank]) => `WHEN '${status}' THEN ${rank}`)
    .join(' ')} ELSE -1 END`;

/** Applies a provider's reports to the messages it sent on `channel`; returns how many messages moved. */
export async function applyDeliveryReports(
  db: SqlRunner,
  channel: Channel,
  reports: readonly DeliveryReport[],
): Promise<number> {
  let moved = 0;
  for (const r of reports) {
    const rows = await db.query<{ id: string }>(
      `UPDATE messages SET status = $3, error = coalesce($4, error), updated_at = $5::TIMESTAMPTZ
       WHERE channel = $1 AND provider_id = $2 AND ${rankSql('status')} < ${rankSql('$3')}
       RETURNING id`,
      [channel, r.providerId, r.status, r.error ?? null, r.at],
    );
    moved += rows.length;
  }
  return moved;
}
