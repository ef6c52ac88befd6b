import { systemClock, type Channel, type Clock, type MessageSender, type SendResult } from '@strata/core';
import { createTransport } from 'nodemailer';
import type { NodemailerError } from 'nodemailer/lib/errors';
import { z } from 'zod';
import { checked } from './checked.js';
import { mailOf } from './email-message.js';
import { abortable, DEFAULT_RATE_LIMIT_WAIT_MS, failed, throwIfAborted, wrongChannel } from './send-failures.js';

/**
 * Email over SMTP with nodemailer, on a pool of connections kept open between messages. The
 * send id goes out as the Message-ID and the X-Strata-Send-ID header; the message's headers
 * (List-Unsubscribe, List-Unsubscribe-Post) as given. SMTP has no idempotency key: a message the
 * server accepted is not taken back, so the caller records the send id before it sends.
 */

export const SmtpSettings = z
  .object({
    host: z.string().min(1, 'the SMTP server’s host name is needed'),
    /** 587 (submission with STARTTLS) unless told; 465 with `secure`. */
    port: z.number().int().min(1).max(65_535).default(587),
    /** TLS from the first byte (port 465). Without it STARTTLS is used when the server offers it. */
    secure: z.boolean().default(false),
    /** Refuse to send unless the connection is encrypted (STARTTLS). */
    requireTls: z.boolean().default(false),
    user: z.string().min(1).optional(),
    pass: z.string().min(1).optional(),
    /** The From address, e.g. `Lumen Shop <news@lumen.example>`. */
    from: z.string().regex(/@[^@\s>]+>?\s*$/, 'from must be an email address, e.g. "Shop <news@shop.example>"'),
    /** Open connections at most (default 5). */
    maxConnections: z.number().int().min(1).max(100).default(5),
    /** How long the server has to answer each step, in ms (default 30 s). */
    timeoutMs: z.number().int().positive().default(30_000),
  })
  .refine((s) => (s.user === undefined) === (s.pass === undefined), {
    message: 'give both user and pass, or neither',
    path: ['pass'],
  });
export type SmtpSettings = z.input<typeof SmtpSettings>;

const RATE_WORDS = /\brate\b|too many|throttl|limit exceeded|slow down/i;
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROXY', 'EMAXLIMIT']);

/**
 * How an SMTP failure is treated: a 4xx reply is tried again (rate-limited when it says so, as
 * 421/450/451 "too many messages" do), a 5xx reply is refused for good, a broken or timed-out
 * connection is tried again. A failure without a reply (bad credentials, a bad address) is permanent.
 */
export function classifySmtpError(e: unknown, rateLimitWaitMs = DEFAULT_RATE_LIMIT_WAIT_MS): SendResult {
  const err = (e ?? {}) as NodemailerError;
  const rejected = err.rejectedErrors?.[0];
  const code = rejected?.responseCode ?? err.responseCode;
  const response = (rejected?.response ?? err.response ?? err.message ?? String(e)).trim();
  if (code !== undefined) {
    const reply = `SMTP ${response.startsWith(String(code)) ? response : `${code} ${response}`}`;
    const providerCode = String(code);
    if (code >= 400 && code < 500) {
      if ([421, 450, 451, 452].includes(code) && RATE_WORDS.test(response))
        return failed('rate_limited', reply, { providerCode, retryAfterMs: rateLimitWaitMs });
      return failed('retryable', reply, { providerCode });
    }
    // 503 is a command out of sequence: the session's fault, not the message's.
    if (code >= 500 && code !== 503) return failed('permanent', reply, { providerCode });
    return failed('retryable', reply, { providerCode });
  }
  const errorCode = err.code ?? 'unknown';
  const why = `SMTP ${errorCode}: ${err.message ?? String(e)}`;
  if (CONNECTION_CODES.has(errorCode) || err.originalCode !== undefined)
    return failed('retryable', why, { providerCode: errorCode });
  return failed('permanent', why, { providerCode: errorCode });
}

/** The SMTP adapter as a MessageSender (email only). */
export function smtpChannel(
  settings: SmtpSettings,
  options: { clock?: Clock; rateLimitWaitMs?: number } = {},
): MessageSender {
  const config = checked(SmtpSettings, settings, 'email (smtp) settings');
  const clock = options.clock ?? systemClock;
  const transport = createTransport({
    pool: true,
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTls,
    maxConnections: config.maxConnections,
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    ...(config.user !== undefined && config.pass !== undefined
      ? { auth: { user: config.user, pass: config.pass } }
      : {}),
  });
  const delivers: readonly Channel[] = ['email'];
  let closed = false;
  return {
    channels: delivers,
    async send(message, signal) {
      throwIfAborted(signal);
      if (message.channel !== 'email') return wrongChannel('smtp', delivers, message);
      if (closed) return failed('retryable', 'the SMTP channel is closed');
      try {
        const info = await abortable(transport.sendMail(mailOf(message, config.from, clock.now())), signal);
        if (info.rejected.length > 0 && info.accepted.length === 0)
          return failed('permanent', `SMTP refused ${message.to}: ${info.response}`);
        return { ok: true, providerId: info.messageId };
      } catch (e) {
        throwIfAborted(signal);
        return classifySmtpError(e, options.rateLimitWaitMs);
      }
    },
    close() {
      closed = true;
      transport.close();
      return Promise.resolve();
    },
  };
}
