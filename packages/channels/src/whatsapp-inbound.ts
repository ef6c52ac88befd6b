import { verifyHmacSha256 } from '@strata/ingest';
import type { DeliveryReport, MessageStatus, OptOutReply } from '@strata/core';
import { z } from 'zod';
import { checked } from './checked.js';
import { isOptOutText } from './opt-out.js';

/**
 * What the WhatsApp Cloud API posts to the webhook: message statuses (sent, delivered, read,
 * failed) and the customers' own messages, which open the 24-hour service window and may be a
 * STOP. One POST may carry several entries and changes; every part is read. Signed with
 * X-Hub-Signature-256 under the app secret.
 */

const Status = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  timestamp: z.string().regex(/^\d+$/, 'a Unix time in seconds'),
  recipient_id: z.string().optional(),
  errors: z
    .array(z.looseObject({ code: z.number().optional(), title: z.string().optional(), message: z.string().optional() }))
    .optional(),
});

const Message = z.looseObject({
  from: z.string().regex(/^\+?\d+$/, 'a WhatsApp id (digits)'),
  id: z.string().optional(),
  timestamp: z.string().regex(/^\d+$/, 'a Unix time in seconds'),
  type: z.string(),
  text: z.looseObject({ body: z.string() }).optional(),
  button: z.looseObject({ text: z.string().optional(), payload: z.string().optional() }).optional(),
});

export const WhatsAppWebhook = z.looseObject({
  object: z.literal('whatsapp_business_account', { error: 'not a WhatsApp Business Account webhook' }),
  entry: z.array(
    z.looseObject({
      changes: z.array(
        z.looseObject({
          field: z.string(),
          value: z.looseObject({
            statuses: z.array(Status).optional(),
            messages: z.array(Message).optional(),
          }),
        }),
      ),
    }),
  ),
});

/** A customer's message: it opens (or renews) the 24-hour window for free text to them. */
export interface WhatsAppInbound {
  /** E.164. */
  readonly from: string;
  readonly at: string;
}

export interface WhatsAppWebhookContent {
  readonly reports: DeliveryReport[];
  readonly optOuts: OptOutReply[];
  readonly inbound: WhatsAppInbound[];
}

/** WhatsApp's statuses and where each puts a message; others (`deleted`, `warning`) are not reports. */
const WHATSAPP_STATUSES: Readonly<Record<string, MessageStatus>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'opened',
  failed: 'failed',
};

const timeOf = (seconds: string) => new Date(Number(seconds) * 1000).toISOString();
const e164 = (waId: string) => (waId.startsWith('+') ? waId : `+${waId}`);

/**
 * The statuses, opt-outs and inbound messages of one webhook POST. Throws AppError `invalid`
 * naming the field when the payload is not the Cloud API's (e.g. `entry[0].changes[0].value.statuses[0].timestamp`).
 */
export function parseWhatsAppWebhook(json: unknown): WhatsAppWebhookContent {
  const hook = checked(WhatsAppWebhook, json, 'WhatsApp webhook');
  const reports: DeliveryReport[] = [];
  const optOuts: OptOutReply[] = [];
  const inbound: WhatsAppInbound[] = [];
  for (const entry of hook.entry) {
    for (const change of entry.changes) {
      for (const s of change.value.statuses ?? []) {
        const status = WHATSAPP_STATUSES[s.status];
        if (!status) continue;
        const first = s.errors?.[0];
        const error = first
          ? `WhatsApp${first.code !== undefined ? ` error ${first.code}` : ''}: ${first.message ?? first.title ?? 'no reason given'}`
          : undefined;
        reports.push({ providerId: s.id, status, at: timeOf(s.timestamp), ...(error !== undefined ? { error } : {}) });
      }
      for (const m of change.value.messages ?? []) {
        const from = e164(m.from);
        const at = timeOf(m.timestamp);
        inbound.push({ from, at });
        const text =
          m.type === 'text' ? m.text?.body : m.type === 'button' ? (m.button?.text ?? m.button?.payload) : undefined;
        if (isOptOutText(text)) optOuts.push({ channel: 'whatsapp', from, at });
      }
    }
  }
  return { reports, optOuts, inbound };
}

/**
 * True when `header` (X-Hub-Signature-256, `sha256=<hex>`) is the HMAC-SHA256 of the raw body
 * under the app secret. Verify the bytes as received, before parsing.
 */
export function verifyWhatsAppSignature(
  rawBody: string | Uint8Array,
  appSecret: string,
  header: string | undefined,
): boolean {
  const given = header?.trim();
  if (!given?.startsWith('sha256=')) return false;
  return verifyHmacSha256(rawBody, appSecret, given.slice('sha256='.length), 'hex');
}
