/**
 * A campaign from start to inbox, as a shop owner runs it: a real Strata server (the campaign
 * engine inside it, on a test clock) sends through a real SMTP server on 127.0.0.1. The campaign
 * is created, dry-run and started over HTTP; the SMTP server receives exactly the messages it
 * should — personalised, each with its own coupon, the unsubscribe link and headers — and none
 * for the customer without consent, the one over the frequency cap, the one asleep in Los Angeles
 * (sent when 09:00 comes there) or the held-out ones. Following the link withdraws consent, which
 * the API and the next dry run show.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CampaignBody,
  CampaignPlanBody,
  CampaignReportBody,
  CampaignStartResponse,
  MessageLogResponse,
  SegmentPreviewResponse,
} from '@strata/api';
import { holdoutBucket } from '@strata/campaigns';
import { Customer, ManualClock, Order } from '@strata/core';
import { startServer, type RunningServer } from '@strata/server';
import { recipient, startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { until } from './until.js';

const START = '2026-03-02T10:00:00.000Z'; // a Monday: 11:00 in Berlin, 02:00 in Los Angeles
const CAMPAIGN = 'spring-tea';
const HOLDOUT = 0.15;
const keys = { writeKey: 'wk-e2e', apiKey: 'api-key-e2e', webhookSecret: 'secret-e2e' };

const dir = mkdtempSync(join(tmpdir(), 'strata-campaign-e2e-'));
const clock = new ManualClock(START);
let smtp: SmtpSink;
let server: RunningServer;

const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${keys.apiKey}`, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const json: unknown = await res.json();
  return { status: res.status, json };
};

const granted = { granted: true, at: '2026-01-01T00:00:00Z', source: 'checkout' };
const customer = (id: string, extra: Record<string, unknown> = {}) =>
  Customer.parse({
    id,
    email: `${id}@example.com`,
    name: `${id[0]!.toUpperCase()}${id.slice(1)} Smith`,
    consent: { email: granted },
    ...extra,
  });
let orderNo = 0;
const orders = (id: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    Order.parse({
      id: `o${++orderNo}`,
      customer_id: id,
      placed_at: `2026-02-${String(10 + i).padStart(2, '0')}T12:00:00Z`,
      currency: 'EUR',
      total: 20,
    }),
  );

/** In the segment: everyone who ordered (the stranger never did). */
const buyers = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus', 'nocon', 'capped', 'night'];
const heldOut = buyers.filter((id) => holdoutBucket(CAMPAIGN, id) < HOLDOUT);
/** Who gets the message at 10:00 UTC: consent, under the cap, awake, not held out. */
const firstWave = ['cat', 'dan', 'eve', 'fay', 'gus'];

const definition = {
  id: CAMPAIGN,
  name: 'Spring tea',
  audience: { include: ['buyers'] },
  message: {
    channel: 'email',
    subject: '{{ customer.first_name }}, thanks for {{ profile.order_count }} orders',
    text: 'Hello {{ customer.first_name }}, your code is {{ coupon }}.\nUnsubscribe: {{ unsubscribe_url }}',
  },
  coupons: { source: 'generated', prefix: 'SPRING-', length: 8 },
  holdoutShare: HOLDOUT,
};

beforeAll(async () => {
  smtp = await startSmtpSink();
  server = await startServer({ dbPath: join(dir, 'shop.duckdb'), port: 0, keys, clock, timer: clock });
  // Email goes over SMTP to the test's server, set as a shop owner sets it (`strata channel set email …`).
  const email = await api('/v1/channels/email', {
    method: 'PUT',
    body: {
      provider: 'smtp',
      host: '127.0.0.1',
      port: smtp.port,
      from: 'Tea Shop <news@tea.example>',
      maxConnections: 2,
    },
  });
  expect(email.status).toBe(200);
  await server.store.write({
    customers: [
      ...['ann', 'bob', 'cat', 'dan', 'fay', 'gus', 'stranger'].map((id) => customer(id)),
      customer('eve', { timezone: 'Europe/Berlin' }),
      customer('nocon', { consent: {} }),
      customer('capped'),
      customer('night', { timezone: 'America/Los_Angeles' }),
    ],
    orders: buyers.flatMap((id, i) => orders(id, 1 + (i % 3))),
  });
  // Two messages from an earlier campaign in the last 7 days: the default cap is 2.
  for (const [n, at] of ['2026-02-27T10:00:00Z', '2026-03-01T10:00:00Z'].entries())
    await server.store.exec(
      `INSERT INTO messages (id, campaign_id, step, customer_id, channel, status, due_at, attempts, sending_at, sent_at, created_at, updated_at)
       VALUES ($1, 'winter', 'main', 'capped', 'email', 'sent', $2::TIMESTAMPTZ, 1, $2::TIMESTAMPTZ, $2::TIMESTAMPTZ, $2::TIMESTAMPTZ, $2::TIMESTAMPTZ)`,
      [`winter-capped-${n}`, at],
    );
  expect((await api('/v1/profiles/compute', { method: 'POST', body: { as_of: START } })).status).toBe(200);
  expect(
    (await api('/v1/segments', { method: 'POST', body: { name: 'buyers', text: 'order_count >= 1' } })).status,
  ).toBe(201);
});

