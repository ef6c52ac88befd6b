/**
 * Random input against a real server process (fast-check): no body sent to /v1/batch, and no CSV
 * imported, ever gets a 5xx; the good rows of a file are kept and each bad one is reported by its
 * line. Run counts are modest (FC_RUNS raises them) so that each test stays well under 20 s.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthMs, spawnServer, type ServerProcess } from './server-process.js';

const keys = { STRATA_WRITE_KEY: 'wk-fuzz', STRATA_API_KEY: 'api-fuzz', STRATA_WEBHOOK_SECRET: 'whsec-fuzz' };
const dir = mkdtempSync(join(tmpdir(), 'strata-fuzz-'));
const runs = (n: number) => Number(process.env.FC_RUNS ?? n);
let server: ServerProcess;

beforeAll(async () => {
  server = await spawnServer(join(dir, 'store.duckdb'), keys);
});
afterAll(async () => {
  await server?.stop();
});

const post = (path: string, body: NonNullable<RequestInit['body']>, authorization: string) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body,
  });

/** Strings as careless or hostile clients send them: lone surrogates, controls, quotes, emoji, long runs. */
const weirdString = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '\ud800',
      'a\udfffb',
      '\u0000',
      '"',
      '\\',
      '\n\r',
      '😀',
      ' ',
      '',
      'é'.repeat(300),
      '2026-02-30T10:00:00Z',
    ),
  },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);
/** Numbers written into the JSON text as they are, beyond what JSON.stringify would write. */
const rawNumbers = ['99999999999999999999', '1e400', '-1e400', '1e-400', '123456789012345678901234567890.5', '-0'];
const rawNumber = fc.constantFrom(...rawNumbers.map((n, i) => `__raw_${i}__`));
const deep = fc.integer({ min: 0, max: 300 }).map((depth) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
});
const value = fc.oneof(
  { weight: 4, arbitrary: weirdString },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 2, arbitrary: rawNumber },
  { weight: 1, arbitrary: fc.constantFrom(true, null) },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(weirdString, weirdString, { maxKeys: 3 }) },
);
const fields = [
  'type',
  'messageId',
  'userId',
  'anonymousId',
  'previousId',
  'groupId',
  'event',
  'name',
  'timestamp',
  'properties',
  'traits',
  'context',
];
/** A message a client library would send, with a weird value in its properties or traits and now and then in its own fields. */
const message = fc
  .tuple(
    fc.record({
      type: fc.constantFrom('identify', 'track', 'page', 'screen', 'group', 'alias'),
      messageId: fc.uuid(),
      userId: fc.constantFrom('fz-1', 'fz-2'),
      anonymousId: fc.constantFrom('anon-1', 'anon-2'),
      previousId: fc.constant('anon-3'),
      groupId: fc.constant('g-1'),
      event: fc.constantFrom('Order Completed', 'Product Added', 'Coupon Entered', 'Signed Up'),
      timestamp: fc.constant('2026-03-01T10:00:00Z'),
      properties: fc.dictionary(weirdString, value, { maxKeys: 4 }),
      traits: fc.dictionary(fc.oneof(fc.constantFrom('email', 'name', 'phone', 'age', 'address'), weirdString), value, {
        maxKeys: 4,
      }),
    }),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...fields), value, { maxKeys: 2 }) },
    ),
  )
  .map(([m, weird]) => ({ ...m, ...weird }));
const batchBody = fc.oneof(
  { weight: 8, arbitrary: fc.record({ batch: fc.array(message, { maxLength: 6 }) }) },
  { weight: 1, arbitrary: value },
  { weight: 1, arbitrary: fc.record({ batch: value, context: value }) },
);

