/*
 * What providers say became of the messages they accepted (Twilio status callbacks, WhatsApp
 * statuses) is recorded by the server's inbound routes in `message_reports`, as it arrives. The
 * send engine moves each message's status from those reports at every step, on its own
 * connection (the only writer of `messages`, so an incoming report never collides with a send
 * being recorded). A status only moves forward (sent → delivered → opened → clicked), so reports
 * that arrive out of order, or twice, change nothing; a failure after acceptance (undelivered)
 * marks a message that was not yet delivered as failed.
 */
import { MessageStatus, type SqlRunner } from '@strata/core';

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

/**
 * Moves messages forward to the furthest status their provider has reported (message_reports,
 * matched by channel and provider id). Returns how many messages moved.
 */
export async function applyDeliveryReports(db: SqlRunner): Promise<number> {
  const moved = await db.query<{ id: string }>(
    `UPDATE messages SET status = r.status, error = coalesce(r.error, messages.error), updated_at = r."at"
     FROM (
       SELECT channel, provider_id, arg_max(status, ${rankSql('status')}) AS status,
              arg_max(error, ${rankSql('status')}) AS error, arg_max("at", ${rankSql('status')}) AS "at"
       FROM message_reports GROUP BY channel, provider_id
     ) r
     WHERE messages.channel = r.channel AND messages.provider_id = r.provider_id
       AND ${rankSql('messages.status')} < ${rankSql('r.status')}
       AND messages.status IN (${Object.keys(progress)
         .map((s) => `'${s}'`)
         .join(', ')})
     RETURNING messages.id`,
  );
  return moved.length;
}

/**
 * Records that a customer opened (or clicked in) an email, as a report about the message the
 * next step applies like a provider's: the open pixel and the rewritten links (the server's
 * `/o/` and `/c/`) tell what no SMTP server does. Nothing for a message without a provider id.
 */
export async function reportEngagement(
  db: Pick<SqlRunner, 'exec'>,
  sendId: string,
  status: typeof MessageStatus.opened | typeof MessageStatus.clicked,
  at: Date,
): Promise<void> {
  await db.exec(
    `INSERT OR IGNORE INTO message_reports (channel, provider_id, status, "at", error, received_at)
     SELECT channel, provider_id, $2, $3::TIMESTAMPTZ, NULL, $3::TIMESTAMPTZ FROM messages
     WHERE id = $1 AND provider_id IS NOT NULL`,
    [sendId, status, at.toISOString()],
  );
}
