import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { Customer, Order } from '@strata/core';
import { DuckDbStore } from '@strata/store-duckdb';
import { captureIo } from './helpers.js';

const db = join(mkdtempSync(join(tmpdir(), 'strata-seg-cli-')), 's.duckdb');

beforeAll(async () => {
  const store = await DuckDbStore.open(db);
  const order = (id: string, customer: string, total: number, placed: string) => Order.parse({ id, customer_id: customer, location_id: 'online', placed_at: placed, currency: 'EUR', total });
  await store.write({
    customers: ['ann', 'bob', 'cy'].map((id) => Customer.parse({ id, country: id === 'cy' ? 'FR' : 'DE' })),
    orders: [order('o1', 'ann', 500, '2026-08-01T10:00:00Z'), order('o2', 'ann', 300, '2026-08-20T10:00:00Z'), order('o3', 'bob', 20, '2026-10-01T10:00:00Z')],
  });
  await store.close();
  expect(await run(['--db', db, 'profiles', 'compute', '--as-of', '2026-11-01'], captureIo())).toBe(0);
});

describe('strata segment', () => {
  it('eval --count and --csv', async () => {
    const count = captureIo();
    expect(await run(['--db', db, 'segment', 'eval', '--count', 'country = "DE" and order_count >= 1'], count)).toBe(0);
    expect(count.stdout).toEqual(['2']);
    const csv = captureIo();
    await run(['--db', db, 'segment', 'eval', '--csv', 'order_count >= 1'], csv);
    expect(csv.stdout).toEqual(['customer_id', 'ann', 'bob']);
  });

  it('prints a caret under the characters of a mistake and exits 65', async () => {
    const io = captureIo();
    expect(await run(['--db', db, 'segment', 'eval', 'country = "DE" and totl_spent > 5'], io)).toBe(65);
    const text = io.stderr.join('\n');
    expect(text).toContain('unknown field `totl_spent`; did you mean `total_spent`?');
    const lines = text.split('\n');
    const source = lines.findIndex((l) => l.includes('country = "DE" and totl_spent > 5'));
    const caret = lines[source + 1]!;
    const column = lines[source]!.indexOf('totl_spent');
    expect(caret.indexOf('^')).toBe(column);
    expect(caret.trim()).toMatch(/^\|? *\^{10}$/);
  });

  it('warns, with a caret, about a category the store does not have, and still answers', async () => {
    const io = captureIo();
    expect(await run(['--db', db, 'segment', 'eval', '--count', 'country = "DE" and not bought category "Coffee"'], io)).toBe(0);
    expect(io.stdout).toEqual(['2']);
    const lines = io.stderr.join('\n').split('\n');
    expect(lines[0]).toContain('the store has no category "Coffee"');
    const source = lines.findIndex((l) => l.includes('not bought category "Coffee"'));
    expect(lines[source + 1]!.indexOf('^')).toBe(lines[source]!.indexOf('"Coffee"'));
    expect(lines.join('\n')).toContain('no product has this category, so no purchase or event matches it');
    const json = captureIo();
    await run(['--db', db, '--json', 'segment', 'eval', '--count', 'bought category "Coffee"'], json);
    expect(JSON.parse(json.stdout.join(''))).toMatchObject({ count: 0, warnings: [{ code: 'unknown-item', severity: 'warning', span: { start: 16, end: 24 } }] });
  });

  it('explains a customer condition by condition', async () => {
    const io = captureIo();
    expect(await run(['--db', db, 'segment', 'explain', 'country = "DE" and total_spent > 100', 'bob'], io)).toBe(0);
    expect(io.stdout[0]).toBe('bob: NOT in the segment');
    expect(io.stdout).toContain('    ✓ country = "DE"   (country = DE)');
    expect(io.stdout).toContain('    ✗ total_spent > 100   (total_spent = 20)');
  });

  it('evaluates a ready segment with a parameter and lists the library', async () => {
    const io = captureIo();
    await run(['--db', db, '--json', 'segment', 'eval', '--ready', 'churned', '--param', 'days=60'], io);
    expect(JSON.parse(io.stdout.join('\n'))).toMatchObject({ query: 'order_count >= 1 and last_order_at before 60 days ago', as_of: '2026-11-01T23:59:59.999Z', members: ['ann'] });
    const list = captureIo();
    await run(['--db', db, 'segment', 'list'], list);
    expect(list.stdout.some((l) => l.includes('big-spenders'))).toBe(true);
  });

  it('saves a segment that other queries can refer to', async () => {
    expect(await run(['--db', db, 'segment', 'save', 'Germans', 'country = "DE"'], captureIo())).toBe(0);
    const io = captureIo();
    await run(['--db', db, 'segment', 'eval', '--count', 'in segment "Germans" and order_count = 0'], io);
    expect(io.stdout).toEqual(['0']);
  });
});