afterAll(async () => {
  await server?.close();
  await smtp?.close();
  rmSync(dir, { recursive: true, force: true });
});

const header = (mail: ParsedMail, name: string) =>
  mail.headerLines.find((h) => h.key === name.toLowerCase())?.line.replace(/^[^:]+:\s*/, '');

describe('a campaign sent through SMTP by the server', () => {
  it('takes the campaign over HTTP, with a bad field named', async () => {
    expect(heldOut).toEqual(['ann', 'bob']); // the holdout is a stable hash: these two, in every run
    const bad = await api('/v1/campaigns', {
      method: 'POST',
      body: { ...definition, message: { ...definition.message, subject: 'Hi {{ custmer.first_name }}' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      error: {
        type: 'invalid',
        details: [
          {
            field: 'message.subject',
            message: expect.stringMatching(/unknown variable "custmer" \(did you mean "customer"\?\)/),
          },
        ],
      },
    });
    const created = await api('/v1/campaigns', { method: 'POST', body: definition });
    expect(created.status).toBe(201);
    expect(CampaignBody.parse(created.json)).toMatchObject({ id: CAMPAIGN, status: 'draft' });
  });

  it('dry-runs it: counts by reason, nothing sent', async () => {
    const plan = CampaignPlanBody.parse((await api(`/v1/campaigns/${CAMPAIGN}/plan`, { method: 'POST' })).json);
    expect(plan.audience).toBe(buyers.length);
    expect(plan.counts).toMatchObject({
      send: firstWave.length,
      held_out: 2,
      no_consent: 1,
      capped: 1,
      quiet_hours: 1,
    });
    expect(plan.wouldSend).toBe(firstWave.length + 1);
    expect(smtp.received).toHaveLength(0);
  });

  it('dry-runs it again with the store’s own guardrail settings, which take effect at once', async () => {
    const set = async (name: string, value: string) =>
      expect((await api(`/v1/config/${name}`, { method: 'PUT', body: { value } })).status).toBe(200);
    const bad = await api('/v1/config/quiet_hours', { method: 'PUT', body: { value: '9pm to 9am' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('must be like \\"21-9\\"');
    await set('quiet_hours', 'none');
    await set('frequency_cap', '3 in 7 days');
    const plan = CampaignPlanBody.parse((await api(`/v1/campaigns/${CAMPAIGN}/plan`, { method: 'POST' })).json);
    expect(plan.counts).toMatchObject({ send: firstWave.length + 2, held_out: 2, no_consent: 1 });
    expect(plan.counts.capped ?? 0).toBe(0);
    expect(plan.counts.quiet_hours ?? 0).toBe(0);
    // back to the defaults for the sends below
    await set('quiet_hours', '21-9');
    await set('frequency_cap', '2 in 7 days');
    const again = CampaignPlanBody.parse((await api(`/v1/campaigns/${CAMPAIGN}/plan`, { method: 'POST' })).json);
    expect(again.counts).toMatchObject({ send: firstWave.length, capped: 1, quiet_hours: 1 });
  });

  it('sends exactly the expected messages when started, personalised, with unique codes and unsubscribe headers', async () => {
    const started = CampaignStartResponse.parse(
      (await api(`/v1/campaigns/${CAMPAIGN}/start`, { method: 'POST' })).json,
    );
    expect(started).toMatchObject({ queued: buyers.length, campaign: { status: 'running' } });
    await until('the first wave', async () => {
      const report = CampaignReportBody.parse((await api(`/v1/campaigns/${CAMPAIGN}/report`)).json);
      return report.byStatus.sent === firstWave.length && smtp.received.length >= firstWave.length;
    });
    expect(smtp.received.map(recipient).sort()).toEqual(firstWave);

    const log = MessageLogResponse.parse((await api(`/v1/campaigns/${CAMPAIGN}/messages?limit=100`)).json);
    const byCustomer = new Map(log.messages.map((m) => [m.customer_id, m]));
    const codes = new Set<string>();
    for (const mail of smtp.received) {
      const id = recipient(mail);
      const first = `${id[0]!.toUpperCase()}${id.slice(1)}`;
      const entry = byCustomer.get(id)!;
      expect(mail.subject).toBe(`${first}, thanks for ${1 + (buyers.indexOf(id) % 3)} orders`);
      const m = /^Hello (\w+), your code is (SPRING-[2-9A-Z]{8})\.\nUnsubscribe: (\S+)$/.exec(mail.text!.trim());
      expect(m?.[1]).toBe(first);
      codes.add(m![2]!);
      expect(entry).toMatchObject({ status: 'sent', coupon: m![2], address: `${id}@example.com` });
      expect(header(mail, 'X-Strata-Send-ID')).toBe(entry.id);
      expect(header(mail, 'List-Unsubscribe')).toBe(`<${m![3]}>`);
      expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(m![3]!.startsWith(`${server.url}/u?token=`)).toBe(true);
    }
    expect(codes.size).toBe(firstWave.length);
    expect(Object.fromEntries([...byCustomer].map(([id, e]) => [id, [e.status, e.reason]]))).toMatchObject({
      ann: ['held_out', 'held_out'],
      bob: ['held_out', 'held_out'],
      nocon: ['skipped', 'no_consent'],
      capped: ['skipped', 'capped'],
      night: ['queued', 'quiet_hours'],
    });
    const report = CampaignReportBody.parse((await api(`/v1/campaigns/${CAMPAIGN}/report`)).json);
    expect(report).toMatchObject({ campaign: { status: 'running' }, nextDueAt: '2026-03-02T17:00:00.000Z' });
  });

  it('unsubscribes through the link: a page that asks, a one-click POST that withdraws, a forged link refused', async () => {
    const mail = smtp.received.find((m) => recipient(m) === 'cat')!;
    const link = header(mail, 'List-Unsubscribe')!.slice(1, -1);
    const consentOfCat = async () => {
      const r = SegmentPreviewResponse.parse(
        (await api('/v1/segments/preview', { method: 'POST', body: { text: 'consent email', customer: 'cat' } })).json,
      );
      return r.explain?.matched;
    };

    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<form method="post"><button type="submit">Unsubscribe<\/button><\/form>/);
    expect(await consentOfCat()).toBe(true); // looking at the page changes nothing

    const token = new URL(link).searchParams.get('token')!;
    const forged = `${server.url}/u/${token.replace(/^./, (ch) => (ch === 'e' ? 'f' : 'e'))}`;
    expect((await fetch(forged)).status).toBe(404);
    expect((await fetch(forged, { method: 'POST' })).status).toBe(404);
    expect(await consentOfCat()).toBe(true);

    const oneClick = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain('You are unsubscribed');
    await until('the withdrawal to be written', async () => (await consentOfCat()) === false, 10_000);
    // The path form of the same link works too.
    expect((await fetch(`${server.url}/u/${token}`)).status).toBe(200);

    // The next campaign's dry run counts her out.
    const next = await api('/v1/campaigns', { method: 'POST', body: { ...definition, id: 'summer-tea' } });
    expect(next.status).toBe(201);
    const plan = CampaignPlanBody.parse((await api('/v1/campaigns/summer-tea/plan', { method: 'POST' })).json);
    expect(plan.counts.no_consent).toBe(2);
  });

  it('sends the deferred message when 09:00 comes in Los Angeles (links on the public_url set meanwhile), and nothing more', async () => {
    expect(smtp.received).toHaveLength(firstWave.length);
    // The shop sets the address customers reach it at; the next send's links start with it.
    expect(
      (await api('/v1/config/public_url', { method: 'PUT', body: { value: 'https://tea.example/' } })).status,
    ).toBe(200);
    clock.set('2026-03-02T17:00:00.000Z');
    await until('the deferred message', async () => {
      const report = CampaignReportBody.parse((await api(`/v1/campaigns/${CAMPAIGN}/report`)).json);
      return report.campaign.status === 'done' && smtp.received.length > firstWave.length;
    });
    expect(smtp.received.map(recipient).slice(firstWave.length)).toEqual(['night']);
    expect(header(smtp.received.at(-1)!, 'List-Unsubscribe')).toMatch(/^<https:\/\/tea\.example\/u\?token=[\w-]+\.[\w-]+>$/);
    const customerLog = MessageLogResponse.parse((await api('/v1/customers/night/messages')).json);
    expect(customerLog.messages).toMatchObject([{ campaign_id: CAMPAIGN, status: 'sent', reason: 'send' }]);
    expect(customerLog.next_after).toBeNull();
  });
});
