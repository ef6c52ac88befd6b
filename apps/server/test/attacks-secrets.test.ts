/**
 * Secrets at rest, against a real server process started as a user starts it: the write key and
 * the API key are shown once and kept only as hashes, the store and everything beside it are
 * owner-only, `strata keys rotate` through the running server refuses the old key at once, and
 * Shopify's webhook secret is set, not made. A store of an earlier Strata, with plain keys, keeps
 * working and is hashed when opened.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHmacSha256 } from '@strata/ingest';
import { DuckDbStore } from '@strata/store-duckdb';
import { healthMs, spawnServer, type ServerProcess } from './server-process.js';

const bin = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));
/** Keys from the test's own environment would override the store's. */
const noKeyVariables = { STRATA_WRITE_KEY: '', STRATA_API_KEY: '', STRATA_WEBHOOK_SECRET: '' };

const mode = (path: string) => statSync(path).mode & 0o777;
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/** What a client must never see in an error. */
function expectCleanError(text: string): void {
  expect(text).not.toMatch(/SELECT|INSERT|UPDATE|at .*\.js:\d+|node_modules/);
}

/** The `strata` command as a user runs it, with `stdin` typed or piped in. */
function cli(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...noKeyVariables },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** What the server printed once it has printed `what`. */
async function printed(server: ServerProcess, what: string): Promise<string> {
  for (let i = 0; i < 100 && !server.output().includes(what); i++) await new Promise((r) => setTimeout(r, 50));
  expect(server.output()).toContain(what);
  return server.output();
}

function newKeyIn(output: string, title: string): string {
  const m = new RegExp(`${title}:\\s+(\\S+)\\s+\\(new, shown only now`).exec(output);
  expect(m, `the server shows the new ${title}`).not.toBeNull();
  return m![1]!;
}

const fileHolds = (path: string, text: string) => existsSync(path) && readFileSync(path).includes(text);

const dir = mkdtempSync(join(tmpdir(), 'strata-secrets-'));
/** In a folder Strata makes. */
const db = join(dir, 'made-by-strata', 'store.duckdb');
let server: ServerProcess;
const keys = { write: '', api: '', oldWrite: '', oldApi: '' };

