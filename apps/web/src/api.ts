import type { z } from 'zod';
import { CSRF_HEADER, ErrorBody } from '@strata/api';
import type { Diagnostic } from '@strata/segment-lang';

/*
 * The one way the dashboard talks to the server: same-origin requests carrying the session cookie,
 * the CSRF token on every request that changes something, answers checked against the schemas the
 * server itself uses. A 401 ends the session in the page (the login page shows).
 */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly diagnostics: readonly Diagnostic[] = [],
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
let onUnauthorized: () => void = () => {};

/** The token from `POST /v1/auth/login` or `GET /v1/auth/me`, sent as `x-csrf-token` (CSRF_HEADER). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** What happens when the server says the session is over (set by the app: show the login page). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 is the answer itself (the session check), not the end of the session. */
  quietUnauthorized?: boolean;
}

async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(res.status, 'internal', `the server answered ${res.status} with a body that is not JSON`);
  }
}

/** A request whose answer is checked against `schema`; a server error is thrown as HttpError. */
export async function call<S extends z.ZodType>(
  schema: S,
  path: string,
  options: RequestOptions = {},
): Promise<z.infer<S>> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== undefined) headers[CSRF_HEADER] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new HttpError(0, 'unavailable', 'the Strata server does not answer: is it running?');
  }
  const json = await jsonOf(res);
  if (!res.ok) {
    if (res.status === 401 && !options.quietUnauthorized) onUnauthorized();
    const err = ErrorBody.safeParse(json);
    if (err.success)
      throw new HttpError(res.status, err.data.error.type, err.data.error.message, err.data.error.diagnostics ?? []);
    throw new HttpError(res.status, 'internal', `the server answered ${res.status}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new HttpError(res.status, 'internal', `the server's answer to ${path} is not what the dashboard expects`);
  return parsed.data;
}

/** A path segment, escaped. */
export const seg = (v: string): string => encodeURIComponent(v);
