import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDbStore } from '@strata/store-duckdb';
import { KeyRing } from './keys.js';

const noEnv = {};
let open: DuckDbStore[] = [];
const memoryStore = async () => {
  const store = await DuckDbStore.open(':memory:');
  open.push(store);
  return store;
};
afterEach(async () => {
  for (const s of open) await s.close();
  open = [];
});

const created = (ring: KeyRing, name: 'write-key' | 'api-key') => ring.status().find((k) => k.name === name)?.created;
const settings = async (store: DuckDbStore) =>
  Object.fromEntries(
    (await store.rows<{ key: string; value: string }>("SELECT key, value FROM settings WHERE key LIKE 'key.%'")).map(
      (r) => [r.key, r.value],
    ),
  );

describe('KeyRing', () => {
  it('makes the write key and API key once, keeps only their hashes, and shows them only when made', async () => {
    const store = await memoryStore();
    const first = await KeyRing.open(store, {}, noEnv);
    const writeKey = created(first, 'write-key')!;
    const apiKey = created(first, 'api-key')!;
    expect(writeKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(writeKey).not.toBe(apiKey);

    const stored = await settings(store);
    expect(Object.keys(stored).sort()).toEqual(['key.apiKey', 'key.writeKey']);
    for (const value of Object.values(stored)) expect(value).toMatch(/^\{"sha256":"[0-9a-f]{64}"\}$/);
    expect(JSON.stringify(stored)).not.toContain(writeKey);
    expect(JSON.stringify(stored)).not.toContain(apiKey);

    const again = await KeyRing.open(store, {}, noEnv);
    expect(again.status().map((k) => k.created)).toEqual([undefined, undefined, undefined]);
    expect(again.accepts('write-key', writeKey)).toBe(true);
    expect(again.accepts('api-key', apiKey)).toBe(true);
    // Each key opens only its own door.
    expect(again.accepts('api-key', writeKey)).toBe(false);
    expect(again.accepts('write-key', apiKey)).toBe(false);
    expect(again.accepts('api-key', `${apiKey}x`)).toBe(false);
    expect(again.accepts('api-key', '')).toBe(false);
  });

  it('accepts its session key as the API key only, and each run has its own', async () => {
    const store = await memoryStore();
    const ring = await KeyRing.open(store, {}, noEnv);
    expect(ring.accepts('api-key', ring.sessionKey)).toBe(true);
    expect(ring.accepts('write-key', ring.sessionKey)).toBe(false);
    const next = await KeyRing.open(store, {}, noEnv);
    expect(next.accepts('api-key', ring.sessionKey)).toBe(false);
    expect(JSON.stringify(await settings(store))).not.toContain(ring.sessionKey);
  });

  it('refuses the old key the moment a new one is made, and the store keeps the new one', async () => {
    const store = await memoryStore();
    const ring = await KeyRing.open(store, {}, noEnv);
    const oldKey = created(ring, 'api-key')!;
    const writeKey = created(ring, 'write-key')!;
    const newKey = await ring.rotate('api-key');
    expect(newKey).not.toBe(oldKey);
    expect(ring.accepts('api-key', oldKey)).toBe(false);
    expect(ring.accepts('api-key', newKey)).toBe(true);
    expect(ring.accepts('write-key', writeKey)).toBe(true);
    expect(created(ring, 'api-key')).toBeUndefined();

    const reopened = await KeyRing.open(store, {}, noEnv);
    expect(reopened.accepts('api-key', oldKey)).toBe(false);
    expect(reopened.accepts('api-key', newKey)).toBe(true);
    expect(JSON.stringify(await settings(store))).not.toContain(newKey);
  });

  it('never stores a key given by the environment or options, and will not rotate it', async () => {
    const store = await memoryStore();
    const ring = await KeyRing.open(
      store,
      { writeKey: 'chosen-write-key' },
      { STRATA_API_KEY: 'chosen-api-key', STRATA_WEBHOOK_SECRET: 'whsec' },
    );
    expect(ring.accepts('write-key', 'chosen-write-key')).toBe(true);
    expect(ring.accepts('api-key', 'chosen-api-key')).toBe(true);
    expect(ring.webhookSecret).toBe('whsec');
    expect(await settings(store)).toEqual({});
    await expect(ring.rotate('api-key')).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringContaining('STRATA_API_KEY'),
    });
    await expect(ring.rotate('write-key')).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringContaining('options'),
    });
    await expect(ring.setWebhookSecret('other')).rejects.toMatchObject({ kind: 'conflict' });
    expect(ring.accepts('api-key', 'chosen-api-key')).toBe(true);
  });

  it("keeps Shopify's webhook secret as given (trimmed), and names a bad character by its place", async () => {
    const store = await memoryStore();
    const ring = await KeyRing.open(store, {}, noEnv);
    expect(ring.webhookSecret).toBeUndefined();
    expect(ring.status().find((k) => k.name === 'webhook-secret')?.source).toBeUndefined();
    await ring.setWebhookSecret('  3b1f0e9c8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c\n');
    expect(ring.webhookSecret).toBe('3b1f0e9c8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c');
    expect((await KeyRing.open(store, {}, noEnv)).webhookSecret).toBe(ring.webhookSecret);
    await expect(ring.setWebhookSecret('abc def')).rejects.toMatchObject({
      kind: 'invalid',
      message: 'the webhook secret has " " at character 4; a signing secret is printable ASCII without spaces',
    });
    await expect(ring.setWebhookSecret('   ')).rejects.toMatchObject({ message: 'the webhook secret is empty' });
    expect(ring.webhookSecret).toBe('3b1f0e9c8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c');
  });
});

