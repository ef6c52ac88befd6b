import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { SqlParam } from '@strata/core';
import { recordMembership } from '@strata/membership';
import type { RunningServer } from '@strata/server';
import { DEFAULT_DEMO_NOW } from '@strata/testkit';
import { keys, MS, openDashboard, shots, type Dashboard, type Login } from './dashboard-fixture.js';

/*
 * The customer 360 and the settings pages as a store owner uses them, in Debian's Chromium against
 * the real server over the demo store: a customer's timeline, messages and why they are in a
 * segment; tags; quiet hours; a channel credential shown masked; staff with roles (a read-only
 * member sees every change refused); an API key made, used and revoked.
 */

let app: Dashboard;
let server: RunningServer;
let owner: Login;
const reader = { email: 'reader@shop.test', password: 'reads but never writes' };

/** The API as the store's own key (an owner) sends it. */
const api = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
  fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.key ?? keys.apiKey}`, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
const json = async <T>(r: Promise<Response>): Promise<T> => (await (await r).json()) as T;
const daysBefore = (days: number) => new Date(DEFAULT_DEMO_NOW.getTime() - days * 86_400_000).toISOString();

/** Records, as the live engine does, which of `scope` are members of `segment` at `at`. */
const record = (segment: string, scope: string[], members: string[], at: string) =>
  server.store.transaction((tx) =>
    recordMembership(tx, {
      segmentId: segment,
      scope: scope.map((_, i) => `SELECT CAST($${i + 1} AS VARCHAR)`).join(' UNION ALL '),
      members: members.length
        ? members.map((_, i) => `SELECT CAST($${i + 1 + scope.length} AS VARCHAR)`).join(' UNION ALL ')
        : 'SELECT NULL WHERE false',
      params: [...scope, ...members] as SqlParam[],
      at,
      cause: 'event',
    }),
  );

beforeAll(async () => {
  app = await openDashboard();
  ({ server, owner } = app);
});
afterAll(async () => {
  await app?.close();
});
afterEach(() => {
  expect(app.problems.splice(0)).toEqual([]);
});

/** Waits for what the page shows, as long as a busy machine needs. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: MS });

/** Buttons on the page's main part that can be pressed. */
const enabledButtons = (page: Page) => page.locator('main button:not([disabled])');

describe('the customer 360', () => {
  it('shows a customer’s timeline a page at a time, the messages they got, and why they are in a segment', async () => {
    const [customer] = await server.store.query<{ id: string; n: number }>(
      `SELECT customer_id AS id, count(*)::INTEGER AS n FROM events
       WHERE customer_id IN (SELECT customer_id FROM orders) GROUP BY 1 ORDER BY n DESC, id LIMIT 1`,
    );
    const id = customer!.id;
    const save = (name: string, text: string) =>
      json<{ id: string }>(api('/v1/segments', { method: 'POST', body: { name, text } }));
    const buyers = await save('Buyers', 'order_count >= 1');
    const browsers = await save('Window shoppers', 'order_count = 0');
    await record(browsers.id, [id], [id], daysBefore(200));
    await record(browsers.id, [id], [], daysBefore(150));
    await record(buyers.id, [id], [id], daysBefore(150));
    // Two messages an automation sent them: an email they clicked in, an SMS delivered.
    const automation = await json<{ id: string; name: string }>(
      api('/v1/automations/playbooks/abandoned-cart', { method: 'POST', body: {} }),
    );
    for (const [n, channel, status] of [
      [1, 'email', 'clicked'],
      [2, 'sms', 'delivered'],
    ] as const)
      await server.store.exec(
        `INSERT INTO messages (id, campaign_id, step, customer_id, channel, status, reason, due_at, attempts, sent_at, created_at, updated_at)
         VALUES ($1, $2, 'main', $3, $4, $5, 'send', $6::TIMESTAMPTZ, 1, $6::TIMESTAMPTZ, $6::TIMESTAMPTZ, $6::TIMESTAMPTZ)`,
        [`web-m${n}`, automation.id, id, channel, status, daysBefore(10 - n)],
      );

    const page = await app.logIn(owner);
    await page.goto(`${server.url}/customers/${encodeURIComponent(id)}`);
    // The timeline: the newest 25 events, then older ones on request.
    const timeline = page.getByRole('list', { name: 'Events, newest first' }).locator('li');
    await poll(() => timeline.count()).toBe(Math.min(25, customer!.n));
    const [newest] = await server.store.query<{ type: string }>(
      'SELECT type FROM events WHERE customer_id = $1 ORDER BY occurred_at DESC, message_id DESC LIMIT 1',
      [id],
    );
    expect(await timeline.first().locator('strong').textContent()).toBe(newest!.type.replaceAll('_', ' '));
    expect(customer!.n).toBeGreaterThan(25);
    await page.getByRole('button', { name: 'Show older events' }).click();
    await poll(() => timeline.count()).toBe(Math.min(50, customer!.n));

    // Messages: who sent each, on which channel, and what the customer did with it.
    const messages = page.getByTestId('messages').locator('tbody tr');
    await poll(() => messages.count()).toBe(2);
    const cells = async (i: number) => messages.nth(i).locator('th, td').allTextContents();
    expect((await cells(0)).slice(1)).toEqual([`automation ${automation.name}`, 'email', 'clicked', 'yes', 'yes']);
    expect((await cells(1)).slice(1)).toEqual([`automation ${automation.name}`, 'sms', 'delivered', 'no', 'no']);

    // Segments now, why, and in the past.
    await page.getByRole('button', { name: 'Why in Buyers?' }).click();
    const why = page.getByRole('list', { name: 'Conditions' });
    await poll(() => why.textContent()).toContain('order_count');
    expect(await why.locator('li').first().getAttribute('data-matched')).toBe('true');
    expect(await why.textContent()).toContain('✓ meets');
    const past = page.getByTestId('segment-history').locator('tbody tr');
    await poll(() => past.count()).toBe(3);
    expect((await past.nth(1).locator('th, td').allTextContents()).slice(1, 3)).toEqual(['Window shoppers', 'left']);
    await page.screenshot({ path: join(shots, 'customer-360.png'), fullPage: true });

    // A tag added, then removed, here and in the store.
    const tags = () => json<{ tags: { tag: string }[] }>(api(`/v1/customers/${encodeURIComponent(id)}/tags`));
    await page.getByLabel('Add a tag').fill('gift-buyer');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('button', { name: 'Remove tag gift-buyer' }).waitFor();
    expect((await tags()).tags.map((t) => t.tag)).toContain('gift-buyer');
    await page.getByRole('button', { name: 'Remove tag gift-buyer' }).click();
    await poll(() => page.getByRole('button', { name: 'Remove tag gift-buyer' }).count()).toBe(0);
    expect((await tags()).tags.map((t) => t.tag)).not.toContain('gift-buyer');
    await page.close();
  });
});

describe('the settings', () => {
  it('changes quiet hours, and keeps a channel credential masked after a reload', async () => {
    const page = await app.logIn(owner);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByLabel('Quiet hours').fill('22-7');
    await page
      .locator('form', { has: page.getByLabel('Quiet hours') })
      .getByRole('button', { name: 'Save' })
      .click();
    await poll(
      async () => (await json<{ settings: Record<string, string> }>(api('/v1/config'))).settings.quiet_hours,
    ).toBe('22-7');
    // A wrong value is refused with the server's reason, and nothing changes.
    await page.getByLabel('Quiet hours').fill('late');
    await page
      .locator('form', { has: page.getByLabel('Quiet hours') })
      .getByRole('button', { name: 'Save' })
      .click();
    await poll(() => page.getByRole('alert').first().textContent()).toContain('must be like "21-9"');
    expect((await json<{ settings: Record<string, string> }>(api('/v1/config'))).settings.quiet_hours).toBe('22-7');

    // SMS set up with Twilio, then its auth token changed: shown only by its last four characters.
    const sms = page.locator('[data-channel="sms"]');
    await sms.getByLabel(/Set up sms/).fill(
      JSON.stringify({
        provider: 'twilio',
        accountSid: 'AC0123456789abcdef',
        authToken: 'first-token-000000001234',
        from: '+447700900123',
      }),
    );
    await sms.getByRole('button', { name: 'Set up sms' }).click();
    await poll(() => sms.locator('[data-secret="authToken"]').textContent()).toBe('…1234');
    await sms.getByLabel('authToken').fill('second-token-00000009876');
    await sms.getByRole('button', { name: 'Save sms settings' }).click();
    await poll(() => sms.locator('[data-secret="authToken"]').textContent()).toBe('…9876');
    await page.reload();
    await poll(() => page.locator('[data-channel="sms"] [data-secret="authToken"]').textContent()).toBe('…9876');
    expect(await page.content()).not.toContain('second-token');
    const view = await json<{ provider: string; settings: Record<string, unknown> }>(api('/v1/channels/sms'));
    expect(view).toMatchObject({ provider: 'twilio', settings: { authToken: '…9876', from: '+447700900123' } });
    await page.screenshot({ path: join(shots, 'settings.png'), fullPage: true });
    await page.close();
  });

  it('adds staff with roles; a read-only member sees every change disabled and the API refuses them', async () => {
    const page = await app.logIn(owner);
    await page.goto(`${server.url}/settings`);
    const staff = page.getByRole('table', { name: 'Staff accounts' });
    const add = async (email: string, role: string, password: string) => {
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Role', { exact: true }).selectOption(role);
      await page.getByLabel('First password').fill(password);
      await page.getByRole('button', { name: 'Add staff member' }).click();
      await staff.getByRole('row', { name: new RegExp(email) }).waitFor();
    };
    await add(reader.email, 'read_only', reader.password);
    await add('temp@shop.test', 'marketer', 'a long first password');
    const role = async (email: string) =>
      (await json<{ staff: { email: string; role: string }[] }>(api('/v1/staff'))).staff.find((s) => s.email === email)
        ?.role;
    expect(await role(reader.email)).toBe('read_only');
    // A role changed, then the account removed.
    await page.getByLabel('Role of temp@shop.test').selectOption('owner');
    await staff
      .getByRole('row', { name: /temp@shop.test/ })
      .getByRole('button', { name: 'Change role' })
      .click();
    await poll(() => role('temp@shop.test')).toBe('owner');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Remove temp@shop.test' }).click();
    await poll(() => staff.getByRole('row', { name: /temp@shop.test/ }).count()).toBe(0);
    expect(await role('temp@shop.test')).toBeUndefined();
    // The owner cannot remove their own account here.
    expect(await page.getByRole('button', { name: `Remove ${owner.email}` }).isDisabled()).toBe(true);
    await page.close();

    const read = await app.logIn(reader);
    await read.goto(`${server.url}/settings`);
    await read.getByRole('note').waitFor();
    await read.locator('[data-channel="email"]').waitFor();
    expect(await read.getByLabel('Quiet hours').getAttribute('readonly')).not.toBeNull();
    // Save, Set up and the rest are there, and none can be pressed.
    expect(await read.locator('main button').count()).toBeGreaterThan(10);
    expect(await enabledButtons(read).count()).toBe(0);
    expect(await read.getByRole('table', { name: 'Staff accounts' }).count()).toBe(0);
    await read.screenshot({ path: join(shots, 'settings-read-only.png'), fullPage: true });
    const [buyer] = await server.store.query<{ id: string }>(
      'SELECT customer_id AS id FROM customer_profile WHERE order_count > 0 ORDER BY 1 LIMIT 1',
    );
    await read.goto(`${server.url}/customers/${encodeURIComponent(buyer!.id)}`);
    await read.getByRole('heading', { name: 'Timeline' }).waitFor();
    expect(await read.getByLabel('Add a tag').count()).toBe(0);
    // The API refuses the session's changes with 403, CSRF token and all.
    const statuses = await read.evaluate(async (customer) => {
      const me = (await (await fetch('/v1/auth/me')).json()) as { csrfToken: string };
      const send = (method: string, path: string, body: unknown) =>
        fetch(path, {
          method,
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          body: JSON.stringify(body),
        }).then((r) => r.status);
      return [
        await send('PUT', '/v1/config/quiet_hours', { value: '20-8' }),
        await send('POST', `/v1/customers/${encodeURIComponent(customer)}/tags`, { tags: ['nope'], by: 'reader' }),
        await send('PATCH', '/v1/channels/sms', { authToken: 'stolen-token-0000000000' }),
        await send('POST', '/v1/api-keys', { name: 'mine', scope: 'write' }),
      ];
    }, buyer!.id);
    expect(statuses).toEqual([403, 403, 403, 403]);
    expect((await json<{ settings: Record<string, string> }>(api('/v1/config'))).settings.quiet_hours).toBe('22-7');
    await read.close();
  });

  it('makes an API key shown once, which works until it is revoked', async () => {
    const page = await app.logIn(owner);
    await page.goto(`${server.url}/settings`);
    await page.getByLabel('Key name').fill('Reporting');
    await page.getByLabel('Scope').selectOption('read');
    await page.getByRole('button', { name: 'Make key' }).click();
    const key = (await page.getByTestId('new-api-key').textContent({ timeout: MS }))!;
    expect(key.length).toBeGreaterThan(20);
    const row = page.getByRole('table', { name: 'API keys' }).getByRole('row', { name: /Reporting/ });
    expect(await row.textContent()).not.toContain(key);
    expect((await api('/v1/segments', { key })).status).toBe(200);
    expect(
      (await api('/v1/segments', { key, method: 'POST', body: { name: 'x', text: 'order_count >= 1' } })).status,
    ).toBe(403);
    await page.reload();
    await page.getByRole('table', { name: 'API keys' }).waitFor();
    expect(await page.content()).not.toContain(key);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Revoke Reporting' }).click();
    await poll(() => page.getByRole('button', { name: 'Revoke Reporting' }).count()).toBe(0);
    expect((await api('/v1/segments', { key })).status).toBe(401);
    await page.close();
  });
});
