import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventPropertySchemas, fixedClock } from '@strata/core';
import { importFile, type ImportSummary } from '@strata/ingest';
import { DuckDbStore, eventPropertyChecks } from '@strata/store-duckdb';

/*
 * The native bulk path (DuckDB's own parallel reader, canonical rows written inside the engine,
 * the rest validated by zod) must leave exactly the store and report exactly the summary that
 * streaming the same file through the zod schemas does — on a file mixing canonical records,
 * valid records in other forms, bad records, blank lines and duplicates.
 */

const dir = mkdtempSync(join(tmpdir(), 'strata-native-'));
const stores: DuckDbStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

async function open(name: string): Promise<DuckDbStore> {
  // A fixed clock: times the store fills in (a tag's time on a record without created_at) agree.
  const s = await DuckDbStore.open(join(dir, `${name}.duckdb`), { clock: fixedClock('2026-06-01T00:00:00.000Z') });
  stores.push(s);
  return s;
}

async function dump(store: DuckDbStore) {
  return {
    events: await store.rows(
      `SELECT message_id, customer_id, anonymous_id, type, occurred_at, properties::VARCHAR AS properties FROM events ORDER BY message_id`,
    ),
    customers: await store.rows(`SELECT id, is_stub, merged_into FROM customers ORDER BY id`),
    identities: await store.rows(`SELECT kind, value, customer_id FROM identities ORDER BY kind, value`),
  };
}

const ev = (o: Record<string, unknown>) => JSON.stringify(o);
const T = '2026-03-01T10:00:00.000Z';

// Line by line; the comment says which path each record takes.
const lines = [
  ev({ message_id: 'm1', customer_id: 'c1', type: 'page_view', occurred_at: T, properties: { page_kind: 'home' } }), // canonical
  ev({ message_id: 'm2', anonymous_id: 'a1', type: 'product_view', occurred_at: T, properties: { sku: 'S1' } }), // canonical, anonymous
  '', // blank line: skipped by both
  ev({
    message_id: 'm3',
    customer_id: 'c1',
    anonymous_id: 'a1',
    type: 'add_to_cart',
    occurred_at: T,
    properties: { sku: 'S1' },
  }), // links a1 to c1
  ev({
    message_id: ' m4 ',
    customer_id: 'c2',
    type: 'page_view',
    occurred_at: '2026-03-01 11:00',
    properties: { page_kind: 'product' },
  }), // valid, not canonical
  ev({ message_id: 'm5', customer_id: 'c2', type: 'review', occurred_at: T, properties: { rating: 7 } }), // rejected: rating
  '{"message_id": "m6", "customer_id": "c3", "type": "page_view"', // rejected: not JSON
  '[1, 2]', // rejected: not an object
  ev({ message_id: 'm7', type: 'page_view', occurred_at: T, properties: { page_kind: 'home' } }), // rejected: no customer
  ev({
    message_id: 'm8',
    customer_id: 'c3',
    type: 'content_view',
    occurred_at: T,
    properties: { content_id: 'k1', topic: 'tea', dwell_seconds: 12.5 },
  }), // canonical
  ev({ message_id: 'm1', customer_id: 'c9', type: 'page_view', occurred_at: T, properties: { page_kind: 'home' } }), // duplicate of m1: the first is kept
  ev({ message_id: 'm9', customer_id: 'c3', type: 'custom_thing', occurred_at: '2026-02-30T10:00:00.000Z' }), // rejected: no such day
  ev({ message_id: 'm10', customer_id: 'c3', type: 'custom_thing', occurred_at: T }), // canonical, properties default to {}
  ev({
    message_id: 'm11',
    customer_id: 'Zoë\u00a0',
    type: 'page_view',
    occurred_at: T,
    properties: { page_kind: 'other' },
  }), // valid after trim (Unicode space)
  ev({ message_id: 'm12', customer_id: 'c4', type: 'page_view', occurred_at: T, properties: { page_kind: 'nope' } }), // rejected: page kind
  ev({
    message_id: 'm13',
    customer_id: 'c4',
    type: 'questionnaire_answer',
    occurred_at: T,
    properties: { question: 'q', option: 'o' },
  }), // canonical
  ev({
    message_id: 'm14',
    customer_id: 'c4',
    type: 'referral',
    occurred_at: T,
    properties: { referrer: 'c4', referee: '' },
  }), // rejected: empty referee
  ev({ message_id: 'm15', customer_id: 5, type: 'page_view', occurred_at: T, properties: { page_kind: 'home' } }), // valid: numeric id
  ev({ message_id: 'm16', anonymous_id: 'a1', type: 'checkout_started', occurred_at: T }), // canonical, resolves to c1 through a1
];

