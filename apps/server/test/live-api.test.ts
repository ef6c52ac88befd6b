/**
 * History and signals over HTTP: a segment's history paged by seq and time, its daily sizes, a
 * customer's segments now and in the past, webhook subscriptions, and the change stream — every
 * change in seq order with its seq as the event id, resumed with Last-Event-ID, woken by the
 * change feed, stopped when the client leaves, and ended cleanly when a served store shuts down.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Hono } from 'hono';
import { Customer, LiveSetting, ManualClock, SegmentChange, type SqlParam } from '@strata/core';
import {
  CustomerSegmentHistoryResponse,
  CustomerSegmentsResponse,
  SegmentHistoryResponse,
  SegmentSizesResponse,
  WebhookSubscriptionCreated,
  WebhookSubscriptionsResponse,
} from '@strata/api';
import { ChangeFeed, recordMembership, type MembershipUpdate } from '@strata/membership';
import { createApp, KeyRing, startServer } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import { spawnServer } from './server-process.js';

const keys = { writeKey: 'wk', apiKey: 'api-key-1', webhookSecret: 'secret' };
const dir = mkdtempSync(join(tmpdir(), 'strata-live-api-'));
const clock = new ManualClock('2026-06-10T12:00:00Z');
const feed = new ChangeFeed(clock, clock);
let store: DuckDbStore;
let app: Hono;
let vip = '';

const api = (path: string, init: RequestInit = {}) =>
  app.request(path, {
    ...init,
    headers: {
      authorization: `Bearer ${keys.apiKey}`,
      'content-type': 'application/json',
      ...(init.headers as Record<string, string>),
    },
  });

/** Records that `members` of the customers in `scope` are members of `segment` at `at`. */
function record(
  db: DuckDbStore,
  segment: string,
  scope: string[],
  members: string[],
  at: string,
  extra: Partial<MembershipUpdate> = {},
) {
  const select = (list: string[], offset: number) =>
    list.length
      ? list.map((_, i) => `SELECT CAST($${i + 1 + offset} AS VARCHAR)`).join(' UNION ALL ')
      : 'SELECT NULL WHERE false';
  const params: SqlParam[] = [...scope, ...members];
  return db.transaction((tx) =>
    recordMembership(tx, {
      segmentId: segment,
      scope: select(scope, 0),
      members: select(members, scope.length),
      params,
      at,
      cause: 'event',
      ...extra,
    }),
  );
}

/** Reads server-sent events from a response body until `until` holds or the stream ends. */
function eventReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const events: { id?: string; event?: string; data?: string }[] = [];
  let ended = false;
  return {
    events,
    get ended() {
      return ended;
    },
    async until(done: () => boolean): Promise<void> {
      while (!done()) {
        const next = await reader.read();
        if (next.done) {
          ended = true;
          return;
        }
        buffer += next.value;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const at = line.indexOf(':');
            fields[line.slice(0, at)] = line.slice(at + 1).trimStart();
          }
          if (Object.keys(fields).length) events.push(fields);
        }
      }
    },
    cancel: () => reader.cancel(),
  };
}
const changeOf = (e: { data?: string }) => SegmentChange.parse(JSON.parse(e.data ?? 'null'));

beforeAll(async () => {
  store = await DuckDbStore.open(join(dir, 'store.duckdb'), { clock });
  await store.write({
    customers: ['ann', 'bob', 'cat', 'dan'].map((id) => Customer.parse({ id, email: `${id}@example.com` })),
  });
  const ring = await KeyRing.open(store, keys);
  app = createApp({ store, writer: store, keys: ring, clock, importDirs: [], changes: feed });
  const saved = await api('/v1/segments', {
    method: 'POST',
    body: JSON.stringify({ name: 'VIP', text: 'order_count >= 0' }),
  });
  expect(saved.status).toBe(201);
  vip = ((await saved.json()) as { id: string }).id;
  await record(store, vip, ['ann', 'bob', 'cat'], ['ann', 'bob', 'cat'], '2026-06-01T10:00:00Z', { ref: 'o-1' });
  await record(store, vip, ['ann', 'dan'], ['dan'], '2026-06-03T08:30:00Z', {
    cause: 'time',
    ref: '2026-06-03T08:30:00Z',
  });
});
afterAll(async () => {
  feed.close();
  await store?.close();
});

