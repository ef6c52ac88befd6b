import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReportBody, SegmentPreviewResponse } from '@strata/api';
import { recordMembership } from '@strata/membership';
import { profilesSummary } from '@strata/profiles';
import { SegmentService, type SegmentDefinition } from '@strata/segments';
import type { RunningServer } from '@strata/server';
import { keys, MS, openDashboard, shots, type Dashboard } from './dashboard-fixture.js';

/*
 * The overview's value × churn-risk grid and the segment pages as a store owner uses them, in
 * Chromium against the real server over the profiled demo store: open a grid cell as a segment,
 * pick a ready segment from the gallery, change its parameter, see the count the API gives and
 * save it; then, on the saved segment, download its CSV export and see its size over time and its
 * overlap with another segment. Sizes and members now are what the live engine records: the test
 * records them through @strata/membership, as the engine does, at days before today.
 */

let app: Dashboard;
let server: RunningServer;

beforeAll(async () => {
  app = await openDashboard();
  ({ server } = app);
});
afterAll(async () => {
  await app?.close();
});
afterEach(() => {
  expect(app.problems.splice(0)).toEqual([]);
});

const api = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${keys.apiKey}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  expect(r.status, `${method} ${path}`).toBeLessThan(300);
  return r.json();
};

/** The members of a segment now, as the store evaluates it. */
const membersOf = async (def: SegmentDefinition): Promise<string[]> => {
  const segments = new SegmentService(server.store);
  const asOf = await segments.evaluationTime(def);
  const out: string[] = [];
  for await (const id of segments.allMembers(def, { asOf })) out.push(id);
  return out;
};

/** Records `members` as the segment's members at `at`, as the live engine does after a run. */
const record = (segmentId: string, members: readonly string[], at: Date) =>
  recordMembership(server.store, {
    segmentId,
    scope: 'all',
    members: members.length
      ? `SELECT * FROM (VALUES ${members.map((_, i) => `($${i + 1})`).join(', ')}) AS v(id)`
      : 'SELECT NULL WHERE false',
    params: members,
    at: at.toISOString(),
    cause: 'recompute',
  });

const DAY_MS = 86_400_000;

describe('the overview grids and the segment pages', () => {
  it('opens a value × churn-risk cell as a segment with the count the store gives', async () => {
    const page = await app.logIn(app.owner);
    const summary = await profilesSummary(server.store);
    const busiest = summary.valueRisk
      .filter((c) => c.value_tier !== 'none' && c.churn_risk !== 'none')
      .reduce((a, b) => (b.customers > a.customers ? b : a));
    const cell = page.getByRole('link', {
      name: `${busiest.value_tier} value, ${busiest.churn_risk} churn risk: ${busiest.customers} customers`,
    });
    expect(await cell.textContent()).toBe(busiest.customers.toLocaleString('en'));
    // The funnel's buyers are the overview's buyers.
    expect(await page.locator('[data-funnel-step="Buyers"] .num').textContent()).toContain(
      summary.buyers.toLocaleString('en'),
    );
    await page.screenshot({ path: join(shots, 'overview-grids.png'), fullPage: true });
    await cell.click();
    await page.getByRole('heading', { name: 'New segment' }).waitFor();
    const text = `value_tier = "${busiest.value_tier}" and churn_risk = "${busiest.churn_risk}"`;
    expect(await page.getByLabel('Query').inputValue()).toBe(text);
    await expect
      .poll(() => page.getByTestId('live-count').textContent(), { timeout: MS })
      .toBe((await membersOf({ text })).length.toLocaleString('en'));
    await page.close();
  });

  it('fills a ready segment from the gallery, saves it, and shows its export, size over time and overlap', async () => {
    const page = await app.logIn(app.owner);
    await page.getByRole('link', { name: 'Segments', exact: true }).click();
    await page.getByRole('link', { name: 'Ready segments' }).click();
    await page.getByRole('heading', { name: 'Ready segments' }).waitFor();
    await page.getByRole('link', { name: 'Biggest spenders' }).click();
    const percent = page.getByLabel('Top share of buyers, in %');
    expect(await percent.inputValue()).toBe('10');
    await percent.fill('25');
    const preview = SegmentPreviewResponse.parse(
      await api('POST', '/v1/segments/preview', { ready: 'big-spenders', params: { percent: 25 } }),
    );
    await expect.poll(() => page.getByTestId('ready-query').textContent(), { timeout: MS }).toBe(preview.text);
    expect(await page.getByTestId('ready-count').textContent()).toBe(preview.count.toLocaleString('en'));
    await page.screenshot({ path: join(shots, 'segment-gallery.png'), fullPage: true });
    await page.getByLabel('Name').fill('Top quarter spenders');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('heading', { name: 'Top quarter spenders' }).waitFor();
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    expect(await page.getByLabel('Query').inputValue()).toBe(preview.text);

    // Searching the members by email finds the one whose address it is.
    const [withEmail] = await server.store.query<{ id: string; email: string }>(
      `SELECT id, email FROM customers WHERE id = $1`,
      [(await membersOf({ segment: id }))[0]!],
    );
    await page.getByLabel('Search members by email').fill(withEmail!.email);
    await expect
      .poll(() => page.locator('.live-count').textContent(), { timeout: MS })
      .toContain(`1 customer with “${withEmail!.email}” in their email`);
    expect(await page.locator('.members a').allTextContents()).toEqual([withEmail!.id]);
    await page.getByLabel('Search members by email').fill('');

    // The CSV export: every member, one row each, the customer id first.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download Members (CSV)' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]!.split(',')[0]).toBe('customer_id');
    const members = await membersOf({ segment: id });
    expect(members).toHaveLength(preview.count);
    expect(
      csv
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual([...members].sort());

    // Size over time and overlap, from membership recorded as the live engine records it.
    const buyers = await api('POST', '/v1/segments', { name: 'Buyers', text: 'order_count >= 1' });
    const buyersId = (buyers as { id: string }).id;
    const now = Date.now();
    await record(id, members.slice(0, Math.ceil(members.length / 2)), new Date(now - 20 * DAY_MS));
    await record(id, members, new Date(now - 5 * DAY_MS));
    const allBuyers = await membersOf({ segment: buyersId });
    await record(buyersId, allBuyers, new Date(now - 5 * DAY_MS));
    await page.reload();
    const caption = page.locator('.size-chart figcaption');
    await expect
      .poll(() => caption.textContent(), { timeout: MS })
      .toContain(`, ${members.length.toLocaleString('en')} on `);
    expect(await caption.textContent()).toContain(`smallest ${Math.ceil(members.length / 2).toLocaleString('en')}`);
    const report = ReportBody.parse(await api('GET', `/v1/reports/overlap?segments=${id},${buyersId}`));
    const pair = report.tables.find((t) => t.id === 'pairs')!.rows[0]!;
    const row = page.locator('[data-overlap-with="Buyers"]');
    await expect
      .poll(() => row.locator('td').first().textContent(), { timeout: MS })
      .toBe(Number(pair['both']).toLocaleString('en'));
    // Every big spender has bought: the whole segment is in Buyers.
    expect(pair['both']).toBe(members.length);
    expect(await row.locator('td').nth(1).textContent()).toContain('100.0%');
    await page.screenshot({ path: join(shots, 'segment-insights.png'), fullPage: true });

    // The list shows each saved segment's trend.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Segments' }).click();
    const trend = page.locator(`[data-trend-of="${id}"] svg`);
    expect(await trend.getAttribute('aria-label')).toContain(`to ${members.length.toLocaleString('en')} on`);
    await page.close();
  });
});
