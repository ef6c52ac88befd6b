import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultOutboxDir, type RunningServer } from '@strata/server';
import { keys, MS, openDashboard, shots, type Dashboard, type Login } from './dashboard-fixture.js';

/*
 * The automations and campaign pages as a store owner uses them, in Debian's Chromium against the
 * real server over a real DuckDB demo store: install the abandoned-cart playbook from the gallery
 * and see its steps drawn; write a campaign to a saved segment, dry-run it (the counts the API
 * gives), preview it for a member, send it to the outbox and open its results. A read-only user
 * sees none of the controls that change anything. Screenshots go to test-results/web/.
 */

const viewer = { email: 'viewer@shop.test', password: 'just looking around' };
const SEGMENT = { name: 'Repeat buyers', text: 'order_count >= 2' };

let app: Dashboard;
let server: RunningServer;
let owner: Login;
const logIn = (who: Login) => app.logIn(who);

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${keys.apiKey}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
};

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

beforeAll(async () => {
  app = await openDashboard();
  ({ server, owner } = app);
  await api('POST', '/v1/staff', { email: viewer.email, role: 'read_only', password: viewer.password });
  // Send at any hour, so what the dry run says goes now does not depend on the time the test runs.
  await api('PUT', '/v1/config/quiet_hours', { value: 'none' });
  await api('POST', '/v1/segments', SEGMENT);
});

afterAll(async () => {
  await app?.close();
});

afterEach(() => {
  expect(app.problems.splice(0)).toEqual([]);
});

