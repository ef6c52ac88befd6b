import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaignResults, createCampaign, newcombeDifference, resultsBreakdown } from '@strata/campaigns';
import { ageGroups, levels, Location, Product, rfmSegments } from '@strata/core';
import {
  DAY,
  HOUR,
  logMessage,
  openShop,
  order,
  person,
  profile,
  START,
  type LoggedMessage,
  type Shop,
} from './campaigns-fixture.js';
import { emailClickedEvent, emailOpenedEvent } from '@strata/engagement';

/*
 * Results broken down by age group, country, brand, shop, segment, RFM segment and value tier, on
 * a hand-made shop whose numbers were worked out by hand; and the holdout measured like for like.
 * The message log rows are written as the send engine leaves them, at test-clock times.
 *
 * c1 (email, 5-day window) went at START to ann, bob, cat and fay; dan, eve and gus were held out.
 * c2 (SMS, 1-day window) went to gus a day later and to fay two days later.
 *   ann  25 DE  recipient  orders at +2 d in Berlin: 2 × Assam (Alpha) at 10 + 1 mug (Beta) at 15 = 35
 *   bob  35 DE  recipient  no order
 *   cat  27 AT  recipient  orders at +1 d online: 1 × Assam = 10
 *   fay   –  –  recipient  orders 2 h after c2's SMS: 10, which is c2's (last touch), not c1's
 *   dan  33 AT  held out   orders at +1 d online: 1 × Assam = 10 (the holdout's one conversion)
 *   eve  22 DE  held out   a cancelled order of 50 (never counts)
 *   gus  31 DE  held out   orders an hour after c2's SMS: 15, which is c2's, so not the holdout's
 */

let shop: Shop;
beforeEach(async () => {
  shop = await openShop();
});
afterEach(async () => {
  await shop.close();
});

const at = (ms: number) => new Date(Date.parse(START) + ms).toISOString();
const message = (...row: LoggedMessage) => logMessage(shop, ...row);

async function handMadeShop() {
  await shop.store.write({
    locations: [Location.parse({ id: 'berlin', name: 'Berlin store', kind: 'store', country: 'DE' })],
    products: [
      Product.parse({ sku: 'ASSAM', name: 'Assam', category: 'Tea', brand: 'Alpha', price: 10 }),
      Product.parse({ sku: 'MUG-B', name: 'Big mug', category: 'Kitchen', brand: 'Beta', price: 15 }),
    ],
    customers: [
      person('ann', { age: 25, country: 'DE' }),
      person('bob', { age: 35, country: 'DE' }),
      person('cat', { age: 27, country: 'AT' }),
      person('fay', { phone: '+491701234567' }),
      person('dan', { age: 33, country: 'AT' }),
      person('eve', { age: 22, country: 'DE' }),
      person('gus', { age: 31, country: 'DE', phone: '+491701234568' }),
    ],
  });
  await profile(shop); // ages and age groups as of START
  await shop.segments.save({ name: 'everyone', text: 'order_count >= 0' });
  await shop.segments.save({ name: 'germans', text: 'country = "DE"' });
  const base = { audience: { include: ['everyone'] }, holdoutShare: 0.3 };
  await createCampaign(
    shop.store,
    { ...base, name: 'Tea', message: { channel: 'email', subject: 'Tea', text: 'Tea' } },
    { clock: shop.clock, id: 'c1' },
  );
  await createCampaign(
    shop.store,
    { ...base, name: 'Flash', message: { channel: 'sms', text: 'Flash sale' } },
    { clock: shop.clock, id: 'c2' },
  );
  await message('c1', 'ann', 'email', 'delivered', 0);
  await message('c1', 'bob', 'email', 'sent', 0);
  await message('c1', 'cat', 'email', 'delivered', 0);
  await message('c1', 'fay', 'email', 'sent', 0);
  for (const who of ['dan', 'eve', 'gus']) await message('c1', who, 'email', 'held_out', null);
  await message('c2', 'gus', 'sms', 'delivered', DAY);
  await message('c2', 'fay', 'sms', 'delivered', 2 * DAY);
  await shop.store.write({
    orders: [
      {
        ...order('ann', at(2 * DAY), [
          ['ASSAM', 2, 10],
          ['MUG-B', 1, 15],
        ]),
        location_id: 'berlin',
      },
      { ...order('cat', at(DAY), [['ASSAM', 1, 10]]), location_id: 'web' },
      order('fay', at(2 * DAY + 2 * HOUR), [['ASSAM', 1, 10]]),
      { ...order('dan', at(DAY), [['ASSAM', 1, 10]]), location_id: 'web' },
      { ...order('eve', at(DAY), [['ASSAM', 5, 10]]), status: 'cancelled' as const },
      order('gus', at(DAY + HOUR), [['MUG-B', 1, 15]]),
    ],
  });
}