describe('history and sizes over HTTP', () => {
  it('pages a segment’s history by seq, and filters it by time', async () => {
    const first = SegmentHistoryResponse.parse(await (await api(`/v1/segments/${vip}/history?limit=3`)).json());
    expect(first.changes.map((c) => `${c.type} ${c.customer_id}`)).toEqual([
      'segment.entered ann',
      'segment.entered bob',
      'segment.entered cat',
    ]);
    expect(first.changes[0]).toMatchObject({
      segment_name: 'VIP',
      cause: 'event',
      ref: 'o-1',
      at: '2026-06-01T10:00:00.000Z',
    });
    expect(first.next_after).toBe(first.changes[2]!.seq);
    const second = SegmentHistoryResponse.parse(
      await (await api(`/v1/segments/${vip}/history?limit=3&after=${first.next_after}`)).json(),
    );
    expect(second.changes.map((c) => `${c.type} ${c.customer_id} ${c.cause}`)).toEqual([
      'segment.exited ann time',
      'segment.entered dan time',
    ]);
    expect(second.next_after).toBeNull();
    // a day alone: from its start (since) to its end (until)
    const june3 = SegmentHistoryResponse.parse(
      await (await api(`/v1/segments/${vip}/history?since=2026-06-03&until=2026-06-03`)).json(),
    );
    expect(june3.changes.map((c) => c.customer_id)).toEqual(['ann', 'dan']);
    const before = SegmentHistoryResponse.parse(
      await (await api(`/v1/segments/${vip}/history?until=2026-06-02`)).json(),
    );
    expect(before.changes.length).toBe(3);
  });

  it('names what is wrong: an unknown segment, a bad limit, a time it cannot read, no API key', async () => {
    const unknown = await api('/v1/segments/nope/history');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'not_found', message: 'no segment "nope"' } });
    const limit = await api(`/v1/segments/${vip}/history?limit=0`);
    expect(limit.status).toBe(400);
    expect(await limit.json()).toMatchObject({ error: { details: [{ field: 'limit' }] } });
    const since = await api(`/v1/segments/${vip}/history?since=last+week`);
    expect(since.status).toBe(400);
    expect(((await since.json()) as { error: { message: string } }).error.message).toContain(
      'since is not a date or time: last week',
    );
    expect((await app.request(`/v1/segments/${vip}/history`)).status).toBe(401);
    expect((await app.request('/v1/changes/stream')).status).toBe(401);
  });

  it('gives daily sizes and the member count', async () => {
    const r = SegmentSizesResponse.parse(
      await (await api(`/v1/segments/${vip}/sizes?from=2026-05-31&to=2026-06-04`)).json(),
    );
    expect(r).toEqual({
      segment_id: vip,
      members: 3,
      sizes: [
        { day: '2026-06-01', size: 3 },
        { day: '2026-06-02', size: 3 },
        { day: '2026-06-03', size: 3 },
        { day: '2026-06-04', size: 3 },
      ],
    });
    // by default the 30 days up to today (the clock's)
    const recent = SegmentSizesResponse.parse(await (await api(`/v1/segments/${vip}/sizes`)).json());
    expect(recent.sizes.at(-1)).toEqual({ day: '2026-06-10', size: 3 });
    expect(recent.sizes[0]).toEqual({ day: '2026-06-01', size: 3 });
  });

  it('answers a customer’s segments now and at a past time', async () => {
    const now = CustomerSegmentsResponse.parse(await (await api('/v1/customers/ann/segments')).json());
    expect(now).toEqual({ customer_id: 'ann', at: null, segments: [] });
    const then = CustomerSegmentsResponse.parse(await (await api('/v1/customers/ann/segments?at=2026-06-02')).json());
    expect(then).toEqual({
      customer_id: 'ann',
      at: '2026-06-02T23:59:59.999Z',
      segments: [{ segment_id: vip, segment_name: 'VIP', entered_at: '2026-06-01T10:00:00.000Z' }],
    });
    expect((await api('/v1/customers/nobody/segments')).status).toBe(404);
  });

  it('answers a customer’s entries and exits newest first, a page at a time (the customer page’s past segments)', async () => {
    const first = CustomerSegmentHistoryResponse.parse(
      await (await api('/v1/customers/ann/segments/history?limit=1')).json(),
    );
    expect(first.changes.map((c) => `${c.type} ${c.segment_name} ${c.at} ${c.cause}`)).toEqual([
      'segment.exited VIP 2026-06-03T08:30:00.000Z time',
    ]);
    expect(first.next_before).toBe(first.changes[0]!.seq);
    const rest = CustomerSegmentHistoryResponse.parse(
      await (await api(`/v1/customers/ann/segments/history?before=${first.next_before}`)).json(),
    );
    expect(rest.changes.map((c) => `${c.type} ${c.segment_name} ${c.at}`)).toEqual([
      'segment.entered VIP 2026-06-01T10:00:00.000Z',
    ]);
    expect(rest.next_before).toBeNull();
    expect((await api('/v1/customers/nobody/segments/history')).status).toBe(404);
    expect((await api('/v1/customers/ann/segments/history?limit=0')).status).toBe(400);
  });
});

