import type { Context, Hono } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { z } from 'zod';
import { AppError } from '@strata/core';
import {
  ApiKeyCreateRequest,
  LoginRequest,
  SESSION_COOKIE,
  StaffAddRequest,
  StaffEmail,
  StaffUpdateRequest,
  type AuthSessionResponse,
} from '@strata/api';
import { principalOf, type Access } from './access.js';

/**
 * Staff sign-in (`/v1/auth/*`), staff accounts (`/v1/staff`) and scoped API keys (`/v1/api-keys`).
 * Who may call which is decided by Access.control before these run (the last two: owners only).
 */
export interface AuthRouteDeps {
  access: Access;
  requireApiKey: (c: Context, next: () => Promise<void>) => Promise<void>;
  body: <S extends z.ZodType>(c: Context, schema: S) => Promise<z.infer<S>>;
}

/** The client's address as the socket has it (a proxy's X-Forwarded-For is not believed: anyone can send one). */
function addressOf(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // in-process requests (app.request) have no socket
    return 'unknown';
  }
}

const noStore = { 'cache-control': 'no-store' };

export function registerAuthRoutes(app: Hono, { access, requireApiKey, body }: AuthRouteDeps): void {
  const cookieOptions = { httpOnly: true, sameSite: 'Strict', path: '/', secure: access.secureCookie } as const;

  app.post('/v1/auth/login', async (c) => {
    const b = await body(c, LoginRequest);
    const email = b.email.trim().toLowerCase();
    const address = addressOf(c);
    const wait = access.limiter.retryAfter(email, address);
    if (wait > 0)
      return c.json(
        {
          error: {
            type: 'rate_limited' as const,
            message: `too many failed logins for this email or from this address: try again in ${wait} s`,
            details: [],
          },
        },
        429,
        { 'retry-after': String(wait) },
      );
    const user = await access.staff.authenticate(email, b.password);
    if (!user) {
      access.limiter.failed(email, address);
      throw new AppError('unauthorized', 'wrong email or password');
    }
    access.limiter.succeeded(email);
    // a session cookie the browser had before is replaced, not kept beside the new one
    const { token, session } = access.sessions.create(user.email);
    setCookie(c, SESSION_COOKIE, token, cookieOptions);
    return c.json({ user, csrfToken: session.csrfToken } satisfies AuthSessionResponse, 200, noStore);
  });

  app.get('/v1/auth/me', (c) => {
    const p = principalOf(c);
    if (!p?.session)
      throw new AppError(
        'unauthorized',
        c.get('identity').refused ?? 'no staff session: log in with POST /v1/auth/login',
      );
    return c.json(
      { user: { email: p.name, role: p.role }, csrfToken: p.session.state.csrfToken } satisfies AuthSessionResponse,
      200,
      noStore,
    );
  });

  app.post('/v1/auth/logout', (c) => {
    const p = principalOf(c);
    if (p?.session) access.sessions.end(p.session.token);
    deleteCookie(c, SESSION_COOKIE, cookieOptions);
    return c.body(null, 204);
  });

  /* ---- staff accounts (owners) ---- */
  const emailParam = (c: Context) => decodeURIComponent(c.req.param('email') ?? '');
  app.get('/v1/staff', requireApiKey, async (c) => c.json({ staff: await access.staff.list() }));
  app.post('/v1/staff', requireApiKey, async (c) =>
    c.json(await access.staff.add(await body(c, StaffAddRequest)), 201),
  );
  app.patch('/v1/staff/:email', requireApiKey, async (c) => {
    const change = await body(c, StaffUpdateRequest);
    const member = await access.staff.update(emailParam(c), change);
    // a new password ends the sessions made with the old one; a new role applies to them at once
    if (change.password !== undefined) access.sessions.endAllOf(member.email);
    return c.json(member);
  });
  app.delete('/v1/staff/:email', requireApiKey, async (c) => {
    const email = emailParam(c);
    await access.staff.remove(email);
    const key = StaffEmail.safeParse(email);
    if (key.success) access.sessions.endAllOf(key.data);
    return c.body(null, 204);
  });

  /* ---- scoped API keys (owners) ---- */
  app.get('/v1/api-keys', requireApiKey, async (c) => c.json({ api_keys: await access.apiKeys.list() }));
  app.post('/v1/api-keys', requireApiKey, async (c) => {
    const b = await body(c, ApiKeyCreateRequest);
    const by = principalOf(c)?.name ?? 'unknown';
    return c.json(await access.apiKeys.create(b, by), 201, noStore);
  });
  app.delete('/v1/api-keys/:id', requireApiKey, async (c) => {
    await access.apiKeys.revoke(c.req.param('id') ?? '');
    return c.body(null, 204);
  });
}