const pick = (g: { group: string; audience: number; heldOut: number; sent: number; recipients: number }) =>
  [g.group, g.audience, g.heldOut, g.sent, g.recipients] as const;

describe('the holdout, like for like', () => {
  it('counts only the orders a message at the hold-out moment would have got (not a later message’s)', async () => {
    await handMadeShop();
    const r = await campaignResults(shop.store, 'c1');
    expect(r).toMatchObject({
      audience: 7,
      heldOut: 3,
      sent: 4,
      delivered: 2,
      recipients: 4,
      converted: 2,
      orders: 2,
      revenue: 45,
      revenuePerRecipient: 11.25,
      // dan only: eve's order was cancelled, and gus's came an hour after c2's SMS, which claims it.
      holdout: { customers: 3, converted: 1, revenue: 10 },
    });
    expect(r.uplift.conversionRate).toEqual(newcombeDifference(2, 4, 1, 3));
    const c2 = await campaignResults(shop.store, 'c2');
    expect(c2).toMatchObject({ recipients: 2, converted: 2, revenue: 25 });
  });

  it('gives the holdout no order a coupon of a message claims, and keeps each channel’s window', async () => {
    await handMadeShop();
    // WhatsApp campaign c3 holding out hal: his order 23 h later counts for the holdout, ivy's
    // 25 h later does not; jon's order in the window used fay's c2 code, so it is c2's.
    await shop.store.write({ customers: ['hal', 'ivy', 'jon'].map((id) => person(id)) });
    await createCampaign(
      shop.store,
      {
        name: 'Chat',
        audience: { include: ['everyone'] },
        holdoutShare: 0.3,
        message: { channel: 'whatsapp', text: 'Hi' },
      },
      { clock: shop.clock, id: 'c3' },
    );
    for (const who of ['hal', 'ivy', 'jon']) await message('c3', who, 'whatsapp', 'held_out', null);
    const [fayC2] = await shop.store.query<{ id: string }>(
      `SELECT id FROM messages WHERE campaign_id = 'c2' AND customer_id = 'fay'`,
    );
    await shop.store.exec(
      `INSERT INTO coupons (code, campaign_id, source, customer_id, message_id, added_at, assigned_at)
       VALUES ('FLASH-FAY', 'c2', 'generated', 'fay', $1, $2::TIMESTAMPTZ, $2::TIMESTAMPTZ)`,
      [fayC2!.id, START],
    );
    await shop.store.write({
      orders: [
        order('hal', at(23 * HOUR), [['ASSAM', 1, 10]]),
        order('ivy', at(25 * HOUR), [['ASSAM', 1, 10]]),
        // placed before fay's SMS went: the code was not out yet, so it is the holdout's
        order('jon', at(HOUR), [['MUG-B', 1, 15]], ['flash-fay']),
      ],
    });
    const before = await campaignResults(shop.store, 'c3');
    expect(before.holdout).toMatchObject({ customers: 3, converted: 2, revenue: 25 });
    // the same code used after fay's SMS went belongs to c2
    await shop.store.write({ orders: [order('jon', at(2 * DAY + 3 * HOUR), [['ASSAM', 1, 10]], ['FLASH-FAY'])] });
    await shop.store.exec(
      `UPDATE orders SET status = 'refunded' WHERE customer_id = 'jon' AND placed_at < $1::TIMESTAMPTZ`,
      [at(DAY)],
    );
    const after = await campaignResults(shop.store, 'c3', { windowDays: { whatsapp: 3 } });
    // hal and ivy (within 3 days now); jon's refunded order never counts, his coupon order is c2's.
    expect(after.holdout).toMatchObject({ customers: 3, converted: 2, revenue: 20 });
  });
});

