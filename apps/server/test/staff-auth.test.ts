/**
 * Staff sign-in, roles and scoped API keys on a real server (127.0.0.1, a DuckDB file): the
 * session cookie as a browser gets it and sends it back, login limits on a test clock, the CSRF
 * token on every change, and each write route the server registers (app.routes, so a route added
 * later is tried too) refused to a read-only user and a read-scoped key, with nothing changed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@strata/core';
import { startServer, type RunningServer } from '@strata/server';

const dir = mkdtempSync(join(tmpdir(), 'strata-staff-auth-'));
const db = join(dir, 's.duckdb');
const keys = { writeKey: 'wk-staff-tests', apiKey: 'api-key-for-staff-tests', webhookSecret: 'shopify-secret' };
const clock = new ManualClock('2026-06-10T12:00:00Z');
/** Cheap hashes for tests (the default costs 128 MiB and about half a second a hash). */
const passwordCost = { N: 2 ** 12, r: 8, p: 1 };
const OWNER = 'boss@shop.example';

let server: RunningServer;
const start = () =>
  startServer({
    dbPath: db,
    port: 0,
    keys,
    clock,
    timer: clock,
    env: {},
    log: () => {},
    firstOwner: OWNER,
    access: { passwordCost },
  });

beforeAll(async () => {
  server = await start();
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Call {
  method?: string;
  body?: unknown;
  key?: string;
  cookie?: string;
  csrf?: string;
}
async function call(path: string, init: Call = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...(init.csrf ? { 'x-csrf-token': init.csrf } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  // the unsubscribe page answers HTML
  const json = (res.headers.get('content-type') ?? '').includes('application/json');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- many routes' answers, read field by field and checked by the assertions
  const body: any = json ? JSON.parse(text) : { html: text };
  return { status: res.status, headers: res.headers, body };
}
const owner = (path: string, init: Call = {}) => call(path, { ...init, key: keys.apiKey });

interface Session {
  cookie: string;
  csrf: string;
  setCookie: string;
}
async function login(email: string, password: string): Promise<Session> {
  const r = await call('/v1/auth/login', { method: 'POST', body: { email, password } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const setCookie = r.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0]!, csrf: r.body.csrfToken, setCookie };
}
/** Windows of earlier failed logins are over. */
const forgetFailures = () => clock.advance(16 * 60_000);

describe('staff sign-in', () => {
  it('makes the first owner once, and its password logs in: the cookie is HttpOnly, Secure, SameSite=Strict and works when sent back', async () => {
    expect(server.firstOwner?.email).toBe(OWNER);
    const s = await login(OWNER, server.firstOwner!.password);
    expect(s.setCookie).toMatch(/^strata_session=[A-Za-z0-9_-]{43}; /);
    expect(s.setCookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict', 'Secure']);
    const me = await call('/v1/auth/me', { cookie: s.cookie });
    expect(me).toMatchObject({ status: 200, body: { user: { email: OWNER, role: 'owner' }, csrfToken: s.csrf } });
    // a read route takes the cookie as it takes the API key
    expect((await call('/v1/segments', { cookie: s.cookie })).status).toBe(200);
    expect((await call('/v1/auth/me')).status).toBe(401);

    const out = await call('/v1/auth/logout', { method: 'POST', cookie: s.cookie, csrf: s.csrf });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^strata_session=; Max-Age=0; /);
    expect(await call('/v1/auth/me', { cookie: s.cookie })).toMatchObject({
      status: 401,
      body: { error: { message: expect.stringMatching(/session has ended/) } },
    });
    expect((await call('/v1/segments', { cookie: s.cookie })).status).toBe(401);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    forgetFailures();
    const wrong = await call('/v1/auth/login', {
      method: 'POST',
      body: { email: OWNER, password: 'not the password' },
    });
    const unknown = await call('/v1/auth/login', {
      method: 'POST',
      body: { email: 'nobody@shop.example', password: server.firstOwner!.password },
    });
    expect(wrong).toMatchObject({
      status: 401,
      body: { error: { type: 'unauthorized', message: 'wrong email or password' } },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('refuses logins for an email after 5 failures in 15 minutes (429, Retry-After), even with the right password, until the window passes', async () => {
    forgetFailures();
    const email = ' Boss@Shop.Example ';
    for (let i = 0; i < 5; i++)
      expect((await call('/v1/auth/login', { method: 'POST', body: { email, password: `guess ${i}` } })).status).toBe(
        401,
      );
    clock.advance(60_000);
    const limited = await call('/v1/auth/login', {
      method: 'POST',
      body: { email: OWNER, password: server.firstOwner!.password },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe(String(14 * 60));
    expect(limited.body.error.message).toMatch(/too many failed logins .* try again in 840 s/);
    clock.advance(14 * 60_000 - 1000);
    expect(
      (await call('/v1/auth/login', { method: 'POST', body: { email: OWNER, password: server.firstOwner!.password } }))
        .status,
    ).toBe(429);
    clock.advance(1000);
    await login(OWNER, server.firstOwner!.password);
  });

  it('refuses logins from one address after 20 failures in 15 minutes, whatever the emails', async () => {
    forgetFailures();
    for (let i = 0; i < 20; i++)
      expect(
        (await call('/v1/auth/login', { method: 'POST', body: { email: `guess${i}@shop.example`, password: 'x' } }))
          .status,
      ).toBe(401);
    const limited = await call('/v1/auth/login', {
      method: 'POST',
      body: { email: OWNER, password: server.firstOwner!.password },
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBe(15 * 60);
    forgetFailures();
    await login(OWNER, server.firstOwner!.password);
  });
});

describe('changes made with the session cookie', () => {
  it('need the session’s CSRF token in x-csrf-token: missing or wrong is 403 and changes nothing', async () => {
    const s = await login(OWNER, server.firstOwner!.password);
    const segment = { name: 'csrf-test', text: 'total_spent >= 80' };
    const missing = await call('/v1/segments', { method: 'POST', cookie: s.cookie, body: segment });
    expect(missing).toMatchObject({
      status: 403,
      body: { error: { type: 'forbidden', message: expect.stringMatching(/^missing CSRF token/) } },
    });
    const wrong = await call('/v1/segments', { method: 'POST', cookie: s.cookie, csrf: 'x'.repeat(43), body: segment });
    expect(wrong.body.error.message).toMatch(/^wrong CSRF token/);
    // another session's token is wrong too
    const other = await login(OWNER, server.firstOwner!.password);
    expect(
      (await call('/v1/segments', { method: 'POST', cookie: s.cookie, csrf: other.csrf, body: segment })).status,
    ).toBe(403);
    expect((await owner('/v1/segments')).body.saved).toEqual([]);
    const made = await call('/v1/segments', { method: 'POST', cookie: s.cookie, csrf: s.csrf, body: segment });
    expect(made.status).toBe(201);
    expect((await owner(`/v1/segments/${made.body.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('staff accounts and roles', () => {
  const password = 'correct horse battery staple';
  let sessions: Record<'marketer' | 'reader', Session>;

  beforeAll(async () => {
    forgetFailures();
    for (const [email, role] of [
      ['mia@shop.example', 'marketer'],
      ['rob@shop.example', 'read_only'],
    ] as const)
      expect((await owner('/v1/staff', { method: 'POST', body: { email, role, password } })).status).toBe(201);
    sessions = {
      marketer: await login('mia@shop.example', password),
      reader: await login('rob@shop.example', password),
    };
  });

  it('lists accounts without passwords; a short password, a taken email and removing the only owner are refused', async () => {
    const list = await owner('/v1/staff');
    expect(list.body.staff.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      [OWNER, 'owner'],
      ['mia@shop.example', 'marketer'],
      ['rob@shop.example', 'read_only'],
    ]);
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|password/);
    expect(
      (
        await owner('/v1/staff', {
          method: 'POST',
          body: { email: 'x@shop.example', role: 'owner', password: 'short' },
        })
      ).body.error.message,
    ).toMatch(/password: Too small|password: must be at least 12 characters/);
    expect(
      (await owner('/v1/staff', { method: 'POST', body: { email: 'MIA@shop.example', role: 'owner', password } }))
        .status,
    ).toBe(409);
    expect(await owner(`/v1/staff/${encodeURIComponent(OWNER)}`, { method: 'DELETE' })).toMatchObject({
      status: 409,
      body: { error: { message: `cannot remove ${OWNER}: it is the only owner account; make another owner first` } },
    });
  });

  it('a read-only user and a read-scoped key are refused EVERY write route the server has, and nothing changes', async () => {
    const readKey = (await owner('/v1/api-keys', { method: 'POST', body: { name: 'reporting', scope: 'read' } })).body
      .key as string;
    const writes = [
      ...new Set(
        server.app.routes
          .filter((r) => !['GET', 'HEAD', 'OPTIONS', 'ALL'].includes(r.method))
          .map((r) => `${r.method} ${r.path}`),
      ),
    ];
    expect(writes.length).toBeGreaterThan(30);
    // logging out ends the session the other routes are tried with: last
    writes.sort((a, b) => Number(a === 'POST /v1/auth/logout') - Number(b === 'POST /v1/auth/logout'));
    const before = {
      stats: (await owner('/v1/stats')).body,
      segments: (await owner('/v1/segments')).body,
      staff: (await owner('/v1/staff')).body,
    };
    // they read
    expect((await call('/v1/segments', { cookie: sessions.reader.cookie })).status).toBe(200);
    expect((await call('/v1/segments', { key: readKey })).status).toBe(200);
    const allowed: string[] = [];
    for (const route of writes) {
      const [method, pattern] = route.split(' ') as [string, string];
      const path = pattern.replace(/:[A-Za-z_]+(\{[^}]*\})?/g, 'x').replace(/\*/g, 'x');
      const asReader = await call(path, {
        method,
        cookie: sessions.reader.cookie,
        csrf: sessions.reader.csrf,
        body: {},
      });
      const asKey = await call(path, { method, key: readKey, body: {} });
      if (asReader.status !== 403) {
        allowed.push(route);
        continue;
      }
      expect({ route, message: asReader.body.error.message }).toEqual({
        route,
        message: expect.stringMatching(/^read-only users cannot change anything \(/),
      });
      expect({ route, status: asKey.status, message: asKey.body.error.message }).toEqual({
        route,
        status: 403,
        message: expect.stringMatching(/^read-scoped API keys cannot change anything \(/),
      });
    }
    // only what changes nothing in the store (access.ts ANY_ROLE) and signing in
    expect(allowed.sort()).toEqual(['POST /v1/auth/login', 'POST /v1/auth/logout', 'POST /v1/segments/preview']);
    expect({
      stats: (await owner('/v1/stats')).body,
      segments: (await owner('/v1/segments')).body,
      staff: (await owner('/v1/staff')).body,
    }).toEqual(before);
    // the key still reads (the session was ended by the logout route, tried last)
    expect((await call('/v1/segments', { key: readKey })).status).toBe(200);
  });

  it('a marketer works on segments but is refused staff, API keys, the store keys, channel credentials and the store settings', async () => {
    const m = sessions.marketer;
    const as = (path: string, method = 'GET', body: unknown = {}) =>
      call(path, { method, cookie: m.cookie, csrf: m.csrf, ...(method === 'GET' ? {} : { body }) });
    const made = await as('/v1/segments', 'POST', { name: 'marketer-made', text: 'total_spent >= 80' });
    expect(made.status).toBe(201);
    const refused: [string, string][] = [
      ['GET', '/v1/staff'],
      ['POST', '/v1/staff'],
      ['PATCH', '/v1/staff/mia%40shop.example'],
      ['DELETE', '/v1/staff/rob%40shop.example'],
      ['GET', '/v1/api-keys'],
      ['POST', '/v1/api-keys'],
      ['DELETE', '/v1/api-keys/x'],
      ['POST', '/v1/keys/api-key/rotate'],
      ['PUT', '/v1/keys/webhook-secret'],
      ['PUT', '/v1/channels/email'],
      ['PATCH', '/v1/channels/email'],
      ['PUT', '/v1/config/quiet_hours'],
    ];
    for (const [method, path] of refused) {
      const r = await as(path, method, {
        role: 'owner',
        name: 'k',
        scope: 'write',
        secret: 'x',
        provider: 'outbox',
        value: '22-8',
      });
      expect({ method, path, status: r.status, message: r.body?.error?.message }).toEqual({
        method,
        path,
        status: 403,
        message: expect.stringMatching(/^marketers cannot .* only owners can$/),
      });
    }
    expect((await as('/v1/channels')).status).toBe(200);
    // the settings stay readable, and unchanged
    const config = await as('/v1/config');
    expect(config.status).toBe(200);
    expect(config.body.settings.quiet_hours).toBeUndefined();
    expect((await as(`/v1/segments/${made.body.id}`, 'DELETE')).status).toBe(204);
  });

  it('a new role applies at once; a removed account’s session ends', async () => {
    const email = 'tom@shop.example';
    await owner('/v1/staff', { method: 'POST', body: { email, role: 'marketer', password } });
    const s = await login(email, password);
    const seg = { name: 'tom', text: 'total_spent >= 80' };
    expect((await owner(`/v1/staff/${email}`, { method: 'PATCH', body: { role: 'read_only' } })).body).toMatchObject({
      email,
      role: 'read_only',
    });
    expect((await call('/v1/segments', { method: 'POST', cookie: s.cookie, csrf: s.csrf, body: seg })).status).toBe(
      403,
    );
    expect((await call('/v1/auth/me', { cookie: s.cookie })).body.user).toEqual({ email, role: 'read_only' });
    expect((await owner(`/v1/staff/${email}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call('/v1/auth/me', { cookie: s.cookie })).status).toBe(401);
    expect((await call('/v1/auth/login', { method: 'POST', body: { email, password } })).status).toBe(401);
  });

  it('a new password ends the sessions made with the old one; the old password no longer logs in', async () => {
    forgetFailures();
    const email = 'uma@shop.example';
    await owner('/v1/staff', { method: 'POST', body: { email, role: 'marketer', password } });
    const s = await login(email, password);
    const changed = await owner(`/v1/staff/${email}`, {
      method: 'PATCH',
      body: { password: 'a brand new passphrase' },
    });
    expect(changed).toMatchObject({ status: 200, body: { email, role: 'marketer' } });
    expect((await call('/v1/auth/me', { cookie: s.cookie })).status).toBe(401);
    expect((await call('/v1/auth/login', { method: 'POST', body: { email, password } })).status).toBe(401);
    await login(email, 'a brand new passphrase');
  });

  it('a session ends after 12 hours without a request, and 7 days after login however busy', async () => {
    const s = await login('mia@shop.example', password);
    clock.advance(12 * 3600_000 - 1000);
    expect((await call('/v1/auth/me', { cookie: s.cookie })).status).toBe(200);
    clock.advance(12 * 3600_000 + 1000);
    expect((await call('/v1/auth/me', { cookie: s.cookie })).status).toBe(401);

    const busy = await login('mia@shop.example', password);
    // a request every 8 hours for 7 days
    for (let hop = 0; hop < 21; hop++) {
      expect((await call('/v1/segments', { cookie: busy.cookie })).status).toBe(200);
      clock.advance(8 * 3600_000);
    }
    expect((await call('/v1/segments', { cookie: busy.cookie })).status).toBe(200);
    clock.advance(1000);
    expect((await call('/v1/segments', { cookie: busy.cookie })).status).toBe(401);
  });
});

describe('scoped API keys', () => {
  it('are shown once, listed by prefix, do what their scope allows, and stop working when revoked; the store API key stays a full key', async () => {
    const made = await owner('/v1/api-keys', { method: 'POST', body: { name: 'zapier', scope: 'write' } });
    expect(made).toMatchObject({
      status: 201,
      body: { name: 'zapier', scope: 'write', created_by: 'the store API key' },
    });
    expect(made.headers.get('cache-control')).toBe('no-store');
    const key = made.body.key as string;
    expect(key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    const listed = (await owner('/v1/api-keys')).body.api_keys.find((k: { id: string }) => k.id === made.body.id);
    expect(listed).toEqual({
      id: made.body.id,
      name: 'zapier',
      scope: 'write',
      prefix: key.slice(0, 8),
      created_at: clock.now().toISOString(),
      created_by: 'the store API key',
    });
    expect(JSON.stringify((await owner('/v1/api-keys')).body)).not.toContain(key);

    const seg = await call('/v1/segments', {
      method: 'POST',
      key,
      body: { name: 'by-key', text: 'total_spent >= 80' },
    });
    expect(seg.status).toBe(201);
    expect(
      (await call('/v1/api-keys', { method: 'POST', key, body: { name: 'escalate', scope: 'write' } })).body.error
        .message,
    ).toMatch(/^write-scoped API keys cannot manage API keys/);
    // ingest takes it as a server-side key
    const ingest = await call('/v1/identify', {
      method: 'POST',
      key,
      body: { messageId: 'm-1', userId: 'u1', traits: { email: 'u1@x.example' } },
    });
    expect(ingest.status, JSON.stringify(ingest.body)).toBe(200);

    expect((await owner(`/v1/api-keys/${made.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await call('/v1/segments', { key })).toMatchObject({
      status: 401,
      body: { error: { message: 'wrong API key' } },
    });
    expect((await owner(`/v1/segments/${seg.body.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('after a restart', () => {
  it('accounts and keys are kept in the store; sessions are not; no second owner is made', async () => {
    const made = (await owner('/v1/api-keys', { method: 'POST', body: { name: 'kept', scope: 'read' } })).body
      .key as string;
    const s = await login(OWNER, server.firstOwner!.password);
    const password = server.firstOwner!.password;
    await server.close();
    server = await start();
    expect(server.firstOwner).toBeUndefined();
    expect((await call('/v1/auth/me', { cookie: s.cookie })).status).toBe(401);
    await login(OWNER, password);
    expect((await call('/v1/segments', { key: made })).status).toBe(200);
  });
});
