/**
 * Issue 15 item 4 against a real server process: a query over the cost limits is refused before it
 * runs; a valid but slow one is stopped at the query timeout with a 422; while one runs, /health
 * and /v1/batch answer at once (segment queries have their own connection); and SIGTERM stops the
 * server within seconds in the middle of one, with acknowledged events kept.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '@strata/store-duckdb';
import { healthMs, spawnServer, type ServerProcess } from './server-process.js';

const bin = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));
const keys = { STRATA_WRITE_KEY: 'wk-queries', STRATA_API_KEY: 'api-queries', STRATA_WEBHOOK_SECRET: 'whsec-queries' };
const dir = mkdtempSync(join(tmpdir(), 'strata-queries-'));
const db = join(dir, 'store.duckdb');
const END = '2026-11-30T00:00:00Z';

/**
 * Valid and within the cost limits (4 sequences, 12 history reads), yet slow: one customer has
 * 5,000 page views, and each sequence pairs them with themselves twice (several seconds each).
 */
const slow = [0, 1, 2, 3]
  .map(
    (i) =>
      `did page_view within last ${3650 + i} days then page_view within ${3000 + i} days then page_view within 3000 days`,
  )
  .join(' or ');

/** The query of the report: 160 two-step sequences (11.7 KB, under the length limit). */
const sequences160 = Array.from(
  { length: 160 },
  (_, i) => `did page_view within last ${i + 2} days then add_to_cart within 30 minutes`,
).join(' and ');

const api = (server: ServerProcess, path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${keys.STRATA_API_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

let batches = 0;
/** Posts one /v1/batch of `n` page views; resolves with its status and how long it took. */
async function postBatch(server: ServerProcess, n: number): Promise<{ status: number; ms: number }> {
  const b = ++batches;
  const started = performance.now();
  const r = await fetch(`${server.url}/v1/batch`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${keys.STRATA_WRITE_KEY}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      batch: Array.from({ length: n }, (_, i) => ({
        type: 'page',
        messageId: `during-${b}-${i}`,
        userId: 'C0000002',
        name: 'Home',
        timestamp: '2026-11-29T12:00:00Z',
      })),
    }),
  });
  await r.text();
  return { status: r.status, ms: performance.now() - started };
}

/** Error bodies name the problem in words: no SQL, no stack. */
function expectCleanError(text: string): void {
  expect(text).not.toMatch(/SELECT|INSERT|at .*\.js:\d+|node_modules|INTERRUPT/);
}

beforeAll(() => {
  execFileSync(process.execPath, [bin, '--db', db, 'demo', '--customers', '2000', '--end', END], { stdio: 'ignore' });
  const views = Array.from({ length: 5000 }, (_, i) =>
    JSON.stringify({
      message_id: `heavy-${i}`,
      customer_id: 'C0000001',
      type: 'page_view',
      occurred_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      properties: { page_kind: 'product' },
    }),
  );
  writeFileSync(join(dir, 'heavy.jsonl'), views.join('\n') + '\n');
  execFileSync(process.execPath, [bin, '--db', db, 'import', 'events', join(dir, 'heavy.jsonl')], { stdio: 'ignore' });
  execFileSync(process.execPath, [bin, '--db', db, 'profiles', 'compute', '--as-of', END], { stdio: 'ignore' });
}, 240_000);

describe('query cost and time limits', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await spawnServer(db, { ...keys, STRATA_QUERY_TIMEOUT: '1', STRATA_MEMORY_LIMIT: '256MB' });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a query over the cost limits before running it, pointing at the condition', async () => {
    const started = performance.now();
    const r = await api(server, '/v1/segments/preview', { text: sequences160 });
    const took = performance.now() - started;
    const text = await r.text();
    expect(r.status).toBe(400);
    expectCleanError(text);
    const body = JSON.parse(text) as {
      error: { diagnostics?: { code: string; message: string; span: { start: number } }[] };
    };
    const d = body.error.diagnostics?.find((x) => x.code === 'query-too-costly');
    expect(d?.message).toMatch(/more than 8 sequences/);
    expect(sequences160.slice(d?.span.start).startsWith('did page_view within last 10 days')).toBe(true); // the 9th
    expect(took).toBeLessThan(10_000);
  });

  it('counts saved segments a query refers to', async () => {
    const six = Array.from(
      { length: 6 },
      (_, i) => `did page_view within last ${i + 2} days then add_to_cart within 30 minutes`,
    ).join(' or ');
    expect((await api(server, '/v1/segments', { name: 'six sequences', text: six })).status).toBe(201);
    expect((await api(server, '/v1/segments/preview', { text: 'in segment "six sequences"' })).status).toBe(200);
    const r = await api(server, '/v1/segments/preview', {
      text: 'in segment "six sequences" and not in segment "six sequences"',
    });
    const text = await r.text();
    expect(r.status).toBe(400);
    expect(text).toMatch(/more than 8 sequences.*counting the saved segments it refers to/);
  });

  it('stops a slow valid query at the time limit with a 422, while /health and /v1/batch answer at once', async () => {
    const before = server.rssMiB();
    const health: number[] = [];
    const ingest: { status: number; ms: number }[] = [];
    const started = performance.now();
    const query = api(server, '/v1/segments/preview', { text: slow }).then(async (r) => ({
      status: r.status,
      text: await r.text(),
      ms: performance.now() - started,
    }));
    // While it runs: health checks and ingest batches, each answered on its own.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 150));
      health.push(await healthMs(server.url));
      ingest.push(await postBatch(server, 50));
    }
    const answer = await query;
    expect(answer.status).toBe(422);
    expectCleanError(answer.text);
    expect(JSON.parse(answer.text)).toMatchObject({
      error: { type: 'too_costly', message: expect.stringMatching(/longer than 1 s to evaluate and was stopped/) },
    });
    expect(answer.ms).toBeLessThan(15_000); // the limit is 1 s; the work alone takes far longer
    expect(Math.max(...health)).toBeLessThan(1000);
    expect(ingest.map((b) => b.status)).toEqual([200, 200, 200, 200]);
    expect(Math.max(...ingest.map((b) => b.ms))).toBeLessThan(3000);
    // DuckDB keeps to its memory limit (256 MB here), spilling to disk past it.
    expect(server.rssMiB() - before).toBeLessThan(400);
    // The server answers queries as before.
    const ok = await api(server, '/v1/segments/preview', { text: 'order_count >= 1' });
    expect(ok.status).toBe(200);
  }, 120_000);
});

describe('SIGTERM during a slow query', () => {
  it('stops within seconds, and every acknowledged event is stored', async () => {
    const server = await spawnServer(db, { ...keys, STRATA_QUERY_TIMEOUT: '600' });
    let exited = false;
    server.child.once('exit', () => (exited = true));
    const stored = Number(
      ((await (await api(server, '/v1/stats')).json()) as { counts: { events: number } }).counts.events,
    );
    const query = api(server, '/v1/segments/preview', { text: slow }).then(
      (r) => r.status,
      () => 'connection closed',
    );
    await new Promise((r) => setTimeout(r, 500));
    const acknowledged = await postBatch(server, 100);
    expect(acknowledged.status).toBe(200);
    const started = performance.now();
    await server.stop(); // SIGTERM
    const took = performance.now() - started;
    expect(exited).toBe(true);
    expect(took).toBeLessThan(8000);
    expect(server.child.exitCode).toBe(0);
    expect([503, 'connection closed']).toContain(await query);
    const store = await DuckDbStore.open(db, { readOnly: true });
    try {
      expect((await store.counts()).events).toBe(stored + 100);
    } finally {
      await store.close();
    }
  }, 120_000);
});
