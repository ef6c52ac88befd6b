import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { profilesSummary } from '@strata/profiles';
import { SegmentService } from '@strata/segments';
import type { RunningServer } from '@strata/server';
import { keys, MS, openDashboard, shots, type Dashboard, type Login } from './dashboard-fixture.js';

/*
 * The dashboard as a store owner uses it, in Debian's Chromium against the real server over a real
 * DuckDB demo store: log in, read the overview, open an RFM cell, type a broken query and see the
 * mistake underlined, open a customer from the member list. Screenshots go to test-results/.
 */

const viewer = { email: 'viewer@shop.test', password: 'just looking around' };

let app: Dashboard;
let server: RunningServer;
let owner: Login;
const newPage = () => app.newPage();
const logIn = (who: Login) => app.logIn(who);

beforeAll(async () => {
  app = await openDashboard();
  ({ server, owner } = app);
  const added = await fetch(`${server.url}/v1/staff`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: viewer.email, role: 'read_only', password: viewer.password }),
  });
  expect(added.status).toBe(201);
});

afterAll(async () => {
  await app?.close();
});

afterEach(() => {
  expect(app.problems.splice(0)).toEqual([]);
});

/** What the store itself says a query finds (the count the page must show). */
const countOf = async (text: string) => {
  const segments = new SegmentService(server.store);
  const def = { text };
  return segments.count(def, await segments.evaluationTime(def));
};

