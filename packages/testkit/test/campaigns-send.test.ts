import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Customer } from '@strata/core';
import {
  CampaignEngine,
  campaignReport,
  couponRedemptions,
  COUPON_ALPHABET,
  createCampaign,
  firstOrderOffer,
  importCoupons,
  messageLog,
  previewMessage,
  unsubscribeSecret,
  verifyUnsubscribeToken,
  withdrawConsent,
  type CampaignInput,
  type SendEngineOptions,
} from '@strata/campaigns';
import { granted, openShop, order, person, profile, RecordingSender, type Shop } from './campaigns-fixture.js';

/*
 * Sending as a shop owner sees it: who got which message, when (the test clock moves), with
 * which code — and that a crash in the middle never makes anyone get a message twice.
 */

let shop: Shop;
beforeEach(async () => {
  shop = await openShop();
});
afterEach(async () => {
  await shop.close();
});

const engine = (sender: RecordingSender, extra: Partial<SendEngineOptions> = {}) =>
  new CampaignEngine(shop.store, { clock: shop.clock, timer: shop.clock, segments: shop.segments, sender, ...extra });

async function setup(customers: Customer[], input: Partial<CampaignInput> = {}, id = 'c1') {
  await shop.store.write({ customers });
  await profile(shop);
  await shop.segments.save({ name: 'everyone', text: 'order_count >= 0' });
  return createCampaign(
    shop.store,
    {
      name: 'Tea',
      audience: { include: ['everyone'] },
      message: { channel: 'email', subject: 'Hi {{ customer.first_name }}', text: 'Hello {{ customer.name }}' },
      holdoutShare: 0,
      ...input,
    },
    { clock: shop.clock, id },
  );
}

const statusOf = async (customerId: string) =>
  (
    await shop.store.query<{ status: string; due_at: string; reason: string | null; attempts: number }>(
      `SELECT status, strftime(due_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS due_at, reason, attempts FROM messages WHERE customer_id = $1`,
      [customerId],
    )
  )[0];

