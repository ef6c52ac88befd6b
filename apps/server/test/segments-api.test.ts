import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Customer, Order } from '@strata/core';
import { ApiClient } from '@strata/api';
import { startServer, type RunningServer } from '@strata/server';
import { apiFetch } from './api-fetch.js';

const keys = { writeKey: 'wk', apiKey: 'api-key-1', webhookSecret: 'secret' };
let server: RunningServer;

const api = apiFetch(() => server.url, keys.apiKey);

beforeAll(async () => {
  server = await startServer({ dbPath: join(mkdtempSync(join(tmpdir(), 'strata-seg-api-')), 's.duckdb'), port: 0, keys });
  const order = (id: string, customer: string, total: number, placed: string) => Order.parse({ id, customer_id: customer, location_id: 'online', placed_at: placed, currency: 'EUR', total });
  await server.store.write({
    customers: ['ann', 'bob', 'cy', 'dee'].map((id, i) => Customer.parse({ id, email: `${id}@example.com`, country: i < 2 ? 'DE' : 'FR' })),
    orders: [order('o1', 'ann', 500, '2026-10-20T10:00:00Z'), order('o2', 'ann', 300, '2026-10-25T10:00:00Z'), order('o3', 'bob', 20, '2026-06-01T10:00:00Z'), order('o4', 'cy', 80, '2026-10-30T10:00:00Z')],
  });
  const r = await api('/v1/profiles/compute', { method: 'POST', body: JSON.stringify({ as_of: '2026-11-01T00:00:00Z' }) });
  expect(r.status).toBe(200);
});
afterAll(async () => {
  await server?.close();
});

