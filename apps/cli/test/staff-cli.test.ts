/**
 * `strata staff`: the same answers on the store file and through the running server (which then
 * ends a removed account's sessions at once), the password read from standard input, mistakes
 * named; and the owner account `strata start` makes on its first run, its password shown once.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { ManualClock } from '@strata/core';
import { startServer } from '@strata/server';
import { binPath, captureIo, requireBuilt } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-staff-cli-'));
const clock = new ManualClock('2026-06-10T12:00:00Z');
const PASSWORD = 'a long enough passphrase';

/** Each command with what standard input gives it (a password), its exit code and what it printed. */
const script: { args: string[]; input?: string }[] = [
  { args: ['staff', 'list'] },
  { args: ['staff', 'add', 'Ann@Shop.Example', '--role', 'owner'], input: PASSWORD },
  { args: ['staff', 'add', 'mo@shop.example', '--role', 'marketer'], input: PASSWORD },
  { args: ['staff', 'add', 'ann@shop.example', '--role', 'marketer'], input: PASSWORD },
  { args: ['staff', 'add', 'cy@shop.example', '--role', 'boss'], input: PASSWORD },
  { args: ['staff', 'add', 'cy@shop.example', '--role', 'read_only'], input: 'short' },
  { args: ['staff', 'add', 'cy@shop.example', '--role', 'read_only'] },
  { args: ['staff', 'role', 'mo@shop.example', 'read_only'] },
  { args: ['staff', 'remove', 'ann@shop.example'] },
  { args: ['staff', 'remove', 'nobody@shop.example'] },
  { args: ['staff', 'list'] },
  { args: ['--json', 'staff', 'list'] },
];

async function runScript(db: string) {
  const results = [];
  for (const { args, input } of script) {
    const prompts: string[] = [];
    const io = {
      ...captureIo(),
      readSecretLine: (prompt: string) => {
        prompts.push(prompt);
        return Promise.resolve(input);
      },
    };
    const code = await run(['--db', db, ...args], io, { clock });
    results.push({ args: args.join(' '), code, stdout: io.stdout, stderr: io.stderr, prompts });
  }
  return results;
}

describe('strata staff', () => {
  it('answers the same on the store file and through the running server, where the accounts log in', async () => {
    const local = await runScript(join(dir, 'local.duckdb'));
    const at = (args: string) => local.find((r) => r.args === args)!;
    expect(local[0]).toMatchObject({
      code: 0,
      stdout: ['no staff accounts: `strata staff add <email> --role owner` adds one'],
    });
    expect(local[1]).toMatchObject({
      code: 0,
      stdout: ['added ann@shop.example (owner): they log in to the dashboard with this password'],
      prompts: ['Password for ann@shop.example (at least 12 characters; not shown), then Enter: '],
    });
    expect(local[3]).toMatchObject({
      code: 75,
      stderr: expect.arrayContaining([
        expect.stringContaining('there is already a staff account for ann@shop.example'),
      ]),
    });
    expect(local[4]).toMatchObject({
      code: 65,
      stderr: expect.arrayContaining([
        expect.stringContaining('unknown role "boss": one of owner, marketer, read_only'),
      ]),
    });
    expect(local[5]).toMatchObject({
      code: 65,
      stderr: expect.arrayContaining([expect.stringContaining('the password must be at least 12 characters')]),
    });
    expect(local[6]).toMatchObject({
      code: 65,
      stderr: expect.arrayContaining([expect.stringContaining('no password on standard input')]),
    });
    expect(at('staff role mo@shop.example read_only')).toMatchObject({
      code: 0,
      stdout: ['mo@shop.example is now read_only'],
    });
    expect(at('staff remove ann@shop.example')).toMatchObject({
      code: 75,
      stderr: expect.arrayContaining([
        expect.stringContaining(
          'cannot remove ann@shop.example: it is the only owner account; make another owner first',
        ),
      ]),
    });
    expect(at('staff remove nobody@shop.example')).toMatchObject({
      code: 66,
      stderr: expect.arrayContaining([expect.stringContaining('no staff account for nobody@shop.example')]),
    });
    expect(local[10]!.stdout).toEqual([
      'ann@shop.example  owner      added 2026-06-10T12:00:00.000Z',
      'mo@shop.example   read_only  added 2026-06-10T12:00:00.000Z',
    ]);
    expect(JSON.stringify(local)).not.toContain(PASSWORD);

    const db = join(dir, 'served.duckdb');
    const server = await startServer({
      dbPath: db,
      port: 0,
      clock,
      env: {},
      log: () => {},
      access: { passwordCost: { N: 2 ** 12, r: 8, p: 1 } },
    });
    try {
      expect(await runScript(db)).toEqual(local);
      const login = (email: string) =>
        fetch(`${server.url}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: PASSWORD }),
        });
      const mo = await login('mo@shop.example');
      expect(await mo.json()).toMatchObject({ user: { email: 'mo@shop.example', role: 'read_only' } });
      const cookie = mo.headers.get('set-cookie')!.split(';')[0]!;
      const me = () => fetch(`${server.url}/v1/auth/me`, { headers: { cookie } });
      expect((await me()).status).toBe(200);
      expect(await run(['--db', db, 'staff', 'remove', 'mo@shop.example'], captureIo(), { clock })).toBe(0);
      expect((await me()).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('the first `strata start`', () => {
  let stop = () => {};
  afterAll(() => stop());

  it('makes an owner account and shows its password once, beside the keys', async () => {
    requireBuilt();
    const db = join(dir, 'start.duckdb');
    const child = spawn(process.execPath, [binPath, '--db', db, 'start', '--port', '0', '--demo-customers', '40'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, STRATA_OWNER_EMAIL: 'me@my-shop.example' },
    });
    stop = () => child.kill('SIGTERM');
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const owner = await new Promise<{ email: string; password: string; url: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no owner line within 90 s: ${out}`)), 90_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /owner: {6}(\S+), password (\S+) {3}\(new, shown only now/.exec(out);
        const url = /serving .* on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m && url) {
          clearTimeout(timer);
          resolve({ email: m[1]!, password: m[2]!, url: url[1]! });
        }
      });
      child.once('exit', (code) => reject(new Error(`strata start exited ${code}: ${out}`)));
    });
    expect(owner.email).toBe('me@my-shop.example');
    expect(out).toMatch(/API key: {4}\S{43} {3}\(new, shown only now/);
    const r = await fetch(`${owner.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: owner.email, password: owner.password }),
    });
    expect(await r.json()).toMatchObject({ user: { email: 'me@my-shop.example', role: 'owner' } });
  }, 120_000);
});