describe('opened and clicked', () => {
  it('counts email_opened and email_clicked events naming the campaign, after its message went', async () => {
    await handMadeShop();
    expect(await campaignResults(shop.store, 'c1')).toMatchObject({ opened: 0, clicked: 0 });
    // Written as the tracker records them (their types join core's vocabulary with the tracker).
    // the events the email tracker records (one per message and link: `id` stands for the message)
    const track = async (id: string, customer: string, type: string, when: number, campaign: string) => {
      const message = { sendId: id, customerId: customer, campaign: `Campaign ${campaign}`, campaignId: campaign };
      await shop.store.write({
        events: [
          type === 'email_opened'
            ? emailOpenedEvent(message, new Date(at(when)))
            : emailClickedEvent({ ...message, url: 'https://shop.example/tea' }, new Date(at(when))),
        ],
      });
    };
    await track('e1', 'bob', 'email_opened', HOUR, 'c1'); // opened
    await track('e2', 'bob', 'email_opened', 2 * HOUR, 'c1'); // the same message again
    await track('e3', 'cat', 'email_clicked', HOUR, 'c1'); // clicked, so opened too
    await track('e4', 'ann', 'email_opened', HOUR, 'c2'); // another campaign's
    await track('e5', 'fay', 'email_opened', -HOUR, 'c1'); // before her message went
    expect(await campaignResults(shop.store, 'c1')).toMatchObject({ opened: 2, clicked: 1 });
  });
});

