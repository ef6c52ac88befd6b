import type { WebhookSender } from '@strata/core';

/** How long a receiver has to answer one delivery. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** Why a request failed, in a few words (the network error's code where there is one). */
function reason(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const cause = e instanceof Error ? (e.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  return e instanceof Error ? e.message : String(e);
}

/**
 * The WebhookSender adapter over HTTP (Node's fetch): a 2xx answer is delivered; any other
 * status (a redirect too: it is not followed), a network error or no answer within `timeoutMs`
 * is a failure to retry. The answer's body is not read.
 */
export function fetchWebhookSender(timeoutMs = WEBHOOK_TIMEOUT_MS): WebhookSender {
  return {
    async send({ url, body, headers, signal }) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          body,
          headers,
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        });
        await res.body?.cancel();
        return res.ok ? { delivered: true, status: res.status } : { delivered: false, error: `HTTP ${res.status}` };
      } catch (e) {
        return { delivered: false, error: reason(e, timeoutMs) };
      }
    },
  };
}
