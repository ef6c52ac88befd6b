import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '@strata/core';

/**
 * Staff sessions, in this server's memory: a login makes one, its token goes to the browser in the
 * `strata_session` cookie and only the token's SHA-256 is kept here. They end at logout, after
 * IDLE_MS without a request, MAX_AGE_MS after login, when their account is removed, or when the
 * server stops (staff log in again after a restart).
 *
 * Each session has its own CSRF token: a page of this server reads it from the login answer (or
 * `GET /v1/auth/me`) and sends it back in `x-csrf-token` with every change; another site's page
 * cannot read it, so a request it makes the browser send is refused even if the cookie went along.
 */
export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_MAX_AGE_MS = 7 * 24 * 3600_000;

export interface Session {
  email: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  constructor(private readonly clock: Clock = systemClock) {}

  /** A new session; the token is for the cookie and is not kept. */
  create(email: string): { token: string; session: Session } {
    this.sweep();
    const token = newToken();
    const now = this.clock.now().getTime();
    const session: Session = { email, csrfToken: newToken(), createdAt: now, lastSeenAt: now };
    this.sessions.set(digest(token), session);
    return { token, session };
  }

  /** The live session of a cookie's token (its idle time starts again), or undefined. */
  find(token: string): Session | undefined {
    const key = digest(token);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    const now = this.clock.now().getTime();
    if (now - s.lastSeenAt > SESSION_IDLE_MS || now - s.createdAt > SESSION_MAX_AGE_MS) {
      this.sessions.delete(key);
      return undefined;
    }
    s.lastSeenAt = now;
    return s;
  }

  end(token: string): void {
    this.sessions.delete(digest(token));
  }

  /** Ends every session of an account (removed, or its password changed). */
  endAllOf(email: string): void {
    for (const [key, s] of this.sessions) if (s.email === email) this.sessions.delete(key);
  }

  private sweep(): void {
    const now = this.clock.now().getTime();
    for (const [key, s] of this.sessions)
      if (now - s.lastSeenAt > SESSION_IDLE_MS || now - s.createdAt > SESSION_MAX_AGE_MS) this.sessions.delete(key);
  }
}

/** Whether `given` is the session's CSRF token (constant time). */
export function csrfMatches(session: Session, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(session.csrfToken, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
