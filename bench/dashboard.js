// The dashboard's first load (issue 20: "the overview's first load on the 1,000,000-customer demo
// store takes under 2 s"): the real server over a profiled store, Debian's Chromium logged in as a
// staff member, then the overview opened in a fresh page (cold browser cache) --runs times. For
// each load it records, from the navigation's start: when the page's own files were in (the last
// script or stylesheet), when the last API response was in, and when the overview was drawn (the
// RFM grid's cells on screen). Prints a table of medians and the slowest run.
//
//   npm run build && node bench/dashboard.js --db <a copy of a profiled store> [--runs 5]
//
// Work on a copy: the server adds a staff account to the store (and applies migrations).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startServer } from '@strata/server';
import { chromiumLaunchOptions } from '@strata/testkit';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    runs: { type: 'string', default: '5' },
  },
});
if (!values.db) throw new Error('--db <store.duckdb> is required (a copy of a profiled store)');
const runs = Number(values.runs);
const outbox = mkdtempSync(join(tmpdir(), 'strata-bench-dashboard-'));
const email = `bench-${Date.now()}@shop.test`;

const server = await startServer({
  dbPath: values.db,
  port: 0,
  outboxDir: outbox,
  live: false,
  firstOwner: email,
  log: () => {},
});
const password = server.firstOwner?.password;
if (!password) throw new Error(`${values.db} has staff accounts already: use a fresh copy of the store`);

const browser = await chromium.launch({ ...chromiumLaunchOptions, args: [...chromiumLaunchOptions.args] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const login = await context.newPage();
await login.goto(`${server.url}/`);
await login.getByLabel('Email').fill(email);
await login.getByLabel('Password').fill(password);
await login.getByRole('button', { name: 'Log in' }).click();
await login.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 600_000 });
await login.close();

/** One cold load of the overview: milliseconds from the navigation's start. */
async function load() {
  const page = await context.newPage();
  await page.route('**/*', (route) =>
    route.continue({ headers: { ...route.request().headers(), 'cache-control': 'no-cache' } }),
  );
  await page.goto(`${server.url}/`, { waitUntil: 'commit' });
  await page.locator('[aria-label^="Recency"]').first().waitFor({ timeout: 600_000 });
  const drawn = await page.evaluate(() => performance.now());
  await page.waitForLoadState('networkidle');
  const times = await page.evaluate(() => {
    const entries = /** @type {{ name: string; requestStart: number; responseEnd: number }[]} */ (
      performance.getEntriesByType('resource')
    );
    /** @param {(e: { name: string; responseEnd: number }) => boolean} test */
    const end = (test) => Math.max(0, ...entries.filter(test).map((e) => e.responseEnd));
    return {
      files: end((e) => !new URL(e.name).pathname.startsWith('/v1/')),
      api: end((e) => new URL(e.name).pathname.startsWith('/v1/')),
      calls: entries
        .filter((e) => new URL(e.name).pathname.startsWith('/v1/'))
        .map((e) => `${new URL(e.name).pathname} ${Math.round(e.responseEnd - e.requestStart)} ms`),
    };
  });
  await page.close();
  return { ...times, drawn };
}

const warm = await load();
console.log(`warm-up: drawn at ${warm.drawn.toFixed(0)} ms; API calls: ${warm.calls.join(', ')}`);
/** @type {{ files: number; api: number; drawn: number; calls: string[] }[]} */
const results = [];
for (let i = 0; i < runs; i++) results.push(await load());
/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** @param {number[]} xs */
const max = (xs) => Math.max(...xs);
/** @param {string} what @param {'files' | 'api' | 'drawn'} key */
const row = (what, key) =>
  `| ${what.padEnd(44)} | ${median(results.map((r) => r[key]))
    .toFixed(0)
    .padStart(9)} | ${max(results.map((r) => r[key]))
    .toFixed(0)
    .padStart(9)} |`;
console.log(`\n${runs} cold loads of the overview (ms from the navigation's start):\n`);
console.log(`| ${'what'.padEnd(44)} | ${'median'.padStart(9)} | ${'slowest'.padStart(9)} |`);
console.log(`| ${'-'.repeat(44)} | ${'-'.repeat(8)}: | ${'-'.repeat(8)}: |`);
console.log(row("the page's files in (scripts, stylesheet)", 'files'));
console.log(row('the last API response in', 'api'));
console.log(row('the overview drawn (RFM grid on screen)', 'drawn'));
console.log(`\nAPI calls of the last load: ${results.at(-1).calls.join(', ')}`);

await browser.close();
await server.close();
rmSync(outbox, { recursive: true, force: true });
