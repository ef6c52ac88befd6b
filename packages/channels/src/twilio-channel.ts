import { systemClock, type Channel, type Clock, type MessageSender, type SendResult } from '@strata/core';
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
 * SMS through Twilio's Messages API, or any service that speaks it: POST
 * `{baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth, a form body. The
 * send id goes out as Twilio's idempotency token, so a retry after a lost answer is not a second
 * text; the answer's `sid` is the providerId status callbacks name.
 */

const E164 = /^\+[1-9]\d{6,14}$/;

export const TwilioSettings = z
  .object({
    /** Twilio's API, or a compatible service's (no trailing slash needed). */
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com'),
    accountSid: z.string().regex(/^AC[0-9a-zA-Z]{8,}$/, 'an Account SID starts with AC'),
    authToken: z.string().min(1, 'the auth token is needed'),
    /** The sending number (E.164); or give messagingServiceSid instead. */
    from: z.string().regex(E164, 'from must be an E.164 number such as +447700900123').optional(),
    messagingServiceSid: z
      .string()
      .regex(/^MG[0-9a-zA-Z]{8,}$/, 'a Messaging Service SID starts with MG')
      .optional(),
    /** Where Twilio posts status callbacks (the server's /webhooks/twilio/status route). */
    statusCallback: z.url({ protocol: /^https?$/ }).optional(),
    /** How long Twilio has to answer one send, in ms (default 30 s). */
    timeoutMs: z.number().int().positive().default(DEFAULT_REQUEST_TIMEOUT_MS),
  })
  .refine((s) => (s.from === undefined) !== (s.messagingServiceSid === undefined), {
    message: 'give either from (a number) or messagingServiceSid, not both or neither',
    path: ['from'],
  });
export type TwilioSettings = z.input<typeof TwilioSettings>;

/** Twilio error codes that mean "slow down" rather than "never". */
const TWILIO_RATE_CODES = new Set([20429, 14107, 30022]);

/** Twilio's error body: `{ code, message, more_info, status }`. */
interface TwilioError {
  code?: number;
  message?: string;
}

/** How a Twilio answer that is not 2xx is treated (429 and its codes wait; 5xx retry; other 4xx never). */
export function classifyTwilioAnswer(
  answer: PostResult,
  clock: Clock,
  rateLimitWaitMs = DEFAULT_RATE_LIMIT_WAIT_MS,
): SendResult {
  const body = (jsonOf(answer.text) ?? {}) as TwilioError;
  const code = typeof body.code === 'number' ? body.code : undefined;
  const what = body.message ?? (answer.text.slice(0, 200) || 'no reason given');
  const error = `Twilio ${answer.status}${code !== undefined ? ` error ${code}` : ''}: ${what}`;
  const providerCode = code !== undefined ? String(code) : String(answer.status);
  const failure = code !== undefined && TWILIO_RATE_CODES.has(code) ? 'rate_limited' : failureOfStatus(answer.status);
  const wait = retryAfterMs(answer.headers.get('retry-after'), clock);
  if (failure === 'rate_limited')
    return failed(failure, error, { providerCode, retryAfterMs: wait ?? rateLimitWaitMs });
  return failed(failure, error, { providerCode, retryAfterMs: failure === 'retryable' ? wait : undefined });
}

/** The Twilio adapter as a MessageSender (sms only). */
export function twilioChannel(
  settings: TwilioSettings,
  options: { clock?: Clock; rateLimitWaitMs?: number } = {},
): MessageSender {
  const config = checked(TwilioSettings, settings, 'sms (twilio) settings');
  const clock = options.clock ?? systemClock;
  const url = `${config.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  const delivers: readonly Channel[] = ['sms'];
  return {
    channels: delivers,
    // I-Twilio-Idempotency-Token carries the send id
    deduplicates: delivers,
    async send(message, signal) {
      throwIfAborted(signal);
      if (message.channel !== 'sms') return wrongChannel('twilio', delivers, message);
      const form = new URLSearchParams({ To: message.to, Body: message.text });
      if (config.messagingServiceSid !== undefined) form.set('MessagingServiceSid', config.messagingServiceSid);
      else if (config.from !== undefined) form.set('From', config.from);
      if (config.statusCallback !== undefined) form.set('StatusCallback', config.statusCallback);
      const answer = await post(
        url,
        {
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
            'i-twilio-idempotency-token': message.id,
          },
          body: form.toString(),
        },
        config.timeoutMs,
        signal,
      );
      if ('ok' in answer) return answer;
      if (answer.status < 200 || answer.status >= 300)
        return classifyTwilioAnswer(answer, clock, options.rateLimitWaitMs);
      const sid = (jsonOf(answer.text) as { sid?: unknown } | undefined)?.sid;
      if (typeof sid !== 'string' || sid === '')
        // Accepted, perhaps, but without a sid no status callback can be matched: tried again
        // under the same idempotency token, which cannot make a second text.
        return failed('retryable', `Twilio answered ${answer.status} without a message sid`);
      return { ok: true, providerId: sid };
    },
    close: () => Promise.resolve(),
  };
}
