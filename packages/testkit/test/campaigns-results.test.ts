import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attributedOrders, campaignResults, createCampaign, newcombeDifference } from '@strata/campaigns';
import { Customer } from '@strata/core';
import {
  DAY,
  HOUR,
  logMessage,
  openShop,
  order,
  person,
  START,
  type LoggedMessage,
  type Shop,
} from './campaigns-fixture.js';

/*
 * Attribution and results on a hand-made shop whose numbers were worked out by hand. The message
 * log rows are written as the send engine leaves them (status, sent_at), at test-clock times.
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

async function shopWithTwoCampaigns() {
  const ids = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy'];
  await shop.store.write({ customers: ids.map((id, i) => person(id, { phone: `+4917012345${10 + i}` })) });
  await shop.segments.save({ name: 'everyone', text: 'order_count >= 0' });
  const base = { audience: { include: ['everyone'] }, holdoutShare: 0.2 };
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

  await message('c1', 'ann', 'email', 'clicked', 0);
  await message('c1', 'bob', 'email', 'opened', 0);
  const cat = await message('c1', 'cat', 'email', 'delivered', 0);
  await message('c1', 'dan', 'email', 'sent', 0);
  await message('c1', 'eve', 'email', 'sent', 0);
  await message('c1', 'fay', 'email', 'failed', null);
  await message('c1', 'gus', 'email', 'skipped', null, 'no_consent');
  await message('c1', 'hal', 'email', 'held_out', null, 'held_out');
  await message('c1', 'ivy', 'email', 'held_out', null, 'held_out');
  await message('c2', 'eve', 'sms', 'delivered', 3 * DAY);
  await shop.store.exec(
    `INSERT INTO coupons (code, campaign_id, source, customer_id, message_id, added_at, assigned_at) VALUES ('TEA-CAT', 'c1', 'generated', 'cat', $1, $2::TIMESTAMPTZ, $2::TIMESTAMPTZ)`,
    [cat, START],
  );
  const refunded = { ...order('dan', at(1 * DAY), [['TEA-1', 1, 50]]), status: 'refunded' as const };
  await shop.store.write({
    orders: [
      order('ann', at(2 * DAY), [['TEA-1', 1, 20]]), // within 5 days of c1: converted
      order('bob', at(6 * DAY), [['TEA-1', 1, 30]]), // a day after the email window closed: not converted
      order('cat', at(10 * DAY), [['TEA-1', 1, 40]], ['tea-cat']), // c1's coupon, lower case, late: converted
      refunded, // never counts
      order('eve', at(3 * DAY + 2 * HOUR), [['TEA-1', 1, 60]]), // c1 then c2's SMS: last touch is c2
      order('hal', at(1 * DAY), [['TEA-1', 1, 10]]), // holdout, within the window
      order('ivy', at(6 * DAY), [['TEA-1', 1, 10]]), // holdout, outside the window
    ],
  });
  // bob unsubscribes from c1's email by its link an hour after it went.
  await shop.store.write({
    customers: [
      Customer.parse({ id: 'bob', consent: { email: { granted: false, at: at(HOUR), source: 'unsubscribe link' } } }),
    ],
  });
  // ann by c1's own link days later; eve by another campaign's link (not c1's doing).
  const by = (source: string) => ({ email: { granted: false, at: at(4 * DAY), source } });
  await shop.store.write({
    customers: [
      Customer.parse({ id: 'ann', consent: by('unsubscribe link (campaign c1)') }),
      Customer.parse({ id: 'eve', consent: by('unsubscribe link (campaign c9)') }),
    ],
  });
}

describe('campaign results', () => {
  it('attributes by window, by coupon and by last touch, and never counts a refunded order', async () => {
    await shopWithTwoCampaigns();
    const c1 = await attributedOrders(shop.store, 'c1');
    expect(c1.map((o) => [o.customer_id, o.how, o.total])).toEqual([
      ['ann', 'window', 20],
      ['cat', 'coupon', 40],
    ]);
    const c2 = await attributedOrders(shop.store, 'c2');
    expect(c2.map((o) => [o.customer_id, o.how, o.total])).toEqual([['eve', 'window', 60]]);
    // A code passed on: gus (never sent c1) uses cat's code; the order is still c1's, through cat's message.
    await shop.store.write({ orders: [order('gus', at(11 * DAY), [['MUG', 1, 15]], [' Tea-Cat '])] });
    const passedOn = await attributedOrders(shop.store, 'c1');
    expect(passedOn.map((o) => [o.customer_id, o.how, o.total])).toEqual([
      ['ann', 'window', 20],
      ['cat', 'coupon', 40],
      ['cat', 'coupon', 15],
    ]);
  });

  it('reports the funnel, revenue and uplift over the holdout as worked out by hand', async () => {
    await shopWithTwoCampaigns();
    const r = await campaignResults(shop.store, 'c1');
    expect(r).toMatchObject({
      audience: 9,
      heldOut: 2,
      excluded: { no_consent: 1 },
      sent: 5,
      delivered: 3,
      opened: 2,
      clicked: 1,
      failed: 1,
      unsubscribed: 2,
      recipients: 5,
      converted: 2,
      orders: 2,
      revenue: 60,
      revenuePerRecipient: 12,
      holdout: { customers: 2, converted: 1, revenue: 10, revenuePerCustomer: 5 },
    });
    // 2/5 vs 1/2 by Newcombe; revenue [20, 0, 40, 0, 0] (mean 12, variance 320) vs [10, 0] (mean 5,
    // variance 50): se = √(64 + 25) = √89, df = 89² / (64²/4 + 25²/1) = 7921 / 1649.
    expect(r.uplift.conversionRate).toEqual(newcombeDifference(2, 5, 1, 2));
    expect(r.uplift.conversionRate.estimate).toBeCloseTo(-0.1, 12);
    expect(r.uplift.revenuePerRecipient.estimate).toBeCloseTo(7, 10);
    expect(r.uplift.revenuePerRecipient.df).toBeCloseTo(7921 / 1649, 10);
    expect(r.uplift.significant).toBe(false);
    // n per group = (1.96·√(2·0.45·0.55) + 0.8416·√(0.24 + 0.25))² / 0.1² = 387.3; the holdout is 2 of 7,
    // so the audience grows by (387.3 − 2) / (2/7) = 1348.7.
    expect(r.uplift.verdict).toBe(
      'converted 10.0 points less than the holdout (95% CI -59.4 to 44.8): not yet significant; about 1349 more recipients needed',
    );

    const sms = await campaignResults(shop.store, 'c2');
    expect(sms).toMatchObject({ sent: 1, delivered: 1, recipients: 1, converted: 1, revenue: 60, unsubscribed: 0 });
    expect(sms.uplift.verdict).toBe('no holdout: nothing to compare');
  });

  it('takes the windows from its options', async () => {
    await shopWithTwoCampaigns();
    const r = await campaignResults(shop.store, 'c1', { windowDays: { email: 7 } });
    // bob's order 6 days after the email now counts; ivy's holdout order too.
    expect(r).toMatchObject({ converted: 3, revenue: 90, holdout: { converted: 2, revenue: 20 } });
    await expect(campaignResults(shop.store, 'c1', { windowDays: { fax: 1 } as never })).rejects.toThrow(
      /unknown channel "fax"/,
    );
    await expect(campaignResults(shop.store, 'nope')).rejects.toThrow(/nope/);
  });

  it('reports an automation step (a standing campaign) with each holdout measured from its own entry', async () => {
    await shop.store.write({
      customers: ['ann', 'bob', 'cat'].map((id, i) => person(id, { phone: `+4917055500${i}` })),
    });
    await shop.segments.save({ name: 'everyone', text: 'order_count >= 0' });
    const def = {
      name: 'Cart reminder',
      audience: { include: ['everyone'] },
      message: { channel: 'sms', text: 'Your cart' },
    };
    await createCampaign(shop.store, def, { clock: shop.clock, id: 'abandoned-cart.remind', status: 'standing' });
    await message('abandoned-cart.remind', 'ann', 'sms', 'delivered', 2 * DAY);
    await message('abandoned-cart.remind', 'bob', 'sms', 'sent', 0);
    // cat was held out when entering at START (due_at); her order 12 hours later counts for the holdout.
    await message('abandoned-cart.remind', 'cat', 'sms', 'held_out', null, 'held_out');
    await shop.store.write({
      orders: [
        order('ann', at(2 * DAY + 20 * HOUR), [['TEA-3', 1, 12]]), // 20 h after her SMS: within 1 day
        order('bob', at(1 * DAY + HOUR), [['TEA-3', 1, 12]]), // 25 h after his: outside
        order('cat', at(12 * HOUR), [['MUG', 1, 15]]),
      ],
    });
    const r = await campaignResults(shop.store, 'abandoned-cart.remind');
    expect(r).toMatchObject({
      campaign: { id: 'abandoned-cart.remind', status: 'standing' },
      recipients: 2,
      converted: 1,
      revenue: 12,
      revenuePerRecipient: 6,
      holdout: { customers: 1, converted: 1, revenue: 15 },
    });
  });
});