describe('native bulk import of events', () => {
  it('the native path and the streaming path give the same summary and the same store', async () => {
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const native = await open('native');
    const opened = await native.openFileImport('events', file, 'jsonl');
    expect(opened).toBeDefined();
    // 18 records on 19 lines; the zod path sees the 10 that are not canonical, with their line numbers.
    expect(opened!.records).toBe(18);
    expect(opened!.others.map((o) => o.line)).toEqual([5, 6, 7, 8, 9, 12, 14, 15, 17, 18]);
    await opened!.close();

    const streamed = await open('streamed');
    const a = await importFile(native, 'events', file);
    const b = await importFile(streamed, 'events', file, { streamOnly: true });
    const strip = (s: ImportSummary) => ({ ...s, durationMs: 0 });
    expect(strip(a)).toEqual(strip(b));
    expect(a).toMatchObject({ rows: 18, imported: 10, skipped: 1, rejected: 7 });
    expect(a.errors.map((e) => e.line)).toEqual([6, 7, 8, 9, 12, 15, 17]);
    expect(await dump(native)).toEqual(await dump(streamed));
    const m16 = (await dump(native)).events.find((e) => e.message_id === 'm16');
    expect(m16).toMatchObject({ customer_id: 'c1' });

    const again = await importFile(native, 'events', file);
    expect(again).toMatchObject({ imported: 0, skipped: 11, rejected: 7 });
    expect(await dump(native)).toEqual(await dump(streamed));
  });

  it('a large all-canonical file is appended with the index dropped and rebuilt, duplicates removed', async () => {
    const file = join(dir, 'many.jsonl');
    const n = 250_000;
    const out: string[] = [];
    for (let i = 0; i < n; i++)
      out.push(
        ev({
          message_id: `e${i}`,
          customer_id: `c${i % 1000}`,
          type: 'page_view',
          occurred_at: T,
          properties: { page_kind: 'home' },
        }),
      );
    out.push(
      ev({
        message_id: 'e7',
        customer_id: 'other',
        type: 'page_view',
        occurred_at: T,
        properties: { page_kind: 'home' },
      }),
    );
    writeFileSync(file, out.join('\n'));
    const store = await open('many');
    const s = await importFile(store, 'events', file);
    expect(s).toMatchObject({ rows: n + 1, imported: n, skipped: 1, rejected: 0 });
    expect(await store.rows(`SELECT customer_id FROM events WHERE message_id = 'e7'`)).toEqual([{ customer_id: 'c7' }]);
    expect(
      await store.rows(`SELECT count(*)::INTEGER AS n FROM duckdb_indexes() WHERE index_name = 'events_message_id'`),
    ).toEqual([{ n: 1 }]);
    // The index enforces the key again: the same message id is not stored twice.
    await store.write({
      events: [
        { message_id: 'e1', customer_id: 'x', type: 'page_view', occurred_at: T, properties: { page_kind: 'home' } },
      ],
    });
    expect(await store.rows(`SELECT count(*)::INTEGER AS n FROM events WHERE message_id = 'e1'`)).toEqual([{ n: 1 }]);
  });

  it('a store left without its index by a killed bulk append gets it back, without duplicates, when opened', async () => {
    const path = join(dir, 'killed.duckdb');
    const s1 = await DuckDbStore.open(path);
    await s1.write({
      events: [
        { message_id: 'k1', customer_id: 'c1', type: 'page_view', occurred_at: T, properties: { page_kind: 'home' } },
      ],
    });
    // What a kill between dropping the index and building it again leaves behind.
    await s1.exec('DROP INDEX events_message_id');
    await s1.exec(`INSERT INTO events SELECT * FROM events`);
    await s1.close();
    const s2 = await DuckDbStore.open(path);
    stores.push(s2);
    expect(await s2.rows(`SELECT count(*)::INTEGER AS n FROM events`)).toEqual([{ n: 1 }]);
    expect(
      await s2.rows(`SELECT count(*)::INTEGER AS n FROM duckdb_indexes() WHERE index_name = 'events_message_id'`),
    ).toEqual([{ n: 1 }]);
  });

  it('checks the properties of exactly the event types core has rules for', () => {
    expect(Object.keys(eventPropertyChecks('p')).sort()).toEqual(Object.keys(eventPropertySchemas).sort());
  });
});

