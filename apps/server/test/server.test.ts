import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHmacSha256 } from '@strata/ingest';
import { startServer, type RunningServer } from '@strata/server';

const keys = { writeKey: 'wk_test_123', apiKey: 'api_test_456', webhookSecret: 'shpss_test_789' };
let server: RunningServer;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-server-'));
  server = await startServer({ dbPath: join(dir, 'store.duckdb'), port: 0, keys });
});
afterAll(async () => {
  await server?.close();
});

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const count = async (sql: string) => Number((await server.store.rows<{ n: number }>(`SELECT count(*)::INT AS n FROM ${sql}`))[0]!.n);

describe('Segment-spec API with the real analytics-node client', () => {
  it('stores identify, track and page calls sent by @segment/analytics-node', async () => {
    // A server-side client is given the API key as its write key: its email traits are then trusted.
    const analytics = new Analytics({ writeKey: keys.apiKey, host: server.url, flushAt: 5, maxRetries: 0 });
    const failures: unknown[] = [];
    analytics.on('error', (e) => failures.push(e));
    analytics.identify({ userId: 'cust-1', anonymousId: 'anon-9', traits: { email: 'Ann@Example.com', name: 'Ann', plan: 'gold' } });
    analytics.track({ userId: 'cust-1', event: 'Product Viewed', properties: { sku: 'COF-1' } });
    analytics.page({ anonymousId: 'anon-9', name: 'Home', properties: { page_kind: 'home' } });
    analytics.track({ anonymousId: 'anon-9', event: 'Product Added', properties: { sku: 'COF-1', quantity: 1 } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(failures).toEqual([]);

    const customers = await server.store.rows<{ id: string; email: string; name: string }>('SELECT id, email, name FROM customers WHERE id = $1', ['cust-1']);
    expect(customers).toEqual([{ id: 'cust-1', email: 'ann@example.com', name: 'Ann' }]);
    const events = await server.store.rows<{ type: string; customer_id: string }>(
      "SELECT type, customer_id FROM events WHERE type <> 'identify' ORDER BY occurred_at, type",
    );
    expect(events.map((e) => e.type).sort()).toEqual(['add_to_cart', 'page_view', 'product_view']);
    // The anonymous page view and cart belong to the identified customer.
    expect(new Set(events.map((e) => e.customer_id))).toEqual(new Set(['cust-1']));
  });

  it('a batch re-sent with the same messageIds changes nothing', async () => {
    const body = JSON.stringify({
      batch: [
        { type: 'track', messageId: 'dup-1', userId: 'cust-2', event: 'Newsletter Opt In', timestamp: '2026-01-01T10:00:00Z', properties: {} },
        { type: 'track', messageId: 'dup-2', userId: 'cust-2', event: 'Chat Message', timestamp: '2026-01-01T10:01:00Z', properties: { text: 'hi' } },
      ],
    });
    const send = () => fetch(`${server.url}/v1/batch`, { method: 'POST', headers: { authorization: basic(keys.writeKey), 'content-type': 'application/json' }, body });
    expect((await send()).status).toBe(200);
    const before = await count('events');
    expect((await send()).status).toBe(200);
    expect(await count('events')).toBe(before);
    expect(await count("events WHERE message_id IN ('dup-1','dup-2')")).toBe(2);
  });

  it('refuses a missing or wrong write key and stores nothing', async () => {
    const before = await count('events');
    const body = JSON.stringify({ batch: [{ type: 'track', messageId: 'nokey-1', userId: 'x', event: 'A', timestamp: '2026-01-01T00:00:00Z' }] });
    const missing = await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(missing.status).toBe(401);
    const wrong = await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: { authorization: basic('not-the-key'), 'content-type': 'application/json' }, body });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { type: string } }).error.type).toBe('unauthorized');
    expect(await count('events')).toBe(before);
  });

  it('keeps the good messages of a batch and names the bad ones', async () => {
    const res = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basic(keys.writeKey), 'content-type': 'application/json' },
      body: JSON.stringify({
        batch: [
          { type: 'track', messageId: 'good-1', userId: 'cust-3', event: 'Viewed Demo', timestamp: '2026-01-01T00:00:00Z' },
          { type: 'track', messageId: 'bad-1', event: 'No One', timestamp: '2026-01-01T00:00:00Z' },
        ],
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { accepted: number; rejected: { index: number }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => r.index)).toEqual([1]);
    expect(await count("events WHERE message_id = 'good-1'")).toBe(1);
  });
});

describe('order webhook', () => {
  const payload = {
    id: 820982911946154,
    email: 'jon@example.com',
    created_at: '2026-03-01T10:00:00-05:00',
    currency: 'USD',
    total_price: '199.00',
    total_discounts: '0.00',
    discount_codes: [],
    financial_status: 'paid',
    source_name: 'web',
    customer: { id: 115310627314723, email: 'jon@example.com', first_name: 'Jon', last_name: 'Snow' },
    line_items: [{ sku: 'SEAT-1', quantity: 1, price: '199.00', total_discount: '0.00', title: 'Child car seat', variant_id: 1 }],
  };
  const post = (body: string, signature: string | undefined) =>
    fetch(`${server.url}/v1/webhooks/shopify/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'x-shopify-hmac-sha256': signature } : {}) },
      body,
    });

  it('refuses a bad or missing signature with 401 and stores nothing', async () => {
    const body = JSON.stringify(payload);
    const before = await count('orders');
    expect((await post(body, signHmacSha256(body, 'wrong-secret'))).status).toBe(401);
    expect((await post(body, undefined)).status).toBe(401);
    const tampered = JSON.stringify({ ...payload, total_price: '1.00' });
    expect((await post(tampered, signHmacSha256(body, keys.webhookSecret))).status).toBe(401);
    expect(await count('orders')).toBe(before);
  });

  it('stores a correctly signed order once, however often it is delivered', async () => {
    const body = JSON.stringify(payload);
    const sig = signHmacSha256(body, keys.webhookSecret);
    expect((await post(body, sig)).status).toBe(200);
    expect((await post(body, sig)).status).toBe(200);
    const orders = await server.store.rows<{ total: number; customer_id: string }>("SELECT total::DOUBLE AS total, customer_id FROM orders WHERE id LIKE 'shopify:%'");
    expect(orders).toHaveLength(1);
    expect(orders[0]!.total).toBe(199);
    expect(await count("order_lines WHERE sku = 'SEAT-1'")).toBe(1);
  });
});

describe('health and stats', () => {
  it('answers /health and /v1/stats', async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const stats = (await (await fetch(`${server.url}/v1/stats`)).json()) as { counts: Record<string, number> };
    expect(stats.counts.orders).toBe(await count('orders'));
    expect(stats.counts.customers).toBeGreaterThan(0);
  });
});
