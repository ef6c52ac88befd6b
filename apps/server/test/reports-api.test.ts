/**
 * The reports over HTTP: `GET /v1/reports/:name` behind the API key, parameters as the query
 * string, the numbers of a hand-made store, and mistakes answered with the status and message a
 * dashboard shows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Customer, Order } from '@strata/core';
import { ReportBody, ReportCatalogResponse } from '@strata/api';
import { startServer, type RunningServer } from '@strata/server';
import { apiFetch } from './api-fetch.js';

const keys = { writeKey: 'wk', apiKey: 'api-key-1', webhookSecret: 'secret' };
let server: RunningServer;

const api = apiFetch(() => server.url, keys.apiKey);

beforeAll(async () => {
  server = await startServer({
    dbPath: join(mkdtempSync(join(tmpdir(), 'strata-reports-api-')), 's.duckdb'),
    port: 0,
    keys,
  });
  const order = (id: string, customer: string, total: number, placed: string, status = 'confirmed') =>
    Order.parse({
      id,
      customer_id: customer,
      location_id: 'online',
      placed_at: placed,
      currency: 'EUR',
      total,
      status,
    });
  await server.store.write({
    customers: ['ann', 'bob', 'cy', 'dee'].map((id, i) => Customer.parse({ id, country: i < 2 ? 'DE' : 'FR' })),
    orders: [
      order('o1', 'ann', 500, '2026-10-20T10:00:00Z'),
      order('o2', 'ann', 300, '2026-10-25T10:00:00Z'),
      order('o3', 'bob', 20, '2026-06-01T10:00:00Z'),
      order('o4', 'cy', 80, '2026-10-30T10:00:00Z'),
      order('o5', 'cy', 100, '2026-10-30T11:00:00Z', 'refunded'),
    ],
  });
  const r = await api('/v1/profiles/compute', {
    method: 'POST',
    body: JSON.stringify({ as_of: '2026-11-01T00:00:00Z' }),
  });
  expect(r.status).toBe(200);
});
afterAll(async () => {
  await server?.close();
});

describe('reports over HTTP', () => {
  it('answers the overview as typed tables, parameters from the query string', async () => {
    const r = await api('/v1/reports/overview?to=2026-10-31');
    expect(r.status).toBe(200);
    const body = ReportBody.parse(await r.json());
    expect(body.parameters).toEqual({ from: null, to: '2026-10-31', segment: null, months: '12' });
    const rows = (id: string) => body.tables.find((t) => t.id === id)!.rows;
    // ann 500 + 300, bob 20, cy 80 (the refunded 100 does not count): 900 over 4 orders
    expect(rows('totals')).toEqual([
      { customers: 4, buyers: 3, orders: 4, revenue: 900, aov: 225, repeat_buyers: 1, repeat_rate: 1 / 3 },
    ]);
    expect(rows('revenue_by_country').map((c) => [c.country, c.buyers, c.orders, c.revenue])).toEqual([
      ['DE', 2, 3, 820],
      ['FR', 1, 1, 80],
    ]);
    expect(body.tables.find((t) => t.id === 'totals')!.columns[3]).toEqual({
      name: 'revenue',
      label: 'Revenue',
      type: 'money',
    });
  });

  it('lists the reports with their parameters', async () => {
    const body = ReportCatalogResponse.parse(await (await api('/v1/reports')).json());
    expect(body.reports.map((r) => r.name)).toEqual([
      'overview',
      'segment-sizes',
      'overlap',
      'revenue-share',
      'transitions',
    ]);
    expect(body.reports[4]!.parameters[0]).toMatchObject({ name: 'by', kind: 'choice', choices: ['rfm', 'lifecycle'] });
  });

  it('wants the API key, and names an unknown report or a bad parameter', async () => {
    expect((await fetch(`${server.url}/v1/reports/overview`)).status).toBe(401);
    const unknown = await api('/v1/reports/overveiw');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain(
      'no report "overveiw" (did you mean "overview"?)',
    );
    const bad = await api('/v1/reports/overview?to=2026-13-01');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { type: 'invalid', message: 'to must be a day as YYYY-MM-DD, not "2026-13-01"' },
    });
  });
});