describe('the dashboard', () => {
  it('logs in, shows the overview and opens an RFM cell as a segment with its buyers', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/segments`);
    // No session: the login page, whatever was asked for; a wrong password is said so.
    await page.getByRole('heading', { name: 'Log in to Strata' }).waitFor();
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong email or password');
    await page.screenshot({ path: join(shots, 'login.png') });
    await page.close();

    const owned = await logIn(owner);
    const summary = await profilesSummary(server.store);
    const stat = (name: string) =>
      owned.locator('.stat', { has: owned.getByText(name, { exact: true }) }).locator('dd');
    await expect.poll(() => stat('Customers').textContent()).toBe(summary.customers.toLocaleString('en'));
    expect(await stat('Buyers').textContent()).toContain(summary.buyers.toLocaleString('en'));
    // The heatmap shows the grid the profiles hold; the busiest cell is the one opened.
    const cells = summary.rfmGrid.flatMap((row, i) => row.map((n, j) => ({ r: 5 - i, f: j + 1, n })));
    const busiest = cells.reduce((a, b) => (b.n > a.n ? b : a));
    const cell = owned.getByRole('link', { name: `Recency ${busiest.r}, frequency ${busiest.f}: ${busiest.n} buyers` });
    expect(await cell.textContent()).toBe(String(busiest.n));
    await owned.screenshot({ path: join(shots, 'overview.png'), fullPage: true });
    await cell.click();
    await owned.getByRole('heading', { name: 'New segment' }).waitFor();
    expect(await owned.getByLabel('Query').inputValue()).toBe(
      `recency_score = ${busiest.r} and frequency_score = ${busiest.f}`,
    );
    await expect
      .poll(() => owned.getByTestId('live-count').textContent(), { timeout: MS })
      .toBe(busiest.n.toLocaleString('en'));
    await owned.close();
  });

  it('underlines a broken query under the right characters, counts the fixed one and opens a member', async () => {
    const page = await logIn(owner);
    // Keyboard: the first Tab reaches the skip link, the main navigation is labelled.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('link', { name: 'New segment' }).click();
    const editor = page.getByLabel('Query');
    const broken = 'order_count >= 2 and totl_spent > 100';
    await editor.fill(broken);
    const mark = page.locator('mark.diag[data-code="unknown-field"]');
    await mark.waitFor();
    // Marked exactly: the characters of the misspelt field, nothing more.
    expect(await mark.textContent()).toBe('totl_spent');
    expect([await mark.getAttribute('data-start'), await mark.getAttribute('data-end')]).toEqual(['21', '31']);
    // ... and drawn under them: the mark starts 21 monospace characters into the text box.
    const geometry = await page.evaluate<{
      markLeft: number;
      markWidth: number;
      markTop: number;
      textLeft: number;
      textTop: number;
      char: number;
    }>(`(() => {
      const mark = document.querySelector('mark.diag[data-code="unknown-field"]').getBoundingClientRect();
      const area = document.querySelector('.editor-box textarea');
      const style = getComputedStyle(area);
      const box = area.getBoundingClientRect();
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = style.fontSize + ' ' + style.fontFamily;
      return {
        markLeft: mark.left, markWidth: mark.width, markTop: mark.top,
        textLeft: box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft),
        textTop: box.top, char: ctx.measureText('x').width,
      };
    })()`);
    expect(Math.abs(geometry.markLeft - (geometry.textLeft + 21 * geometry.char))).toBeLessThan(2);
    expect(Math.abs(geometry.markWidth - 10 * geometry.char)).toBeLessThan(2);
    expect(geometry.markTop).toBeGreaterThan(geometry.textTop);
    // On a later line of a long query the mark is still under its characters (the box grows, never scrolls).
    await editor.fill(`${'order_count >= 1 and\n'.repeat(8)}${broken}`);
    const later = page.locator('mark.diag[data-code="unknown-field"]');
    await expect.poll(() => later.getAttribute('data-start')).toBe(String(8 * 21 + 21));
    const box = (await page.locator('.editor-box textarea').boundingBox())!;
    const markBox = (await later.boundingBox())!;
    expect(markBox.y + markBox.height).toBeLessThan(box.y + box.height);
    expect(Math.abs(markBox.x - geometry.markLeft)).toBeLessThan(2);
    await editor.fill(broken);
    const message = page.locator('.diagnostics li[data-code="unknown-field"]');
    expect(await message.textContent()).toMatch(/line 1, column 22:.*did you mean `total_spent`/);
    expect(await page.getByRole('status').filter({ hasText: 'Fix the marked part' }).count()).toBe(1);
    await page.screenshot({ path: join(shots, 'segment-diagnostic.png'), fullPage: true });

    // Completions: the misspelt word, typed again, offers the field; Enter takes it.
    await editor.fill('order_count >= 2 and tota');
    await page
      .getByRole('option', { name: /total_spent/ })
      .first()
      .waitFor();
    await editor.press('Enter');
    await editor.pressSequentially('> 100');
    const fixed = 'order_count >= 2 and total_spent > 100';
    expect(await editor.inputValue()).toBe(fixed);
    await expect.poll(() => page.locator('mark.diag').count()).toBe(0);
    const expected = await countOf(fixed);
    expect(expected).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('live-count').textContent(), { timeout: MS })
      .toBe(expected.toLocaleString('en'));
    await page.screenshot({ path: join(shots, 'segment-count.png'), fullPage: true });

    // Saved under a name, it is listed with its size and opens again with its members.
    await page.getByLabel('Name').fill('Repeat big spenders');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('heading', { name: 'Repeat big spenders' }).waitFor();
    expect(page.url()).toMatch(new RegExp(`^${server.url}/segments/[^/]+$`));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Segments' }).click();
    const row = page.getByRole('row', { name: /Repeat big spenders/ });
    await expect.poll(() => row.locator('[data-size-of]').textContent()).toBe(expected.toLocaleString('en'));
    expect(await row.locator('code').textContent()).toBe(fixed);
    await page.screenshot({ path: join(shots, 'segments.png'), fullPage: true });
    await row.getByRole('link', { name: 'Repeat big spenders' }).click();
    await expect.poll(() => page.getByLabel('Query').inputValue()).toBe(fixed);

    // A member opens as a customer page, with the store's own orders for them.
    const first = page.locator('.members a').first();
    const id = (await first.textContent())!;
    await first.click();
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    expect(page.url()).toBe(`${server.url}/customers/${encodeURIComponent(id)}`);
    const [orders] = await server.store.query<{ n: number }>(
      'SELECT count(*)::INTEGER AS n FROM orders WHERE customer_id = $1',
      [id],
    );
    await expect
      .poll(() =>
        page
          .locator('table', { has: page.getByRole('columnheader', { name: 'Placed' }) })
          .locator('tbody tr')
          .count(),
      )
      .toBe(Math.min(50, orders!.n));
    expect(orders!.n).toBeGreaterThanOrEqual(2);
    await page.locator('[data-trait="p_alive"]').waitFor();
    expect(await page.locator('[data-trait="p_alive"]').textContent()).toMatch(/^\d+\.\d%$/);
    expect(await page.locator('[data-consent="email"]').textContent()).toMatch(/granted|withdrawn|not asked/);
    await page.screenshot({ path: join(shots, 'customer.png'), fullPage: true });

    // Tags: added here, stored there.
    await page.getByLabel('Add a tag').fill('vip-web');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('button', { name: 'Remove tag vip-web' }).waitFor();
    const [tag] = await server.store.query<{ assigned_by: string }>(
      "SELECT assigned_by FROM tags WHERE customer_id = $1 AND tag = 'vip-web'",
      [id],
    );
    expect(tag?.assigned_by).toBe(owner.email);
    await page.close();
  });

  it('shows a read-only user no control that changes anything', async () => {
    const page = await logIn(viewer);
    expect(await page.getByText('(read-only)').count()).toBe(1);
    await page.goto(`${server.url}/segments/new?q=${encodeURIComponent('order_count >= 1')}`);
    await page.getByTestId('live-count').waitFor();
    expect(await page.getByRole('button', { name: /Save/ }).count()).toBe(0);
    const [buyer] = await server.store.query<{ id: string }>(
      'SELECT customer_id AS id FROM customer_profile WHERE order_count > 0 ORDER BY 1 LIMIT 1',
    );
    await page.goto(`${server.url}/customers/${encodeURIComponent(buyer!.id)}`);
    await page.getByRole('heading', { name: 'Tags' }).waitFor();
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    expect(await page.getByLabel('Add a tag').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Remove tag/ }).count()).toBe(0);
    await page.close();
  });
});