describe('native bulk import of orders and order lines (CSV)', () => {
  const orders = [
    'id,customer_id,customer_email,customer_phone,customer_country,location_id,placed_at,status,currency,total,discount_total,discount_codes',
    'o1,c1,,,,web,2026-03-01T10:00:00.000Z,confirmed,EUR,10.50,0.00,', // canonical
    'o2,,Ann@Example.com,,DE,berlin,2026-03-01T11:00:00.000Z,,EUR,20,1.5,SPRING10', // e-mail lower-cased in SQL, status defaulted
    'o3,,,0151 2345 6789,DE,berlin,2026-03-01T12:00:00.000Z,confirmed,eur,5,0,', // local phone (E.164 by libphonenumber); currency not canonical
    'o4,,,+4915123456789,,berlin,2026-03-02T12:00:00.000Z,confirmed,EUR,7,0,A;B', // phone already E.164: the same buyer as o3
    'o5,c2,,,,web,2026-03-01 10:00,confirmed,EUR,3,0,', // local time: valid, through zod
    'o6,c2,,,,web,2026-03-01T10:00:00.000Z,shipped,EUR,3,0,', // rejected: status
    'o7,,,12,DE,berlin,2026-03-01T10:00:00.000Z,confirmed,EUR,3,0,', // rejected: not a phone number
    'o8,,,,,web,2026-03-01T10:00:00.000Z,confirmed,EUR,3,0,', // rejected: no buyer
    'o1,c1,,,,web,2026-03-01T10:00:00.000Z,refunded,EUR,10.50,0.00,', // o1 again: the last one wins
    '"o9",c3,,,,web,2026-03-05T10:00:00.000Z,confirmed,EUR,-4.25,0,X|Y', // quoted id, negative total
  ];
  const lines = [
    'order_id,line_no,sku,quantity,unit_price,line_discount',
    'o1,1,S1,1,10.50,0',
    'o1,2,S2,2,0.00,',
    'o2,1,S1,1,x,0', // rejected: price
    'o2,1,S1,1,20,0',
    'o3,1,S3,0,5,0', // rejected: quantity
    'o3,1, S3 ,1,5,0', // padded sku: valid, through zod
  ];

  async function both(entity: 'orders' | 'order_lines', text: string) {
    const file = join(dir, `${entity}.csv`);
    writeFileSync(file, text);
    const a = await open(`csv-native-${entity}`);
    const b = await open(`csv-stream-${entity}`);
    if (entity === 'order_lines') {
      writeFileSync(join(dir, 'o.csv'), orders.join('\n'));
      for (const s of [a, b]) await importFile(s, 'orders', join(dir, 'o.csv'), { streamOnly: true });
    }
    const native = await importFile(a, entity, file);
    const streamed = await importFile(b, entity, file, { streamOnly: true });
    return { a, b, native, streamed };
  }

  const tables = async (s: DuckDbStore) => ({
    orders: await s.rows(`SELECT * FROM orders ORDER BY id`),
    lines: await s.rows(`SELECT * FROM order_lines ORDER BY order_id, line_no`),
    customers: await s.rows(`SELECT id, email, phone, is_stub, merged_into FROM customers ORDER BY id`),
    identities: await s.rows(`SELECT kind, value, customer_id FROM identities ORDER BY kind, value`),
  });

  it('orders: the same summary and store as streaming, with rejected rows by line', async () => {
    const { a, b, native, streamed } = await both('orders', orders.join('\n') + '\n');
    // o1 sent twice: one batch of the stream collapses the two, the native path (o1's second
    // record comes after records sent to zod) inserts and then updates it. The stored rows are the same.
    const counts = (s: ImportSummary) => ({ rows: s.rows, rejected: s.rejected, errors: s.errors });
    expect(counts(native)).toEqual(counts(streamed));
    expect(native).toMatchObject({ rows: 10, imported: 6, updated: 1, rejected: 3 });
    expect(native.errors.map((e) => [e.line, e.field])).toEqual([
      [7, 'status'],
      [8, 'customer_phone'],
      [9, 'customer_id'],
    ]);
    expect(await tables(a)).toEqual(await tables(b));
    const o = await a.rows<{ id: string; status: string; source_phone: string | null; source_email: string | null }>(
      `SELECT id, status, source_phone, source_email FROM orders ORDER BY id`,
    );
    expect(o.find((r) => r.id === 'o1')?.status).toBe('refunded');
    expect(o.find((r) => r.id === 'o2')).toMatchObject({ status: 'confirmed', source_email: 'ann@example.com' });
    expect(o.find((r) => r.id === 'o3')?.source_phone).toBe('+4915123456789');
    // One till customer for the two phone orders.
    const buyers = await a.rows<{ n: number }>(
      `SELECT count(DISTINCT customer_id)::INTEGER AS n FROM orders WHERE id IN ('o3', 'o4')`,
    );
    expect(buyers).toEqual([{ n: 1 }]);
  });

  it('order lines: the same summary and store as streaming', async () => {
    const { a, b, native, streamed } = await both('order_lines', lines.join('\n') + '\n');
    expect({ ...native, durationMs: 0 }).toEqual({ ...streamed, durationMs: 0 });
    expect(native).toMatchObject({ rows: 6, imported: 4, rejected: 2 });
    expect(native.errors.map((e) => e.line)).toEqual([4, 6]);
    expect(await tables(a)).toEqual(await tables(b));
  });

  it('reads natively only what it can match exactly: other columns, unnumbered lines and multi-line cells are streamed', async () => {
    const store = await open('csv-fallbacks');
    const cases: [string, string][] = [
      ['order_lines', 'order_id,sku,quantity,unit_price\no1,S1,1,2\n'], // no line_no: numbering needs the whole file in order
      [
        'orders',
        'id,customer_id,location_id,placed_at,currency,total,lines.0.sku\no1,c1,web,2026-03-01T10:00:00.000Z,EUR,1,S1\n',
      ], // a nested column
      ['orders', 'id,customer_id,location_id,placed_at,currency,total\n"o1\nx",c1,web,5,EUR,1\n'], // a cell spanning two lines, and a bad row
    ];
    for (const [entity, text] of cases) {
      const file = join(dir, `fallback-${entity}.csv`);
      writeFileSync(file, text);
      expect(await store.openFileImport(entity as 'orders', file, 'csv')).toBeUndefined();
    }
  });
});