describe('results broken down', () => {
  it('by age group: every group of core’s list in its order, then the customers without an age', async () => {
    await handMadeShop();
    const b = await resultsBreakdown(shop.store, 'c1', 'age_group');
    expect(b.groups.map((g) => g.group)).toEqual([...ageGroups, 'unknown']);
    const by = new Map(b.groups.map((g) => [g.group, g]));
    expect(by.get('18-29')).toMatchObject({
      audience: 3,
      heldOut: 1,
      sent: 2,
      delivered: 2,
      recipients: 2,
      converted: 2,
      orders: 2,
      revenue: 45,
      revenuePerRecipient: 22.5,
      conversionRate: 1,
      holdout: { customers: 1, converted: 0, revenue: 0, conversionRate: 0 },
    });
    expect(by.get('18-29')!.uplift!.conversionRate).toEqual(newcombeDifference(2, 2, 0, 1));
    expect(by.get('30-39')).toMatchObject({
      audience: 3,
      heldOut: 2,
      sent: 1,
      delivered: 0,
      recipients: 1,
      converted: 0,
      revenue: 0,
      holdout: { customers: 2, converted: 1, revenue: 10, revenuePerCustomer: 5, conversionRate: 0.5 },
    });
    expect(by.get('30-39')!.uplift!.conversionRate.estimate).toBeCloseTo(-0.5, 12);
    expect(by.get('unknown')).toMatchObject({ audience: 1, recipients: 1, converted: 0, uplift: null });
    expect(by.get('40-49')).toMatchObject({ audience: 0, recipients: 0, revenue: 0, uplift: null });
  });

  it('by country, largest revenue first, and by segment (audience segments and one asked for)', async () => {
    await handMadeShop();
    const c = await resultsBreakdown(shop.store, 'c1', 'country');
    expect(c.groups.map(pick)).toEqual([
      ['DE', 4, 2, 2, 2],
      ['AT', 2, 1, 1, 1],
      ['unknown', 1, 0, 1, 1],
    ]);
    expect(c.groups[0]).toMatchObject({ converted: 1, revenue: 35, holdout: { customers: 2, converted: 0 } });
    expect(c.groups[1]).toMatchObject({
      converted: 1,
      revenue: 10,
      holdout: { customers: 1, converted: 1, revenue: 10 },
    });

    const s = await resultsBreakdown(shop.store, 'c1', 'segment', {
      segments: shop.segments,
      segmentKeys: ['germans'],
    });
    expect(s.groups.map(pick)).toEqual([
      ['everyone', 7, 3, 4, 4],
      ['germans', 4, 2, 2, 2],
    ]);
    expect(s.groups[0]).toMatchObject({ converted: 2, revenue: 45, holdout: { customers: 3, converted: 1 } });
    await expect(
      resultsBreakdown(shop.store, 'c1', 'segment', { segments: shop.segments, segmentKeys: ['nobody'] }),
    ).rejects.toThrow(/no saved segment "nobody"/);
  });

  it('by brand and by shop: each group’s own conversions and revenue against the whole audience', async () => {
    await handMadeShop();
    const b = await resultsBreakdown(shop.store, 'c1', 'brand');
    expect(b.groups.map((g) => [g.group, g.converted, g.orders, g.revenue, g.revenuePerRecipient])).toEqual([
      ['Alpha', 2, 2, 30, 7.5],
      ['Beta', 1, 1, 15, 3.75],
    ]);
    expect(b.groups[0]).toMatchObject({
      audience: 7,
      heldOut: 3,
      sent: 4,
      recipients: 4,
      conversionRate: 0.5,
      holdout: { customers: 3, converted: 1, revenue: 10 },
    });
    expect(b.groups[1]!.holdout).toMatchObject({ customers: 3, converted: 0, revenue: 0 });
    expect(b.groups[1]!.uplift!.conversionRate).toEqual(newcombeDifference(1, 4, 0, 3));

    const s = await resultsBreakdown(shop.store, 'c1', 'shop');
    expect(
      s.groups.map((g) => [g.group, g.name, g.converted, g.revenue, g.holdout.converted, g.holdout.revenue]),
    ).toEqual([
      ['berlin', 'Berlin store', 1, 35, 0, 0],
      ['web', 'Online shop', 1, 10, 1, 10],
    ]);
  });

  it('by RFM segment and value tier from the current profiles, adding up to the totals', async () => {
    await handMadeShop();
    shop.clock.set(at(10 * DAY));
    await profile(shop);
    const profiles = new Map(
      (
        await shop.store.query<{ customer_id: string; rfm_segment: string | null }>(
          'SELECT customer_id, rfm_segment FROM customer_profile',
        )
      ).map((p) => [p.customer_id, p.rfm_segment ?? 'unknown']),
    );
    const r = await resultsBreakdown(shop.store, 'c1', 'rfm');
    expect(r.groups.slice(0, rfmSegments.length).map((g) => g.group)).toEqual(rfmSegments);
    // Every recipient in their profile's segment: ann and cat bought, bob and fay (for c1) did not.
    const recipientsOf = (seg: string) => ['ann', 'bob', 'cat', 'fay'].filter((id) => profiles.get(id) === seg).length;
    for (const g of r.groups) expect(g.recipients).toBe(recipientsOf(g.group));
    const sum = (k: 'audience' | 'converted' | 'revenue') => r.groups.reduce((s, g) => s + g[k], 0);
    expect([sum('audience'), sum('converted'), sum('revenue')]).toEqual([7, 2, 45]);
    const v = await resultsBreakdown(shop.store, 'c1', 'value_tier');
    expect(v.groups.slice(0, levels.length).map((g) => g.group)).toEqual(levels);
    expect(v.groups.reduce((s, g) => s + g.holdout.customers, 0)).toBe(3);
    await expect(resultsBreakdown(shop.store, 'c1', 'weekday')).rejects.toThrow(/unknown breakdown "weekday"/);
  });
});
