import type { Context, Next } from 'hono';
import { getCookie } from 'hono/cookie';
import { AppError, roleOfScope, systemClock, type ApiKeyScope, type Clock, type StaffRole } from '@strata/core';
import { CSRF_HEADER, SESSION_COOKIE } from '@strata/api';
import { bearerFrom } from './auth.js';
import { ApiKeyStore } from './api-keys.js';
import type { KeyRing } from './keys.js';
import { DEFAULT_LOGIN_LIMITS, LoginLimiter, type LoginLimits } from './login-limiter.js';
import type { ScryptCost } from './passwords.js';
import { csrfMatches, SessionStore, type Session } from './sessions.js';
import { StaffDirectory, type StaffDb } from './staff-directory.js';

/**
 * Who a request is, and what it may do: one check for every route, by method and path, before any
 * route runs (docs/security.md). A route cannot forget it, and a new write route is covered the
 * day it is added.
 *
 * - The store's API key (and the server's session key, for the CLI beside it) act as an owner.
 * - A scoped API key acts as its scope's role (roleOfScope: read → read_only, write → marketer).
 * - A staff session (the `strata_session` cookie) acts as the account's role at this moment; each
 *   change made with it must carry the session's CSRF token in `x-csrf-token`.
 *
 * Then: a read-only principal is refused every request that is not GET/HEAD/OPTIONS, whatever the
 * route (but login, and the few in ANY_ROLE); owner-only areas (OWNER_ONLY) refuse everyone else.
 */
export interface Principal {
  /** Who, in words: a staff email, "the store API key", or a scoped key's name. */
  name: string;
  role: StaffRole;
  via: 'api-key' | 'scoped-key' | 'session';
  /** For a scoped key. */
  scope?: ApiKeyScope;
  /** For a staff session: its cookie token and state. */
  session?: { token: string; state: Session };
}

/** What the access check found: a principal, or why there is none (said by routes that need one). */
export interface Identity {
  principal?: Principal;
  /** Why credentials that were sent were not accepted. */
  refused?: string;
}

declare module 'hono' {
  interface ContextVariableMap {
    identity: Identity;
  }
}

/** Methods that change nothing. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Taken with any credentials (or none), so no check of role or CSRF token applies: signing in and out. */
const ALWAYS_ALLOWED = new Set(['POST /v1/auth/login']);
/** Not changes to the store, so allowed to read-only principals (the CSRF token is still checked). Each listed with why. */
const ANY_ROLE = new Set([
  // ends the caller's own session
  'POST /v1/auth/logout',
  // an unsaved segment's count and members, sent as POST because the query is a body: the editor's live count
  'POST /v1/segments/preview',
]);

/** Areas only owners reach (any method), or only owners change; what is refused is named. */
const OWNER_ONLY: readonly { test: (method: string, path: string) => boolean; what: string }[] = [
  { test: (_m, p) => p === '/v1/staff' || p.startsWith('/v1/staff/'), what: 'manage staff accounts' },
  { test: (_m, p) => p === '/v1/api-keys' || p.startsWith('/v1/api-keys/'), what: 'manage API keys' },
  { test: (_m, p) => p === '/v1/keys' || p.startsWith('/v1/keys/'), what: "change the store's keys" },
  {
    test: (m, p) => !READ_METHODS.has(m) && (p === '/v1/channels' || p.startsWith('/v1/channels/')),
    what: 'change channel settings and credentials',
  },
  { test: (m, p) => !READ_METHODS.has(m) && p.startsWith('/v1/config/'), what: "change the store's settings" },
];

const roleWords: Record<StaffRole, string> = { owner: 'owners', marketer: 'marketers', read_only: 'read-only users' };

export interface AccessOptions {
  clock?: Clock;
  /** scrypt cost of new password hashes (default: passwords.ts); tests lower it. */
  passwordCost?: ScryptCost;
  loginLimits?: LoginLimits;
  /**
   * Whether the session cookie is marked Secure (default true). Browsers keep and send a Secure
   * cookie over HTTPS and on http://127.0.0.1 or http://localhost (both count as secure contexts);
   * over plain HTTP to any other address they drop it, so serve the dashboard over HTTPS there.
   */
  secureCookie?: boolean;
}