describe('native bulk import of customers (CSV)', () => {
  it('the same summary and store as streaming, for canonical, normalisable and bad records', async () => {
    const header =
      'id,email,phone,name,birthday,age,country,shipping_address.line1,shipping_address.city,shipping_address.country,timezone,attributes,tags,created_at,consent.email.granted,consent.email.at,consent.email.source,newsletter';
    const rows = [
      'k1,ann@example.com,+4915123456789,Ann,1990-02-03,35,DE,Hauptstr. 1,Berlin,de,Europe/Berlin,"{""vip"":true}",a;b,2024-01-01T00:00:00.000Z,true,2024-01-02T00:00:00.000Z,form,yes',
      'k2,Bob@Example.COM,0151 2345 6780,Bob,,,DE,,,,Europe/Berlin,"{ ""x"" : 1 }", b | c ,2024-01-01T00:00:00.000Z,,,,no', // e-mail and phone normalised, tags and attributes by JS rules
      'k3,cy@example.com,,Cy ,,,,,,,Mars/Olympus,,,2024-01-01T00:00:00.000Z,,,,', // rejected: time zone; name padded
      'k4,dee@example.com,,Dee,1990-02-30,,,,,,,,,,,,,', // rejected: no such day
      'k5,eve@example.com,,Eve,,131,,,,,,,,,,,,', // rejected: age
      'k6,fay@example.com,,Fay,,,,,,,,{},,2024-01-01 10:00,false,2024-03-01T00:00:00.000Z,,', // local time: through zod; empty attributes
      'k7,gil@example.com,,Gil,,,,,,,,"[1]",,,,,,', // rejected: attributes not an object
      'k8,hal@example.com,,Hal,,,,,,,,,,,true,,,', // rejected: consent without its time
      'k9,ann@example.com,,Ann again,,,,,,,,,x,,,,,', // same e-mail as k1: one person
    ];
    const file = join(dir, 'customers.csv');
    writeFileSync(file, [header, ...rows].join('\n') + '\n');
    const a = await open('cust-native');
    const b = await open('cust-stream');
    const native = await importFile(a, 'customers', file);
    const streamed = await importFile(b, 'customers', file, { streamOnly: true });
    expect({ ...native, durationMs: 0 }).toEqual({ ...streamed, durationMs: 0 });
    expect(native).toMatchObject({ rows: 9, imported: 4, rejected: 5 });
    expect(native.errors.map((e) => [e.line, e.field])).toEqual([
      [4, 'timezone'],
      [5, 'birthday'],
      [6, 'age'],
      [8, 'attributes'],
      [9, 'consent.email.at'],
    ]);
    const dumpC = async (s: DuckDbStore) => ({
      customers: await s.rows(
        `SELECT * EXCLUDE (attributes, shipping_address, billing_address), attributes::VARCHAR AS a, shipping_address::VARCHAR AS sa, billing_address::VARCHAR AS ba FROM customers ORDER BY id`,
      ),
      tags: await s.rows(`SELECT * FROM tags ORDER BY ALL`),
      identities: await s.rows(`SELECT kind, value, customer_id FROM identities ORDER BY ALL`),
      consent: await s.rows(`SELECT * FROM consent_history ORDER BY ALL`),
    });
    expect(await dumpC(a)).toEqual(await dumpC(b));
    const k2 = (
      await a.rows<{ email: string; phone: string }>(`SELECT email, phone FROM customers WHERE id = 'k2'`)
    )[0];
    expect(k2).toEqual({ email: 'bob@example.com', phone: '+4915123456780' });
    // nothing of the import's staging (raw rows, per-value maps) is left in the store
    expect(await a.rows(`SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, 'bulk_')`)).toEqual([]);
  });
});

