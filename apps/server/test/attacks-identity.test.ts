/**
 * Identity through the public write key, against a real server process: a visitor who claims an
 * existing customer's phone and email must not become her, and neither must their browsing. The
 * same identify from the shop's server (the API key) merges, as docs/ingest.md documents. The
 * cases run in order over one store, as one story: each starts from what the one before left.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthMs, spawnServer, type ServerProcess } from './server-process.js';

const keys = {
  STRATA_WRITE_KEY: 'wk-identity',
  STRATA_API_KEY: 'api-identity',
  STRATA_WEBHOOK_SECRET: 'whsec-identity',
};
const writeKey = `Basic ${Buffer.from(`${keys.STRATA_WRITE_KEY}:`).toString('base64')}`;
const apiKey = `Bearer ${keys.STRATA_API_KEY}`;
const PHONE = '+4915123456789';
const AS_OF = '2025-03-10T00:00:00Z';
let server: ServerProcess;

async function call(path: string, authorization: string, body?: unknown, contentType = 'application/json') {
  const r = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization, 'content-type': contentType },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');
const importJsonl = async (entity: string, rows: unknown[]) => {
  const r = await call(`/v1/import/${entity}?format=jsonl`, apiKey, jsonl(rows), 'application/x-ndjson');
  expect(r).toMatchObject({ status: 200, body: { rejected: 0 } });
};

/** A visitor's identify, then one page view (one visit) a day on March `days`, 2025, under one anonymous id. */
function visit(prefix: string, identify: Record<string, unknown>, anonymousId: string, days: number[]) {
  return [
    { type: 'identify', messageId: `${prefix}-identify`, anonymousId, timestamp: '2025-03-01T12:00:00Z', ...identify },
    ...days.map((day) => ({
      type: 'page',
      messageId: `${prefix}-page-${day}`,
      anonymousId,
      name: 'Home',
      timestamp: `2025-03-0${day}T12:00:00Z`,
    })),
  ];
}

async function profile(id: string): Promise<Record<string, unknown>> {
  const r = await call(`/v1/customers/${id}/profile`, apiKey);
  expect(r.status).toBe(200);
  return r.body;
}
async function computeProfiles() {
  expect((await call('/v1/profiles/compute', apiKey, { as_of: AS_OF })).status).toBe(200);
}
async function members(text: string): Promise<string[]> {
  const r = await call('/v1/segments/preview', apiKey, { text, limit: 100 });
  expect(r.status).toBe(200);
  return (r.body.members as string[]).sort();
}
async function mergedCustomers(): Promise<number> {
  const r = await call('/v1/stats', apiKey);
  return (r.body.counts as { merged_customers: number }).merged_customers;
}
/** What the shop owner sees of Maria: who she is, what she bought, how she browsed. */
const mariaAsSeen = (p: Record<string, unknown>) => ({
  customer_id: p.customer_id,
  order_count: p.order_count,
  total_spent: p.total_spent,
  visits_30d: p.visits_30d,
  last_visit_at: p.last_visit_at,
});

