import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReportBody } from '@strata/api';
import { SegmentService } from '@strata/segments';
import type { RunningServer } from '@strata/server';
import { keys, MS, openDashboard, shots, type Dashboard } from './dashboard-fixture.js';

/*
 * The overview drawn from the overview report (headline numbers, a period that re-queries, cohorts
 * and revenue charts) and the segment builder's filter rows, in Debian's Chromium against the real
 * server over a real DuckDB demo store. Screenshots go to test-results/web/.
 */

const cli = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));

let app: Dashboard;
let server: RunningServer;

beforeAll(async () => {
  app = await openDashboard();
  server = app.server;
});

afterAll(async () => {
  await app?.close();
});

afterEach(() => {
  expect(app.problems.splice(0)).toEqual([]);
});

const logIn = () => app.logIn(app.owner);

/** The overview report as the API answers it, for a period. */
async function overview(query = ''): Promise<ReportBody> {
  const res = await fetch(`${server.url}/v1/reports/overview${query}`, {
    headers: { authorization: `Bearer ${keys.apiKey}` },
  });
  expect(res.status).toBe(200);
  return ReportBody.parse(await res.json());
}
const totals = (r: ReportBody) => r.tables.find((t) => t.id === 'totals')!.rows[0]!;
const money = (n: unknown) => Number(n).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

describe('the overview and the filter rows', () => {
  it('shows the overview report: revenue, AOV, repeat rate, charts, cohorts, and a period that re-queries', async () => {
    const page = await logIn();
    const stat = (name: string) => page.locator('.stat', { has: page.getByText(name, { exact: true }) }).locator('dd');
    const all = totals(await overview());
    await expect.poll(() => stat('Revenue').textContent()).toContain(money(all['revenue']));
    expect(await stat('Average order value').textContent()).toBe(money(all['aov']));
    expect(await stat('Repeat rate').textContent()).toContain(`${(Number(all['repeat_rate']) * 100).toFixed(1)}%`);
    expect(await stat('Orders').textContent()).toBe(Number(all['orders']).toLocaleString('en'));
    // The biggest country is the first bar, with its revenue; cohorts are drawn as a table of shares.
    const byCountry = (await overview()).tables.find((t) => t.id === 'revenue_by_country')!.rows[0]!;
    const countryBars = page.locator('[data-report-table="revenue_by_country"] tbody tr').first();
    expect(await countryBars.locator('th').textContent()).toBe(String(byCountry['country']));
    expect(await countryBars.locator('.num').textContent()).toBe(money(byCountry['revenue']));
    expect(await page.locator('table.cohorts tbody tr').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'overview-report.png'), fullPage: true });

    // A period: the page asks again and shows that period's orders.
    const period = totals(await overview('?from=2026-06-01&to=2026-08-31'));
    expect(Number(period['orders'])).toBeLessThan(Number(all['orders']));
    await page.getByLabel('From', { exact: true }).fill('2026-06-01');
    await page.getByLabel('To', { exact: true }).fill('2026-08-31');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(() => stat('Orders').textContent(), { timeout: MS })
      .toBe(Number(period['orders']).toLocaleString('en'));
    expect(await stat('Revenue').textContent()).toContain(money(period['revenue']));
    await page.close();
  });

  it('builds "top 10% by spend who have not ordered in 60 days" in rows: the text and the count follow', async () => {
    const page = await logIn();
    await page.goto(`${server.url}/segments/new`);
    await page.getByRole('heading', { name: 'New segment' }).waitFor();
    await page.getByRole('button', { name: 'Add condition', exact: true }).click();
    await page.getByLabel('Field of condition 1.1').fill('total_spent');
    await page.getByLabel('Operator of condition 1.1').selectOption('in top');
    await page.getByLabel('Value of condition 1.1').fill('10%');
    await page.getByRole('button', { name: 'Add condition', exact: true }).click();
    await page.getByLabel('Field of condition 1.2').fill('last_order_at');
    await page.getByLabel('Operator of condition 1.2').selectOption('before');
    await page.getByLabel('Value of condition 1.2').fill('60 days ago');
    const query = 'total_spent in top 10% and last_order_at before 60 days ago';
    expect(await page.getByLabel('Query').inputValue()).toBe(query);

    // The CLI on the same store file (it goes through the server that owns the file) and the store's
    // own segment service give the count the page must show.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, '--db', app.dbPath, 'segment', 'eval', query, '--count'],
      { timeout: MS },
    );
    const expected = Number(stdout.trim());
    const segments = new SegmentService(server.store);
    expect(await segments.count({ text: query }, await segments.evaluationTime({ text: query }))).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('live-count').textContent(), { timeout: MS })
      .toBe(expected.toLocaleString('en'));
    expect(await page.locator('mark.diag').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'filter-rows.png'), fullPage: true });

    // An OR group of two conditions is written in parentheses, values quoted for the owner.
    await page.getByRole('button', { name: 'Add an OR group' }).click();
    await page.getByLabel('Field of condition 1.3.1').fill('country');
    await page.getByLabel('Value of condition 1.3.1').fill('DE');
    await page.getByRole('button', { name: 'Add condition to group' }).click();
    await page.getByLabel('Field of condition 1.3.2').fill('country');
    await page.getByLabel('Value of condition 1.3.2').fill('FR');
    const grouped = `${query} and (country = "DE" or country = "FR")`;
    expect(await page.getByLabel('Query').inputValue()).toBe(grouped);
    const narrower = await segments.count({ text: grouped }, await segments.evaluationTime({ text: grouped }));
    expect(narrower).toBeLessThan(expected);
    await expect
      .poll(() => page.getByTestId('live-count').textContent(), { timeout: MS })
      .toBe(narrower.toLocaleString('en'));

    // Typed text the rows can show becomes rows; other text is left to the text editor, said so.
    await page.getByLabel('Query').fill('order_count >= 2 or country = "DE"');
    await expect.poll(() => page.getByLabel('Field of condition 1.1').inputValue()).toBe('order_count');
    expect(await page.getByLabel('Match', { exact: true }).inputValue()).toBe('or');
    expect(await page.getByLabel('Value of condition 1.2').inputValue()).toBe('DE');
    await page.getByLabel('Query').fill('did add_to_cart within last 7 days');
    await expect
      .poll(() => page.getByTestId('rows-unavailable').textContent())
      .toContain('“did add_to_cart within last 7 days” is not a field condition');
    expect(await page.getByLabel('Field of condition 1.1').count()).toBe(0);
    await page.close();
  });
});
