import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Customer, Event, Order } from '@strata/core';
import { CustomerEventsResponse, CustomerOrdersResponse, CustomerResponse } from '@strata/api';
import { startServer, type RunningServer } from '@strata/server';

const keys = { writeKey: 'wk', apiKey: 'api-key-cust', webhookSecret: 'secret' };
let server: RunningServer;
const api = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${keys.apiKey}` } });

beforeAll(async () => {
  server = await startServer({
    dbPath: join(mkdtempSync(join(tmpdir(), 'strata-cust-api-')), 's.duckdb'),
    port: 0,
    keys,
  });
  const order = (id: string, total: number, placed: string, codes: string[] = []) =>
    Order.parse({
      id,
      customer_id: 'ann',
      location_id: 'online',
      placed_at: placed,
      currency: 'EUR',
      total,
      discount_codes: codes,
    });
  await server.store.write({
    customers: [
      Customer.parse({
        id: 'ann',
        email: 'ann@example.com',
        name: 'Ann Example',
        country: 'DE',
        consent: {
          email: { granted: true, at: '2026-01-02T03:04:05Z', source: 'checkout' },
          sms: { granted: false, at: '2026-02-01T00:00:00Z' },
        },
      }),
    ],
    orders: [
      order('o1', 20, '2026-03-01T10:00:00Z'),
      order('o2', 35.5, '2026-05-01T10:00:00Z', ['SPRING']),
      order('o3', 12, '2026-04-01T10:00:00Z'),
    ],
  });
  // five page views, a day apart
  await server.store.write({
    events: [1, 2, 3, 4, 5].map((day) =>
      Event.parse({
        message_id: `pv-${day}`,
        customer_id: 'ann',
        type: 'page_view',
        occurred_at: `2026-05-0${day}T09:00:00Z`,
        properties: { page_kind: 'product', url: `https://shop.example/p/${day}` },
      }),
    ),
  });
});
afterAll(async () => {
  await server?.close();
});

describe('a customer over HTTP (the dashboard customer page)', () => {
  it('answers the record with consent per channel, said or not', async () => {
    const r = await api('/v1/customers/ann');
    expect(r.status).toBe(200);
    const body = CustomerResponse.parse(await r.json());
    expect(body).toMatchObject({ customer_id: 'ann', email: 'ann@example.com', name: 'Ann Example', country: 'DE' });
    expect(body.consent).toEqual([
      { channel: 'email', granted: true, at: '2026-01-02T03:04:05.000Z', source: 'checkout' },
      { channel: 'sms', granted: false, at: '2026-02-01T00:00:00.000Z', source: null },
      { channel: 'whatsapp', granted: null, at: null, source: null },
    ]);
    expect((await api('/v1/customers/nobody')).status).toBe(404);
  });

  it('answers the orders newest first, as many as asked, with how many there are', async () => {
    const body = CustomerOrdersResponse.parse(await (await api('/v1/customers/ann/orders?limit=2')).json());
    expect(body.total).toBe(3);
    expect(body.orders.map((o) => [o.id, o.total, o.discount_codes])).toEqual([
      ['o2', 35.5, ['SPRING']],
      ['o3', 12, []],
    ]);
    expect((await api('/v1/customers/ann/orders?limit=0')).status).toBe(400);
  });

  it('answers the event timeline newest first, a page at a time, and one type of event', async () => {
    const first = CustomerEventsResponse.parse(await (await api('/v1/customers/ann/events?limit=2')).json());
    expect(first.events.map((e) => [e.id, e.type, e.occurred_at])).toEqual([
      ['pv-5', 'page_view', '2026-05-05T09:00:00.000Z'],
      ['pv-4', 'page_view', '2026-05-04T09:00:00.000Z'],
    ]);
    expect(first.events[0]!.properties).toMatchObject({ url: 'https://shop.example/p/5' });
    const second = CustomerEventsResponse.parse(
      await (await api(`/v1/customers/ann/events?limit=2&before=${encodeURIComponent(first.next_before!)}`)).json(),
    );
    expect(second.events.map((e) => e.id)).toEqual(['pv-3', 'pv-2']);
    const last = CustomerEventsResponse.parse(
      await (await api(`/v1/customers/ann/events?limit=2&before=${encodeURIComponent(second.next_before!)}`)).json(),
    );
    expect(last.events.map((e) => e.id)).toEqual(['pv-1']);
    expect(last.next_before).toBeNull();
    const none = CustomerEventsResponse.parse(
      await (await api('/v1/customers/ann/events?type=checkout_started')).json(),
    );
    expect(none.events).toEqual([]);
    const bad = await api('/v1/customers/ann/events?before=yesterday');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { details: [{ field: 'before' }] } });
    expect((await api('/v1/customers/nobody/events')).status).toBe(404);
  });
});

describe('lifecycle thresholds set in the store settings', () => {
  it('apply to the next profile run: a repeat buyer 19 days after their last order turns churned at 10 churn days', async () => {
    const send = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: path.startsWith('/v1/config') ? 'PUT' : 'POST',
        headers: { authorization: `Bearer ${keys.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const stage = async () => {
      expect((await send('/v1/profiles/compute', { as_of: '2026-05-20T00:00:00Z' })).status).toBe(200);
      const profile = (await (await api('/v1/customers/ann/profile')).json()) as Record<string, unknown>;
      return profile.lifecycle_stage;
    };
    expect(await stage()).toBe('active');
    expect((await send('/v1/config/lifecycle_churn_days', { value: '10' })).status).toBe(200);
    expect(await stage()).toBe('churned');
    const bad = await send('/v1/config/lifecycle_churn_days', { value: 'soon' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { details: [{ field: 'lifecycle_churn_days' }] } });
    // a medium value tier above the high one (0.8 by default) is refused when set, naming both
    const above = await send('/v1/config/value_tier_medium', { value: '0.9' });
    expect(above.status).toBe(400);
    expect(await above.json()).toMatchObject({
      error: { message: expect.stringContaining('value_tier_medium (0.9) is above value_tier_high (0.8)') },
    });
  });
});
