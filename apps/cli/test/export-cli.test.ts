/**
 * `strata segment export` and `strata profiles export`: the files read back with DuckDB hold what
 * the store holds (CSV, JSON Lines, Parquet); the Meta and Google audiences carry the hashes of
 * hand-normalised values and only the customers whose consent allows it; through a running server
 * every file is byte for byte the one written on the store file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { Customer, Order, Product, type CustomerInput } from '@strata/core';
import { startServer } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import { captureIo } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-export-'));
const db = join(dir, 's.duckdb');
// the exports' temporary files go here, where the tests can see that none is left behind
const temp = join(dir, 'tmp');
mkdirSync(temp);
process.env.TMPDIR = temp;
const sha = (s: string) => createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex');
const granted = { granted: true, at: '2026-01-05T09:00:00Z' };
const refused = { granted: false, at: '2026-01-05T09:00:00Z' };

const customers: CustomerInput[] = [
  // both channels consented
  {
    id: 'ann',
    email: 'Ann.Smith@Example.com',
    phone: '+4915111111111',
    name: 'Ann Smith',
    city: 'Köln',
    postcode: '50667',
    country: 'DE',
    birthday: '1980-02-03',
    consent: { email: granted, sms: granted },
  },
  // an email without email consent, SMS consent without a phone: nothing may be sent
  { id: 'bob', email: 'bob@example.com', name: 'Bob', country: 'DE', consent: { email: refused, sms: granted } },
  // nothing to match on
  { id: 'cy', name: 'Cy Young', country: 'FR', consent: { email: granted } },
  // the phone only: email not consented
  {
    id: 'dee',
    email: 'dee@example.com',
    phone: '+33612345678',
    name: "Dee O'Neil, Jr.",
    country: 'FR',
    consent: { sms: granted },
  },
  // a name that needs quoting in CSV
  {
    id: 'eve',
    email: 'eve@example.com',
    name: 'Eve "Evie" Adams',
    country: 'GB',
    postcode: 'SW1A 1AA',
    consent: { email: granted },
  },
];

const run$ = async (...args: string[]) => {
  const io = captureIo();
  const code = await run(['--db', db, ...args], io);
  return { code, ...io, text: Buffer.concat(io.bytes).toString('utf8') };
};

/** Rows of a file as DuckDB reads it, as plain values. */
async function readBack(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await DuckDbStore.open(':memory:');
  try {
    return await reader.query(sql);
  } finally {
    await reader.close();
  }
}

afterEach(() => {
  expect(readdirSync(temp)).toEqual([]);
  // an export to --out keeps its temporary folder beside the file, and removes it
  expect(readdirSync(dir).filter((n) => n.startsWith('strata-export-') || n.endsWith('.partial'))).toEqual([]);
});

beforeAll(async () => {
  const store = await DuckDbStore.open(db);
  const order = (id: string, customer: string, total: number, placed: string, skus: string[]) =>
    Order.parse({
      id,
      customer_id: customer,
      location_id: 'online',
      placed_at: placed,
      currency: 'EUR',
      total,
      lines: skus.map((sku) => ({ sku, quantity: 1, unit_price: total / skus.length })),
    });
  await store.write({
    products: [
      Product.parse({ sku: 'c1', name: 'Beans', category: 'Coffee', price: 10 }),
      Product.parse({ sku: 't1', name: 'Leaves', category: 'Tea', price: 5 }),
    ],
    customers: customers.map((c) => Customer.parse(c)),
    orders: [
      order('o1', 'ann', 500.25, '2026-08-01T10:00:00Z', ['c1', 't1']),
      order('o2', 'ann', 300, '2026-08-20T10:00:00Z', ['c1']),
      order('o3', 'bob', 20, '2026-10-01T10:00:00Z', ['t1']),
      order('o4', 'eve', 45.5, '2026-09-12T08:30:00Z', ['c1']),
    ],
  });
  await store.close();
  expect((await run$('profiles', 'compute', '--as-of', '2026-11-01')).code).toBe(0);
}, 120_000);

const COLUMNS =
  'customer_id,first_name,last_name,email,total_spent,order_count,last_order_at,categories,email_consent,birthday';

