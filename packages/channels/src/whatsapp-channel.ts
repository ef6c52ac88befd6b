import {
  systemClock,
  type Channel,
  type Clock,
  type MessageSender,
  type OutgoingMessage,
  type SendResult,
} from '@strata/core';
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
  type PostResult,
} from './send-failures.js';

/**
 * WhatsApp through the WhatsApp Cloud API: POST `{baseUrl}/{version}/{phone number id}/messages`
 * with a bearer token and a JSON body. A message with a `template` goes out as that approved
 * template with its body parameters; one without goes out as free text, which WhatsApp takes
 * only inside the 24-hour service window after the customer last wrote. The caller decides:
 * outside the window it must supply a template. Given `lastInboundAt`, the adapter checks the
 * window itself and refuses free text outside it without calling WhatsApp.
 */

export const WhatsAppSettings = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://graph.facebook.com'),
  /** The Graph API version, e.g. v21.0. */
  version: z
    .string()
    .regex(/^v\d+\.\d+$/, 'version looks like v21.0')
    .default('v21.0'),
  /** The business phone number's id (not the number itself). */
  phoneNumberId: z.string().regex(/^\d+$/, 'the phone number id is the digits WhatsApp Manager shows'),
  accessToken: z.string().min(1, 'the access token is needed'),
  /**
   * For the server's webhook, not for sending: the app secret that signs what WhatsApp posts
   * (X-Hub-Signature-256), and the verify token the webhook's subscription challenge must repeat.
   */
  appSecret: z.string().min(1).optional(),
  verifyToken: z.string().min(1).optional(),
  /** How long WhatsApp has to answer one send, in ms (default 30 s). */
  timeoutMs: z.number().int().positive().default(DEFAULT_REQUEST_TIMEOUT_MS),
});
export type WhatsAppSettings = z.input<typeof WhatsAppSettings>;

/** How long after a customer's last message free text may be sent. */
export const SERVICE_WINDOW_MS = 24 * 3_600_000;

export interface WhatsAppChannelOptions {
  clock?: Clock;
  /** When the customer at this number (E.164) last wrote, if ever: enables the window check. */
  lastInboundAt?: (to: string) => Promise<Date | undefined>;
  rateLimitWaitMs?: number;
}

/** Graph API error codes that mean "slow down": throughput, spam and pair rate limits. */
const RATE_CODES = new Set([4, 80007, 130429, 131048, 131056]);
/** Codes of a passing trouble at WhatsApp's end. */
const TRANSIENT_CODES = new Set([1, 2, 131000, 131016]);

interface GraphError {
  error?: { message?: string; code?: number; error_subcode?: number; error_data?: { details?: string } };
}

/**
 * How a Cloud API answer that is not 2xx is treated: rate-limit codes wait, 131026 (undeliverable),
 * 131047 (outside the window) and 132xxx (template) never, 5xx and WhatsApp's transient codes retry.
 */
export function classifyWhatsAppAnswer(
  answer: PostResult,
  clock: Clock,
  rateLimitWaitMs = DEFAULT_RATE_LIMIT_WAIT_MS,
): SendResult {
  const err = (jsonOf(answer.text) as GraphError | undefined)?.error;
  const code = typeof err?.code === 'number' ? err.code : undefined;
  const details = err?.error_data?.details;
  const what = [err?.message, details].filter(Boolean).join(': ') || answer.text.slice(0, 200) || 'no reason given';
  const error = `WhatsApp ${answer.status}${code !== undefined ? ` error ${code}` : ''}: ${what}`;
  const providerCode = code !== undefined ? String(code) : String(answer.status);
  const wait = retryAfterMs(answer.headers.get('retry-after'), clock);
  if ((code !== undefined && RATE_CODES.has(code)) || answer.status === 429)
    return failed('rate_limited', error, { providerCode, retryAfterMs: wait ?? rateLimitWaitMs });
  if ((code !== undefined && TRANSIENT_CODES.has(code)) || answer.status >= 500)
    return failed('retryable', error, { providerCode, retryAfterMs: wait });
  return failed(failureOfStatus(answer.status), error, { providerCode });
}

/** The Cloud API's JSON body for one message (template or free text). */
export function whatsAppBody(message: OutgoingMessage): Record<string, unknown> {
  const to = message.to.replace(/[^\d]/g, '');
  const template = message.template;
  if (!template)
    return {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      type: 'text',
      text: { body: message.text },
    };
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'template',
    template: {
      name: template.name,
      language: { code: template.language },
      ...(template.parameters.length > 0
        ? { components: [{ type: 'body', parameters: template.parameters.map((text) => ({ type: 'text', text })) }] }
        : {}),
    },
  };
}

/** The WhatsApp Cloud API adapter as a MessageSender (whatsapp only). */
export function whatsAppChannel(settings: WhatsAppSettings, options: WhatsAppChannelOptions = {}): MessageSender {
  const config = checked(WhatsAppSettings, settings, 'whatsapp (cloud api) settings');
  const clock = options.clock ?? systemClock;
  const url = `${config.baseUrl.replace(/\/+$/, '')}/${config.version}/${config.phoneNumberId}/messages`;
  const delivers: readonly Channel[] = ['whatsapp'];
  return {
    channels: delivers,
    async send(message, signal) {
      throwIfAborted(signal);
      if (message.channel !== 'whatsapp') return wrongChannel('whatsapp', delivers, message);
      if (!message.template && options.lastInboundAt) {
        const last = await options.lastInboundAt(message.to);
        throwIfAborted(signal);
        if (!last || clock.now().getTime() - last.getTime() >= SERVICE_WINDOW_MS)
          return failed(
            'permanent',
            `free text to ${message.to} outside WhatsApp's 24-hour service window (${last ? `last message ${last.toISOString()}` : 'they never wrote'}): send an approved template instead`,
            { providerCode: 'outside_service_window' },
          );
      }
      const answer = await post(
        url,
        {
          headers: { authorization: `Bearer ${config.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(whatsAppBody(message)),
        },
        config.timeoutMs,
        signal,
      );
      if ('ok' in answer) return answer;
      if (answer.status < 200 || answer.status >= 300)
        return classifyWhatsAppAnswer(answer, clock, options.rateLimitWaitMs);
      const id = (jsonOf(answer.text) as { messages?: { id?: unknown }[] } | undefined)?.messages?.[0]?.id;
      if (typeof id !== 'string' || id === '')
        // WhatsApp has no idempotency key: sending again could make a second message.
        return failed('permanent', `WhatsApp answered ${answer.status} without a message id; not sent again`);
      return { ok: true, providerId: id };
    },
    close: () => Promise.resolve(),
  };
}
