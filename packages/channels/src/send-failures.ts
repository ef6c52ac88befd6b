import type { Channel, Clock, OutgoingMessage, SendFailure, SendResult } from '@strata/core';

/**
 * What every adapter shares about failing: the result values, Retry-After, HTTP status classes,
 * and telling an abort (which rejects) from a provider's trouble (which is a result).
 */

/** A failed send as a result value. */
export function failed(
  failure: SendFailure,
  error: string,
  extra: { providerCode?: string | undefined; retryAfterMs?: number | undefined } = {},
): SendResult {
  return {
    ok: false,
    failure,
    error,
    ...(extra.providerCode !== undefined ? { providerCode: extra.providerCode } : {}),
    ...(extra.retryAfterMs !== undefined ? { retryAfterMs: extra.retryAfterMs } : {}),
  };
}

/** The wait after a rate limit when the provider does not say how long (one minute). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/** How long an HTTP provider has to answer one send before it counts as a retryable failure. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * A Retry-After header in ms: delta-seconds or an HTTP date (measured against `clock`), or
 * undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, clock: Clock): number | undefined {
  if (header == null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - clock.now().getTime());
}

/**
 * How an HTTP status is treated when the body says nothing more specific: 429 waits, 408 and
 * 5xx are tried again, any other status (a redirect too: none is followed) is refused for good.
 */
export function failureOfStatus(status: number): SendFailure {
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 425 || status >= 500) return 'retryable';
  return 'permanent';
}

/** Rejects with the signal's reason when it has aborted (sends reject only on abort). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(typeof reason === 'string' ? reason : 'The send was aborted', 'AbortError');
}

/**
 * Waits for `work`, or rejects as soon as `signal` aborts (the work may still finish in the
 * background: SMTP cannot take a message back).
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Why a request failed, in a few words (the network error's code where there is one). */
export function networkReason(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const cause = e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return e instanceof Error ? e.message : String(e);
}

export interface PostResult {
  readonly status: number;
  readonly headers: Headers;
  /** The body as text (empty when there was none). */
  readonly text: string;
}

/**
 * One POST with a time limit. Resolves with the answer, or with a retryable failure when the
 * provider could not be reached or did not answer in time; rejects only when `signal` aborts.
 */
export async function post(
  url: string,
  init: { headers: Record<string, string>; body: string },
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<PostResult | SendResult> {
  throwIfAborted(signal);
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: init.headers,
      body: init.body,
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text };
  } catch (e) {
    throwIfAborted(signal);
    return failed('retryable', `${new URL(url).host} unreachable: ${networkReason(e, timeoutMs)}`);
  }
}

/** A parsed JSON body, or undefined when the body is not JSON (a proxy's HTML error page). */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The failure for a message on a channel this adapter does not deliver (a wiring mistake). */
export function wrongChannel(adapter: string, channels: readonly Channel[], message: OutgoingMessage): SendResult {
  return failed(
    'permanent',
    `${adapter} delivers ${channels.join(', ')}, not ${message.channel} (message ${message.id})`,
  );
}
