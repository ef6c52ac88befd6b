import { channels, systemClock, type Channel, type Clock, type MessageSender } from '@strata/core';
import { signWebhookBody } from '@strata/membership';
import { z } from 'zod';
import { checked } from './checked.js';
import {
  DEFAULT_RATE_LIMIT_WAIT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  failed,
  failureOfStatus,
  jsonOf,
  post,
  retryAfterMs,
  throwIfAborted,
  wrongChannel,
} from './send-failures.js';

/**
 * A signed outgoing webhook: each message is POSTed as JSON to a URL of the shop's own, which
 * delivers it however it likes. Signed as segment-change webhooks are (@strata/membership's
 * signWebhookBody: `X-Strata-Signature: sha256=<hex HMAC-SHA256 of the raw body>`), with the
 * send id as X-Strata-Delivery so the receiver can drop a repeat. A 2xx answer is delivered;
 * the answer's JSON `id`, if any, is the providerId (else the send id).
 */

export const WebhookSettings = z.object({
  url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL' }),
  /** The HMAC-SHA256 key the receiver verifies X-Strata-Signature with. */
  secret: z.string().min(16, 'the secret needs at least 16 characters'),
  /** The channels this webhook takes (default: every channel). */
  channels: z
    .array(z.enum(channels))
    .min(1)
    .default([...channels]),
  /** How long the receiver has to answer, in ms (default 30 s). */
  timeoutMs: z.number().int().positive().default(DEFAULT_REQUEST_TIMEOUT_MS),
});
export type WebhookSettings = z.input<typeof WebhookSettings>;

/** The JSON body of one message delivery (signed as sent). */
export interface WebhookMessageBody {
  id: string;
  channel: Channel;
  customer_id: string;
  to: string;
  subject?: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  template?: { name: string; language: string; parameters: string[] };
  /** When this attempt was sent (also X-Strata-Timestamp), inside the signature. */
  sent_at: string;
}

/** The signed-webhook adapter as a MessageSender. */
export function webhookChannel(
  settings: WebhookSettings,
  options: { clock?: Clock; rateLimitWaitMs?: number } = {},
): MessageSender {
  const config = checked(WebhookSettings, settings, 'webhook settings');
  const clock = options.clock ?? systemClock;
  const delivers: readonly Channel[] = config.channels;
  return {
    channels: delivers,
    async send(message, signal) {
      throwIfAborted(signal);
      if (!delivers.includes(message.channel)) return wrongChannel('the webhook', delivers, message);
      const sentAt = clock.now().toISOString();
      const payload: WebhookMessageBody = {
        id: message.id,
        channel: message.channel,
        customer_id: message.customerId,
        to: message.to,
        ...(message.subject !== undefined ? { subject: message.subject } : {}),
        text: message.text,
        ...(message.html !== undefined ? { html: message.html } : {}),
        ...(message.headers !== undefined ? { headers: { ...message.headers } } : {}),
        ...(message.template !== undefined
          ? { template: { ...message.template, parameters: [...message.template.parameters] } }
          : {}),
        sent_at: sentAt,
      };
      const body = JSON.stringify(payload);
      const answer = await post(
        config.url,
        {
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Strata-Channels',
            'x-strata-signature': signWebhookBody(config.secret, body),
            'x-strata-delivery': message.id,
            'x-strata-timestamp': sentAt,
          },
          body,
        },
        config.timeoutMs,
        signal,
      );
      if ('ok' in answer) return answer;
      if (answer.status >= 200 && answer.status < 300) {
        const id = (jsonOf(answer.text) as { id?: unknown } | undefined)?.id;
        return { ok: true, providerId: typeof id === 'string' && id !== '' ? id : message.id };
      }
      const failure = failureOfStatus(answer.status);
      const wait = retryAfterMs(answer.headers.get('retry-after'), clock);
      const error = `webhook ${new URL(config.url).host} answered ${answer.status}${answer.text ? `: ${answer.text.slice(0, 200)}` : ''}`;
      return failed(failure, error, {
        providerCode: String(answer.status),
        retryAfterMs:
          failure === 'rate_limited'
            ? (wait ?? options.rateLimitWaitMs ?? DEFAULT_RATE_LIMIT_WAIT_MS)
            : failure === 'retryable'
              ? wait
              : undefined,
      });
    },
    close: () => Promise.resolve(),
  };
}