/** Staff accounts, scoped keys, sessions and login limits of one server. */
export class Access {
  readonly staff: StaffDirectory;
  readonly apiKeys: ApiKeyStore;
  readonly sessions: SessionStore;
  readonly limiter: LoginLimiter;
  readonly secureCookie: boolean;

  constructor(
    db: StaffDb,
    readonly keys: KeyRing,
    options: AccessOptions = {},
  ) {
    const clock = options.clock ?? systemClock;
    this.staff = new StaffDirectory(db, { clock, ...(options.passwordCost ? { cost: options.passwordCost } : {}) });
    this.apiKeys = new ApiKeyStore(db, { clock });
    this.sessions = new SessionStore(clock);
    this.limiter = new LoginLimiter(clock, options.loginLimits ?? DEFAULT_LOGIN_LIMITS);
    this.secureCookie = options.secureCookie ?? true;
  }

  /** Who the request's credentials say it is: Bearer key first, else the session cookie. */
  async identify(c: Context): Promise<Identity> {
    const bearer = bearerFrom(c.req.header('authorization'));
    if (bearer !== undefined) {
      if (this.keys.accepts('api-key', bearer))
        return { principal: { name: 'the store API key', role: 'owner', via: 'api-key' } };
      const key = await this.apiKeys.find(bearer);
      if (key)
        return {
          principal: {
            name: `API key "${key.name}"`,
            role: roleOfScope[key.scope],
            via: 'scoped-key',
            scope: key.scope,
          },
        };
      return { refused: 'wrong API key' };
    }
    const token = getCookie(c, SESSION_COOKIE);
    if (token === undefined) return {};
    const state = this.sessions.find(token);
    const user = state ? await this.staff.user(state.email) : undefined;
    if (!state || !user)
      return { refused: 'the staff session has ended or is not valid: log in again (POST /v1/auth/login)' };
    return { principal: { name: user.email, role: user.role, via: 'session', session: { token, state } } };
  }

  /** The middleware every request passes through first (registered with `app.use('*', …)`). */
  readonly control = async (c: Context, next: Next): Promise<void> => {
    const identity = await this.identify(c);
    c.set('identity', identity);
    const p = identity.principal;
    const method = c.req.method.toUpperCase();
    const route = `${method} ${c.req.path}`;
    if (p && !ALWAYS_ALLOWED.has(route)) {
      if (!READ_METHODS.has(method)) {
        if (p.session) {
          const given = c.req.header(CSRF_HEADER);
          if (!csrfMatches(p.session.state, given))
            throw new AppError(
              'forbidden',
              `${given === undefined ? 'missing' : 'wrong'} CSRF token: a change made with the staff session cookie must send the session's token (from POST /v1/auth/login or GET /v1/auth/me) in the ${CSRF_HEADER} header`,
            );
        }
        if (p.role === 'read_only' && !ANY_ROLE.has(route)) throw refusal(p, `change anything (${route} refused)`);
      }
      if (p.role !== 'owner') {
        const area = OWNER_ONLY.find((a) => a.test(method, c.req.path));
        if (area) throw refusal(p, `${area.what} (${route} refused): only owners can`);
      }
    }
    await next();
  };

  /** For routes that need a principal: any will do (the control above has checked what it may do). */
  readonly require = async (c: Context, next: () => Promise<void>): Promise<void> => {
    const identity = c.get('identity');
    if (!identity.principal)
      throw new AppError(
        'unauthorized',
        identity.refused ?? 'missing API key (Bearer) or staff session (log in with POST /v1/auth/login)',
      );
    await next();
  };
}

function refusal(p: Principal, what: string): AppError {
  const who = p.via === 'scoped-key' ? `${p.scope}-scoped API keys` : roleWords[p.role];
  return new AppError('forbidden', `${who} cannot ${what}`);
}

/** The request's principal (after `Access.control`). */
export const principalOf = (c: Context): Principal | undefined => c.get('identity').principal;