describe('automations and campaigns in the dashboard', () => {
  it('installs the abandoned-cart playbook from the gallery and draws its steps', async () => {
    const page = await logIn(owner);
    await nav(page, 'Automations');
    await page.getByRole('heading', { name: 'Ready playbooks' }).waitFor();
    await page.getByText('No automations yet').waitFor();
    await page.getByRole('button', { name: 'Install Abandoned cart' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Installed Abandoned cart');
    // Listed as the server holds it: active, its steps in order, each a box of the flow.
    const { automations } = (await api('GET', '/v1/automations')) as {
      automations: { id: string; status: string; definition: { steps: { name: string }[] } }[];
    };
    expect(automations).toHaveLength(1);
    const installed = automations[0]!;
    const card = page.locator(`[data-automation="${installed.id}"]`);
    await card.waitFor();
    expect(await card.locator('[data-status]').textContent()).toBe('active');
    const boxes = await card.locator('.flow-box[data-step]').all();
    expect(await Promise.all(boxes.map((b) => b.getAttribute('data-step')))).toEqual(
      installed.definition.steps.map((s) => s.name),
    );
    expect(installed.definition.steps.map((s) => s.name)).toEqual(['reminder', 'a-day-later', 'coupon']);
    expect(await card.getByRole('list', { name: 'Steps of Abandoned cart' }).textContent()).toContain(
      'enters the segment Abandoned basket',
    );
    await page.screenshot({ path: join(shots, 'automations.png'), fullPage: true });

    // Paused here, paused there; and on again.
    await card.getByRole('button', { name: 'Pause Abandoned cart' }).click();
    await expect.poll(() => card.locator('[data-status]').textContent(), { timeout: MS }).toBe('paused');
    expect(((await api('GET', `/v1/automations/${installed.id}`)) as { status: string }).status).toBe('paused');
    await card.getByRole('button', { name: 'Resume Abandoned cart' }).click();
    await expect.poll(() => card.locator('[data-status]').textContent(), { timeout: MS }).toBe('active');
    await page.close();
  });

  it('writes a campaign to a saved segment, dry-runs it, sends it to the outbox and opens its results', async () => {
    const page = await logIn(owner);
    await nav(page, 'Campaigns');
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByLabel('Name').fill('Spring tea');
    await page.getByRole('group', { name: 'Send to' }).getByLabel(SEGMENT.name).check();
    await page.getByLabel('Subject').fill('Spring tea for {{ customer.first_name }}');
    await page.getByLabel('Holdout (%)').fill('20');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: 'Spring tea' }).waitFor();
    const id = decodeURIComponent(page.url().split('/').pop()!);
    expect(await page.getByTestId('campaign-status').textContent()).toBe('draft');

    // The dry run shows what the API's dry run says, reason by reason.
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByTestId('would-send').waitFor();
    const plan = (await api('POST', `/v1/campaigns/${id}/plan`)) as {
      audience: number;
      wouldSend: number;
      counts: Record<string, number>;
    };
    expect(plan.wouldSend).toBeGreaterThan(0);
    expect(plan.counts.held_out ?? 0).toBeGreaterThan(0);
    expect(await page.getByTestId('would-send').textContent()).toBe(plan.wouldSend.toLocaleString('en'));
    expect(await page.getByTestId('plan-audience').textContent()).toBe(plan.audience.toLocaleString('en'));
    const shown = Object.fromEntries(
      await page
        .locator('tr[data-reason]')
        .evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-reason'), r.querySelector('td')!.textContent])),
    );
    const expected = Object.fromEntries(
      Object.entries(plan.counts)
        .filter(([reason, n]) => reason !== 'send' && n > 0)
        .map(([reason, n]) => [reason, n.toLocaleString('en')]),
    );
    expect(shown).toEqual(expected);

    // The preview for a member: the subject rendered with their first name, as the API renders it.
    const [member] = await server.store.query<{ id: string }>(
      'SELECT customer_id AS id FROM customer_profile WHERE order_count >= 2 ORDER BY 1 LIMIT 1',
    );
    await page.getByLabel('Customer id').fill(member!.id);
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = (await api('POST', `/v1/campaigns/${id}/preview`, { customer: member!.id })) as {
      subject: string;
    };
    expect(preview.subject).toMatch(/^Spring tea for \S/);
    await expect.poll(() => page.getByTestId('preview-subject').textContent()).toBe(preview.subject);
    await page.screenshot({ path: join(shots, 'campaign-dry-run.png'), fullPage: true });

    // Started: every message is queued (each decided again when it falls due), and the server's
    // send loop writes the ones the dry run promised to the outbox.
    await page.getByRole('button', { name: 'Start sending' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^Started: [\d,]+ message\(s\) queued\.$/);
    await expect.poll(() => page.getByTestId('campaign-status').textContent()).not.toBe('draft');
    const outbox = join(defaultOutboxDir(app.dbPath), 'email');
    const sent = () =>
      existsSync(outbox)
        ? readdirSync(outbox)
            .filter((f) => f.endsWith('.json'))
            .map((f) => JSON.parse(readFileSync(join(outbox, f), 'utf8')) as { subject?: string })
            .filter((m) => m.subject?.startsWith('Spring tea for ')).length
        : 0;
    await expect.poll(sent, { timeout: MS, interval: 250 }).toBe(plan.wouldSend);

    await page.getByRole('link', { name: 'Results' }).click();
    await page.getByRole('heading', { name: 'Results of Spring tea' }).waitFor();
    const results = (await api('GET', `/v1/campaigns/${id}/results`)) as {
      sent: number;
      delivered: number;
      uplift: { verdict: string };
    };
    expect(results.sent).toBe(plan.wouldSend);
    const stat = (name: string) => page.locator('.stat', { has: page.getByText(name, { exact: true }) }).locator('dd');
    expect(await stat('Sent').textContent()).toBe(results.sent.toLocaleString('en'));
    expect(await stat('Delivered').textContent()).toBe(results.delivered.toLocaleString('en'));
    expect(await page.getByTestId('verdict').textContent()).toBe(results.uplift.verdict);
    expect(await page.getByRole('row', { name: /Conversion rate/ }).textContent()).toMatch(/ to /);
    await page.screenshot({ path: join(shots, 'campaign-results.png'), fullPage: true });

    // Listed, as started.
    await nav(page, 'Campaigns');
    await expect.poll(() => page.getByRole('row', { name: /Spring tea/ }).textContent()).not.toContain('draft');
    await page.close();
  });

  it('shows a read-only user the automations and campaigns with no control that changes anything', async () => {
    const page = await logIn(viewer);
    await nav(page, 'Automations');
    await page.locator('[data-automation]').first().waitFor();
    await page.locator('[data-playbook]').first().waitFor();
    expect(
      await page
        .getByRole('button')
        .filter({ hasText: /Install|Pause|Resume/ })
        .count(),
    ).toBe(0);
    await nav(page, 'Campaigns');
    await page.getByRole('row', { name: /Spring tea/ }).waitFor();
    expect(await page.getByRole('link', { name: 'New campaign' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Spring tea' }).click();
    await page.getByRole('heading', { name: 'Spring tea' }).waitFor();
    await page.getByRole('link', { name: 'Results' }).waitFor();
    expect(
      await page
        .getByRole('button')
        .filter({ hasText: /Dry run|Start|Resume|Pause|Preview/ })
        .count(),
    ).toBe(0);
    await page.close();
  });
});
