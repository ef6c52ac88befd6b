/**
 * Outgoing webhooks against a real receiver on 127.0.0.1: signed bodies the receiver verifies
 * with the subscription's secret, changes in seq order in batches, a failing receiver retried on
 * the backoff schedule as a test clock moves, delivery resumed by a new dispatcher over the
 * reopened store, the same delivery id when a batch is sent again, and the cap on attempts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '@strata/core';
import {
  ChangeFeed,
  createWebhookSubscription,
  deleteWebhookSubscription,
  fetchWebhookSender,
  listWebhookSubscriptions,
  recordMembership,
  WEBHOOK_MAX_ATTEMPTS,
  WebhookDispatcher,
  webhookRetryDelayMs,
  type WebhookDeliveryBody,
} from '@strata/membership';
import { DuckDbStore } from '@strata/store-duckdb';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: WebhookDeliveryBody;
}

/** A receiver on 127.0.0.1 that records each request and answers with `status(n)` (n = 1 for the first). */
async function receiver(status: (n: number) => number | Promise<number>) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) as WebhookDeliveryBody });
      void Promise.resolve(status(received.length)).then((code) => res.writeHead(code).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a receiver does with the secret it was shown: the HMAC of the raw body, compared in constant time. */
function signatureValid(secret: string, r: Received): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(r.raw).digest('hex')}`);
  const got = Buffer.from(String(r.headers['x-strata-signature']));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

const root = mkdtempSync(join(tmpdir(), 'strata-webhooks-'));
const file = join(root, 'store.duckdb');
let store: DuckDbStore;
const clock = new ManualClock('2026-05-01T09:00:00Z');
const cleanups: (() => Promise<void>)[] = [];
/** How long a test waits for what the dispatcher does in the background (a busy machine is slow). */
const soon = { timeout: 20_000, interval: 20 };

function dispatcher(feed: ChangeFeed, options: { pollMs?: number } = {}) {
  const d = new WebhookDispatcher({
    db: store,
    sender: fetchWebhookSender(),
    clock,
    timer: clock,
    feed,
    // without a notification it would look again only this much later (clock time)
    pollMs: options.pollMs ?? 24 * 3_600_000,
    log: () => {},
  });
  cleanups.push(() => d.close());
  return d;
}

/** Customers in `enter` enter segment `segment` now and those in `leave` leave it; nobody else is looked at. */
function record(segment: string, change: { enter?: string[]; leave?: string[] }) {
  const entering = change.enter ?? [];
  const scope = [...entering, ...(change.leave ?? [])];
  const select = (from: number, n: number) =>
    n
      ? Array.from({ length: n }, (_, i) => `SELECT CAST($${from + i} AS VARCHAR)`).join(' UNION ALL ')
      : 'SELECT NULL WHERE false';
  return store.transaction((tx) =>
    recordMembership(tx, {
      segmentId: segment,
      scope: select(1, scope.length),
      members: select(1, entering.length),
      params: scope,
      at: clock.now().toISOString(),
      cause: 'event',
    }),
  );
}
const ids = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

beforeAll(async () => {
  store = await DuckDbStore.open(file);
  await store.exec(
    `INSERT INTO segments (id, name, description, text, ir, created_at, updated_at) VALUES
     ('vip', 'VIPs', '', 'x', '{}', now(), now()), ('new', 'New', '', 'x', '{}', now(), now())`,
  );
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  for (const s of await listWebhookSubscriptions(store)) await deleteWebhookSubscription(store, s.id);
});
afterAll(async () => {
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('outgoing webhooks', () => {
  it('sends the followed segments’ changes in seq order, 100 to a POST, signed with the secret', async () => {
    const hook = await receiver(() => 200);
    cleanups.push(hook.close);
    const sub = await createWebhookSubscription(store, { url: hook.url, segments: ['vip'] }, clock.now());
    expect(sub.secret).toMatch(/^whsec_/);
    await record('new', { enter: ['n1'] });
    await record('vip', { enter: ids(250, 'v') });
    const feed = new ChangeFeed(clock, clock);
    dispatcher(feed).start();
    feed.notify();
    await vi.waitFor(() => expect(hook.received.length).toBe(3), soon);

    expect(hook.received.map((r) => r.body.changes.length)).toEqual([100, 100, 50]);
    const changes = hook.received.flatMap((r) => r.body.changes);
    expect(changes.map((c) => c.customer_id)).toEqual(ids(250, 'v'));
    expect(changes.every((c) => c.type === 'segment.entered' && c.segment_name === 'VIPs')).toBe(true);
    const seqs = changes.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    for (const r of hook.received) {
      expect(signatureValid(sub.secret, r)).toBe(true);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-strata-delivery']).toBe(r.body.delivery);
      expect(r.headers['x-strata-timestamp']).toBe('2026-05-01T09:00:00.000Z');
      expect(r.body.sent_at).toBe('2026-05-01T09:00:00.000Z');
    }
    expect(signatureValid('another secret', hook.received[0]!)).toBe(false);
    expect(new Set(hook.received.map((r) => r.body.delivery)).size).toBe(3);
    // the receiver has answered the last POST; the dispatcher records it as delivered just after
    await vi.waitFor(
      async () =>
        expect((await listWebhookSubscriptions(store))[0]).toMatchObject({
          id: sub.id,
          pending: null,
          failed: 0,
          delivered_through: changes.at(-1)!.seq,
        }),
      soon,
    );
    expect((await listWebhookSubscriptions(store))[0]).not.toHaveProperty('secret');
  });

  it('retries a failing receiver with backoff as the clock advances, with the same delivery id', async () => {
    const hook = await receiver((n) => (n <= 2 ? 503 : 200));
    cleanups.push(hook.close);
    const sub = await createWebhookSubscription(store, { url: hook.url }, clock.now());
    await record('vip', { enter: ['late-1'] });
    const feed = new ChangeFeed(clock, clock);
    dispatcher(feed).start();
    feed.notify();
    await vi.waitFor(() => expect(hook.received.length).toBe(1), soon);
    await vi.waitFor(
      async () =>
        expect((await listWebhookSubscriptions(store))[0]?.pending).toMatchObject({
          attempts: 1,
          last_error: 'HTTP 503',
          next_attempt_at: new Date(clock.now().getTime() + 30_000).toISOString(),
        }),
      soon,
    );
    await vi.waitFor(() => expect(clock.waiting).toBe(1), soon);

    clock.advance(29_000);
    // not yet due: the dispatcher is not even woken
    expect(clock.waiting).toBe(1);
    clock.advance(1_000);
    await vi.waitFor(() => expect(hook.received.length).toBe(2), soon);
    await vi.waitFor(() => expect(clock.waiting).toBe(1), soon);
    clock.advance(webhookRetryDelayMs(2) - 1);
    expect(clock.waiting).toBe(1);
    clock.advance(1);
    await vi.waitFor(() => expect(hook.received.length).toBe(3), soon);
    await vi.waitFor(async () => expect((await listWebhookSubscriptions(store))[0]?.pending).toBeNull(), soon);

    expect(new Set(hook.received.map((r) => r.body.delivery)).size).toBe(1);
    expect(new Set(hook.received.map((r) => r.body.changes[0]!.id)).size).toBe(1);
    expect(hook.received.every((r) => signatureValid(sub.secret, r))).toBe(true);
    expect(hook.received.map((r) => r.headers['x-strata-timestamp'])).toEqual([
      '2026-05-01T09:00:00.000Z',
      '2026-05-01T09:00:30.000Z',
      '2026-05-01T09:02:30.000Z',
    ]);
  });

  it('resumes after a restart: a batch cut off in flight is sent again with the same ids', async () => {
    let answer: (() => void) | undefined;
    // the receiver takes the first request but never answers it before the dispatcher stops
    const hook = await receiver((n) =>
      n === 1 ? new Promise<number>((resolve) => (answer = () => resolve(200))) : 200,
    );
    cleanups.push(hook.close);
    await createWebhookSubscription(store, { url: hook.url }, clock.now());
    await record('vip', { enter: ['again-1', 'again-2'] });
    const feed = new ChangeFeed(clock, clock);
    const first = dispatcher(feed);
    first.start();
    feed.notify();
    await vi.waitFor(() => expect(hook.received.length).toBe(1), soon);
    feed.close();
    await first.close();
    answer?.();

    // a new process: the store opened again, a new feed and dispatcher
    await store.close();
    store = await DuckDbStore.open(file);
    const [pending] = await listWebhookSubscriptions(store);
    expect(pending?.pending).toMatchObject({ attempts: 0 });
    const second = dispatcher(new ChangeFeed(clock, clock));
    second.start();
    await vi.waitFor(() => expect(hook.received.length).toBe(2), soon);
    const [a, b] = hook.received;
    expect(b!.body.delivery).toBe(a!.body.delivery);
    expect(b!.body.changes.map((c) => c.id)).toEqual(a!.body.changes.map((c) => c.id));
    await vi.waitFor(async () => expect((await listWebhookSubscriptions(store))[0]?.pending).toBeNull(), soon);
  });

  it('gives a delivery up after the last attempt, on the documented schedule, and goes on with the next', async () => {
    const hook = await receiver(() => 500);
    cleanups.push(hook.close);
    await createWebhookSubscription(store, { url: hook.url, segments: ['new'] }, clock.now());
    await record('new', { enter: ['gone-1'] });
    const d = dispatcher(new ChangeFeed(clock, clock));
    for (let i = 0; i < WEBHOOK_MAX_ATTEMPTS; i++) {
      const next = await d.deliverDue();
      if (next) clock.set(next);
    }
    const times = hook.received.map((r) => Date.parse(String(r.headers['x-strata-timestamp'])));
    expect(times.slice(1).map((t, i) => (t - times[i]!) / 1000)).toEqual([
      30, 120, 480, 1920, 7680, 21600, 21600, 21600, 21600,
    ]);
    const [status] = await listWebhookSubscriptions(store);
    expect(status).toMatchObject({ pending: null, failed: 1 });
    expect(status?.delivered_through).toBe(hook.received[0]!.body.changes.at(-1)!.seq);

    // the next change goes out as a new delivery
    await record('new', { leave: ['gone-1'] });
    await d.deliverDue();
    expect(hook.received.length).toBe(WEBHOOK_MAX_ATTEMPTS + 1);
    expect(hook.received.at(-1)!.body.changes.map((c) => `${c.type} ${c.customer_id}`)).toEqual([
      'segment.exited gone-1',
    ]);
  });

  it('refuses a subscription to a segment that is not saved, or to a URL that is not http(s)', async () => {
    await expect(
      createWebhookSubscription(store, { url: 'http://127.0.0.1/x', segments: ['nope'] }, clock.now()),
    ).rejects.toThrow('no saved segment "nope"');
    await expect(createWebhookSubscription(store, { url: 'ftp://example.com/x' }, clock.now())).rejects.toThrow(
      'url must be http or https, not ftp:',
    );
    await expect(deleteWebhookSubscription(store, 'whs_none')).rejects.toThrow('no webhook subscription "whs_none"');
  });
});