beforeAll(async () => {
  server = await spawnServer(join(mkdtempSync(join(tmpdir(), 'strata-identity-')), 'store.duckdb'), keys);
  // Maria: a customer with a phone, an email, two orders and one visit of her own.
  await importJsonl('customers', [
    { id: 'maria', email: 'maria@example.com', phone: PHONE, name: 'Maria Muster', country: 'DE' },
  ]);
  await importJsonl(
    'orders',
    ['2025-01-15T10:00:00Z', '2025-02-20T10:00:00Z'].map((placed_at, i) => ({
      id: `maria-order-${i + 1}`,
      customer_id: 'maria',
      location_id: 'online',
      placed_at,
      currency: 'EUR',
      total: 40,
      lines: [{ sku: 'COFFEE-1', quantity: 2, unit_price: 20 }],
    })),
  );
  const own = await call('/v1/page', apiKey, {
    messageId: 'maria-page',
    userId: 'maria',
    name: 'Home',
    timestamp: '2025-03-05T08:00:00Z',
  });
  expect(own.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe('an identify through the public write key claiming an existing customer\u2019s phone and email', () => {
  it('merges no one: her profile, her traits and her history stay hers; the visitor\u2019s browsing stays theirs', async () => {
    await computeProfiles();
    const rssBefore = server.rssMiB();
    const before = mariaAsSeen(await profile('maria'));
    expect(before).toMatchObject({ customer_id: 'maria', order_count: 2, visits_30d: 1 });

    const claim = { phone: '+49 151 23456789', email: 'MARIA@example.com', name: 'Eve' };
    // Still anonymous: an identify with only traits, then three days of browsing.
    const anonymous = await call('/v1/batch', writeKey, {
      batch: visit('eve-anon', { traits: claim }, 'anon-eve', [2, 3, 4]),
    });
    expect(anonymous).toEqual({ status: 200, body: { success: true } });
    // Signed up on the site: now with a userId of their own, two more days of browsing.
    const signedUp = await call('/v1/batch', writeKey, {
      batch: [
        ...visit('eve-user', { userId: 'eve-account', traits: claim }, 'anon-eve', [5, 6]),
        // An alias can only link an anonymous id: naming Maria's id as previousId takes nothing of hers.
        {
          type: 'alias',
          messageId: 'eve-alias',
          previousId: 'maria',
          userId: 'eve-account',
          timestamp: '2025-03-06T12:00:00Z',
        },
      ],
    });
    expect(signedUp).toEqual({ status: 200, body: { success: true } });

    await computeProfiles();
    expect(await mergedCustomers()).toBe(0);
    expect(mariaAsSeen(await profile('maria'))).toEqual(before);
    // The visitor is a customer of their own, with all five days of browsing counted as theirs.
    expect(await profile('eve-account')).toMatchObject({ customer_id: 'eve-account', order_count: 0, visits_30d: 5 });
    // Maria alone has her phone, her email and her name; the claim is kept on the visitor as unverified.
    expect(await members(`phone = "${PHONE}"`)).toEqual(['maria']);
    expect(await members('email = "maria@example.com"')).toEqual(['maria']);
    expect(await members('name = "Maria Muster"')).toEqual(['maria']);
    expect(await members('name = "Eve"')).toEqual(['eve-account']);
    expect(await members('visits_30d >= 2')).toEqual(['eve-account']);
    // The server stayed small and answering throughout.
    expect(server.rssMiB() - rssBefore).toBeLessThan(200);
    expect(await healthMs(server.url)).toBeLessThan(1000);
  });

  it('cannot reserve an email for later: a till order by that email does not go to the visitor', async () => {
    const r = await call('/v1/identify', writeKey, {
      messageId: 'eve-reserve',
      userId: 'eve-account',
      traits: { email: 'next-buyer@example.com' },
      timestamp: '2025-03-07T12:00:00Z',
    });
    expect(r.status).toBe(200);
    await importJsonl('orders', [
      {
        id: 'till-1',
        customer_email: 'next-buyer@example.com',
        location_id: 'online',
        placed_at: '2025-03-08T10:00:00Z',
        currency: 'EUR',
        total: 99,
        lines: [{ sku: 'COFFEE-1', quantity: 1, unit_price: 99 }],
      },
    ]);
    await computeProfiles();
    expect((await profile('eve-account')).order_count).toBe(0);
    expect(await members('total_spent = 99')).toEqual([expect.stringMatching(/^guest-/)]);
  });
});

describe('the same identify from the shop\u2019s server (API key)', () => {
  it('is trusted: the claimant owns nothing first, so it is merged into Maria, browsing and all', async () => {
    const before = mariaAsSeen(await profile('maria'));
    const claim = { phone: '+49 151 23456789', name: 'Eve' };
    const r = await call('/v1/batch', apiKey, {
      batch: visit('server', { userId: 'eve-by-server', traits: claim }, 'anon-server', [7, 8]),
    });
    expect(r).toEqual({ status: 200, body: { success: true } });

    await computeProfiles();
    expect(await mergedCustomers()).toBe(1);
    // Both ids are now Maria: she keeps her own fields and gains the claimant's two visits.
    expect((await profile('eve-by-server')).customer_id).toBe('maria');
    expect(mariaAsSeen(await profile('maria'))).toEqual({
      ...before,
      visits_30d: (before.visits_30d as number) + 2,
      last_visit_at: '2025-03-08T12:00:00.000Z',
    });
    expect(await members(`phone = "${PHONE}"`)).toEqual(['maria']);
    expect(await members('name = "Maria Muster"')).toEqual(['maria']);
  });

  it('refuses a wrong API key and stores nothing', async () => {
    const r = await call('/v1/identify', 'Bearer not-the-key', {
      messageId: 'x-1',
      userId: 'x',
      traits: { phone: PHONE },
    });
    expect(r).toMatchObject({ status: 401, body: { error: { type: 'unauthorized', message: 'wrong API key' } } });
    expect(await mergedCustomers()).toBe(1);
  });
});