describe('fuzz', () => {
  it('no /v1/batch body gets a 5xx', { timeout: 60_000 }, async () => {
    const auth = `Basic ${Buffer.from(`${keys.STRATA_WRITE_KEY}:`).toString('base64')}`;
    await fc.assert(
      fc.asyncProperty(batchBody, async (body) => {
        const text = (JSON.stringify(body) ?? 'null').replace(
          /"__raw_(\d)__"/g,
          (_, i: string) => rawNumbers[Number(i)]!,
        );
        const r = await post('/v1/batch', text, auth);
        const answer = await r.text();
        expect({ status: r.status, answer }).toMatchObject({ status: expect.any(Number) as number });
        expect(r.status, answer).toBeLessThan(500);
        const json = JSON.parse(answer) as { accepted?: number; rejected?: unknown[] };
        const sent = body !== null && typeof body === 'object' ? (body as { batch?: unknown }).batch : undefined;
        // A 400 for some messages says how many were kept: the others, one each.
        if (Array.isArray(sent) && json.rejected)
          expect(json.accepted! + json.rejected.length).toBeLessThanOrEqual(sent.length);
      }),
      { numRuns: runs(150) },
    );
    expect(await healthMs(server.url)).toBeLessThan(1000);
  });

  it('no CSV import gets a 5xx; good rows are kept and bad ones reported by line', { timeout: 60_000 }, async () => {
    const api = `Bearer ${keys.STRATA_API_KEY}`;
    /** A cell that breaks a row without touching CSV quoting. */
    const badCell = fc.oneof(
      fc.constantFrom('99999999999', '-1', '0', '1e400', '1.5', 'NaN', '', ' ', 'x', '\r'),
      fc.string({ unit: fc.constantFrom('a', '9', ' ', 'é', '😀', '\u0000'), maxLength: 8 }),
    );
    const bytesOf = (s: string) => Buffer.from(s);
    /** Raw bytes that are not UTF-8 (an encoded surrogate, a stray continuation byte). */
    const badBytes = fc.constantFrom(Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff]), Buffer.from([0xc3]));
    /** Cells that open, close or double quotes: may join lines into one row, as CSV says. */
    const quoteCell = fc.constantFrom('"', '"open', 'a"b', '""', '"x"y', '"multi\nline"');
    const row = fc.oneof(
      { weight: 5, arbitrary: fc.constant<'good'>('good') },
      {
        weight: 2,
        arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 }), badCell).map(([at, cell]) => ({ at, cell: bytesOf(cell) })),
      },
      { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 }), badBytes).map(([at, cell]) => ({ at, cell })) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.integer({ min: 0, max: 3 }), quoteCell)
          .map(([at, cell]) => ({ at, cell: bytesOf(cell), quote: true })),
      },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 30 }), fc.boolean(), async (rows, byPath) => {
        const order = `fz${run++}`;
        const lines: Buffer[] = [bytesOf('order_id,line_no,sku,quantity,unit_price')];
        const good: number[] = [];
        const bad: number[] = [];
        rows.forEach((r, i) => {
          const cells = [bytesOf(order), bytesOf(String(i + 1)), bytesOf('MUG'), bytesOf('2'), bytesOf('9.5')];
          if (r === 'good') good.push(i + 2);
          else {
            cells[r.at + 1] = r.cell;
            bad.push(i + 2);
          }
          lines.push(Buffer.concat(cells.flatMap((c, k) => (k ? [bytesOf(','), c] : [c]))));
        });
        const csv = Buffer.concat(lines.flatMap((l) => [l, bytesOf('\n')]));
        const quotes = rows.filter((r) => r !== 'good' && 'quote' in r).length;
        let r: Response;
        if (byPath) {
          const path = join(dir, `${order}.csv`);
          writeFileSync(path, csv);
          r = await post(`/v1/import/order_lines?format=csv&${new URLSearchParams({ path }).toString()}`, '', api);
        } else r = await post('/v1/import/order_lines?format=csv', csv, api);
        const answer = await r.text();
        expect(r.status, answer).toBeLessThan(500);
        expect(r.status, answer).toBe(200);
        const s = JSON.parse(answer) as {
          rows: number;
          imported: number;
          skipped: number;
          updated: number;
          rejected: number;
          errors: { line: number }[];
        };
        expect(s.imported + s.updated + s.skipped + s.rejected).toBe(s.rows);
        for (const e of s.errors) expect(e.line).toBeGreaterThanOrEqual(2);
        if (quotes === 0) {
          // Without quotes every line is one row: each good one kept, each report on a bad line.
          expect(s.rows).toBe(rows.length);
          for (const e of s.errors) expect(bad).toContain(e.line);
        }
        // One broken quote costs its own row at most: every good row is still kept.
        if (quotes <= 1) expect(s.imported).toBeGreaterThanOrEqual(good.length);
      }),
      { numRuns: runs(60) },
    );
    expect(await healthMs(server.url)).toBeLessThan(1000);
  });
});
