import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { Customer, Order } from '@strata/core';
import { DuckDbStore } from '@strata/store-duckdb';
import { captureIo } from './helpers.js';

const db = join(mkdtempSync(join(tmpdir(), 'strata-cmdline-')), 's.duckdb');

beforeAll(async () => {
  const store = await DuckDbStore.open(db);
  const order = (id: string, total: number, placed: string) =>
    Order.parse({ id, customer_id: 'ann', location_id: 'online', placed_at: placed, currency: 'EUR', total });
  await store.write({
    customers: [Customer.parse({ id: 'ann', country: 'DE' })],
    orders: [
      order('o1', 10.1, '2026-08-01T10:00:00Z'),
      order('o2', 20.2, '2026-08-15T10:00:00Z'),
      order('o3', 1234.7, '2026-09-20T10:00:00Z'),
    ],
  });
  await store.close();
  expect(await run(['--db', db, 'profiles', 'compute', '--as-of', '2026-11-01'], captureIo())).toBe(0);
});

describe('numbers for people', () => {
  it('profiles show rounds them; --json keeps them exact', async () => {
    const json = captureIo();
    expect(await run(['--db', db, '--json', 'profiles', 'show', 'ann'], json)).toBe(0);
    expect(JSON.parse(json.stdout.join('\n'))).toMatchObject({
      total_spent: 1265,
      aov: 421.6666666666667,
      purchase_regularity: 0.6944444444444444,
    });
    const io = captureIo();
    expect(await run(['--db', db, 'profiles', 'show', 'ann'], io)).toBe(0);
    const line = (name: string) => io.stdout.find((l) => l.startsWith(`${name} `))?.replace(/ +/g, ' ');
    expect(line('total_spent')).toBe('total_spent 1,265');
    expect(line('aov')).toBe('aov 421.67');
    expect(line('purchase_regularity')).toBe('purchase_regularity 0.694');
    expect(line('as_of')).toBe('as_of 2026-11-01 23:59 UTC');
    expect(line('age')).toBe('age —');
    expect(io.stdout.join('\n')).not.toMatch(/\d\.\d{4,}/);
  });

  it('segment explain shows the rounded value beside each condition', async () => {
    const io = captureIo();
    expect(await run(['--db', db, 'segment', 'explain', 'aov > 400 and total_spent > 2000', 'ann'], io)).toBe(0);
    expect(io.stdout).toContain('    ✓ aov > 400   (aov = 421.67)');
    expect(io.stdout).toContain('    ✗ total_spent > 2000   (total_spent = 1,265)');
  });
});

describe('strata fields', () => {
  it('lists fields, events with their properties and channels, with type and meaning', async () => {
    const io = captureIo();
    expect(await run(['fields'], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/^ {2}total_spent +money +Money spent on confirmed orders$/m);
    expect(text).toMatch(/^ {2}churn_risk +enum +Churn risk band from P\(alive\) \(low, medium, high\) \*$/m);
    expect(text).toMatch(/^ {2}add_to_cart +event +A product was added to the cart\n {4}sku +string +Product$/m);
    expect(text).toContain('Consent channels (consent email, can receive sms): email, sms, whatsapp');
  });

  it('narrows to a word, answers --json, and says when nothing matches', async () => {
    const io = captureIo();
    expect(await run(['--json', 'fields', 'tier'], io)).toBe(0);
    const list = JSON.parse(io.stdout.join('\n')) as {
      fields: { name: string; values?: string[] }[];
      events: unknown[];
    };
    expect(list.fields.map((f) => f.name)).toEqual(['frequency_tier', 'value_tier']);
    expect(list.fields[1]?.values).toEqual(['high', 'medium', 'low']);
    expect(list.events).toEqual([]);
    const none = captureIo();
    expect(await run(['fields', 'zzz'], none)).toBe(66);
    expect(none.stderr).toEqual(['error: no field, event or property mentions "zzz" (`strata fields` lists them all)']);
  });

  it('is where the hint for an unknown field sends people', async () => {
    const io = captureIo();
    expect(await run(['--db', db, 'segment', 'eval', 'qwertyuiop > 3'], io)).toBe(65);
    expect(io.stderr.join('\n')).toContain(
      '= hint: `strata fields` (or GET /v1/fields) lists every field a segment can use',
    );
  });
});

describe('ready segment parameters', () => {
  it('refuses a parameter the segment does not have, with the closest name', async () => {
    const io = captureIo();
    expect(await run(['--db', db, 'segment', 'eval', '--ready', 'churned', '--param', 'day=60'], io)).toBe(65);
    expect(io.stderr).toEqual([
      'error: the ready segment "churned" has no parameter "day"; did you mean "days"? (its parameters: days)',
    ]);
    expect(io.stdout).toEqual([]);
  });
});