describe('webhook subscriptions over HTTP', () => {
  it('makes one with a secret shown once, lists it without the secret, and deletes it', async () => {
    const made = await api('/v1/webhooks/subscriptions', {
      method: 'POST',
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', segments: [vip] }),
    });
    expect(made.status).toBe(201);
    expect(made.headers.get('cache-control')).toBe('no-store');
    const sub = WebhookSubscriptionCreated.parse(await made.json());
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const listed = WebhookSubscriptionsResponse.parse(await (await api('/v1/webhooks/subscriptions')).json());
    expect(listed.subscriptions).toEqual([
      {
        id: sub.id,
        url: 'http://127.0.0.1:9/hook',
        segments: [vip],
        created_at: '2026-06-10T12:00:00.000Z',
        delivered_through: sub.delivered_through,
        pending: null,
        failed: 0,
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(sub.secret);
    expect((await api(`/v1/webhooks/subscriptions/${sub.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/v1/webhooks/subscriptions/${sub.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses a URL that is not http(s) and a segment that is not saved, by field', async () => {
    const bad = await api('/v1/webhooks/subscriptions', {
      method: 'POST',
      body: JSON.stringify({ url: 'file:///etc/passwd' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { details: [{ field: 'url', message: 'must be an http or https URL' }] },
    });
    const unknown = await api('/v1/webhooks/subscriptions', {
      method: 'POST',
      body: JSON.stringify({ url: 'https://example.com/h', segments: ['nope'] }),
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: { message: 'no saved segment "nope"', details: [{ field: 'segments' }] },
    });
  });
});

describe('the change stream', () => {
  it('sends every change after the start in seq order, wakes at a notification, and stops when the client leaves', async () => {
    const res = await api('/v1/changes/stream?after=0');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const stream = eventReader(res);
    await stream.until(() => stream.events.length >= 5);
    const changes = stream.events.map(changeOf);
    expect(stream.events.map((e) => e.id)).toEqual(changes.map((c) => String(c.seq)));
    expect(stream.events.map((e) => e.event)).toEqual(changes.map((c) => c.type));
    expect(changes.map((c) => `${c.type} ${c.customer_id}`)).toEqual([
      'segment.entered ann',
      'segment.entered bob',
      'segment.entered cat',
      'segment.exited ann',
      'segment.entered dan',
    ]);
    // the stream waits (on the clock) for the next change; a commit's notification wakes it
    await vi.waitFor(() => expect(clock.waiting).toBe(1), { timeout: 20_000 });
    await record(store, vip, ['bob'], [], '2026-06-10T12:00:00Z');
    feed.notify();
    await stream.until(() => stream.events.length >= 6);
    expect(changeOf(stream.events[5]!)).toMatchObject({
      type: 'segment.exited',
      customer_id: 'bob',
      segment_name: 'VIP',
    });
    await stream.cancel();
    // the client left: the stream's loop ends and waits no more
    await vi.waitFor(() => expect(clock.waiting).toBe(0), { timeout: 20_000 });
  });

  it('resumes after the Last-Event-ID a reconnecting client sends, and starts at now without one', async () => {
    const all = SegmentHistoryResponse.parse(await (await api(`/v1/segments/${vip}/history`)).json()).changes;
    const resumed = eventReader(await api('/v1/changes/stream', { headers: { 'last-event-id': String(all[2]!.seq) } }));
    await resumed.until(() => resumed.events.length >= all.length - 3);
    expect(resumed.events.map((e) => changeOf(e).id)).toEqual(all.slice(3).map((c) => c.id));
    await resumed.cancel();

    const fresh = eventReader(await api('/v1/changes/stream'));
    await vi.waitFor(() => expect(clock.waiting).toBe(1), { timeout: 20_000 });
    await record(store, vip, ['bob'], ['bob'], '2026-06-10T12:05:00Z');
    feed.notify();
    await fresh.until(() => fresh.events.length >= 1);
    expect(fresh.events.map((e) => `${changeOf(e).type} ${changeOf(e).customer_id}`)).toEqual(['segment.entered bob']);
    await fresh.cancel();

    // following one segment only
    await record(store, 'other', ['cat'], ['cat'], '2026-06-10T12:06:00Z');
    const only = eventReader(await api('/v1/changes/stream?after=0&segment=other'));
    await only.until(() => only.events.length >= 1);
    expect(only.events.map((e) => `${changeOf(e).segment_id} ${changeOf(e).customer_id}`)).toEqual(['other cat']);
    await only.cancel();

    const bad = await api('/v1/changes/stream', { headers: { 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { details: [{ field: 'Last-Event-ID' }] } });
  });

  it('ends cleanly when the server shuts down', async () => {
    const db = join(dir, 'served.duckdb');
    const seeded = await DuckDbStore.open(db);
    await record(seeded, 'seg-a', ['x1', 'x2'], ['x1', 'x2'], '2026-06-01T00:00:00Z');
    await seeded.close();
    const server = await spawnServer(db, { STRATA_API_KEY: keys.apiKey, STRATA_WRITE_KEY: keys.writeKey });
    try {
      const res = await fetch(`${server.url}/v1/changes/stream?after=0`, {
        headers: { authorization: `Bearer ${keys.apiKey}` },
      });
      const stream = eventReader(res);
      await stream.until(() => stream.events.length >= 2);
      expect(stream.events.map((e) => changeOf(e).customer_id)).toEqual(['x1', 'x2']);
      const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
      const stopping = performance.now();
      server.child.kill('SIGTERM');
      await stream.until(() => false);
      expect(stream.ended).toBe(true);
      expect(await exited).toBe(0);
      // The stream ends itself at once (about 50 ms here); had it not, the server would cut open
      // connections two seconds after SIGTERM, and the client would see the end only then.
      expect(performance.now() - stopping).toBeLessThan(1800);
    } finally {
      await server.stop();
    }
  });
});

describe('a deleted segment', () => {
  it('records every member’s exit and keeps its history readable by id', async () => {
    const made = await api('/v1/segments', {
      method: 'POST',
      body: JSON.stringify({ name: 'Short-lived', text: 'order_count >= 0' }),
    });
    const { id } = (await made.json()) as { id: string };
    await record(store, id, ['ann', 'cat'], ['ann', 'cat'], '2026-06-10T12:00:00Z');
    const catIn = async () =>
      CustomerSegmentsResponse.parse(await (await api('/v1/customers/cat/segments')).json()).segments.map(
        (s) => s.segment_id,
      );
    expect(await catIn()).toContain(id);
    expect((await api(`/v1/segments/${id}`, { method: 'DELETE' })).status).toBe(204);
    const history = SegmentHistoryResponse.parse(await (await api(`/v1/segments/${id}/history`)).json());
    expect(history.changes.map((c) => `${c.type} ${c.customer_id} ${c.cause} ${c.ref} ${c.segment_name}`)).toEqual([
      'segment.entered ann event null null',
      'segment.entered cat event null null',
      'segment.exited ann segment deleted null',
      'segment.exited cat segment deleted null',
    ]);
    expect(await catIn()).not.toContain(id);
    expect(await catIn()).toContain(vip);
    expect(SegmentSizesResponse.parse(await (await api(`/v1/segments/${id}/sizes`)).json()).members).toBe(0);
  });
});

describe('on a live server', () => {
  it(
    'streams and posts the entry an event causes, as soon as the engine records it',
    { timeout: 120_000 },
    async () => {
      const posts: { raw: string; signature: string }[] = [];
      const receiver = createServer((req, res) => {
        let raw = '';
        req.on('data', (c: Buffer) => (raw += c.toString()));
        req.on('end', () => {
          posts.push({ raw, signature: String(req.headers['x-strata-signature']) });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const server = await startServer({ dbPath: join(dir, 'live.duckdb'), port: 0, keys, live: true });
      try {
        const call = (path: string, init: RequestInit = {}) =>
          fetch(`${server.url}${path}`, {
            ...init,
            headers: { authorization: `Bearer ${keys.apiKey}`, 'content-type': 'application/json' },
          });
        const saved = await call('/v1/segments', {
          method: 'POST',
          body: JSON.stringify({ name: 'Carts', text: 'did add_to_cart within last 7 days' }),
        });
        const segment = ((await saved.json()) as { id: string }).id;
        const { port } = receiver.address() as { port: number };
        const sub = WebhookSubscriptionCreated.parse(
          await (
            await call('/v1/webhooks/subscriptions', {
              method: 'POST',
              body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook`, segments: [segment] }),
            })
          ).json(),
        );
        // The engine's first full run has finished (its own start is not what this test is about).
        await vi.waitFor(
          async () =>
            expect(await server.store.query(`SELECT 1 FROM settings WHERE key = '${LiveSetting.lastRecompute}'`)).toHaveLength(
              1,
            ),
          { timeout: 30_000, interval: 50 },
        );
        const stream = eventReader(await call(`/v1/changes/stream?segment=${segment}`));
        const sent = await fetch(`${server.url}/v1/batch`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${keys.writeKey}:`).toString('base64')}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            batch: [
              {
                type: 'track',
                event: 'add_to_cart',
                messageId: 'm-1',
                userId: 'shopper-1',
                timestamp: new Date().toISOString(),
                properties: { sku: 'TEA-1' },
              },
            ],
          }),
        });
        expect(sent.status).toBe(200);
        await stream.until(() => stream.events.length >= 1);
        expect(changeOf(stream.events[0]!)).toMatchObject({
          type: 'segment.entered',
          customer_id: 'shopper-1',
          segment_name: 'Carts',
        });
        await vi.waitFor(() => expect(posts.length).toBe(1), { timeout: 30_000 });
        const body = JSON.parse(posts[0]!.raw) as { changes: { id: string }[] };
        expect(body.changes.map((c) => c.id)).toEqual([changeOf(stream.events[0]!).id]);
        expect(posts[0]!.signature).toBe(
          `sha256=${createHmac('sha256', sub.secret).update(posts[0]!.raw).digest('hex')}`,
        );
        await stream.cancel();
      } finally {
        await server.close();
        receiver.closeAllConnections();
        await new Promise((resolve) => receiver.close(resolve));
      }
    },
  );
});
