/**
 * Tags by hand, content radar and questionnaires against a real server on 127.0.0.1: what an
 * admin's calls answer, what a customer following a link gets (a redirect, a page), what is
 * recorded (events, tags), and that segments see it — live membership included.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Customer } from '@strata/core';
import { linkSecret, signToken, TokenPurpose } from '@strata/engagement';
import { startServer, type RunningServer } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';

const keys = { writeKey: 'wk', apiKey: 'api-key-engage', webhookSecret: 'secret' };
const db = join(mkdtempSync(join(tmpdir(), 'strata-engage-api-')), 's.duckdb');
let server: RunningServer;

const api = (path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) =>
  fetch(`${server.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.key === null ? {} : { authorization: `Bearer ${init.key ?? keys.apiKey}` }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
const json = async (res: Response) => (await res.json()) as Record<string, unknown> & { error?: { message: string } };
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
/** A link the server made, on the server's own address (public_url is an address customers reach). */
const local = (url: string) => `${server.url}${new URL(url).pathname}${new URL(url).search}`;
const rows = <T>(sql: string, params: (string | number)[] = []) => server.store.query<T>(sql, params);
/** A query's members, counting everything recorded so far (a time after every event; the queries read no profile trait). */
const members = async (text: string) => {
  const body = await json(await api('/v1/segments/preview', { body: { text, limit: 100, as_of: '2999-12-31' } }));
  if (!Array.isArray(body.members)) throw new Error(`preview failed: ${JSON.stringify(body)}`);
  return (body.members as string[]).sort();
};

beforeAll(async () => {
  const store = await DuckDbStore.open(db);
  await store.write({
    customers: ['ann', 'bob', 'cy'].map((id) => Customer.parse({ id, email: `${id}@example.com` })),
  });
  await store.close();
  server = await startServer({ dbPath: db, port: 0, keys, live: true });
  // the live engine's first recompute replaces the profiles; segments are asked after it
  for (let tries = 0; !(await server.live!.initialised()); tries++) {
    if (tries > 600) throw new Error('the live engine did not start within a minute');
    await new Promise((r) => setTimeout(r, 100));
  }
  await api('/v1/config/public_url', { method: 'PUT', body: { value: 'https://strata.example.com/' } });
});
afterAll(() => server.close());