describe('sending a campaign', () => {
  it('sends personalised messages with unique coupons, unsubscribe links, and matches an order to its code', async () => {
    await shop.store.write({
      orders: [
        order('ann', '2026-02-01T10:00:00Z', [['TEA-1', 2, 8]]),
        order('zed', '2026-02-02T10:00:00Z', [['TEA-2', 5, 7]]),
        order('zed', '2026-02-03T10:00:00Z', [['TEA-3', 1, 12]]),
      ],
    });
    const ids = ['ann', 'bob', 'cat', 'dan'];
    await setup(
      [
        ...ids.map((id) => person(id, { name: `${id[0]!.toUpperCase()}${id.slice(1)} Smith` })),
        person('zed', { consent: {} }),
      ],
      {
        coupons: { source: 'generated', prefix: 'TEA-', length: 8 },
        message: {
          channel: 'email',
          subject: '{{ customer.first_name }}, a gift',
          text: 'Code {{ coupon }}.{% for p in recommendations %} {{ p.name }}{% endfor %} Stop: {{ unsubscribe_url }}',
        },
      },
    );
    const sender = new RecordingSender();
    const secret = await unsubscribeSecret(shop.store);
    const e = engine(sender, { unsubscribe: { baseUrl: 'https://shop.example/unsubscribe', secret } });
    await e.start('c1');
    await e.step();
    expect(sender.calls.map((c) => c.customerId).sort()).toEqual(ids);
    const ann = sender.calls.find((c) => c.customerId === 'ann')!;
    expect(ann.subject).toBe('Ann, a gift');
    expect(ann.to).toBe('ann@example.com');
    // Ann bought green tea: the best sellers of Tea she has not bought, by units sold (zed's 5 black, 1 white).
    expect(ann.text).toMatch(
      /^Code TEA-[2-9A-Z]{8}\. Black tea White tea Stop: https:\/\/shop\.example\/unsubscribe\?token=/,
    );
    expect(ann.headers).toMatchObject({ 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    const token = new URL(ann.text.split('Stop: ')[1]!).searchParams.get('token')!;
    expect(verifyUnsubscribeToken(secret, token)).toEqual({
      ok: true,
      value: { customerId: 'ann', channel: 'email', campaignId: 'c1' },
    });
    expect(verifyUnsubscribeToken('another secret', token).ok).toBe(false);
    expect(verifyUnsubscribeToken(secret, token.replace(/^./, 'x')).ok).toBe(false);

    const codes = sender.calls.map((c) => /Code (TEA-\S+)\./.exec(c.text)![1]!);
    expect(new Set(codes).size).toBe(4);
    for (const code of codes) expect([...code.slice(4)].every((ch) => COUPON_ALPHABET.includes(ch))).toBe(true);
    const log = await messageLog(shop.store, { campaignId: 'c1' });
    expect(
      log
        .filter((m) => m.status === 'sent')
        .map((m) => [m.customer_id, m.coupon])
        .sort(),
    ).toEqual(sender.calls.map((c, i) => [c.customerId, codes[i]]).sort());
    expect(log.find((m) => m.customer_id === 'zed')).toMatchObject({
      status: 'skipped',
      reason: 'no_consent',
      coupon: null,
    });

    // Bob uses his code (in lower case, as typed at the till).
    const bob = log.find((m) => m.customer_id === 'bob')!;
    await shop.store.write({
      orders: [order('bob', '2026-03-03T10:00:00Z', [['MUG', 1, 15]], [bob.coupon!.toLowerCase()])],
    });
    expect(await couponRedemptions(shop.store, 'c1')).toMatchObject([
      { code: bob.coupon, customer_id: 'bob', message_id: bob.id },
    ]);

    // Following the link withdraws consent; the preview still renders for her.
    await withdrawConsent(shop.store, {
      customer: { id: 'ann' },
      channel: 'email',
      at: shop.clock.now(),
      source: 'unsubscribe link',
    });
    const [consent] = await shop.store.query<{ g: boolean }>(
      `SELECT consent_email_granted AS g FROM customers WHERE id = 'ann'`,
    );
    expect(consent?.g).toBe(false);
    const report = await campaignReport(shop.store, 'c1');
    expect(report.campaign.status).toBe('done');
    expect(report.byStatus).toEqual({ sent: 4, skipped: 1 });
    const preview = await previewMessage(shop.store, report.campaign, 'ann');
    expect(preview.subject).toBe('Ann, a gift');
    expect(preview.text).toContain(codes[sender.calls.indexOf(ann)]);
  });

  it('defers a message in quiet hours to 09:00 in the customer’s zone, and sends it then', async () => {
    await setup([person('la', { timezone: 'America/Los_Angeles' }), person('berlin', { timezone: 'Europe/Berlin' })]);
    const sender = new RecordingSender();
    const e = engine(sender);
    await e.start('c1');
    await e.step();
    expect(sender.calls.map((c) => c.customerId)).toEqual(['berlin']);
    // 10:00 UTC is 02:00 in Los Angeles: due again at 09:00 there (PST, UTC−8), 17:00 UTC.
    expect(await statusOf('la')).toMatchObject({
      status: 'queued',
      reason: 'quiet_hours',
      due_at: '2026-03-02T17:00:00.000Z',
    });
    expect(await e.nextDue()).toEqual(new Date('2026-03-02T17:00:00.000Z'));
    shop.clock.set('2026-03-02T16:59:59.000Z');
    expect(await e.step()).toBeUndefined();
    shop.clock.set('2026-03-02T17:00:00.000Z');
    expect((await e.step())?.sent).toBe(1);
    expect(sender.calls.map((c) => c.customerId)).toEqual(['berlin', 'la']);
  });

  it('schedules at an hour of each customer’s own day, and on the eve of their usual shopping day', async () => {
    await setup(
      [person('berlin', { timezone: 'Europe/Berlin' }), person('tokyo', { timezone: 'Asia/Tokyo' }), person('utc')],
      { schedule: { kind: 'local_hour', hour: 9 } },
    );
    const e = engine(new RecordingSender());
    await e.start('c1');
    // 09:00 has passed today in Berlin (11:00) and Tokyo (19:00): tomorrow, in their own zone.
    expect((await statusOf('berlin'))?.due_at).toBe('2026-03-03T08:00:00.000Z');
    expect((await statusOf('tokyo'))?.due_at).toBe('2026-03-03T00:00:00.000Z');
    expect((await statusOf('utc'))?.due_at).toBe('2026-03-03T09:00:00.000Z');
    shop.clock.set('2026-03-03T00:00:00.000Z');
    expect((await e.step())?.sent).toBe(1);

    // Saturday shoppers hear on Friday at 10:00 their time; someone who never ordered has no usual day.
    const saturdays = ['2026-02-07', '2026-02-14', '2026-02-21'].map((d) =>
      order('sat', `${d}T12:00:00Z`, [['MUG', 1, 15]]),
    );
    await shop.store.write({
      customers: [person('sat', { timezone: 'Europe/Berlin' }), person('never')],
      orders: saturdays,
    });
    await profile(shop);
    await createCampaign(
      shop.store,
      {
        name: 'Eve',
        audience: { include: ['everyone'] },
        message: { channel: 'email', subject: 'S', text: 'T' },
        holdoutShare: 0,
        schedule: { kind: 'before_weekday', hour: 10 },
      },
      { clock: shop.clock, id: 'eve' },
    );
    await e.start('eve');
    const eve = await shop.store.query<{ customer_id: string; status: string; reason: string | null; due_at: string }>(
      `SELECT customer_id, status, reason, strftime(due_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS due_at FROM messages WHERE campaign_id = 'eve' AND customer_id IN ('sat', 'never') ORDER BY 1`,
    );
    expect(eve).toEqual([
      { customer_id: 'never', status: 'skipped', reason: 'unscheduled', due_at: '2026-03-03T00:00:00.000Z' },
      { customer_id: 'sat', status: 'queued', reason: null, due_at: '2026-03-06T09:00:00.000Z' },
    ]);
  });

  it('retries a retryable failure after its backoff and records a permanent one', async () => {
    await setup([person('flaky'), person('gone'), person('busy')]);
    const sender = new RecordingSender();
    sender.answer = (m, n) => {
      if (m.customerId === 'gone') return { ok: false, failure: 'permanent', error: '550 no such mailbox' };
      if (m.customerId === 'busy' && n <= 3)
        return { ok: false, failure: 'rate_limited', error: '429', retryAfterMs: 5 * 60_000 };
      if (m.customerId === 'flaky' && n <= 3) return { ok: false, failure: 'retryable', error: 'connection reset' };
      return { ok: true, providerId: `p-${m.id}` };
    };
    const e = engine(sender, { retry: { baseDelayMs: 60_000 } });
    await e.start('c1');
    expect(await e.step()).toMatchObject({ sent: 0, retrying: 2, failed: 1 });
    expect(await statusOf('gone')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await statusOf('flaky')).toMatchObject({
      status: 'queued',
      due_at: '2026-03-02T10:01:00.000Z',
      attempts: 1,
    });
    // Rate-limited: the provider's pause (5 minutes) when longer than the backoff.
    expect(await statusOf('busy')).toMatchObject({ status: 'queued', due_at: '2026-03-02T10:05:00.000Z' });
    shop.clock.advance(59_000);
    expect(await e.step()).toBeUndefined();
    shop.clock.advance(1_000);
    expect(await e.step()).toMatchObject({ sent: 1 });
    shop.clock.advance(4 * 60_000);
    expect(await e.step()).toMatchObject({ sent: 1 });
    expect(sender.callsById().size).toBe(3);
    expect(sender.calls.length).toBe(5);
    expect((await campaignReport(shop.store, 'c1')).byStatus).toEqual({ sent: 2, failed: 1 });
  });

  it('never calls the provider twice for one send id across a crash, and sends the rest after a restart', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `r${String(i).padStart(2, '0')}`);
    await setup(
      ids.map((id) => person(id)),
      { coupons: { source: 'generated', prefix: '', length: 8 } },
    );
    const sender = new RecordingSender();
    // The process dies as the 25th call is about to leave.
    sender.before = (_, n) => {
      if (n === 25) throw new Error('killed');
    };
    const first = engine(sender, { batchSize: 40, concurrency: 4 });
    await first.start('c1');
    await expect(first.step()).rejects.toThrow('killed');
    expect(sender.calls.length).toBeGreaterThanOrEqual(24);
    const sending = await shop.store.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM messages WHERE status = 'sending'`,
    );
    expect(sending[0]!.n).toBeGreaterThan(0);

    await shop.reopen();
    sender.before = () => undefined;
    const second = engine(sender, { batchSize: 40, concurrency: 4 });
    while (await second.step());
    const calls = sender.callsById();
    expect(calls.size).toBe(60);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    const rows = await shop.store.query<{ status: string; n: number }>(
      `SELECT status, count(*)::INTEGER AS n FROM messages GROUP BY 1`,
    );
    expect(rows).toEqual([{ status: 'sent', n: 60 }]);
    const [coupons] = await shop.store.query<{ n: number; codes: number }>(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT code)::INTEGER AS codes FROM coupons WHERE campaign_id = 'c1'`,
    );
    expect(coupons).toEqual({ n: 60, codes: 60 });
  });

  it('after a crash, never sends again where the provider could deliver a second copy (as over SMTP)', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    await setup(ids.map((id) => person(id)));
    const sender = new RecordingSender();
    sender.deduplicates = [];
    sender.before = (_, n) => {
      if (n === 11) throw new Error('killed');
    };
    const first = engine(sender, { batchSize: 20, concurrency: 4 });
    await first.start('c1');
    await expect(first.step()).rejects.toThrow('killed');
    const [inFlight] = await shop.store.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM messages WHERE status = 'sending'`,
    );
    expect(inFlight!.n).toBeGreaterThan(0);

    await shop.reopen();
    sender.before = () => undefined;
    const second = engine(sender, { batchSize: 20, concurrency: 4 });
    while (await second.step());
    // nobody got two; those whose outcome the crash left unknown are failed, not sent again
    expect([...sender.callsById().values()].every((n) => n === 1)).toBe(true);
    const unknown = await shop.store.query<{ customer_id: string; error: string }>(
      `SELECT customer_id, error FROM messages WHERE status = 'failed' ORDER BY 1`,
    );
    expect(unknown.length).toBe(inFlight!.n);
    expect(unknown.every((u) => u.error.startsWith('outcome unknown'))).toBe(true);
    expect(sender.calls.length + unknown.length).toBe(30);
  });

  it('caps across campaigns: a second campaign in the same batch does not go over the cap', async () => {
    await setup([person('one')]);
    await createCampaign(
      shop.store,
      {
        name: 'Two',
        audience: { include: ['everyone'] },
        message: { channel: 'email', subject: 'S', text: 'T' },
        holdoutShare: 0,
      },
      { clock: shop.clock, id: 'c2' },
    );
    const sender = new RecordingSender();
    const e = engine(sender, { guardrails: { caps: { windowDays: 7, perChannel: 1, overall: 1 } } });
    await e.start('c1');
    await e.start('c2');
    expect(await e.step()).toMatchObject({ decided: { send: 1, capped: 1 }, sent: 1 });
    expect(sender.calls.length).toBe(1);
  });

  it('takes codes from an imported list and stops when the list runs out', async () => {
    await setup([person('a1'), person('a2'), person('a3')], { coupons: { source: 'imported' } }, 'imp');
    const imported = await importCoupons(
      shop.store,
      'imp',
      ['shop-001', ' SHOP-002 ', 'not a code!', 'SHOP-001'],
      shop.clock.now(),
    );
    expect(imported).toMatchObject({ added: 2, existing: 0, rejected: [{ line: 3 }] });
    const sender = new RecordingSender();
    const e = engine(sender);
    expect((await e.plan('imp')).coupons).toEqual({ needed: 3, available: 2 });
    await e.start('imp');
    expect(await e.step()).toMatchObject({ decided: { send: 2, no_coupon: 1 }, sent: 2 });
    const given = await shop.store.query<{ code: string; customer_id: string }>(
      `SELECT code, customer_id FROM coupons ORDER BY code`,
    );
    expect(given.map((g) => g.code)).toEqual(['SHOP-001', 'SHOP-002']);
    expect(new Set(given.map((g) => g.customer_id)).size).toBe(2);
  });

  it('has a ready first-order offer for prospects', async () => {
    await shop.store.write({ customers: [person('p1', { name: 'Pia Prospect', consent: { email: granted() } })] });
    await profile(shop);
    await shop.segments.save({ name: 'prospects', text: 'order_count = 0' });
    const c = await createCampaign(
      shop.store,
      firstOrderOffer({ segment: 'prospects', shopName: 'Tea House', offer: '10% off your first order' }),
      {
        clock: shop.clock,
      },
    );
    const preview = await previewMessage(shop.store, c, 'p1', { baseUrl: 'https://shop.example/u', secret: 's' });
    expect(preview.subject).toBe('Pia, 10% off your first order at Tea House');
    expect(preview.text).toContain('Your code WELCOME-SAMPLEXXXX gives you 10% off your first order at Tea House.');
    expect(preview.html).toContain('<a href="https://shop.example/u?token=');
  });
});
