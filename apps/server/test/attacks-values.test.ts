/**
 * One bad value must not sink a whole request or import (issue 15, item 5), against a real server
 * process. Each attack gets a 4xx or a per-row report with a clear message (no SQL, no stack, no
 * file contents), the good rows of the mixed request or file are stored, the server's memory stays
 * bounded and /health answers within a second while the attack goes on.
 */
import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthMs, spawnServer, type ServerProcess } from './server-process.js';

const keys = { STRATA_WRITE_KEY: 'wk-values', STRATA_API_KEY: 'api-values', STRATA_WEBHOOK_SECRET: 'whsec-values' };
const dir = mkdtempSync(join(tmpdir(), 'strata-values-'));
let server: ServerProcess;

beforeAll(async () => {
  server = await spawnServer(join(dir, 'store.duckdb'), keys);
});
afterAll(async () => {
  await server?.stop();
});

/** What a client must never see in an error: SQL, engine or stack text, a crash's own message. */
const leak =
  /SELECT|INSERT|LINE \d+:|Conversion Error|Malformed JSON|at .*\.js:\d+|node_modules|call stack|bigint out of/;

const basic = `Basic ${Buffer.from(`${keys.STRATA_WRITE_KEY}:`).toString('base64')}`;
const post = (path: string, body: NonNullable<RequestInit['body']>, auth: string) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body,
  });
const batch = (body: NonNullable<RequestInit['body']>) => post('/v1/batch', body, basic);
const importBody = (entity: string, format: 'csv' | 'jsonl', body: NonNullable<RequestInit['body']>) =>
  post(`/v1/import/${entity}?format=${format}`, body, `Bearer ${keys.STRATA_API_KEY}`);
const importPath = (entity: string, path: string) =>
  post(
    `/v1/import/${entity}?${new URLSearchParams({ path }).toString()}&format=${path.endsWith('.csv') ? 'csv' : 'jsonl'}`,
    '',
    `Bearer ${keys.STRATA_API_KEY}`,
  );
const counts = async () =>
  (
    (await (await fetch(`${server.url}/v1/stats`)).json()) as {
      counts: Record<'events' | 'customers' | 'order_lines', number>;
    }
  ).counts;

/**
 * Runs an attack while /health is asked every 100 ms, and returns the answer's status and text
 * with the slowest /health and how much the server's memory grew.
 */
