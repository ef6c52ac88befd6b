import type { Channel, Clock, DeliveryReport, DeliveryReportSink, SqlRunner } from '@strata/core';

/**
 * What providers tell the server, kept in the tables of the store's migration 11: delivery
 * reports (until campaigns take them, see DeliveryReportSink) and when each address last wrote
 * on a channel (WhatsApp's 24-hour window for free text).
 */

/** The default DeliveryReportSink: every verified report in `message_reports`, each (message, status) once. */
export function tableDeliveryReportSink(db: Pick<SqlRunner, 'exec'>, clock: Clock): DeliveryReportSink {
  return {
    async record(channel: Channel, reports: readonly DeliveryReport[]) {
      for (const r of reports)
        await db.exec(
          `INSERT OR IGNORE INTO message_reports (channel, provider_id, status, "at", error, received_at)
           VALUES ($1, $2, $3, $4::TIMESTAMPTZ, $5, $6::TIMESTAMPTZ)`,
          [channel, r.providerId, r.status, r.at, r.error ?? null, clock.now().toISOString()],
        );
    },
  };
}

/** Keeps that `address` wrote on `channel` at `at` (the latest time wins, whatever order reports arrive in). */
export async function recordInbound(
  db: Pick<SqlRunner, 'exec'>,
  inbound: { channel: Channel; address: string; customerId: string | undefined; at: string },
): Promise<void> {
  await db.exec(
    `INSERT INTO channel_inbound (channel, address, customer_id, last_inbound_at) VALUES ($1, $2, $3, $4::TIMESTAMPTZ)
     ON CONFLICT (channel, address) DO UPDATE SET
       customer_id = coalesce(excluded.customer_id, channel_inbound.customer_id),
       last_inbound_at = greatest(excluded.last_inbound_at, channel_inbound.last_inbound_at)`,
    [inbound.channel, inbound.address, inbound.customerId ?? null, inbound.at],
  );
}

/** When `address` last wrote on `channel`, if ever (the WhatsApp adapter's `lastInboundAt`). */
export async function lastInboundAt(
  db: Pick<SqlRunner, 'query'>,
  channel: Channel,
  address: string,
): Promise<Date | undefined> {
  const rows = await db.query<{ at: string }>(
    'SELECT last_inbound_at AS "at" FROM channel_inbound WHERE channel = $1 AND address = $2',
    [channel, address],
  );
  return rows[0] ? new Date(rows[0].at) : undefined;
}