describe('strata segment export', () => {
  it('writes CSV, JSON Lines and Parquet that read back with DuckDB as the store holds them', async () => {
    for (const format of ['csv', 'jsonl', 'parquet'])
      expect(
        (
          await run$(
            'segment',
            'export',
            'order_count >= 1',
            '--columns',
            COLUMNS,
            '--format',
            format,
            '--out',
            join(dir, `buyers.${format}`),
          )
        ).code,
      ).toBe(0);
    const expected = [
      {
        customer_id: 'ann',
        first_name: 'Ann',
        last_name: 'Smith',
        email: 'ann.smith@example.com',
        total_spent: 800.25,
        order_count: 2,
        last_order_at: '2026-08-20T10:00:00.000Z',
        categories: ['Coffee', 'Tea'],
        email_consent: true,
        birthday: '1980-02-03',
      },
      {
        customer_id: 'bob',
        first_name: 'Bob',
        last_name: null,
        email: 'bob@example.com',
        total_spent: 20,
        order_count: 1,
        last_order_at: '2026-10-01T10:00:00.000Z',
        categories: ['Tea'],
        email_consent: false,
        birthday: null,
      },
      {
        customer_id: 'eve',
        first_name: 'Eve',
        last_name: '"Evie" Adams',
        email: 'eve@example.com',
        total_spent: 45.5,
        order_count: 1,
        last_order_at: '2026-09-12T08:30:00.000Z',
        categories: ['Coffee'],
        email_consent: true,
        birthday: null,
      },
    ];
    // personal data: the files are the owner's only
    for (const format of ['csv', 'jsonl', 'parquet'])
      expect(statSync(join(dir, `buyers.${format}`)).mode & 0o777).toBe(0o600);
    // Parquet keeps the store's types: times with their zone, lists as lists, dates as dates
    expect(await readBack(`SELECT * FROM read_parquet('${join(dir, 'buyers.parquet')}')`)).toEqual(expected);
    const types = await readBack(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${join(dir, 'buyers.parquet')}'))`,
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toMatchObject({
      total_spent: 'DOUBLE',
      order_count: 'BIGINT',
      last_order_at: 'TIMESTAMP WITH TIME ZONE',
      categories: 'VARCHAR[]',
      birthday: 'DATE',
    });
    const typed = `columns = {customer_id: 'VARCHAR', first_name: 'VARCHAR', last_name: 'VARCHAR', email: 'VARCHAR', total_spent: 'DOUBLE', order_count: 'BIGINT', last_order_at: 'TIMESTAMPTZ', categories: 'VARCHAR', email_consent: 'BOOLEAN', birthday: 'DATE'}`;
    const csv = await readBack(`SELECT * FROM read_csv('${join(dir, 'buyers.csv')}', header = true, ${typed})`);
    // a list in CSV is its items joined by ";", as `strata import` reads lists
    expect(csv).toEqual(expected.map((r) => ({ ...r, categories: r.categories.join(';') })));
    const jsonl = await readBack(
      `SELECT * FROM read_json('${join(dir, 'buyers.jsonl')}', format = 'newline_delimited', ${typed.replace("categories: 'VARCHAR'", "categories: 'VARCHAR[]'")})`,
    );
    expect(jsonl).toEqual(expected);
    // the quoting a spreadsheet needs for the name with quotes
    expect(readFileSync(join(dir, 'buyers.csv'), 'utf8').split('\n')[3]).toBe(
      'eve,Eve,"""Evie"" Adams",eve@example.com,45.5,1,2026-09-12T08:30:00.000Z,Coffee,true,',
    );
  });

  it('writes to standard output when no --out is given, and the summary to stderr', async () => {
    const r = await run$(
      'segment',
      'export',
      '--ready',
      'big-spenders',
      '--param',
      'percent=20',
      '--columns',
      'customer_id,total_spent',
    );
    expect(r.code).toBe(0);
    expect(r.text).toBe('customer_id,total_spent\nann,800.25\n');
    expect(r.stderr).toEqual([
      'exported 1 of 1 customers (csv: customer_id, total_spent) as of 2026-11-01T23:59:59.999Z',
    ]);
  });

  it('refuses an unknown column with the closest one before writing anything', async () => {
    const out = join(dir, 'never.csv');
    const r = await run$('segment', 'export', 'order_count >= 1', '--columns', 'email,totl_spent', '--out', out);
    expect(r.code).toBe(65);
    expect(r.stderr[0]).toContain('unknown column "totl_spent"; did you mean "total_spent"?');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const nowhere = await run$('segment', 'export', 'order_count >= 1', '--out', join(dir, 'no', 'such', 'folder.csv'));
    expect(nowhere.code).toBe(66);
    expect(nowhere.stderr[0]).toBe(
      `error: cannot write ${join(dir, 'no', 'such', 'folder.csv')}: there is no folder ${join(dir, 'no', 'such')}`,
    );
  });

  it('writes a Meta audience of the customers whose consent allows it, hashed as Meta documents', async () => {
    const r = await run$('segment', 'export', 'country in ["DE", "FR", "GB"]', '--format', 'meta');
    expect(r.code).toBe(0);
    const lines = r.text.trimEnd().split('\n');
    expect(lines[0]).toBe('email,phone,fn,ln,ct,st,zip,country,doby,gen');
    expect(lines.slice(1)).toEqual([
      [
        sha('ann.smith@example.com'),
        sha('4915111111111'),
        sha('ann'),
        sha('smith'),
        sha('köln'),
        '',
        sha('50667'),
        sha('de'),
        sha('1980'),
        '',
      ].join(','),
      // dee: the phone (SMS consent), not the email (no email consent); the name without punctuation
      ['', sha('33612345678'), sha('dee'), sha('oneil jr'), '', '', '', sha('fr'), '', ''].join(','),
      [sha('eve@example.com'), '', sha('eve'), sha('evie adams'), '', '', sha('sw1a1aa'), sha('gb'), '', ''].join(','),
    ]);
    expect(r.stderr).toEqual([
      'exported 3 of 5 customers (meta: email, phone, fn, ln, ct, st, zip, country, doby, gen) as of 2026-11-01T23:59:59.999Z',
      'left out 2: 1 without email or SMS marketing consent for the email or phone they have, 1 with neither an email nor a phone',
    ]);
  });

  it('writes a Google Customer Match file with country and zip unhashed', async () => {
    const r = await run$(
      '--json',
      'segment',
      'export',
      'order_count >= 1',
      '--format',
      'google',
      '--out',
      join(dir, 'google.csv'),
    );
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'google.csv'), 'utf8')).toBe(
      'Email,Phone,First Name,Last Name,Country,Zip\n' +
        `${sha('ann.smith@example.com')},${sha('+4915111111111')},${sha('ann')},${sha('smith')},DE,50667\n` +
        `${sha('eve@example.com')},,${sha('eve')},${sha('"evie"adams')},GB,SW1A 1AA\n`,
    );
    expect(JSON.parse(r.stdout.join('\n'))).toEqual({
      format: 'google',
      columns: ['Email', 'Phone', 'First Name', 'Last Name', 'Country', 'Zip'],
      as_of: '2026-11-01T23:59:59.999Z',
      members: 3,
      rows: 2,
      left_out: { no_consent: 1, no_contact: 0 },
    });
  });

  it('exports every profile', async () => {
    const r = await run$('profiles', 'export', '--columns', 'customer_id,country,sms_consent', '--format', 'jsonl');
    expect(r.code).toBe(0);
    expect(
      r.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { customer_id: 'ann', country: 'DE', sms_consent: true },
      { customer_id: 'bob', country: 'DE', sms_consent: true },
      { customer_id: 'cy', country: 'FR', sms_consent: false },
      { customer_id: 'dee', country: 'FR', sms_consent: true },
      { customer_id: 'eve', country: 'GB', sms_consent: false },
    ]);
  });
});