describe('a store that kept its keys in plain text (before migration 6)', () => {
  it('hashes them when opened, keeps them working, and asks for rotation until they are rotated', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'strata-keys-')), 'old.duckdb');
    // What an earlier Strata left: plain keys, and the schema before migration 6.
    const old = await DuckDbStore.open(db);
    await old.setSetting('key.writeKey', 'old-plain-write-key');
    await old.setSetting('key.apiKey', 'old-plain-api-key');
    await old.setSetting('key.webhookSecret', 'old-generated-secret');
    await old.exec('DELETE FROM schema_migrations WHERE version = 6');
    await old.close();

    const store = await DuckDbStore.open(db);
    open.push(store);
    const stored = await settings(store);
    expect(JSON.stringify(stored)).not.toMatch(/old-plain-(write|api)-key/);
    expect(stored['key.apiKey']).toMatch(/^\{"sha256":"[0-9a-f]{64}","was_plain":true\}$/);
    expect(stored['key.webhookSecret']).toBe('old-generated-secret');

    const ring = await KeyRing.open(store, {}, noEnv);
    expect(ring.accepts('write-key', 'old-plain-write-key')).toBe(true);
    expect(ring.accepts('api-key', 'old-plain-api-key')).toBe(true);
    expect(ring.webhookSecret).toBe('old-generated-secret');
    expect(ring.status().map((k) => [k.name, k.wasPlain, k.created])).toEqual([
      ['write-key', true, undefined],
      ['api-key', true, undefined],
      ['webhook-secret', false, undefined],
    ]);

    await ring.rotate('write-key');
    expect(ring.accepts('write-key', 'old-plain-write-key')).toBe(false);
    expect((await KeyRing.open(store, {}, noEnv)).status().map((k) => k.wasPlain)).toEqual([false, true, false]);
  });

  it('says which setting is broken rather than letting any key in', async () => {
    const store = await memoryStore();
    await store.setSetting('key.apiKey', '{"sha256":"not hex"}');
    await expect(KeyRing.open(store, {}, noEnv)).rejects.toMatchObject({
      message: "the store's API key is not a key hash: run `strata keys rotate api-key` to make a new key",
    });
  });
});
