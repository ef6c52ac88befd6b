/**
 * `strata tag`, `strata content link` and `strata questionnaire` on the store file and, while a
 * server owns the store, through it: the same answers and the same mistakes either way (never a
 * lock error), and the links the CLI makes work on the server.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { Customer, fixedClock } from '@strata/core';
import { linkSecret } from '@strata/engagement';
import { startServer } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import { captureIo } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-engage-cli-'));
const clock = fixedClock('2026-06-01T08:00:00Z');
const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
};
const skin = file('skin.json', {
  id: 'skin',
  title: 'Your skin',
  questions: [
    {
      id: 'type',
      text: 'What is your skin type?',
      options: [
        { id: 'dry', label: 'Dry', tags: ['dry skin'] },
        { id: 'oily', label: 'Oily' },
      ],
    },
  ],
});
const noOptions = file('bad.json', { id: 'Skin!', title: 'x', questions: [{ id: 'q', text: 'Q?', options: [] }] });
const broken = file('broken.json', '{\n  "id": "skin",\n  "title": \n}');

const commands: string[][] = [
  ['config', 'set', 'public_url', 'https://strata.example.com'],
  ['tag', 'add', 'ann', 'vip', 'dry skin'],
  ['tag', 'add', 'ann', 'vip'],
  ['tag', 'list', 'ann'],
  ['tag', 'remove', 'ann', 'vipp', 'vip'],
  ['tag', 'remove', 'ann', 'vip'],
  ['--json', 'tag', 'list', 'ann'],
  ['tag', 'list', 'bob'],
  ['tag', 'add', 'nobody', 'vip'],
  ['tag', 'add', 'ann', 'ok', ' '],
  ['questionnaire', 'create', skin],
  ['questionnaire', 'create', skin],
  ['questionnaire', 'create', '--replace', skin],
  ['questionnaire', 'create', noOptions],
  ['questionnaire', 'create', broken],
  ['questionnaire', 'create', join(dir, 'missing.json')],
  ['questionnaire', 'link', 'skin', 'ann'],
  ['questionnaire', 'link', 'skin', 'nobody'],
  ['questionnaire', 'link', 'nope', 'ann'],
  ['content', 'link', 'bob', 'https://shop.example.com/blog/spf', '--topic', 'skincare', '--send-id', 's1'],
  ['content', 'link', 'bob', 'javascript:alert(1)', '--topic', 'skincare'],
];

async function runAll(db: string) {
  const results = [];
  for (const args of commands) {
    const io = captureIo();
    const code = await run(['--db', db, ...args], io, { clock });
    results.push({ args: args.join(' ').replace(dir, '<dir>'), code, stdout: io.stdout, stderr: io.stderr });
  }
  return results;
}

const localDb = join(dir, 'local.duckdb');
const servedDb = join(dir, 'served.duckdb');
let local: Awaited<ReturnType<typeof runAll>>;

beforeAll(async () => {
  const store = await DuckDbStore.open(localDb, { clock });
  await store.write({ customers: ['ann', 'bob'].map((id) => Customer.parse({ id })) });
  await linkSecret(store); // both copies sign with the same secret
  await store.close();
  copyFileSync(localDb, servedDb);
  local = await runAll(localDb);
});

describe('strata tag, content and questionnaire', () => {
  it('answer on the store file with what changed, and name every mistake', () => {
    expect(local.map((r) => r.code)).toEqual([0, 0, 0, 0, 66, 0, 0, 0, 66, 65, 0, 75, 0, 65, 65, 66, 0, 66, 66, 0, 65]);
    const out = (i: number) => local[i]!.stdout.join('\n');
    const err = (i: number) => local[i]!.stderr.join('\n');
    expect(out(1)).toBe('added "vip", "dry skin"; ann has tags "dry skin", "vip"');
    expect(out(2)).toBe('nothing to add; ann has tags "dry skin", "vip"');
    expect(out(3)).toBe(
      'dry skin  added by cli at 2026-06-01T08:00:00.000Z\nvip       added by cli at 2026-06-01T08:00:00.000Z',
    );
    expect(err(4)).toBe('error: customer "ann" has no tag "vipp" (their tags: "dry skin", "vip"); nothing was removed');
    expect(out(5)).toBe('removed "vip"; ann has tags "dry skin"');
    expect(JSON.parse(out(6))).toMatchObject({ customer_id: 'ann', tags: [{ tag: 'dry skin', assigned_by: 'cli' }] });
    expect(out(7)).toBe('bob has no tags');
    expect(err(8)).toBe('error: no customer "nobody"');
    expect(err(9)).toContain('error: tags[1]: the tag " " must be a non-empty text');
    expect(out(10)).toBe(
      'questionnaire "skin" created: 1 question; make a customer\'s link with `strata questionnaire link skin <customer>`',
    );
    expect(err(11)).toBe('error: a questionnaire "skin" exists already; replace it to change it\n  id: taken');
    expect(out(12)).toMatch(/^questionnaire "skin" replaced/);
    expect(err(13)).toContain('error: the questionnaire is not valid: id: must be 1–64 lower-case letters');
    expect(err(13)).toContain('questions.0.options: Too small');
    expect(err(14)).toMatch(/^error: .*broken\.json(:\d+:\d+)?: not valid JSON/);
    expect(err(15)).toBe(`error: no file ${join(dir, 'missing.json')}`);
    expect(out(16)).toMatch(/^https:\/\/strata\.example\.com\/q\/[\w-]+\.[\w-]{43}$/);
    expect(err(17)).toBe('error: no customer "nobody"');
    expect(err(18)).toBe('error: no questionnaire "nope"');
    expect(out(19)).toMatch(/^https:\/\/strata\.example\.com\/r\/[\w-]+\.[\w-]{43}$/);
    expect(err(20)).toContain('error: bad content link: url: must be an http or https address');
  });

  it('answer exactly the same through the running server, whose pages take the links the CLI made', async () => {
    const server = await startServer({ dbPath: servedDb, port: 0, clock });
    try {
      const served = await runAll(servedDb);
      for (const [i, r] of served.entries()) expect(r).toEqual(local[i]);

      // the questionnaire link from the CLI opens its page on the server; the content link redirects
      const path = (url: string) => new URL(url).pathname;
      const page = await fetch(`${server.url}${path(served[16]!.stdout[0]!)}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<legend>What is your skin type?</legend>');
      const follow = await fetch(`${server.url}${path(served[19]!.stdout[0]!)}`, { redirect: 'manual' });
      expect(follow.status).toBe(302);
      expect(follow.headers.get('location')).toBe('https://shop.example.com/blog/spf');
    } finally {
      await server.close();
    }
  });

  it('warns when links start with an address customers may not reach', async () => {
    const db = join(dir, 'no-url.duckdb');
    copyFileSync(localDb, db);
    const store = await DuckDbStore.open(db);
    await store.exec(`DELETE FROM settings WHERE key = 'config.public_url'`);
    await store.close();
    const link = captureIo();
    expect(await run(['--db', db, 'questionnaire', 'link', 'skin', 'ann'], link, { clock })).toBe(0);
    expect(link.stdout[0]).toMatch(/^http:\/\/127\.0\.0\.1:7300\/q\//);
    expect(link.stderr.join('\n')).toContain('warning: public_url is not set');
  });
});
