/**
 * Hostile and careless input against a real server process: each attack gets a clear 4xx (no
 * SQL, no stack, no file contents), the server's memory stays bounded, and /health keeps
 * answering within a second while it goes on.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthMs, postOversized, spawnServer, type ServerProcess } from './server-process.js';

const keys = { STRATA_WRITE_KEY: 'wk-attack', STRATA_API_KEY: 'api-attack', STRATA_WEBHOOK_SECRET: 'whsec-attack' };
const dir = mkdtempSync(join(tmpdir(), 'strata-attack-'));
let server: ServerProcess;

beforeAll(async () => {
  server = await spawnServer(join(dir, 'store.duckdb'), keys);
});
afterAll(async () => {
  await server?.stop();
});

/** What a client must never see in an error. */
function expectCleanError(text: string): void {
  expect(text).not.toMatch(/SELECT|INSERT|at .*\.js:\d+|node_modules|root:.*:0:0/);
}

/** A body of `mib` MiB sent in 1 MiB chunks with no Content-Length (chunked), as a slow attacker would. */
function chunkedBody(mib: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(1024 * 1024).fill(0x7b);
  let sent = 0;
  return new ReadableStream({
    pull: (controller) => {
      if (sent++ < mib) controller.enqueue(chunk);
      else controller.close();
    },
  });
}

describe('body limits', () => {
  it('refuses an unsigned 1 GB webhook body before reading it, with memory flat and /health answering', async () => {
    const before = server.rssMiB();
    // Announced as 1 GB: refused on the header alone.
    const announced = await fetch(`${server.url}/v1/webhooks/shopify/orders`, {
      method: 'POST',
      headers: { 'content-length': String(1024 ** 3), 'content-type': 'application/json' },
      body: chunkedBody(3),
      duplex: 'half',
    }).catch((e: unknown) => e);
    if (announced instanceof Response) expect(announced.status).toBe(400);
    // Not announced: 200 MiB streamed; the server stops reading at its limit.
    const health: number[] = [];
    const probe = setInterval(() => void healthMs(server.url).then((ms) => health.push(ms)), 200);
    const streamed = await fetch(`${server.url}/v1/webhooks/shopify/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunkedBody(200),
      duplex: 'half',
    }).catch((e: unknown) => e);
    clearInterval(probe);
    if (streamed instanceof Response) {
      expect(streamed.status).toBe(400);
      const text = await streamed.text();
      expect(text).toContain('request body over 2,097,152 bytes');
      expectCleanError(text);
    }
    expect(server.rssMiB() - before).toBeLessThan(100);
    health.push(await healthMs(server.url));
    expect(Math.max(...health)).toBeLessThan(1000);
  });

  it('limits the body of every other route too, before the key is checked', async () => {
    for (const [path, limit] of [
      ['/v1/batch', 4 * 1024 * 1024],
      ['/v1/segments/preview', 1024 * 1024],
      ['/v1/profiles/compute', 1024 * 1024],
    ] as const) {
      const r = await postOversized(server.url, path, limit + 10);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(r.text).toContain(`request body over ${limit.toLocaleString('en')} bytes`);
    }
  });
});

describe('POST /v1/import/:entity?path=', () => {
  const importPath = (path: string) =>
    fetch(`${server.url}/v1/import/customers?${new URLSearchParams({ format: 'csv', path }).toString()}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.STRATA_API_KEY}` },
    });

  it('refuses a directory, a device and any file outside the import folders, naming none of their contents', async () => {
    const inside = join(dir, 'folder.csv');
    mkdirSync(inside);
    for (const [path, why] of [
      [inside, 'is not a regular file'],
      ['/dev/zero', 'is outside the import folders'],
      ['/etc/passwd', 'is outside the import folders'],
      ['/etc/does-not-exist', 'is outside the import folders'],
    ] as const) {
      const t = performance.now();
      const r = await importPath(path);
      const text = await r.text();
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(text).toContain(why);
      expect(text).toContain('the server imports only regular files inside its import folders');
      expectCleanError(text);
      expect(performance.now() - t).toBeLessThan(10_000);
      expect(await healthMs(server.url)).toBeLessThan(1000);
    }
  });

  it('imports a regular file inside the store folder', async () => {
    writeFileSync(join(dir, 'customers.csv'), 'id,email\nc1,c1@example.com\nc2,not-an-email\n');
    const r = await importPath(join(dir, 'customers.csv'));
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ rows: 2, imported: 1, rejected: 1, errors: [{ line: 3, field: 'email' }] });
  });
});