describe('tags through the API', () => {
  it('adds, lists and removes a tag; segments see each change, live membership too', async () => {
    const saved = await json(await api('/v1/segments', { body: { name: 'VIPs', text: 'has tag "vip"' } }));
    const added = await json(await api('/v1/customers/ann/tags', { body: { tags: ['vip', ' dry skin '] } }));
    expect(added).toMatchObject({ customer_id: 'ann', added: ['vip', 'dry skin'] });
    expect((added.tags as { tag: string; assigned_by: string }[]).map((t) => [t.tag, t.assigned_by])).toEqual([
      ['dry skin', 'api'],
      ['vip', 'api'],
    ]);
    expect(await members('has tag "vip"')).toEqual(['ann']);
    const inSegment = async () =>
      ((await json(await api('/v1/customers/ann/segments'))).segments as { segment_id: string }[]).some(
        (s) => s.segment_id === saved.id,
      );
    await expect.poll(inSegment, { timeout: 60_000, interval: 200 }).toBe(true);

    const removed = await api(`/v1/customers/ann/tags/${encodeURIComponent('vip')}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(await json(removed)).toMatchObject({ customer_id: 'ann', removed: ['vip'], tags: [{ tag: 'dry skin' }] });
    expect(await members('has tag "vip"')).toEqual([]);
    await expect.poll(inSegment, { timeout: 60_000, interval: 200 }).toBe(false);
    // a tag with a space in the path
    expect((await api('/v1/customers/ann/tags/dry%20skin', { method: 'DELETE' })).status).toBe(200);
    expect(await json(await api('/v1/customers/ann/tags'))).toEqual({ customer_id: 'ann', tags: [] });
  });

  it('names the unknown customer, the missing tag and the bad tag text', async () => {
    const unknown = await api('/v1/customers/nobody/tags', { body: { tags: ['vip'] } });
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error?.message).toBe('no customer "nobody"');
    expect((await api('/v1/customers/nobody/tags')).status).toBe(404);

    await api('/v1/customers/bob/tags', { body: { tags: ['gold'] } });
    const missing = await api('/v1/customers/bob/tags/vip', { method: 'DELETE' });
    expect(missing.status).toBe(404);
    expect((await json(missing)).error?.message).toBe(
      'customer "bob" has no tag "vip" (their tags: "gold"); nothing was removed',
    );

    const bad = await api('/v1/customers/bob/tags', { body: { tags: ['ok', 'x'.repeat(101)] } });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { message: string; details: { field: string }[] } };
    expect(body.error.message).toMatch(/^tags\[1\]: the tag "x+" /);
    expect(body.error.details[0]!.field).toBe('tags[1]');
    // nothing of a refused request is stored
    expect((await json(await api('/v1/customers/bob/tags'))).tags).toHaveLength(1);

    expect((await api('/v1/customers/bob/tags', { key: null })).status).toBe(401);
  });
});

describe('content radar', () => {
  const link = async (body: Record<string, unknown>) => json(await api('/v1/content/links', { body }));
  const follow = (url: string) => fetch(local(url), { redirect: 'manual' });

  it('records a content_view with topic, address and send id, and redirects to the content', async () => {
    const made = await link({
      customer: 'cy',
      url: 'https://shop.example.com/blog/spf?lang=en',
      topic: 'skincare',
      send_id: 'send-42',
    });
    expect(made.url).toMatch(/^https:\/\/strata\.example\.com\/r\//);
    expect(made.warning).toBeUndefined();
    const res = await follow(made.url as string);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://shop.example.com/blog/spf?lang=en');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const [view] = await rows<{ customer_id: string; properties: string }>(
      `SELECT customer_id, properties FROM events WHERE type = 'content_view' AND customer_id = 'cy'`,
    );
    expect(JSON.parse(view!.properties)).toEqual({
      content_id: 'https://shop.example.com/blog/spf?lang=en',
      topic: 'skincare',
      dwell_seconds: 0,
      url: 'https://shop.example.com/blog/spf?lang=en',
      send_id: 'send-42',
    });
  });

  it('answers 404 without a redirect to a tampered, foreign or unsafe token', async () => {
    const made = await link({ customer: 'cy', url: 'https://shop.example.com/a', topic: 'skincare' });
    const token = tokenOf(made.url as string);
    const [payload, sig] = token.split('.') as [string, string];
    const evil = Buffer.from(JSON.stringify({ c: 'cy', u: 'https://evil.example.com', t: 'skincare' })).toString(
      'base64url',
    );
    const secret = await linkSecret(server.store);
    const unsafe = signToken(secret, TokenPurpose.content, { c: 'cy', u: 'javascript:alert(1)', t: 'x' });
    const before = (await rows<{ n: number }>(`SELECT count(*) AS n FROM events`))[0]!.n;
    for (const t of [`${evil}.${sig}`, `${payload}.${'A'.repeat(43)}`, 'nonsense', unsafe]) {
      const res = await fetch(`${server.url}/r/${t}`, { redirect: 'manual' });
      expect(res.status).toBe(404);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('This link does not work');
    }
    expect((await rows<{ n: number }>(`SELECT count(*) AS n FROM events`))[0]!.n).toBe(before);
  });

  it('refuses to make a link to a non-http address or for an unknown customer', async () => {
    const bad = await api('/v1/content/links', { body: { customer: 'cy', url: 'javascript:alert(1)', topic: 'x' } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error?.message).toBe(
      'bad content link: url: must be an http or https address (e.g. https://shop.example.com/blog/spf)',
    );
    const unknown = await api('/v1/content/links', { body: { customer: 'zed', url: 'https://a.example', topic: 'x' } });
    expect(unknown.status).toBe(404);
  });

  it('keeps the longest dwell a page reports for its view, through a beacon with no API key', async () => {
    const made = await link({ customer: 'bob', url: 'https://shop.example.com/b', topic: 'hair', dwell: true });
    const location = (await follow(made.url as string)).headers.get('location')!;
    const view = new URL(location).searchParams.get('strata_view')!;
    expect(view).toBeTruthy();
    // navigator.sendBeacon sends a string as text/plain
    const beacon = (body: unknown) =>
      fetch(`${server.url}/v1/content/dwell`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify(body),
      });
    const first = await beacon({ view, seconds: 42.4 });
    expect(first.status).toBe(200);
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    expect(await first.json()).toEqual({ dwell_seconds: 42 });
    expect(await (await beacon({ view, seconds: 10 })).json()).toEqual({ dwell_seconds: 42 });
    const stored = await rows<{ n: number; dwell: number }>(
      `SELECT count(*) AS n, max((properties->>'dwell_seconds')::INTEGER) AS dwell FROM events WHERE type = 'content_view' AND customer_id = 'bob'`,
    );
    expect(stored).toEqual([{ n: 1, dwell: 42 }]);
    expect(await members('did content_view where dwell_seconds >= 30')).toEqual(['bob']);

    expect((await beacon({ view: 'forged.token', seconds: 5 })).status).toBe(404);
    const negative = await beacon({ view, seconds: -1 });
    expect(negative.status).toBe(400);
    expect((await json(negative)).error?.message).toContain('seconds');
  });

  it('makes "read three skincare articles" a segment', async () => {
    for (const article of ['spf', 'serum', 'retinol']) {
      const made = await link({ customer: 'ann', url: `https://shop.example.com/${article}`, topic: 'skincare' });
      expect((await follow(made.url as string)).status).toBe(302);
    }
    const made = await link({ customer: 'ann', url: 'https://shop.example.com/shampoo', topic: 'hair' });
    await follow(made.url as string);
    expect(await members('did content_view where topic = "skincare" at least 3 times')).toEqual(['ann']);
  });
});