describe('segments over HTTP', () => {
  it('previews an unsaved query: count, members and an explanation', async () => {
    const r = await api('/v1/segments/preview', { method: 'POST', body: JSON.stringify({ text: 'country = "DE" and order_count >= 1', customer: 'bob' }) });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { count: number; members: string[]; explain: { matched: boolean; lines: { condition: string; matched: boolean; because?: string }[] } };
    expect(body.count).toBe(2);
    expect(body.members).toEqual(['ann', 'bob']);
    expect(body.explain.matched).toBe(true);
    expect(body.explain.lines[1]).toMatchObject({ condition: 'country = "DE"', matched: true, because: 'country = DE' });
  });

  it('answers a broken query with 400 and diagnostics that point at the characters', async () => {
    const r = await api('/v1/segments/preview', { method: 'POST', body: JSON.stringify({ text: 'totl_spent > 100' }) });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { type: string; diagnostics: { code: string; span: { start: number; end: number }; message: string }[] } };
    expect(body.error.type).toBe('invalid');
    expect(body.error.diagnostics[0]).toMatchObject({ span: { start: 0, end: 10 } });
    expect(body.error.diagnostics[0]!.message).toContain('did you mean `total_spent`');
  });

  it('saves, counts, lists members of, renames and deletes a segment', async () => {
    const created = await api('/v1/segments', { method: 'POST', body: JSON.stringify({ name: 'Big', text: 'total_spent >= 80', description: 'spent 80 or more' }) });
    expect(created.status).toBe(201);
    const seg = (await created.json()) as { id: string };
    expect(await (await api(`/v1/segments/${seg.id}/count`)).json()).toEqual({ count: 2, as_of: '2026-11-01T00:00:00.000Z', warnings: [] });
    expect(await (await api(`/v1/segments/${seg.id}/members?limit=1&offset=1`)).json()).toEqual({ members: ['cy'], as_of: '2026-11-01T00:00:00.000Z' });
    expect(await (await api(`/v1/segments/${seg.id}/members.csv`)).text()).toBe('customer_id\nann\ncy\n');
    const dup = await api('/v1/segments', { method: 'POST', body: JSON.stringify({ name: 'Big', text: 'order_count > 0' }) });
    expect(dup.status).toBe(409);
    // another segment can refer to a saved one
    const ref = await api('/v1/segments/preview', { method: 'POST', body: JSON.stringify({ text: 'in segment "Big" and country = "FR"' }) });
    expect(((await ref.json()) as { members: string[] }).members).toEqual(['cy']);
    expect((await api(`/v1/segments/${seg.id}`, { method: 'PUT', body: JSON.stringify({ name: 'Bigger' }) })).status).toBe(200);
    const list = (await (await api('/v1/segments')).json()) as { saved: { name: string }[]; ready: unknown[] };
    expect(list.saved.map((s) => s.name)).toEqual(['Bigger']);
    expect(list.ready.length).toBeGreaterThan(40);
    expect((await api(`/v1/segments/${seg.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/v1/segments/${seg.id}/count`)).status).toBe(404);
  });

  it('evaluates as of the profiles by default, as of a later time on request, and refuses what would be wrong', async () => {
    const preview = async (body: Record<string, unknown>) => {
      const r = await api('/v1/segments/preview', { method: 'POST', body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as { as_of: string; members: string[]; error?: { message: string } } };
    };
    const byDefault = await preview({ text: 'last_order_at before 20 days ago' });
    expect(byDefault.body).toMatchObject({ as_of: '2026-11-01T00:00:00.000Z', members: ['bob'] });
    // a date is the end of that day: ann's order of 10-25 and cy's of 10-30 are then over 20 days old
    const later = await preview({ text: 'last_order_at before 20 days ago', as_of: '2026-11-20' });
    expect(later.body).toMatchObject({ as_of: '2026-11-20T23:59:59.999Z', members: ['ann', 'bob', 'cy'] });
    const saved = await api('/v1/segments', { method: 'POST', body: JSON.stringify({ name: 'Quiet', text: 'last_order_at before 20 days ago' }) });
    const { id } = (await saved.json()) as { id: string };
    expect(await (await api(`/v1/segments/${id}/count?as_of=2026-11-20`)).json()).toEqual({ count: 3, as_of: '2026-11-20T23:59:59.999Z', warnings: [] });
    await api(`/v1/segments/${id}`, { method: 'DELETE' });

    const earlier = await preview({ text: 'order_count >= 1', as_of: '2026-10-01' });
    expect(earlier.status).toBe(400);
    expect(earlier.body.error?.message).toContain('the profiles are as of 2026-11-01T00:00:00Z and already count what happened after it');
    const stale = await preview({ text: 'country = "DE" and lifecycle_stage = "churned"', as_of: '2026-11-20' });
    expect(stale.status).toBe(400);
    expect(stale.body.error?.message).toContain('`lifecycle_stage` is measured as of the profiles (2026-11-01T00:00:00Z)');
    expect(stale.body.error?.message).toContain('strata profiles compute --as-of 2026-11-20T23:59:59.999Z');
    const garbled = await api('/v1/segments/anything/count?as_of=soon');
    expect(garbled.status).toBe(400);
  });

  it('evaluates a ready segment with parameters', async () => {
    const r = await api('/v1/segments/preview', { method: 'POST', body: JSON.stringify({ ready: 'big-spenders', params: { percent: 25 } }) });
    const body = (await r.json()) as { text: string; members: string[] };
    expect(body.text).toBe('total_spent in top 25%');
    expect(body.members).toEqual(['ann']);
  });

  it('warns, at the name, about products and categories the store does not have', async () => {
    // This store has no products at all: the default cross-sell pair is not in it.
    const r = await api('/v1/segments/preview', { method: 'POST', body: JSON.stringify({ ready: 'bought-x-not-y' }) });
    const body = (await r.json()) as { text: string; count: number; warnings: { code: string; message: string; span: { start: number; end: number } }[] };
    expect(body.count).toBe(0);
    expect(body.warnings.map((w) => [w.code, w.message, body.text.slice(w.span.start, w.span.end)])).toEqual([
      ['unknown-item', 'the store has no product "CST-001"', '"CST-001"'],
      ['unknown-item', 'the store has no product "BAC-001"', '"BAC-001"'],
    ]);
    const saved = await api('/v1/segments', { method: 'POST', body: JSON.stringify({ name: 'Tea', text: 'bought category "Tea"' }) });
    const { id } = (await saved.json()) as { id: string };
    const count = (await (await api(`/v1/segments/${id}/count`)).json()) as { count: number; warnings: { message: string }[] };
    expect(count.count).toBe(0);
    expect(count.warnings.map((w) => w.message)).toEqual(['the store has no category "Tea"']);
    await api(`/v1/segments/${id}`, { method: 'DELETE' });
  });

  it('refuses a ready segment parameter the segment does not have', async () => {
    const r = await api('/v1/segments/preview', { method: 'POST', body: JSON.stringify({ ready: 'loyal', params: { day: 60 } }) });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { message: string } };
    expect(body.error.message).toBe('the ready segment "loyal" has no parameter "day"; did you mean "days"? (its parameters: orders, days)');
  });

  it('lists what segments can use at /v1/fields, in the shape the API client checks', async () => {
    const client = new ApiClient({ baseUrl: server.url, apiKey: keys.apiKey });
    const list = await client.fields();
    expect(list.fields.find((f) => f.name === 'lifecycle_stage')).toMatchObject({ type: 'enum', source: 'profile', measuredAtProfileRun: true });
    expect(list.fields.find((f) => f.name === 'country')).toMatchObject({ type: 'string', source: 'customer' });
    expect(list.events.find((e) => e.type === 'page_view')?.properties.find((p) => p.name === 'page_kind')?.values).toContain('demo_video');
    expect(list.channels).toEqual(['email', 'sms', 'whatsapp']);
  });

  it('refuses every segment and profile route without the API key', async () => {
    for (const [method, path] of [
      ['GET', '/v1/fields'],
      ['GET', '/v1/segments'],
      ['POST', '/v1/segments/preview'],
      ['GET', '/v1/profiles/summary'],
      ['GET', '/v1/customers/ann/profile'],
      ['POST', '/v1/profiles/compute'],
    ] as const) {
      const r = await fetch(`${server.url}${path}`, { method, headers: { authorization: 'Bearer wrong' } });
      expect(r.status, `${method} ${path}`).toBe(401);
    }
  });
});

describe('profiles over HTTP', () => {
  it('serves a customer profile and the summary with the lifecycle counts', async () => {
    const p = (await (await api('/v1/customers/ann/profile')).json()) as Record<string, unknown>;
    expect(p).toMatchObject({ customer_id: 'ann', order_count: 2, total_spent: 800, lifecycle_stage: 'active' });
    const s = (await (await api('/v1/profiles/summary')).json()) as { customers: number; buyers: number; lifecycle: Record<string, number> };
    expect(s).toMatchObject({ customers: 4, buyers: 3 });
    expect(s.lifecycle).toMatchObject({ prospect: 1 });
    // the value × churn-risk grid counts everyone once, and agrees with the value tiers
    const grid = (s as unknown as { valueRisk: { value_tier: string; churn_risk: string; customers: number }[]; valueTiers: Record<string, number> });
    expect(grid.valueRisk.reduce((n, c) => n + c.customers, 0)).toBe(4);
    for (const [tier, n] of Object.entries(grid.valueTiers))
      expect(grid.valueRisk.filter((c) => c.value_tier === tier).reduce((m, c) => m + c.customers, 0), tier).toBe(n);
    expect((await api('/v1/customers/nobody/profile')).status).toBe(404);
  });
});