const batch = (writeKey: string, id: string) =>
  fetch(`${server.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: basic(writeKey), 'content-type': 'application/json' },
    body: JSON.stringify({
      batch: [
        {
          type: 'track',
          event: 'Product Viewed',
          properties: { sku: 'COF-1' },
          userId: 'c1',
          messageId: id,
          timestamp: '2026-01-01T00:00:00Z',
        },
      ],
    }),
  });
const segments = (apiKey: string) =>
  fetch(`${server.url}/v1/segments`, { headers: { authorization: `Bearer ${apiKey}` } });

beforeAll(async () => {
  server = await spawnServer(db, noKeyVariables);
});
afterAll(async () => {
  await server?.stop();
});

describe('a new store', () => {
  it('shows the write key and API key once, when made, and says how to get the webhook secret from Shopify', async () => {
    const out = await printed(server, 'webhook secret:');
    keys.write = newKeyIn(out, 'write key');
    keys.api = newKeyIn(out, 'API key');
    expect(keys.write).not.toBe(keys.api);
    expect(out).toContain('webhook secret: not set');
    expect(out).toContain('Settings → Notifications → Webhooks');
    expect(out).toContain('strata keys set webhook-secret');
    expect((await batch(keys.write, 'm-1')).status).toBe(200);
    expect((await segments(keys.api)).status).toBe(200);
  });

  it('keeps the store, its write-ahead log, server.json and the folder it made owner-only, with no key in plain text', () => {
    const wal = `${db}.wal`;
    // The accepted batch is in the log until the next checkpoint.
    expect(existsSync(wal)).toBe(true);
    expect({
      folder: mode(dirname(db)),
      store: mode(db),
      wal: mode(wal),
      serverJson: mode(`${db}.server.json`),
    }).toEqual({
      folder: 0o700,
      store: 0o600,
      wal: 0o600,
      serverJson: 0o600,
    });
    for (const file of [db, wal, `${db}.server.json`])
      for (const key of [keys.write, keys.api]) expect(fileHolds(file, key), `${file} holds a key`).toBe(false);
  });
});

describe('strata keys rotate, while the server runs', () => {
  it('refuses the old API key at once with a clear 401, and the new one works', async () => {
    const rssBefore = server.rssMiB();
    const r = await cli(['--db', db, 'keys', 'rotate', 'api-key']);
    expect(r.code).toBe(0);
    const m = /new API key: (\S+)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(r.stdout).toContain('the running server took the new one at once');
    keys.oldApi = keys.api;
    keys.api = m![1]!;

    const old = await segments(keys.oldApi);
    expect(old.status).toBe(401);
    const text = await old.text();
    expect(JSON.parse(text)).toMatchObject({ error: { type: 'unauthorized', message: 'wrong API key' } });
    expectCleanError(text);
    expect((await segments(keys.api)).status).toBe(200);
    expect(await healthMs(server.url)).toBeLessThan(1000);
    expect(server.rssMiB() - rssBefore).toBeLessThan(200);
  });

  it('refuses the old write key at once with a clear 401, and the new one works', async () => {
    const r = await cli(['--db', db, '--json', 'keys', 'rotate', 'write-key']);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout) as { name: string; key: string };
    expect(answer.name).toBe('write-key');
    keys.oldWrite = keys.write;
    keys.write = answer.key;

    const old = await batch(keys.oldWrite, 'm-2');
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ error: { type: 'unauthorized', message: 'wrong write key' } });
    expect((await batch(keys.write, 'm-3')).status).toBe(200);
    for (const key of [keys.write, keys.api]) expect(fileHolds(`${db}.wal`, key) || fileHolds(db, key)).toBe(false);
  });
});

describe("Shopify's webhook secret", () => {
  const order = JSON.stringify({
    id: 5550001,
    email: 'ann@example.com',
    created_at: '2026-03-01T10:00:00Z',
    currency: 'EUR',
    total_price: '20.00',
    total_discounts: '0.00',
    discount_codes: [],
    financial_status: 'paid',
    source_name: 'web',
    customer: { id: 42, email: 'ann@example.com' },
    line_items: [{ sku: 'COF-1', quantity: 1, price: '20.00', total_discount: '0.00', title: 'Coffee', variant_id: 1 }],
  });
  const shopifySecret = '8f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e';
  const deliver = (signature?: string) =>
    fetch(`${server.url}/v1/webhooks/shopify/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'x-shopify-hmac-sha256': signature } : {}) },
      body: order,
    });

  it('is not made by Strata: webhooks wait (503, so Shopify retries) until it is set, then signatures are checked with it', async () => {
    const before = await deliver(signHmacSha256(order, shopifySecret));
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({
      error: { message: expect.stringContaining('strata keys set webhook-secret') },
    });

    const refused = await cli(['--db', db, 'keys', 'rotate', 'webhook-secret']);
    expect(refused.code).toBe(65);
    expect(refused.stderr).toContain('Strata does not make the webhook secret');

    const set = await cli(['--db', db, 'keys', 'set', 'webhook-secret'], `${shopifySecret}\n`);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('webhook secret set: the running server checks Shopify webhooks with it from now on');
    expect(set.stdout + set.stderr).not.toContain(shopifySecret);

    expect((await deliver(signHmacSha256(order, shopifySecret))).status).toBe(200);
    expect((await deliver(signHmacSha256(order, 'another-secret'))).status).toBe(401);
    expect((await deliver()).status).toBe(401);
  });

  it('is refused with its bad character named, and the one set stays', async () => {
    const bad = await cli(['--db', db, 'keys', 'set', 'webhook-secret'], 'abc\tdef\n');
    expect(bad.code).toBe(65);
    expect(bad.stderr).toContain('the webhook secret has "\\t" at character 4');
    expect((await deliver(signHmacSha256(order, shopifySecret))).status).toBe(200);
  });
});

