/**
 * Coupon codes at the till, over HTTP: a campaign gives each customer a code (sent to the outbox,
 * the default channel); a till looks a code up (whose, which campaign, given when, used or not),
 * redeems it once — a second time is refused naming when and by which order — and an order that
 * arrives with the code counts as its use too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignReportBody, CouponBody, MessageLogResponse } from '@strata/api';
import { Customer, ManualClock, Order } from '@strata/core';
import { startServer, type RunningServer } from '@strata/server';
import { until } from './until.js';

const START = '2026-03-02T10:00:00.000Z';
const keys = { writeKey: 'wk-coupons', apiKey: 'api-key-coupons', webhookSecret: 'secret-coupons' };
const dir = mkdtempSync(join(tmpdir(), 'strata-coupons-api-'));
const clock = new ManualClock(START);
let server: RunningServer;
/** The code each customer got. */
const codes = new Map<string, string>();

const call = async (path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) => {
  const key = init.key === undefined ? keys.apiKey : init.key;
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as { error?: { type: string; message: string } } };
};
const redeem = (code: string, body?: unknown) => call(`/v1/coupons/${code}/redeem`, { method: 'POST', body });

beforeAll(async () => {
  server = await startServer({ dbPath: join(dir, 'shop.duckdb'), port: 0, keys, clock, timer: clock });
  const granted = { granted: true, at: '2026-01-01T00:00:00Z', source: 'checkout' };
  await server.store.write({
    customers: ['ann', 'bob', 'cat', 'dan'].map((id) =>
      Customer.parse({ id, email: `${id}@example.com`, consent: { email: granted } }),
    ),
  });
  expect((await call('/v1/profiles/compute', { method: 'POST', body: { as_of: START } })).status).toBe(200);
  expect((await call('/v1/config/quiet_hours', { method: 'PUT', body: { value: 'none' } })).status).toBe(200);
  expect((await call('/v1/segments', { method: 'POST', body: { name: 'all', text: 'consent email' } })).status).toBe(
    201,
  );
  const campaign = (id: string, coupons: unknown) => ({
    id,
    name: id === 'spring' ? 'Spring sale' : 'Shop codes',
    audience: { include: ['all'] },
    message: { channel: 'email', subject: 'A gift', text: 'Your code: {{ coupon }}' },
    holdoutShare: 0,
    coupons,
  });
  expect(
    (await call('/v1/campaigns', { method: 'POST', body: campaign('spring', { source: 'generated', prefix: 'SP-' }) }))
      .status,
  ).toBe(201);
  expect((await call('/v1/campaigns/spring/start', { method: 'POST' })).status).toBe(200);
  await until('the codes sent', async () => {
    const report = CampaignReportBody.parse((await call('/v1/campaigns/spring/report')).json);
    return report.byStatus.sent === 4;
  });
  const log = MessageLogResponse.parse((await call('/v1/campaigns/spring/messages')).json);
  for (const m of log.messages) codes.set(m.customer_id, m.coupon!);
  // A second campaign's codes made in the shop system, not given to anyone yet.
  expect((await call('/v1/campaigns', { method: 'POST', body: campaign('shop', { source: 'imported' }) })).status).toBe(
    201,
  );
  const imported = await fetch(`${server.url}/v1/campaigns/shop/coupons`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.apiKey}`, 'content-type': 'text/plain' },
    body: 'SHOP-0001\nSHOP-0002\n',
  });
  expect(imported.status).toBe(200);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('coupon codes for tills and shops', () => {
  it('looks a code up: whose, which campaign, given when, not used yet (as typed, in any case)', async () => {
    const code = codes.get('ann')!;
    expect(code).toMatch(/^SP-[2-9A-Z]{8}$/);
    const shown = await call(`/v1/coupons/${code.toLowerCase()}`);
    expect(shown.status).toBe(200);
    expect(CouponBody.parse(shown.json)).toEqual({
      code,
      campaign_id: 'spring',
      campaign_name: 'Spring sale',
      customer_id: 'ann',
      message_id: expect.any(String) as string,
      issued_at: START,
      redeemed: false,
      redemption: null,
    });
  });

  it('redeems a code once; the second time is a 409 saying when and by which order', async () => {
    const code = codes.get('ann')!;
    clock.set('2026-03-03T15:30:00.000Z');
    const first = await redeem(code, { order_id: 'till-77' });
    expect(first.status).toBe(200);
    expect(CouponBody.parse(first.json)).toMatchObject({
      redeemed: true,
      redemption: { at: '2026-03-03T15:30:00.000Z', order_id: 'till-77', source: 'reported' },
    });
    const second = await redeem(code, { order_id: 'till-78' });
    expect(second.status).toBe(409);
    expect(second.json.error).toMatchObject({
      type: 'conflict',
      message: `coupon "${code}" was already redeemed at 2026-03-03T15:30:00.000Z by order "till-77"`,
    });
    expect(CouponBody.parse((await call(`/v1/coupons/${code}`)).json).redemption?.order_id).toBe('till-77');
  });

  it('redeems without an order, and says so the second time', async () => {
    const code = codes.get('bob')!;
    expect((await redeem(code)).status).toBe(200);
    const again = await redeem(code, {});
    expect(again.status).toBe(409);
    expect(again.json.error?.message).toBe(
      `coupon "${code}" was already redeemed at 2026-03-03T15:30:00.000Z (no order given)`,
    );
  });

  it('counts an order ingested with the code as its use', async () => {
    const code = codes.get('cat')!;
    await server.store.write({
      orders: [
        Order.parse({
          id: 'web-5',
          customer_id: 'cat',
          placed_at: '2026-03-03T09:00:00Z',
          currency: 'EUR',
          total: 30,
          discount_codes: [` ${code.toLowerCase()} `],
        }),
      ],
    });
    const shown = CouponBody.parse((await call(`/v1/coupons/${code}`)).json);
    expect(shown).toMatchObject({
      redeemed: true,
      redemption: { at: '2026-03-03T09:00:00.000Z', order_id: 'web-5', source: 'order' },
    });
    const refused = await redeem(code, { order_id: 'till-80' });
    expect(refused.status).toBe(409);
    expect(refused.json.error?.message).toContain('by order "web-5"');
  });

  it('lets one of several tills asking at once redeem a code', async () => {
    const code = codes.get('dan')!;
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => redeem(code, { order_id: `till-${i}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409]);
  });

  it('answers 404 naming an unknown code, 409 for a code not given to anyone yet, 401 without the key', async () => {
    const unknown = await call('/v1/coupons/NOPE-123');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error?.message).toContain('no coupon code "NOPE-123"');
    expect((await redeem('nope-123')).status).toBe(404);
    const waiting = await redeem('SHOP-0001');
    expect(waiting.status).toBe(409);
    expect(waiting.json.error?.message).toContain('has not been given to anyone yet');
    expect(CouponBody.parse((await call('/v1/coupons/SHOP-0001')).json)).toMatchObject({
      campaign_id: 'shop',
      customer_id: null,
      issued_at: null,
      redeemed: false,
    });
    expect((await call(`/v1/coupons/${codes.get('ann')!}`, { key: null })).status).toBe(401);
    expect((await redeem(codes.get('ann')!, { order_id: 42 })).status).toBe(400);
  });
});