async function attack(
  send: () => Promise<Response>,
): Promise<{ status: number; text: string; healthMs: number; rssGrowthMiB: number }> {
  const rss = server.rssMiB();
  const health: number[] = [];
  let done = false;
  const probe = (async () => {
    while (!done) {
      health.push(await healthMs(server.url));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const r = await send();
  const text = await r.text();
  done = true;
  await probe;
  health.push(await healthMs(server.url));
  expect(text).not.toMatch(leak);
  return { status: r.status, text, healthMs: Math.max(...health), rssGrowthMiB: server.rssMiB() - rss };
}

const track = (messageId: string, properties: Record<string, unknown> = {}) => ({
  type: 'track',
  messageId,
  userId: 'val-1',
  event: 'Coupon Entered',
  timestamp: '2026-03-01T10:00:00Z',
  properties,
});

describe('a lone surrogate', () => {
  it('in event properties or traits rejects that message only, naming the field and character', async () => {
    const before = await counts();
    const a = await attack(() =>
      batch(
        JSON.stringify({
          batch: [
            track('sur-good-1', { code: 'SPRING' }),
            track('sur-bad-1', { code: 'A\ud800B' }),
            {
              type: 'identify',
              messageId: 'sur-bad-2',
              userId: 'val-2',
              traits: { name: 'x', nick: { first: '\udfff' } },
            },
            { type: 'identify', messageId: 'sur-good-2', userId: 'val-3', traits: { name: 'Zoë 😀' } },
          ],
        }),
      ),
    );
    expect(a.status).toBe(400);
    expect(JSON.parse(a.text)).toEqual({
      success: false,
      accepted: 2,
      rejected: [
        {
          index: 1,
          messageId: 'sur-bad-1',
          errors: ['properties.code: has a lone surrogate \\uD800 at character 2: not valid Unicode text'],
        },
        {
          index: 2,
          messageId: 'sur-bad-2',
          errors: ['traits.nick.first: has a lone surrogate \\uDFFF at character 1: not valid Unicode text'],
        },
      ],
    });
    const after = await counts();
    expect(after.events - before.events).toBe(2);
    expect(after.customers - before.customers).toBe(2); // val-1 (the buyer of the good track) and val-3
    expect(a.healthMs).toBeLessThan(1000);
    expect(a.rssGrowthMiB).toBeLessThan(100);
  });

  it('in a JSON Lines import rejects that row by line and field and keeps the others, streamed or by path', async () => {
    const event = (id: string, properties: Record<string, unknown> = {}) =>
      JSON.stringify({
        message_id: id,
        customer_id: 'val-4',
        type: 'note',
        occurred_at: '2026-03-02T10:00:00.000Z',
        properties,
      });
    const jsonl = (p: string) =>
      [event(`${p}-1`), event(`${p}-2`, { text: '\ud83d' }), event(`${p}-3`)].join('\n') + '\n';
    writeFileSync(join(dir, 'events-surrogate.jsonl'), jsonl('file'));
    for (const send of [
      () => importBody('events', 'jsonl', jsonl('body')),
      () => importPath('events', join(dir, 'events-surrogate.jsonl')),
    ]) {
      const a = await attack(send);
      expect(a.status).toBe(200);
      expect(JSON.parse(a.text)).toMatchObject({
        rows: 3,
        imported: 2,
        rejected: 1,
        errors: [
          {
            line: 2,
            field: 'properties.text',
            message: 'has a lone surrogate \\uD83D at character 1: not valid Unicode text',
          },
        ],
      });
      expect(a.healthMs).toBeLessThan(1000);
    }
  });

  it('in a CSV cell of JSON rejects that row and keeps the others', async () => {
    const a = await attack(() =>
      importBody(
        'customers',
        'csv',
        'id,name,attributes\nsur-c1,Ann,"{""tier"":""gold""}"\nsur-c2,Bob,"{""tier"":""\\udc00""}"\nsur-c3,Cy,\n',
      ),
    );
    expect(JSON.parse(a.text)).toMatchObject({
      rows: 3,
      imported: 2,
      errors: [{ line: 3, field: 'attributes.tier', message: expect.stringContaining('lone surrogate \\uDC00') }],
    });
  });
});

describe('numbers beyond the store', () => {
  const lines = (order: string) =>
    [
      'order_id,line_no,sku,quantity,unit_price',
      `${order},1,MUG,1,9.5`,
      `${order},2,MUG,99999999999,9.5`,
      `${order},3,MUG,-2,9.5`,
      `${order},4,MUG,0,9.5`,
      `${order},5,MUG,1,1e300`,
      `${order},6,MUG,2,4`,
    ].join('\n') + '\n';
  const expected = {
    rows: 6,
    rejected: 4,
    errors: [
      { line: 3, field: 'quantity', message: 'must be ≤ 2,147,483,647' },
      { line: 4, field: 'quantity', message: 'must be ≥ 1' },
      { line: 5, field: 'quantity', message: 'must be ≥ 1' },
      { line: 6, field: 'unit_price', message: 'must be below 100,000,000,000,000' },
    ],
  };

  it('are reported per row, the good rows kept, and a rerun changes nothing (streamed and by path)', async () => {
    writeFileSync(join(dir, 'lines.csv'), lines('num-file'));
    for (const send of [
      () => importBody('order_lines', 'csv', lines('num-body')),
      () => importPath('order_lines', join(dir, 'lines.csv')),
    ]) {
      const before = await counts();
      const first = await attack(send);
      expect(first.status).toBe(200);
      expect(JSON.parse(first.text)).toMatchObject({ ...expected, imported: 2 });
      expect((await counts()).order_lines - before.order_lines).toBe(2);
      const again = await attack(send);
      expect(JSON.parse(again.text)).toMatchObject({ ...expected, imported: 0, skipped: 2 });
      expect(Math.max(first.healthMs, again.healthMs)).toBeLessThan(1000);
    }
  });

  it('in a segment query get a diagnostic at their characters, not a 500', async () => {
    const orders =
      'id,customer_id,location_id,placed_at,currency,total\nseg-o1,seg-c1,online,2026-02-01T10:00:00.000Z,EUR,20\n';
    expect((await importBody('orders', 'csv', orders)).status).toBe(200);
    const api = (path: string, body: unknown) => post(path, JSON.stringify(body), `Bearer ${keys.STRATA_API_KEY}`);
    expect((await api('/v1/profiles/compute', { as_of: '2026-03-01T00:00:00Z' })).status).toBe(200);
    for (const [text, span] of [
      ['order_count > 99999999999999999999', { start: 14, end: 34 }],
      ['total_spent > 1e30 or order_count >= 1', { start: 14, end: 18 }],
      ['last_order_at > 9007199254740991 days ago', { start: 16, end: 32 }],
    ] as const) {
      const a = await attack(() => api('/v1/segments/preview', { text }));
      expect({ text, status: a.status }).toEqual({ text, status: 400 });
      const body = JSON.parse(a.text) as { error: { diagnostics: { span: unknown; message: string }[] } };
      expect(body.error.diagnostics[0]).toMatchObject({
        span,
        message: expect.stringMatching(/too large|at most 1,000 years/),
      });
      expect(a.healthMs).toBeLessThan(1000);
    }
    const saved = (await (await api('/v1/segments', { name: 'Buyers', text: 'order_count >= 1' })).json()) as {
      id: string;
    };
    const page = await attack(() =>
      fetch(`${server.url}/v1/segments/${saved.id}/members?offset=1e30`, {
        headers: { authorization: `Bearer ${keys.STRATA_API_KEY}` },
      }),
    );
    expect(page.status).toBe(400);
    expect(page.text).toContain('offset must be a whole number from 0 to 9,007,199,254,740,991');
  });
});

describe('bodies built to break the parser', () => {
  it('answers a 100,000-deep (and a 4 MiB-deep) JSON body with a 400, memory flat', async () => {
    for (const depth of [100_000, 2 * 1024 * 1024 - 10]) {
      const a = await attack(() => batch('['.repeat(depth) + ']'.repeat(Math.min(depth, 10))));
      expect(a.status).toBe(400);
      expect(JSON.parse(a.text)).toMatchObject({
        error: { type: 'invalid', message: 'body is nested more than 256 levels deep at line 1, column 257' },
      });
      expect(a.healthMs).toBeLessThan(1000);
      expect(a.rssGrowthMiB).toBeLessThan(100);
    }
  });

  it('reports bytes that are not UTF-8 in a JSON body by line and column instead of storing U+FFFD', async () => {
    const before = await counts();
    const body = Buffer.concat([
      Buffer.from('{"batch": [\n  {"type":"track","messageId":"utf-1","userId":"u","event":"e","properties":{"a":"'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('"}}]}'),
    ]);
    const a = await attack(() => batch(body));
    expect(a.status).toBe(400);
    expect(JSON.parse(a.text)).toMatchObject({
      error: { message: 'body is not valid UTF-8 (byte 0xC0) at line 2, column 83' },
    });
    expect((await counts()).events).toBe(before.events);
  });

  it('reports bytes that are not UTF-8 in CSV and JSON Lines imports by line and column, and keeps the rest', async () => {
    const csv = Buffer.concat([
      Buffer.from('id,name\nutf-c1,Ann\nutf-c2,B'),
      Buffer.from([0xff]),
      Buffer.from('b\nutf-c3,Zoë\n'),
    ]);
    const c = await attack(() => importBody('customers', 'csv', csv));
    expect(JSON.parse(c.text)).toMatchObject({
      rows: 3,
      imported: 2,
      errors: [{ line: 3, column: 9, field: 'name', message: 'not valid UTF-8 (byte 0xFF): save the file as UTF-8' }],
    });
    const jsonl = Buffer.concat([
      Buffer.from(
        '{"message_id":"utf-e1","customer_id":"u","type":"note","occurred_at":"2026-03-03T00:00:00Z"}\n{"message_id":"utf-e2","customer_id":"',
      ),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('","type":"note","occurred_at":"2026-03-03T00:00:00Z"}\n'),
    ]);
    writeFileSync(join(dir, 'utf8.jsonl'), jsonl);
    const j = await attack(() => importPath('events', join(dir, 'utf8.jsonl')));
    expect(JSON.parse(j.text)).toMatchObject({
      rows: 2,
      imported: 1,
      errors: [{ line: 2, column: 39, message: 'not valid UTF-8 (byte 0xED)' }],
    });
    expect(Math.max(c.healthMs, j.healthMs)).toBeLessThan(1000);
  });

  it('reports an unclosed CSV quote on the line it opened on and imports every row after it', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `quote-c${i},Name ${i}`);
    const csv = ['id,name', rows[0], 'quote-bad,"Ann', ...rows.slice(1)].join('\n') + '\n';
    writeFileSync(join(dir, 'quote.csv'), csv);
    for (const send of [
      () => importBody('customers', 'csv', csv),
      () => importPath('customers', join(dir, 'quote.csv')),
    ]) {
      const a = await attack(send);
      expect(JSON.parse(a.text)).toMatchObject({
        rows: 2001,
        rejected: 1,
        errors: [
          { line: 3, message: 'a quote opened on this line is never closed: the lines after it were read as new rows' },
        ],
      });
      expect(a.healthMs).toBeLessThan(1000);
    }
    expect((await counts()).customers).toBeGreaterThanOrEqual(2000);
  });
});