describe('native bulk import of tags (CSV)', () => {
  it('the same summary and store as streaming', async () => {
    const file = join(dir, 'tags.csv');
    writeFileSync(
      file,
      [
        'customer_id,tag,source,assigned_by,assigned_at',
        't1,vip,manual,ann@shop.example,2024-01-01T00:00:00.000Z', // canonical
        't1,vip,rule,rules,2024-02-01T00:00:00.000Z', // the same tag again: the first assignment is kept
        't2,b2b,,,2024-01-01 09:00', // local time: through zod; source and assigned_by defaulted
        't3,x,robot,,2024-01-01T00:00:00.000Z', // rejected: source
        `t4,${'y'.repeat(101)},,,2024-01-01T00:00:00.000Z`, // rejected: tag too long
        't5,z,,,', // rejected: no time
        't6,new,rule,,2024-03-01T00:00:00.000Z', // canonical, for a customer not yet known (a stub)
      ].join('\n') + '\n',
    );
    const a = await open('tags-native');
    const b = await open('tags-stream');
    const native = await importFile(a, 'tags', file);
    const streamed = await importFile(b, 'tags', file, { streamOnly: true });
    expect({ rows: native.rows, rejected: native.rejected, errors: native.errors }).toEqual({
      rows: streamed.rows,
      rejected: streamed.rejected,
      errors: streamed.errors,
    });
    expect(native.errors.map((e) => [e.line, e.field])).toEqual([
      [5, 'source'],
      [6, 'tag'],
      [7, 'assigned_at'],
    ]);
    const dumpT = async (s: DuckDbStore) => ({
      tags: await s.rows(`SELECT * FROM tags ORDER BY ALL`),
      customers: await s.rows(`SELECT id, is_stub FROM customers ORDER BY id`),
    });
    expect(await dumpT(a)).toEqual(await dumpT(b));
    expect((await dumpT(a)).tags).toHaveLength(3);
  });
});
