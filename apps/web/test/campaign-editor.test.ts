import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '@strata/server';
import { keys, MS, openDashboard, shots, type Dashboard } from './dashboard-fixture.js';

/*
 * The new-campaign form and the automation page as a store owner uses them, in Debian's Chromium
 * against the real server over the 400-customer demo store: a broken Liquid tag is underlined at
 * its characters; the preview for a chosen customer shows their name and their code; an exclusion
 * segment and a holdout give the dry run the API gives; a campaign scheduled for later is listed
 * as scheduled; a playbook installed with its settings shows its per-step results.
 */

const REPEAT = { name: 'Repeat buyers', text: 'order_count >= 2' };
const BIG = { name: 'Big spenders', text: 'total_spent >= 300' };

let app: Dashboard;
let server: RunningServer;

const api = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${keys.apiKey}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
};

const segmentIds = new Map<string, string>();

beforeAll(async () => {
  app = await openDashboard();
  server = app.server;
  await api('PUT', '/v1/config/quiet_hours', { value: 'none' });
  for (const s of [REPEAT, BIG]) segmentIds.set(s.name, (await api<{ id: string }>('POST', '/v1/segments', s)).id);
});

afterAll(async () => {
  await app?.close();
});

afterEach(() => {
  expect(app.problems.splice(0)).toEqual([]);
});

async function newCampaign(name: string): Promise<Page> {
  const page = await app.logIn(app.owner);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Campaigns' }).click();
  await page.getByRole('link', { name: 'New campaign' }).click();
  await page.getByLabel('Name').fill(name);
  return page;
}
const sendTo = (page: Page, segment: string) => page.getByRole('group', { name: 'Send to' }).getByLabel(segment);
const leaveOut = (page: Page, segment: string) => page.getByRole('group', { name: 'Leave out' }).getByLabel(segment);

/** The dry run's reasons as the page shows them (reason → count text). */
async function shownReasons(page: Page): Promise<Record<string, string>> {
  const rows = await page.locator('tr[data-reason]').all();
  const pairs = await Promise.all(
    rows.map(async (r): Promise<[string, string]> => [
      (await r.getAttribute('data-reason')) ?? '',
      (await r.locator('td').textContent()) ?? '',
    ]),
  );
  return Object.fromEntries(pairs);
}