describe('after a restart', () => {
  it('shows no key again, keeps the rotated ones, and writes server.json owner-only over a readable one', async () => {
    await server.stop();
    const store = await DuckDbStore.open(db);
    const settings = await store.rows<{ key: string; value: string }>(
      "SELECT key, value FROM settings WHERE key LIKE 'key.%' ORDER BY key",
    );
    await store.close();
    expect(settings.map((s) => s.key)).toEqual(['key.apiKey', 'key.webhookSecret', 'key.writeKey']);
    for (const s of settings.filter((s) => s.key !== 'key.webhookSecret'))
      expect(s.value).toMatch(/^\{"sha256":"[0-9a-f]{64}"\}$/);
    for (const key of Object.values(keys)) {
      expect(JSON.stringify(settings)).not.toContain(key);
      expect(fileHolds(db, key)).toBe(false);
    }

    // Left by a server that was killed, readable by others (as an earlier Strata could leave it).
    writeFileSync(
      `${db}.server.json`,
      JSON.stringify({ pid: 2 ** 31 - 1, url: 'http://127.0.0.1:9', sessionKey: 'x' }),
      { mode: 0o644 },
    );
    chmodSync(`${db}.server.json`, 0o644);
    server = await spawnServer(db, noKeyVariables);
    const out = await printed(server, 'webhook secret:');
    expect(out).toContain(
      'write key:  kept as a hash, shown only when made (`strata keys rotate write-key` makes a new one)',
    );
    expect(out).toContain('API key:    kept as a hash');
    expect(out).toContain('webhook secret: set');
    for (const key of Object.values(keys)) expect(out).not.toContain(key);
    expect(mode(`${db}.server.json`)).toBe(0o600);

    expect((await segments(keys.api)).status).toBe(200);
    expect((await segments(keys.oldApi)).status).toBe(401);
    expect((await batch(keys.write, 'm-4')).status).toBe(200);
    expect((await batch(keys.oldWrite, 'm-5')).status).toBe(401);
    // Commands on this machine go through the server with its session key.
    const stats = await cli(['--db', db, '--json', 'stats']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ events: 3 });
  });
});

describe('a store an earlier Strata left with plain keys, readable by others', () => {
  it('is hashed and made owner-only when served, and its keys keep working', async () => {
    const oldDb = join(dir, 'old', 'store.duckdb');
    const old = await DuckDbStore.open(oldDb);
    await old.setSetting('key.writeKey', 'plain-write-key-from-before');
    await old.setSetting('key.apiKey', 'plain-api-key-from-before');
    await old.exec('DELETE FROM schema_migrations WHERE version = 6');
    await old.close();
    chmodSync(oldDb, 0o644);

    const served = await spawnServer(oldDb, noKeyVariables);
    try {
      const out = await printed(served, 'webhook secret:');
      expect(out).toContain('note: an earlier Strata kept this write key in plain text');
      expect(out).toContain('note: an earlier Strata kept this API key in plain text');
      expect(out).not.toContain('plain-api-key-from-before');
      expect(mode(oldDb)).toBe(0o600);
      const ok = await fetch(`${served.url}/v1/segments`, {
        headers: { authorization: 'Bearer plain-api-key-from-before' },
      });
      expect(ok.status).toBe(200);
      const wrong = await fetch(`${served.url}/v1/segments`, {
        headers: { authorization: 'Bearer plain-write-key-from-before' },
      });
      expect(wrong.status).toBe(401);
    } finally {
      await served.stop();
    }
    const store = await DuckDbStore.open(oldDb, { readOnly: true });
    const values = await store.rows<{ value: string }>(
      "SELECT value FROM settings WHERE key IN ('key.writeKey', 'key.apiKey')",
    );
    await store.close();
    expect(values).toHaveLength(2);
    for (const v of values) expect(v.value).toMatch(/^\{"sha256":"[0-9a-f]{64}","was_plain":true\}$/);
  });
});
