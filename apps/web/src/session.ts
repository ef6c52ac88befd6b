import { z } from 'zod';
import { AuthSessionResponse, type StaffUser } from '@strata/api';
import { call, HttpError, setCsrfToken } from './api.js';

/*
 * Staff sessions (the server's auth-routes.ts): `POST /v1/auth/login {email, password}` answers
 * the user and a CSRF token and sets the HttpOnly `strata_session` cookie; `GET /v1/auth/me`
 * answers the same for a live session, or 401; `POST /v1/auth/logout` ends it.
 */

export type Session = AuthSessionResponse;
export type User = StaffUser;

/** A read-only user sees every page but no control that changes anything. */
export const canWrite = (user: User): boolean => user.role !== 'read_only';

/** The session the cookie carries, or undefined when there is none (the login page shows). */
export async function currentSession(): Promise<Session | undefined> {
  try {
    const s = await call(AuthSessionResponse, '/v1/auth/me', { quietUnauthorized: true });
    setCsrfToken(s.csrfToken);
    return s;
  } catch (e) {
    if (e instanceof HttpError && e.status === 401) return undefined;
    throw e;
  }
}

export async function logIn(email: string, password: string): Promise<Session> {
  const s = await call(AuthSessionResponse, '/v1/auth/login', {
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
