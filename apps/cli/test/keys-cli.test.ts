import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { startServer } from '@strata/server';
import { captureIo } from './helpers.js';

const tmpDb = () => join(mkdtempSync(join(tmpdir(), 'strata-keys-cli-')), 's.duckdb');

describe('strata keys, on the store file (no server running)', () => {
  it('rotate prints a new key once; the next server start checks against it and shows no key', async () => {
    const db = tmpDb();
    const io = captureIo();
    expect(await run(['--db', db, 'keys', 'rotate', 'api-key'], io)).toBe(0);
    const key = /^new API key: (\S+)$/.exec(io.stdout[0] ?? '')?.[1];
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(io.stdout[1]).toBe('Shown only now: keep it. The old API key no longer works.');

    const server = await startServer({ dbPath: db, port: 0 });
    try {
      expect(server.keys.accepts('api-key', key!)).toBe(true);
      const status = server.keys.status();
      expect(status.find((k) => k.name === 'api-key')?.created).toBeUndefined();
      // The write key did not exist yet: made (and shown) by this start.
      expect(status.find((k) => k.name === 'write-key')?.created).toMatch(/^[A-Za-z0-9_-]{43}$/);
    } finally {
      await server.close();
    }
  });

  it('set webhook-secret reads the secret from standard input and keeps it for the server', async () => {
    const db = tmpDb();
    const prompts: string[] = [];
    const io = {
      ...captureIo(),
      readSecretLine: (prompt: string) => {
        prompts.push(prompt);
        return Promise.resolve(' shpss_0123456789abcdef \n');
      },
    };
    expect(await run(['--db', db, 'keys', 'set', 'webhook-secret'], io)).toBe(0);
    expect(io.stdout).toEqual(['webhook secret set']);
    expect(prompts[0]).toContain('Settings → Notifications → Webhooks');
    const server = await startServer({ dbPath: db, port: 0 });
    try {
      expect(server.keys.webhookSecret).toBe('shpss_0123456789abcdef');
    } finally {
      await server.close();
    }
  });

  it('names what is wrong: an unknown key, a key Strata makes, no input', async () => {
    const db = tmpDb();
    const cases: [string[], string][] = [
      [['keys', 'rotate', 'password'], 'error: unknown key "password": one of write-key, api-key'],
      [
        ['keys', 'set', 'write-key'],
        'error: Strata makes the write key itself: `strata keys rotate write-key` makes a new one',
      ],
      [['keys', 'set', 'webhook-secret'], 'error: no secret on standard input.'],
    ];
    for (const [args, message] of cases) {
      const io = captureIo();
      expect({ args, code: await run(['--db', db, ...args], io) }).toEqual({ args, code: 65 });
      expect(io.stderr[0]).toContain(message);
    }
  });
});
