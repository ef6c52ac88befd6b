/**
 * `strata campaign …` and `strata coupons import|show` on the store file and through a running server:
 * the same answers, mistakes and exit codes either way (never a DuckDB lock error), and a campaign
 * started through the server is sent by it (to the outbox beside the store, the default channel).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '@strata/cli';
import { Customer, fixedClock, Order } from '@strata/core';
import { CampaignService, startServer } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import { captureIo, runScript } from './helpers.js';

const START = '2026-03-02T10:00:00.000Z';
const clock = fixedClock(START);
const root = mkdtempSync(join(tmpdir(), 'strata-campaign-cli-'));
const local = join(root, 'local', 'shop.duckdb');
const served = join(root, 'served', 'shop.duckdb');
const file = join(root, 'campaign.json');
const bad = join(root, 'bad.json');
const codes = join(root, 'codes.txt');
const previousUrl = process.env.STRATA_PUBLIC_URL;

const commands: string[][] = [
  ['campaign', 'create', file],
  ['campaign', 'create', bad],
  ['campaign', 'list'],
  ['campaign', 'show', 'welcome'],
  ['campaign', 'plan', 'welcome'],
  ['coupons', 'import', 'welcome', codes],
  ['campaign', 'plan', 'welcome'],
  ['campaign', 'preview', 'welcome', 'ann'],
  ['campaign', 'report', 'welcome'],
  ['campaign', 'plan', 'nope'],
  ['campaign', 'pause', 'welcome'],
  ['campaign', 'results', 'welcome'],
  ['campaign', 'results', 'nope'],
  ['campaign', 'results', 'welcome', '--by', 'age_group'],
  ['campaign', 'results', 'welcome', '--by', 'weekday'],
  ['coupons', 'show', 'tea-aaaa1'],
  ['coupons', 'show', 'NOPE-1'],
];

const runAll = (db: string) => runScript(db, commands, { clock });

beforeAll(async () => {
  process.env.STRATA_PUBLIC_URL = 'https://tea.example';
  for (const d of ['local', 'served']) mkdirSync(join(root, d));
  const store = await DuckDbStore.open(local, { clock });
  const granted = { granted: true, at: '2026-01-01T00:00:00Z' };
  await store.write({
    customers: ['ann', 'bob', 'cy'].map((id) =>
      Customer.parse({
        id,
        email: `${id}@example.com`,
        name: `${id[0]!.toUpperCase()}${id.slice(1)} Smith`,
        consent: id === 'cy' ? {} : { email: granted },
      }),
    ),
    orders: ['ann', 'bob', 'cy'].map((id, i) =>
      Order.parse({ id: `o${i}`, customer_id: id, placed_at: '2026-02-01T10:00:00Z', currency: 'EUR', total: 10 }),
    ),
  });
  // The unsubscribe secret is made once per store: both copies sign the same links.
  await CampaignService.open(store, { clock });
  await store.close();
  expect(await run(['--db', local, 'profiles', 'compute', '--as-of', START], captureIo(), { clock })).toBe(0);
  expect(await run(['--db', local, 'segment', 'save', 'buyers', 'order_count >= 1'], captureIo(), { clock })).toBe(0);
  copyFileSync(local, served);
  writeFileSync(
    file,
    JSON.stringify({
      id: 'welcome',
      name: 'Welcome back',
      audience: { include: ['buyers'] },
      message: {
        channel: 'email',
        subject: 'Hi {{ customer.first_name }}',
        text: 'Code {{ coupon }} {{ unsubscribe_url }}',
      },
      coupons: { source: 'imported' },
      holdoutShare: 0,
    }),
  );
  writeFileSync(bad, '{\n  "name": "Oops",\n  "audience": { "include": [] }\n}\n');
  writeFileSync(codes, 'TEA-AAAA1\ntea-bbbb2\nnot a code\n\nTEA-AAAA1\n');
});

afterAll(() => {
  if (previousUrl === undefined) delete process.env.STRATA_PUBLIC_URL;
  else process.env.STRATA_PUBLIC_URL = previousUrl;
});

describe('strata campaign', () => {
  it('answers alike on the store file and through the running server', async () => {
    const onFile = await runAll(local);
    expect(onFile.map((r) => r.code)).toEqual([0, 65, 0, 0, 0, 65, 0, 0, 0, 66, 75, 0, 66, 0, 65, 0, 66]);
    const out = (i: number) => onFile[i]!.stdout.join('\n');
    const err = (i: number) => onFile[i]!.stderr.join('\n');
    expect(out(0)).toContain('created campaign welcome (draft): Welcome back');
    expect(err(1)).toMatch(/audience\.include: name at least one saved segment/);
    expect(err(1)).toMatch(/message: /);
    expect(out(2)).toMatch(/^welcome\s+draft\s+Welcome back$/);
    // Without codes yet, nobody can be sent to; the customer without consent is counted apart.
    expect(out(4)).toContain('3 people in the audience');
    expect(out(4)).toMatch(/1 {2}no consent for the channel/);
    expect(out(4)).toContain('coupons: 2 needed, 0 imported codes left');
    expect(out(5)).toBe('added 2 code(s) to welcome');
    expect(err(5)).toContain(`${codes}:3: not a coupon code: "not a code"`);
    expect(out(6)).toContain('coupons: 2 needed, 2 imported codes left');
    expect(out(7)).toContain('Subject: Hi Ann');
    expect(out(7)).toContain('List-Unsubscribe: <https://tea.example/u?token=');
    expect(out(8)).toContain('welcome: Welcome back — draft');
    expect(err(9)).toBe('error: no campaign "nope"');
    expect(err(10)).toBe('error: campaign "welcome" is draft; it must be running to become paused');
    expect(out(11)).toContain('attribution: coupon, or the last message within email 5 d, sms 1 d, whatsapp 1 d');
    expect(out(11)).toContain('revenue per recipient vs holdout: 0.00 (95% CI unbounded to unbounded, Welch)');
    expect(out(11)).toContain('no recipients yet: nothing to compare');
    expect(err(12)).toBe('error: no campaign "nope"');
    // Every age group of core's list, in its order (nothing sent yet: each empty).
    expect(onFile[13]!.stdout.slice(-8).map((l) => l.trim().split(/\s{2,}/)[0])).toEqual([
      'age group',
      'under 18',
      '18-29',
      '30-39',
      '40-49',
      '50-59',
      '60-69',
      '70+',
    ]);
    expect(
      onFile[13]!.stdout
        .at(-1)!
        .trim()
        .split(/\s{2,}/),
    ).toEqual(['70+', '0', '0', '0', '0', '0', '–', '0.00', '0.00', '–', '–']);
    expect(err(14)).toBe(
      'error: --by: unknown breakdown "weekday" (known: segment, age_group, brand, country, shop, rfm, value_tier)',
    );
    expect(onFile[15]!.stdout).toEqual([
      'TEA-AAAA1: campaign welcome (Welcome back)',
      '  not given to anyone yet',
      '  not redeemed',
    ]);
    expect(err(16)).toBe('error: no coupon code "NOPE-1": no campaign gave or holds it');

    const server = await startServer({ dbPath: served, port: 0, clock });
    try {
      const through = await runAll(served);
      for (const [i, r] of onFile.entries()) expect(through[i]).toEqual(r);

      // Started through the server, it is sent (to the outbox beside the store).
      const start = captureIo();
      expect(await run(['--db', served, 'campaign', 'start', 'welcome'], start, { clock })).toBe(0);
      expect(start.stdout).toEqual([
        'started welcome: 3 message(s) queued',
        '  the server is sending them: strata campaign report welcome',
      ]);
      // the server sends in its own loop: ask for the report until it says done
      let report = '';
      await vi.waitFor(
        async () => {
          const io = captureIo();
          await run(['--db', served, 'campaign', 'report', 'welcome'], io, { clock });
          report = io.stdout.join('\n');
          expect(report, 'waiting for the campaign to be done').toContain('— done');
        },
        { timeout: 30_000, interval: 50 },
      );
      expect(report).toContain('sent: 2');
      const results = captureIo();
      expect(await run(['--db', served, 'campaign', 'results', 'welcome'], results, { clock })).toBe(0);
      expect(results.stdout.join('\n')).toMatch(/recipients: 2 {3}converted: 0 \(0\.0%\)/);
      const byCountry = captureIo();
      const asked = ['--db', served, '--json', 'campaign', 'results', 'welcome', '--by', 'country'];
      expect(await run(asked, byCountry, { clock })).toBe(0);
      const body = JSON.parse(byCountry.stdout.join('\n')) as { breakdown: { groups: unknown[] } };
      expect(body.breakdown.groups).toEqual([
        expect.objectContaining({ group: 'unknown', audience: 3, sent: 2, recipients: 2, converted: 0, uplift: null }),
      ]);
      const messages = captureIo();
      await run(['--db', served, 'campaign', 'messages', 'welcome'], messages, { clock });
      expect(messages.stdout.map((l) => l.split('  ').slice(0, 3).join(' '))).toEqual(
        expect.arrayContaining(['ann welcome sent', 'bob welcome sent', 'cy welcome skipped']),
      );
      // one message per recipient sent, as JSON and as the .eml that would go over SMTP
      const outbox = readdirSync(join(root, 'served', 'outbox', 'email'));
      expect(outbox.filter((f) => f.endsWith('.eml'))).toHaveLength(2);
      expect(outbox.filter((f) => f.endsWith('.json'))).toHaveLength(2);
      // A code given out: to one of the two recipients, at the send.
      const shown = captureIo();
      expect(await run(['--db', served, 'coupons', 'show', 'TEA-AAAA1'], shown, { clock })).toBe(0);
      expect(shown.stdout[1]).toMatch(/^ {2}given to (ann|bob) at 2026-03-02T10:00:00\.000Z \(message \S+\)$/);
      expect(shown.stdout[2]).toBe('  not redeemed');
    } finally {
      await server.close();
    }

    // On the file, a start queues and says who sends.
    const start = captureIo();
    expect(await run(['--db', local, 'campaign', 'start', 'welcome'], start, { clock })).toBe(0);
    expect(start.stdout[1]).toBe('  the server sends them when it runs on this store: strata serve (or npm start)');
  });
});
