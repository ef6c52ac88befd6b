/**
 * `strata automation …` and `strata tag rule …` on the store file and through a running server:
 * the same answers, mistakes and exit codes either way (never a DuckDB lock error).
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { Customer, fixedClock, Order } from '@strata/core';
import { startServer } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import { captureIo, runScript } from './helpers.js';

const START = '2026-03-02T10:00:00.000Z';
const clock = fixedClock(START);
const root = mkdtempSync(join(tmpdir(), 'strata-automation-cli-'));
const local = join(root, 'local', 'shop.duckdb');
const served = join(root, 'served', 'shop.duckdb');
const file = join(root, 'automation.json');
const bad = join(root, 'bad.json');

const commands: string[][] = [
  ['automation', 'list'],
  ['automation', 'install', 'abandoned-cart', '--id', 'carts', '--shop-name', 'Tea House', '--discount', '15'],
  ['automation', 'install', 'nope'],
  ['automation', 'install', 'win-back', '--param', 'discountPercent=95'],
  ['automation', 'create', file],
  ['automation', 'create', bad],
  ['automation', 'list'],
  ['automation', 'show', 'tea-cart'],
  ['automation', 'pause', 'carts'],
  ['automation', 'resume', 'carts'],
  ['automation', 'runs', 'carts'],
  ['automation', 'runs', 'nope'],
  ['tag', 'rule', 'add', 'buyer', 'buyers'],
  ['tag', 'rule', 'add', 'buyer', 'buyers'],
  ['tag', 'rule', 'list'],
  ['tag', 'rule', 'history', 'buyer'],
  ['tag', 'rule', 'delete', 'buyer'],
  ['tag', 'rule', 'delete', 'buyer'],
];

const runAll = (db: string) => runScript(db, commands, { clock });

beforeAll(async () => {
  for (const d of ['local', 'served']) mkdirSync(join(root, d));
  const store = await DuckDbStore.open(local, { clock });
  await store.write({
    customers: ['ann', 'bob'].map((id) => Customer.parse({ id, email: `${id}@example.com` })),
    orders: [
      Order.parse({ id: 'o1', customer_id: 'ann', placed_at: '2026-02-01T10:00:00Z', currency: 'EUR', total: 10 }),
    ],
  });
  await store.close();
  expect(await run(['--db', local, 'profiles', 'compute', '--as-of', START], captureIo(), { clock })).toBe(0);
  expect(await run(['--db', local, 'segment', 'save', 'buyers', 'order_count >= 1'], captureIo(), { clock })).toBe(0);
  copyFileSync(local, served);
  writeFileSync(
    file,
    JSON.stringify({
      id: 'tea-cart',
      name: 'Tea in the cart',
      trigger: { kind: 'event', event: 'add_to_cart', where: { category: 'Tea' } },
      steps: [
        { kind: 'wait', name: 'next-morning', hours: 12, untilTime: '09:00' },
        { kind: 'send', name: 'nudge', message: { channel: 'email', subject: 'Your tea', text: 'Still there' } },
      ],
    }),
  );
  writeFileSync(
    bad,
    JSON.stringify({
      name: 'Bad',
      trigger: { kind: 'event', event: 'add_to_cart', where: { colour: 'red' } },
      steps: [],
    }),
  );
});

describe('strata automation', () => {
  it('answers alike on the store file and through the running server', async () => {
    const onFile = await runAll(local);
    expect(onFile.map((r) => r.code)).toEqual([0, 0, 66, 65, 0, 65, 0, 0, 0, 0, 0, 66, 0, 75, 0, 0, 0, 66]);
    const out = (i: number) => onFile[i]!.stdout.join('\n');
    const err = (i: number) => onFile[i]!.stderr.join('\n');
    expect(out(0)).toBe('no automations yet (strata automation install <playbook>)');
    expect(out(1)).toContain('installed abandoned-cart as carts (active): Abandoned cart');
    expect(err(2)).toMatch(
      /^error: no playbook "nope"; the ready playbooks: abandoned-cart, browse-abandonment, win-back/,
    );
    expect(err(3)).toMatch(/^error: .*discountPercent/);
    expect(onFile[3]!.stdout).toEqual([]);
    expect(out(4)).toBe('created automation tea-cart (active): Tea in the cart');
    expect(err(5)).toContain('trigger.where.colour: "add_to_cart" has no property "colour"');
    expect(err(5)).toContain('steps: add at least one step');
    expect(onFile[6]!.stdout).toEqual([
      expect.stringMatching(/^carts {5}active {2}Abandoned cart — entering segment [0-9a-f-]{36}$/),
      'tea-cart  active  Tea in the cart — event add_to_cart with category = "Tea"',
    ]);
    expect(out(7)).toContain('  trigger: event add_to_cart with category = "Tea"');
    expect(out(7)).toContain('"untilTime": "09:00"');
    expect(out(8)).toBe('paused carts (strata automation resume carts goes on)');
    expect(out(9)).toBe('resumed carts');
    expect(out(10)).toBe('no runs yet');
    expect(err(11)).toBe('error: no automation "nope"');
    expect(out(12)).toMatch(/^the tag "buyer" follows segment [0-9a-f-]{36}$/);
    expect(err(13)).toMatch(/^error: the tag "buyer" follows a segment already/);
    expect(out(14)).toMatch(/^buyer {2}follows [0-9a-f-]{36} {2}since 2026-03-02T10:00:00.000Z$/);
    // nobody entered or left since (the live engine keeps membership while the server runs)
    expect(out(15)).toBe('no changes of "buyer" yet');
    expect(out(16)).toMatch(/^the tag "buyer" no longer follows [0-9a-f-]{36} \(the tags given stay\)$/);
    expect(err(17)).toBe('error: no tag rule for the tag "buyer"');

    const server = await startServer({ dbPath: served, port: 0, clock });
    try {
      const through = await runAll(served);
      // the saved segments' ids are made anew in each store
      const same = (r: unknown) =>
        JSON.parse(JSON.stringify(r).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>')) as unknown;
      for (const [i, r] of onFile.entries()) {
        // who runs the automation is the one line that differs
        if (i === 1) expect(through[i]!.stdout[0]).toBe(r.stdout[0]);
        else expect(same(through[i])).toEqual(same(r));
      }
      expect(through[1]!.stdout[1]).toBe('  the server runs it: strata automation runs carts');
    } finally {
      await server.close();
    }
    expect(onFile[1]!.stdout[1]).toBe('  the server runs it when it runs on this store: strata serve (or npm start)');
  });
});
