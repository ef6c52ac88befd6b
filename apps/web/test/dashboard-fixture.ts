import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { importFile } from '@strata/ingest';
import { computeProfiles } from '@strata/profiles';
import { DEFAULT_WEB_ROOT, startServer, type RunningServer } from '@strata/server';
import { chromiumLaunchOptions, DEFAULT_DEMO_NOW, generateDemoStore } from '@strata/testkit';

/*
 * What every browser test of the dashboard starts from: the real server on 127.0.0.1 over a real
 * DuckDB file holding a profiled 400-customer demo store, its first owner, and Debian's Chromium
 * with the flags this machine needs. Pages report uncaught errors and anything the content
 * security policy refused into `problems` (each test expects none).
 */

/** Where the screenshots go. */
export const shots = fileURLToPath(new URL('../../../test-results/web/', import.meta.url));
/** Every wait in the browser (3× what a busy 2-core machine needs). */
export const MS = 60_000;
export const keys = { writeKey: 'wk', apiKey: 'api-key-web', webhookSecret: 'secret' };

export interface Login {
  email: string;
  password: string;
}

export interface Dashboard {
  server: RunningServer;
  /** The store file the server owns. */
  dbPath: string;
  /** The first owner, with the password the server generated for them. */
  owner: Login;
  problems: string[];
  newPage(): Promise<Page>;
  /** A new page logged in as `who`, on the overview. */
  logIn(who: Login): Promise<Page>;
  close(): Promise<void>;
}

export async function openDashboard(): Promise<Dashboard> {
  if (!existsSync(join(DEFAULT_WEB_ROOT, 'index.html')))
    throw new Error(`${DEFAULT_WEB_ROOT} has no index.html: run \`npm run build\` first (npm test does)`);
  const dir = mkdtempSync(join(tmpdir(), 'strata-web-'));
  mkdirSync(shots, { recursive: true });
  const dbPath = join(dir, 'store.duckdb');
  const ownerEmail = 'owner@shop.test';
  // The first owner gets a generated password (shown once); a cheap hash keeps the tests quick.
  const server = await startServer({
    dbPath,
    port: 0,
    keys,
    firstOwner: ownerEmail,
    access: { passwordCost: { N: 2 ** 12, r: 8, p: 1 } },
  });
  const files = await generateDemoStore({ customers: 400, seed: 11, outDir: join(dir, 'files') });
  for (const entity of ['locations', 'products', 'customers', 'orders', 'order_lines', 'events', 'tags'] as const)
    await importFile(server.store, entity, files.files[entity]);
  await computeProfiles(server.store, { asOf: DEFAULT_DEMO_NOW, ranBy: 'test' });
  const browser = await chromium.launch({
    ...chromiumLaunchOptions,
    args: [...chromiumLaunchOptions.args],
    timeout: MS,
  });
  const problems: string[] = [];
  const newPage = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(MS);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.text().startsWith('Refused to')) problems.push(`console: ${m.text()}`);
    });
    return page;
  };
  return {
    server,
    dbPath,
    owner: { email: ownerEmail, password: server.firstOwner!.password },
    problems,
    newPage,
    async logIn(who) {
      const page = await newPage();
      await page.goto(`${server.url}/`);
      await page.getByRole('heading', { name: 'Log in to Strata' }).waitFor();
      await page.getByLabel('Email').fill(who.email);
      await page.getByLabel('Password').fill(who.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