describe('a store without profiles', () => {
  it('says to compute them instead of a raw SQL error', async () => {
    const empty = join(mkdtempSync(join(tmpdir(), 'strata-seg-cli-')), 'empty.duckdb');
    const io = captureIo();
    expect(await run(['--db', empty, 'segment', 'eval', '--count', 'order_count > 1'], io)).toBe(66);
    expect(io.stderr.join('\n')).toContain('no customer profiles yet: run `strata profiles compute`');
  });

  it('profiles from an older Strata (without the item facts) ask for a profile run, then work', async () => {
    const old = join(mkdtempSync(join(tmpdir(), 'strata-seg-cli-')), 'old.duckdb');
    const store = await DuckDbStore.open(old);
    await store.write({ customers: [Customer.parse({ id: 'ann' })] });
    await store.close();
    expect(await run(['--db', old, 'profiles', 'compute', '--as-of', '2026-11-01'], captureIo())).toBe(0);
    const dropped = await DuckDbStore.open(old);
    await dropped.exec('ALTER TABLE customer_profile DROP COLUMN product_keys');
    await dropped.close();
    const io = captureIo();
    expect(await run(['--db', old, 'segment', 'eval', '--count', 'bought product "TEA-002"'], io)).toBe(66);
    expect(io.stderr.join('\n')).toContain('computed by an older version of Strata and lack product_keys: run `strata profiles compute` once');
    expect(await run(['--db', old, 'profiles', 'compute', '--as-of', '2026-11-01'], captureIo())).toBe(0);
    const again = captureIo();
    expect(await run(['--db', old, 'segment', 'eval', '--count', 'bought product "TEA-002"'], again)).toBe(0);
    expect(again.stdout).toEqual(['0']);
  });
});

describe('strata profiles show and models fit', () => {
  it('shows a profile', async () => {
    const io = captureIo();
    expect(await run(['--db', db, '--json', 'profiles', 'show', 'ann'], io)).toBe(0);
    expect(JSON.parse(io.stdout.join('\n'))).toMatchObject({ customer_id: 'ann', order_count: 2, total_spent: 800 });
  });

  it('fits BG/NBD and Gamma-Gamma to the CDNOW log', async () => {
    const io = captureIo();
    const file = new URL('../../../../shared/data/cdnow/cdnowElog.csv', import.meta.url).pathname;
    const code = await run(
      ['--json', 'models', 'fit', file, '--customer-column', 'sampleid', '--date-column', 'date', '--amount-column', 'sales', '--calibration-end', '19970930', '--time-unit', 'week'],
      io,
    );
    expect(code).toBe(0);
    const out = JSON.parse(io.stdout.join('\n')) as { customers: number; bgnbd: { params: Record<string, number>; logLikelihood: number }; gammaGamma: { params: Record<string, number> } };
    expect(out.customers).toBe(2357);
    expect(Number(out.bgnbd.params.r!.toPrecision(3))).toBe(0.243);
    expect(Number(out.bgnbd.params.b!.toPrecision(3))).toBe(2.43);
    expect(out.bgnbd.logLikelihood).toBeCloseTo(-9582.43, 1);
    expect(Number(out.gammaGamma.params.p!.toPrecision(3))).toBe(6.25);
  });
});
