import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Customer, Order } from '@strata/core';
import { CustomerOrdersResponse, CustomerResponse } from '@strata/api';
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
});
