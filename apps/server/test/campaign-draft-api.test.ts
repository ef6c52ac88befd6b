/**
 * What the new-campaign form asks the server while it is filled in: the dry run of a definition
 * not saved yet (with the id it will be saved under, the saved campaign's dry run gives the same
 * numbers), and the Liquid check of a template as it is typed (each problem at its characters).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignPlanBody, TemplateCheckBody } from '@strata/api';
import { Customer, ManualClock } from '@strata/core';
import { startServer, type RunningServer } from '@strata/server';

const START = '2026-03-02T10:00:00.000Z';
const keys = { writeKey: 'wk-draft', apiKey: 'api-key-draft', webhookSecret: 'secret-draft' };
const dir = mkdtempSync(join(tmpdir(), 'strata-campaign-draft-api-'));
const clock = new ManualClock(START);
let server: RunningServer;

const call = async (path: string, body?: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.apiKey}` },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
};

const ids = Array.from({ length: 40 }, (_, i) => `c${String(i).padStart(2, '0')}`);
const definition = {
  id: 'spring-draft',
  name: 'Spring',
  audience: { include: ['all'], exclude: ['vip'] },
  message: { channel: 'email', subject: 'Hi {{ customer.first_name }}', text: 'Hello' },
  holdoutShare: 0.25,
};

beforeAll(async () => {
  server = await startServer({ dbPath: join(dir, 'shop.duckdb'), port: 0, keys, clock, timer: clock });
  const granted = { granted: true, at: '2026-01-01T00:00:00Z', source: 'checkout' };
  await server.store.write({
    customers: ids.map((id, i) =>
      Customer.parse({
        id,
        email: `${id}@example.com`,
        // Every fourth customer has not agreed to email.
        ...(i % 4 === 3 ? {} : { consent: { email: granted } }),
        city: i < 5 ? 'Oslo' : 'Bergen',
      }),
    ),
  });
  expect((await call('/v1/profiles/compute', { as_of: START })).status).toBe(200);
  expect((await call('/v1/segments', { name: 'all', text: 'city = "Oslo" or city = "Bergen"' })).status).toBe(201);
  expect((await call('/v1/segments', { name: 'vip', text: 'city = "Oslo"' })).status).toBe(201);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /v1/campaigns/dry-run', () => {
  it('gives the numbers the saved campaign dry run gives, exclusions and holdout applied', async () => {
    const draft = await call('/v1/campaigns/dry-run', definition);
    expect(draft.status).toBe(200);
    const unsaved = CampaignPlanBody.parse(draft.json);
    expect(unsaved.audience).toBe(40);
    expect(unsaved.counts.excluded).toBe(5);
    expect(unsaved.counts.held_out).toBeGreaterThan(0);
    expect(unsaved.counts.no_consent).toBeGreaterThan(0);
    expect((await call('/v1/campaigns/spring-draft')).status).toBe(404);

    expect((await call('/v1/campaigns', definition)).status).toBe(201);
    const saved = CampaignPlanBody.parse((await call('/v1/campaigns/spring-draft/plan', {})).json);
    expect(saved.counts).toEqual(unsaved.counts);
    expect(saved.wouldSend).toBe(unsaved.wouldSend);
  });

  it('refuses a definition without an audience, naming the field', async () => {
    const r = await call('/v1/campaigns/dry-run', { ...definition, audience: { include: [] } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json)).toContain('audience.include');
  });
});

describe('POST /v1/campaigns/templates/check', () => {
  const check = async (text: string) => {
    const r = await call('/v1/campaigns/templates/check', { text });
    expect(r.status).toBe(200);
    return TemplateCheckBody.parse(r.json).diagnostics;
  };

  it('finds nothing wrong in a good template', async () => {
    expect(await check('Hi {{ customer.first_name }}, your code: {{ coupon }}')).toEqual([]);
  });

  it('puts an unclosed tag at its characters, with line and column', async () => {
    const text = 'Hello {{ customer.first_name }}\n{% if customer.city %}Hi';
    const [d, ...rest] = await check(text);
    expect(rest).toEqual([]);
    expect(d!.message).toContain('not closed');
    expect(text.slice(d!.span.start, d!.span.end)).toBe('{% if customer.city %}');
    expect([d!.line, d!.column]).toEqual([2, 1]);
  });

  it('underlines an unknown variable by its name, with a suggestion', async () => {
    const text = 'Hi\n  {{ custmer.name }}';
    const [d] = await check(text);
    expect(text.slice(d!.span.start, d!.span.end)).toBe('custmer');
    expect(d!.message).toContain('did you mean "customer"');
  });
});