const skin = {
  id: 'skin',
  title: 'Your skin',
  questions: [
    {
      id: 'type',
      text: 'What is your skin type?',
      options: [
        { id: 'dry', label: 'Dry', tags: ['dry skin'] },
        { id: 'oily', label: 'Oily', tags: ['oily skin'] },
      ],
    },
    {
      id: 'kids',
      text: 'Do you have children?',
      options: [
        { id: 'yes', label: 'Yes', tags: ['parent'] },
        { id: 'no', label: 'No' },
      ],
    },
  ],
};

describe('questionnaires', () => {
  const answer = (url: string, form: string) =>
    fetch(local(url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
  const tags = async (id: string) =>
    ((await json(await api(`/v1/customers/${id}/tags`))).tags as { tag: string }[]).map((t) => t.tag);
  const answers = (customer: string) =>
    rows<{ properties: string }>(
      `SELECT properties FROM events WHERE type = 'questionnaire_answer' AND customer_id = $1 ORDER BY properties->>'question'`,
      [customer],
    ).then((r) => r.map((x) => JSON.parse(x.properties) as Record<string, string>));

  it('stores a definition once, names its mistakes by path, and replaces it only when asked', async () => {
    const bad = await api('/v1/questionnaires', {
      body: {
        ...skin,
        questions: [
          {
            ...skin.questions[0],
            options: [
              { id: 'dry', label: 'Dry' },
              { id: 'dry', label: 'Dry' },
            ],
          },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error?.message).toBe(
      'the questionnaire is not valid: questions.0.options.1.id: option id "dry" is given twice',
    );
    expect((await api('/v1/questionnaires', { body: skin })).status).toBe(201);
    const again = await api('/v1/questionnaires', { body: skin });
    expect(again.status).toBe(409);
    expect((await json(again)).error?.message).toBe('a questionnaire "skin" exists already; replace it to change it');
    expect((await api('/v1/questionnaires?replace=true', { body: skin })).status).toBe(200);
    expect((await json(await api('/v1/questionnaires/skin'))).title).toBe('Your skin');
  });

  it('serves a per-recipient page whose answers become events and tags, updated when answered again', async () => {
    const made = await json(await api('/v1/questionnaires/skin/links', { body: { customer: 'cy', send_id: 'm-7' } }));
    expect(made.url).toMatch(/^https:\/\/strata\.example\.com\/q\//);
    const page = await fetch(local(made.url as string));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<legend>What is your skin type?</legend>');
    expect(html).toContain('<label for="answer-type-dry">Dry</label>');

    const thanks = await answer(made.url as string, 'type=dry&kids=yes');
    expect(thanks.status).toBe(200);
    expect(await thanks.text()).toContain('Thank you');
    expect(await answers('cy')).toEqual([
      { questionnaire: 'skin', question: 'kids', option: 'yes', send_id: 'm-7' },
      { questionnaire: 'skin', question: 'type', option: 'dry', send_id: 'm-7' },
    ]);
    expect(await tags('cy')).toEqual(['dry skin', 'parent']);
    expect(await members('has tag "dry skin"')).toContain('cy');

    // the page shows the answers given; answering again replaces the answer and its tag
    expect(await (await fetch(local(made.url as string))).text()).toMatch(/value="dry" checked/);
    expect((await answer(made.url as string, 'type=oily')).status).toBe(200);
    expect(await answers('cy')).toEqual([
      { questionnaire: 'skin', question: 'kids', option: 'yes', send_id: 'm-7' },
      { questionnaire: 'skin', question: 'type', option: 'oily', send_id: 'm-7' },
    ]);
    expect(await tags('cy')).toEqual(['oily skin', 'parent']);
    expect(await members('did questionnaire_answer where option = "oily"')).toEqual(['cy']);
  });

  it('never takes back a tag someone set by hand', async () => {
    await api('/v1/customers/bob/tags', { body: { tags: ['dry skin'] } });
    const made = await json(await api('/v1/questionnaires/skin/links', { body: { customer: 'bob' } }));
    await answer(made.url as string, 'type=dry');
    await answer(made.url as string, 'type=oily');
    expect(await tags('bob')).toEqual(['dry skin', 'gold', 'oily skin']);
  });

  it('shows the form again with each mistake, and a 404 page for a link that is not valid', async () => {
    const made = await json(await api('/v1/questionnaires/skin/links', { body: { customer: 'ann' } }));
    const wrong = await answer(made.url as string, 'type=greasy');
    expect(wrong.status).toBe(400);
    const html = await wrong.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('&quot;What is your skin type?&quot;: &quot;greasy&quot; is not one of its answers');
    expect(await answers('ann')).toEqual([]);

    const token = tokenOf(made.url as string);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const res of [
      await fetch(`${server.url}/q/${tampered}`),
      await answer(`${server.url}/q/${tampered}`, 'type=dry'),
    ]) {
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('This link does not work');
    }
    expect((await api('/v1/questionnaires/nope/links', { body: { customer: 'ann' } })).status).toBe(404);
    expect((await json(await api('/v1/questionnaires/skin/links', { body: { customer: 'zed' } }))).error?.message).toBe(
      'no customer "zed"',
    );
  });
});
