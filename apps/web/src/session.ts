import { z } from 'zod';
import { call, HttpError, setCsrfToken } from './api.js';

/*
 * Staff sessions, by the server's auth contract: `POST /v1/auth/login {email, password}` answers
 * the user and a CSRF token and sets the HttpOnly `strata_session` cookie; `GET /v1/auth/me`
 * answers the same for a live session, or 401; `POST /v1/auth/logout` ends it.
 */

export const StaffRole = z.enum(['owner', 'marketer', 'read_only']);
export type StaffRole = z.infer<typeof StaffRole>;

export const SessionBody = z.object({
  user: z.object({ email: z.string(), role: StaffRole }),
  csrfToken: z.string(),
});
export type Session = z.infer<typeof SessionBody>;
export type User = Session['user'];

/** A read-only user sees every page but no control that changes anything. */
export const canWrite = (user: User): boolean => user.role !== 'read_only';

/** The session the cookie carries, or undefined when there is none (the login page shows). */
export async function currentSession(): Promise<Session | undefined> {
  try {
    const s = await call(SessionBody, '/v1/auth/me', { quietUnauthorized: true });
    setCsrfToken(s.csrfToken);
    return s;
  } catch (e) {
    if (e instanceof HttpError && e.status === 401) return undefined;
    throw e;
  }
}

export async function logIn(email: string, password: string): Promise<Session> {
  const s = await call(SessionBody, '/v1/auth/login', {
    method: 'POST',
    body: { email, password },
    quietUnauthorized: true,
  });
  setCsrfToken(s.csrfToken);
  return s;
}

export async function logOut(): Promise<void> {
  try {
    await call(z.unknown(), '/v1/auth/logout', { method: 'POST', quietUnauthorized: true });
  } finally {
    setCsrfToken(undefined);
  }
}