describe('campaign form and automation page', () => {
  it('underlines a broken Liquid tag under its characters and names its line and column', async () => {
    const page = await newCampaign('Broken');
    const text = 'Hello {{ customer.first_name }},\n{% if customer.city %}Come by!';
    await page.getByLabel('Message (Liquid)').fill(text);
    const mark = page.locator('.liquid-editor mark.diag').first();
    await mark.waitFor();
    expect(await mark.textContent()).toBe('{% if customer.city %}');
    expect(Number(await mark.getAttribute('data-start'))).toBe(text.indexOf('{% if'));
    const note = page.locator('.liquid-editor .diagnostics li.error');
    expect(await note.textContent()).toMatch(/^Error at line 2, column 1: .*not closed/);
    expect(await page.getByLabel('Message (Liquid)').getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: join(shots, 'campaign-liquid-error.png'), fullPage: true });

    // Fixed, the mark and the note go.
    await page.getByLabel('Message (Liquid)').fill(`${text}{% endif %}`);
    await expect.poll(() => note.count(), { timeout: MS }).toBe(0);
    expect(await page.locator('.liquid-editor mark.diag').count()).toBe(0);
    await page.close();
  });

  it('previews the message for a chosen customer with their name and their coupon code', async () => {
    const page = await newCampaign('Tea code');
    await sendTo(page, REPEAT.name).check();
    await page.getByLabel('Code per recipient').selectOption('generated');
    await page.getByLabel('Code prefix').fill('TEA-');
    await page.getByLabel('Message (Liquid)').fill('Hi {{ customer.name }}, your code is {{ coupon }}.');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: 'Tea code' }).waitFor();
    const id = decodeURIComponent(page.url().split('/').pop()!);

    // The customer is one the page offers from the audience.
    const options = page.locator('#preview-members option');
    await expect.poll(() => options.count(), { timeout: MS }).toBeGreaterThan(0);
    const member = (await options.first().getAttribute('value'))!;
    const customer = await api<{ name: string | null }>('GET', `/v1/customers/${member}`);
    expect(customer.name).toBeTruthy();
    await page.getByLabel('Customer id').fill(member);
    await page.getByRole('button', { name: 'Preview' }).click();
    const shown = page.getByTestId('preview').locator('pre');
    await expect
      .poll(() => shown.textContent())
      .toMatch(new RegExp(`^Hi ${customer.name!}, your code is TEA-\\w+\\.$`));
    const preview = await api<{ text: string }>('POST', `/v1/campaigns/${id}/preview`, { customer: member });
    expect(await shown.textContent()).toBe(preview.text);
    await page.screenshot({ path: join(shots, 'campaign-preview.png'), fullPage: true });
    await page.close();
  });

  it('shows the dry run the API gives once an exclusion segment and a holdout are set', async () => {
    const page = await newCampaign('Repeat not big');
    await sendTo(page, REPEAT.name).check();
    const audience = page.getByTestId('live-audience');
    await expect.poll(() => audience.textContent(), { timeout: MS }).toMatch(/^[\d,]+$/);
    const before = await audience.textContent();
    await leaveOut(page, BIG.name).check();
    await page.getByLabel('Holdout (%)').fill('25');
    // The live dry run follows: leaving the big spenders out takes some of the audience away.
    await expect.poll(async () => (await shownReasons(page)).excluded ?? null, { timeout: MS }).not.toBeNull();
    await expect.poll(async () => (await shownReasons(page)).held_out ?? null, { timeout: MS }).not.toBeNull();
    await page.locator('.draft-dry-run[aria-busy="false"]').waitFor();
    const shown = {
      reasons: await shownReasons(page),
      wouldSend: await page.getByTestId('live-would-send').textContent(),
    };
    expect(await audience.textContent()).toBe(before);
    await page.screenshot({ path: join(shots, 'campaign-dry-run-draft.png'), fullPage: true });

    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: 'Repeat not big' }).waitFor();
    const id = decodeURIComponent(page.url().split('/').pop()!);
    const campaign = await api<{ definition: { audience: { exclude: string[] }; holdoutShare: number } }>(
      'GET',
      `/v1/campaigns/${id}`,
    );
    expect(campaign.definition.audience.exclude).toEqual([segmentIds.get(BIG.name)]);
    expect(campaign.definition.holdoutShare).toBe(0.25);
    const plan = await api<{ wouldSend: number; counts: Record<string, number> }>('POST', `/v1/campaigns/${id}/plan`);
    expect(plan.counts.excluded).toBeGreaterThan(0);
    expect(plan.counts.held_out).toBeGreaterThan(0);
    expect(shown.reasons).toEqual(
      Object.fromEntries(
        Object.entries(plan.counts)
          .filter(([reason, n]) => reason !== 'send' && n > 0)
          .map(([reason, n]) => [reason, n.toLocaleString('en')]),
      ),
    );
    expect(shown.wouldSend).toBe(plan.wouldSend.toLocaleString('en'));
    await page.close();
  });

  it('schedules a campaign for a later time and lists it as scheduled', async () => {
    const page = await newCampaign('Next week');
    await sendTo(page, REPEAT.name).check();
    await page.getByLabel('At a date and time').check();
    // A week after the server's now, written as the browser's datetime-local field takes it.
    const later = new Date(Date.now() + 7 * 86_400_000);
    later.setSeconds(0, 0);
    const local = await page.evaluate((ms) => {
      const d = new Date(ms);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    }, later.getTime());
    await page.getByLabel('Send at').fill(local);
    await page.getByRole('button', { name: 'Save and schedule' }).click();
    await page.getByRole('heading', { name: 'Next week' }).waitFor();
    const id = decodeURIComponent(page.url().split('/').pop()!);
    const report = await api<{
      campaign: { status: string };
      nextDueAt: string | null;
      byStatus: Record<string, number>;
    }>('GET', `/v1/campaigns/${id}/report`);
    expect(report.campaign.status).toBe('running');
    expect(report.nextDueAt).toBe(later.toISOString());
    expect(report.byStatus.sent ?? 0).toBe(0);

    await page.getByRole('link', { name: 'Campaigns' }).first().click();
    const row = page.getByRole('row', { name: /Next week/ });
    await expect
      .poll(() => row.locator('[data-status]').getAttribute('data-status'), { timeout: MS })
      .toBe('scheduled');
    expect(await row.textContent()).toContain('scheduled for');
    await page.screenshot({ path: join(shots, 'campaigns-scheduled.png'), fullPage: true });
    await page.close();
  });

  it('installs a playbook with its settings and opens its per-step results', async () => {
    const page = await app.logIn(app.owner);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Automations' }).click();
    const card = page.locator('[data-playbook="abandoned-cart"]');
    await card.getByText('Settings').click();
    await card.getByLabel('Discount (%)').fill('15');
    await card.getByLabel('Holdout (%)').fill('20');
    await card.getByRole('button', { name: 'Install Abandoned cart' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), { timeout: MS })
      .toContain('Installed Abandoned cart');
    const { automations } = await api<{ automations: { id: string; definition: Record<string, unknown> }[] }>(
      'GET',
      '/v1/automations',
    );
    const installed = automations[0]!;
    expect(installed.definition.holdoutShare).toBe(0.2);
    expect(JSON.stringify(installed.definition)).toContain('15% off');

    await page.getByRole('link', { name: 'Abandoned cart' }).click();
    await page.getByRole('heading', { name: 'Abandoned cart', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'Each send step' }).waitFor();
    const results = await api<{ runs: number; steps: { step: string; funnel: { audience: number; sent: number } }[] }>(
      'GET',
      `/v1/automations/${installed.id}/results`,
    );
    expect(results.steps.length).toBeGreaterThan(0);
    const rows = await Promise.all(
      (await page.locator('.step-results tbody tr').all()).map(async (tr) => ({
        step: await tr.getAttribute('data-step'),
        audience: await tr.locator('[data-measure="audience"]').textContent(),
        sent: await tr.locator('[data-measure="sent"]').textContent(),
      })),
    );
    expect(rows).toEqual(
      results.steps.map((s) => ({
        step: s.step,
        audience: s.funnel.audience.toLocaleString('en'),
        sent: s.funnel.sent.toLocaleString('en'),
      })),
    );
    expect(await page.getByTestId('automation-runs').textContent()).toBe(results.runs.toLocaleString('en'));
    await page.screenshot({ path: join(shots, 'automation-results.png'), fullPage: true });
    await page.close();
  });
});
