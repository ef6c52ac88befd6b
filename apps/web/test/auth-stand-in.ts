import { randomBytes } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/*
 * TEST ONLY. A stand-in for the staff login the server does not have yet, implementing its
 * contract exactly: `POST /v1/auth/login {email, password}` → `{user: {email, role}, csrfToken}`
 * and an HttpOnly `strata_session` cookie; `GET /v1/auth/me` → `{user, csrfToken}` or 401;
 * `POST /v1/auth/logout`; every other non-GET `/v1` request must carry `x-csrf-token`. It sits in
 * front of the real server and forwards what a session may do with the API key; everything else
 * (the dashboard's files) goes through untouched. Once the real login is on the server, the
 * browser test talks to the server directly and this file goes.
 */

export interface StaffFixture {
  email: string;
  password: string;
  role: 'owner' | 'marketer' | 'read_only';
}

export interface AuthStandIn {
  url: string;
  close(): Promise<void>;
}

export async function startAuthStandIn(
  target: string,
  apiKey: string,
  staff: readonly StaffFixture[],
): Promise<AuthStandIn> {
  const sessions = new Map<string, { user: { email: string; role: StaffFixture['role'] }; csrfToken: string }>();
  const app = new Hono();
  const unauthorized = (c: Context) =>
    c.json({ error: { type: 'unauthorized', message: 'log in first', details: [] } }, 401);
  const sessionOf = (c: Context) => sessions.get(getCookie(c, 'strata_session') ?? '');

  app.post('/v1/auth/login', async (c) => {
    const { email, password } = await c.req.json<{ email: string; password: string }>();
    const who = staff.find((s) => s.email === email && s.password === password);
    if (!who) return c.json({ error: { type: 'unauthorized', message: 'wrong email or password', details: [] } }, 401);
    const id = randomBytes(16).toString('hex');
    const session = { user: { email: who.email, role: who.role }, csrfToken: randomBytes(16).toString('hex') };
    sessions.set(id, session);
    setCookie(c, 'strata_session', id, { httpOnly: true, sameSite: 'Strict', path: '/' });
    return c.json(session);
  });
  app.get('/v1/auth/me', (c) => {
    const s = sessionOf(c);
    return s ? c.json(s) : unauthorized(c);
  });
  app.post('/v1/auth/logout', (c) => {
    sessions.delete(getCookie(c, 'strata_session') ?? '');
    deleteCookie(c, 'strata_session', { path: '/' });
    return c.json({ ok: true });
  });
  app.all('*', async (c) => {
    const url = new URL(c.req.url);
    const headers = new Headers();
    for (const name of ['content-type', 'accept']) {
      const v = c.req.header(name);
      if (v) headers.set(name, v);
    }
    if (url.pathname.startsWith('/v1/')) {
      const s = sessionOf(c);
      if (!s) return unauthorized(c);
      if (c.req.method !== 'GET' && c.req.header('x-csrf-token') !== s.csrfToken)
        return c.json({ error: { type: 'unauthorized', message: 'missing or wrong CSRF token', details: [] } }, 403);
      headers.set('authorization', `Bearer ${apiKey}`);
    }
    const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? undefined : await c.req.arrayBuffer();
    const res = await fetch(`${target}${url.pathname}${url.search}`, {
      method: c.req.method,
      headers,
      ...(body ? { body } : {}),
    });
    // The server's own headers (content type, caching, the page's content security policy) pass through.
    const out = new Headers(res.headers);
    for (const name of ['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'])
      out.delete(name);
    return new Response(await res.arrayBuffer(), { status: res.status, headers: out });
  });

  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve(info.port));
    server.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}
