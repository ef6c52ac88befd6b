import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError, Customer } from '@strata/core';
import {
  CampaignEngine,
  createCampaign,
  holdoutBucket,
  sendId,
  withdrawConsent,
  type CampaignInput,
} from '@strata/campaigns';
import {
  DAY,
  granted,
  openShop,
  order,
  pastMessage,
  person,
  profile,
  RecordingSender,
  START,
  type Shop,
} from './campaigns-fixture.js';

/*
 * The dry run as a shop owner reads it: how many would get the message, and how many each
 * guardrail keeps back — every count worked out by hand from the customers below.
 */

let shop: Shop;
beforeEach(async () => {
  shop = await openShop();
});
afterEach(async () => {
  await shop.close();
});

const email = (extra: Partial<CampaignInput> = {}): CampaignInput => ({
  name: 'Spring tea',
  audience: { include: ['everyone'], exclude: ['staff'] },
  message: { channel: 'email', subject: 'Hi {{ customer.first_name }}', text: 'Tea time, {{ customer.name }}.' },
  holdoutShare: 0,
  ...extra,
});

const engine = () =>
  new CampaignEngine(shop.store, { clock: shop.clock, segments: shop.segments, sender: new RecordingSender() });

describe('campaign dry run', () => {
  it('counts each guardrail exactly: consent, address, quiet hours, caps, exclusions', async () => {
    const berlin = { timezone: 'Europe/Berlin' };
    await shop.store.write({
      customers: [
        ...['c01', 'c02', 'c03', 'c04', 'c05'].map((id) => person(id, berlin)),
        person('c06', {
          ...berlin,
          consent: { email: { granted: false, at: '2026-02-01T00:00:00Z', source: 'form' } },
        }),
        person('c07', { ...berlin, consent: {} }),
        Customer.parse({
          id: 'c08',
          phone: '+4915112345678',
          timezone: 'Europe/Berlin',
          consent: { email: granted() },
        }),
        person('c09', { timezone: 'America/Los_Angeles' }), // 02:00 there
        person('c10', { timezone: 'Pacific/Auckland' }), // 23:00 there
        person('c11', berlin),
        person('c12', berlin),
        person('c13', berlin),
        person('c14', berlin),
        person('c15', { ...berlin, city: 'Staffhausen' }),
      ],
    });
    // Caps (2 in 7 days, per channel and overall): c11 and c12 had two emails this week, c13 an
    // email and an SMS; c14's email was eight days ago, outside the window.
    for (const id of ['c11', 'c12']) {
      await pastMessage(shop, id, 'email', '2026-02-27T10:00:00Z', 1);
      await pastMessage(shop, id, 'email', '2026-03-01T10:00:00Z', 2);
    }
    await pastMessage(shop, 'c13', 'email', '2026-03-01T10:00:00Z', 1);
    await pastMessage(shop, 'c13', 'sms', '2026-03-01T11:00:00Z', 1);
    await pastMessage(shop, 'c14', 'email', '2026-02-22T09:00:00Z', 1);
    await profile(shop);
    await shop.segments.save({ name: 'everyone', text: 'order_count >= 0' });
    await shop.segments.save({ name: 'staff', text: 'city = "Staffhausen"' });
    const campaign = await createCampaign(shop.store, email(), { clock: shop.clock, id: 'spring' });

    const plan = await engine().plan(campaign.id);
    expect(plan.audience).toBe(15);
    expect(plan.counts).toMatchObject({
      send: 6,
      no_consent: 2,
      missing_address: 1,
      quiet_hours: 2,
      capped: 3,
      excluded: 1,
      held_out: 0,
    });
    expect(plan.wouldSend).toBe(8);
    // Deferred ones go at 09:00 in their own zone: Los Angeles at 17:00 UTC, Auckland (UTC+13,
    // where it is 23:00 on Monday) at 09:00 on Tuesday, 20:00 UTC on Monday.
    expect(plan.firstDueAt).toBe(START);
    expect(plan.lastDueAt).toBe('2026-03-02T20:00:00.000Z');
    // A dry run records nothing.
    const [row] = await shop.store.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM messages WHERE campaign_id = 'spring'`,
    );
    expect(row?.n).toBe(0);

    // Withdrawn consent is seen by the next decision.
    await withdrawConsent(shop.store, {
      customer: { email: 'c01@example.com' },
      channel: 'email',
      at: new Date(START),
      source: 'unsubscribe link',
    });
    const after = await engine().plan(campaign.id);
    expect(after.counts.send).toBe(5);
    expect(after.counts.no_consent).toBe(3);
    const history = await shop.store.query<{ granted: boolean; source: string }>(
      `SELECT granted, source FROM consent_history WHERE customer_id = 'c01' AND channel = 'email' ORDER BY stated_at`,
    );
    expect(history).toEqual([
      { granted: true, source: 'checkout' },
      { granted: false, source: 'unsubscribe link' },
    ]);
  });

  it('sends to each person once across two included segments, minus the excluded one', async () => {
    await shop.store.write({
      customers: [
        person('de-buyer', { country: 'DE' }),
        person('de-only', { country: 'DE' }),
        person('buyer-only', { country: 'FR' }),
        person('de-staff', { country: 'DE', city: 'Staffhausen' }),
        person('nobody', { country: 'FR' }),
      ],
      orders: [
        order('de-buyer', '2026-02-01T10:00:00Z', [['TEA-1', 1, 8]]),
        order('buyer-only', '2026-02-03T10:00:00Z', [['MUG', 1, 15]]),
      ],
    });
    await profile(shop);
    await shop.segments.save({ name: 'germans', text: 'country = "DE"' });
    await shop.segments.save({ name: 'buyers', text: 'order_count >= 1' });
    await shop.segments.save({ name: 'staff', text: 'city = "Staffhausen"' });
    const campaign = await createCampaign(
      shop.store,
      email({
        audience: { include: ['germans', 'buyers'], exclude: ['staff'] },
        message: { channel: 'email', subject: 'Hi', text: 'Hello' },
      }),
      { clock: shop.clock, id: 'two' },
    );
    const e = engine();
    const plan = await e.plan(campaign.id);
    expect(plan.audience).toBe(4);
    expect(plan.counts.excluded).toBe(1);
    // Quiet hours do not apply at 10:00 UTC (no time zone: UTC).
    expect(plan.counts.send).toBe(3);

    expect(await e.start(campaign.id)).toEqual({ queued: 4 });
    // Starting again (after a pause) adds nobody twice.
    await e.pause(campaign.id);
    expect(await e.start(campaign.id)).toEqual({ queued: 0 });
    const rows = await shop.store.query<{ id: string; customer_id: string; status: string }>(
      `SELECT id, customer_id, status FROM messages WHERE campaign_id = 'two' ORDER BY customer_id`,
    );
    expect(rows.map((r) => [r.customer_id, r.status])).toEqual([
      ['buyer-only', 'queued'],
      ['de-buyer', 'queued'],
      ['de-only', 'queued'],
      ['de-staff', 'skipped'],
    ]);
    // The send id is the deterministic one, the same in SQL and in JS.
    expect(rows.map((r) => r.id)).toEqual(rows.map((r) => sendId('two', 'main', r.customer_id)));
  });

  it('holds out a stable tenth of the audience, the same customers on every run', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `h${String(i).padStart(4, '0')}`);
    await shop.store.write({ customers: ids.map((id) => person(id)) });
    await profile(shop);
    await shop.segments.save({ name: 'everyone', text: 'order_count >= 0' });
    await shop.segments.save({ name: 'staff', text: 'city = "Staffhausen"' });
    const campaign = await createCampaign(shop.store, email({ holdoutShare: 0.1 }), {
      clock: shop.clock,
      id: 'holdout-a',
    });
    const expected = ids.filter((id) => holdoutBucket('holdout-a', id) < 0.1).length;
    const plan = await engine().plan(campaign.id);
    expect(plan.counts.held_out).toBe(expected);
    expect(expected).toBeGreaterThan(70);
    expect(expected).toBeLessThan(130);
    expect((await engine().plan(campaign.id)).counts.held_out).toBe(expected);
    // Another campaign holds out other people.
    const other = ids.filter((id) => holdoutBucket('holdout-b', id) < 0.1);
    const same = ids.filter((id) => holdoutBucket('holdout-a', id) < 0.1 && holdoutBucket('holdout-b', id) < 0.1);
    expect(same.length).toBeLessThan(other.length / 2);

    // Sending records the held-out customers, and sends to none of them.
    const sender = new RecordingSender();
    const e = new CampaignEngine(shop.store, { clock: shop.clock, segments: shop.segments, sender, batchSize: 500 });
    await e.start(campaign.id);
    while (await e.step());
    const held = await shop.store.query<{ customer_id: string }>(
      `SELECT customer_id FROM messages WHERE status = 'held_out' ORDER BY 1`,
    );
    expect(held.map((r) => r.customer_id)).toEqual(ids.filter((id) => holdoutBucket('holdout-a', id) < 0.1));
    expect(sender.calls.length).toBe(1000 - expected);
    expect(sender.calls.some((c) => holdoutBucket('holdout-a', c.customerId) < 0.1)).toBe(false);
  });

  it('refuses a template with a typo, naming the field, line and column', async () => {
    const bad = email({
      message: {
        channel: 'email',
        subject: 'Hi',
        text: 'Hello {{ customer.first_name }},\nyou have {{ profile.order_cuont }} orders',
      },
    });
    await profile(shop);
    const error = await createCampaign(shop.store, bad, { clock: shop.clock }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).details).toEqual([
      {
        field: 'message.text',
        line: 2,
        message: 'line 2, column 13: "profile" has no field "order_cuont" (did you mean "profile.order_count"?)',
      },
    ]);
    const syntax = await createCampaign(
      shop.store,
      email({ message: { channel: 'sms', text: 'Hi\n{{ customer.name | upcase' } }),
      {
        clock: shop.clock,
      },
    ).catch((e: unknown) => e);
    expect((syntax as AppError).details[0]).toMatchObject({ field: 'message.text', line: 2 });
    const filter = await createCampaign(
      shop.store,
      email({ message: { channel: 'sms', text: '{{ customer.name | shout }}' } }),
      {
        clock: shop.clock,
      },
    ).catch((e: unknown) => e);
    expect((filter as AppError).details[0]?.message).toMatch(/line 1.*shout/);
    const coupon = await createCampaign(shop.store, email({ message: { channel: 'sms', text: 'Code {{ coupon }}' } }), {
      clock: shop.clock,
    }).catch((e: unknown) => e);
    expect((coupon as AppError).details[0]?.message).toMatch(/issues no coupons/);
  });

  it('keeps a deferred message queued until a new day (the quiet-hours answer is a time, never a drop)', async () => {
    await shop.store.write({ customers: [person('night', { timezone: 'Pacific/Auckland' })] });
    await profile(shop);
    await shop.segments.save({ name: 'everyone', text: 'order_count >= 0' });
    await shop.segments.save({ name: 'staff', text: 'city = "Staffhausen"' });
    const c = await createCampaign(shop.store, email(), { clock: shop.clock, id: 'night' });
    const plan = await engine().plan(c.id, new Date(new Date(START).getTime() + DAY / 2));
    // 22:00 UTC is 11:00 the next day in Auckland: no longer quiet.
    expect(plan.counts.send).toBe(1);
  });
});