describe('segment list --counts and explain of a ready or saved segment', () => {
  it("shows a percentile condition's cut-off, for a ready and a saved segment", async () => {
    const ready = await run$('segment', 'explain', '--ready', 'big-spenders', 'eve');
    expect(ready.code).toBe(0);
    expect(ready.stdout).toContain('  ✗ total_spent in top 10%   (total_spent = 45.5; top 10% = total_spent ≥ 800.25)');
    expect((await run$('segment', 'save', 'Top half', 'total_spent in top 50% and country = "DE"')).code).toBe(0);
    const saved = await run$('segment', 'explain', '--saved', 'Top half', 'bob');
    // money measures rank buyers only: ann, eve, bob; the top half is the first two
    expect(saved.stdout).toContain('    ✗ total_spent in top 50%   (total_spent = 20; top 50% = total_spent ≥ 45.50)');
  });

  it("lists each segment's size", async () => {
    const r = await run$('segment', 'list', '--counts');
    expect(r.code).toBe(0);
    expect(r.stdout.find((l) => l.includes('Top half'))).toMatch(/^ +1 {2}Top half/);
    expect(r.stdout.find((l) => l.includes('one-time-buyers'))).toMatch(/^ +2 {2}one-time-buyers/);
    const json = JSON.parse((await run$('--json', 'segment', 'list', '--counts')).stdout.join('\n')) as {
      ready: { id: string; count: number }[];
    };
    expect(json.ready.find((s) => s.id === 'returning-customers')?.count).toBe(1);
  });
});

describe('through a running server', () => {
  it('writes every file byte for byte as on the store file, with the same summary; explains and counts the same', async () => {
    const asks = [
      ['segment', 'export', 'order_count >= 1', '--columns', COLUMNS, '--format', 'csv'],
      ['segment', 'export', 'order_count >= 1', '--columns', COLUMNS, '--format', 'jsonl'],
      ['segment', 'export', 'order_count >= 1', '--columns', COLUMNS, '--format', 'parquet'],
      ['segment', 'export', '--saved', 'Top half', '--format', 'meta'],
      ['segment', 'export', '--ready', 'one-time-buyers', '--format', 'google'],
      ['profiles', 'export'],
      ['segment', 'export', 'totl_spent > 1'],
      ['segment', 'explain', '--ready', 'big-spenders', 'eve'],
      ['segment', 'explain', '--saved', 'Top half', 'bob'],
      ['segment', 'list', '--counts'],
    ];
    const all = async () => {
      const results = [];
      for (const a of asks) {
        const r = await run$(...a);
        results.push({
          a,
          code: r.code,
          bytes: Buffer.concat(r.bytes).toString('base64'),
          stdout: r.stdout,
          stderr: r.stderr,
        });
      }
      return results;
    };
    const local = await all();
    expect(local.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 65, 0, 0, 0]);
    expect(local[2]!.bytes.length).toBeGreaterThan(100);
    const server = await startServer({ dbPath: db, port: 0 });
    try {
      expect(await all()).toEqual(local);
    } finally {
      await server.close();
    }
  });
});
