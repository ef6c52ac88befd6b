import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { automationResults, createAutomation } from '@strata/automations';
import { newcombeDifference } from '@strata/campaigns';
import { DAY, HOUR, openShop, order, person, START, type Shop } from './campaigns-fixture.js';

/*
 * An automation's results per send step, on hand-made runs and messages whose numbers were worked
 * out by hand. "remind" (SMS, 1-day window) goes about an hour after entry, "coupon" (email, 5 days)
 * a day after that.
 *   ann  ran       remind +1 h, coupon +25 h   orders 10 at +90 min      → remind's
 *   bob  ran       remind +1 h, coupon +25 h   orders 20 at +2 d         → coupon's (last touch)
 *   cat  ran       remind +3 h (then left)     no order
 *   Median delays from entry: remind 1 h (1, 1, 3), coupon 25 h. So a held-out run's touches fall
 *   at entry + 1 h (SMS) and entry + 25 h (email).
 *   dan  held out, entered at START       orders 15 at +2 h            → remind's touch (+1 h)
 *   eve  held out, entered at START + 1 d orders 30 at +3 d            → coupon's touch (+2 d 1 h);
 *                                                                         remind's window ended at +2 d 1 h
 *   fay  held out, entered at START       no order
 */

let shop: Shop;
beforeEach(async () => {
  shop = await openShop();
});
afterEach(async () => {
  await shop.close();
});

const at = (ms: number) => new Date(Date.parse(START) + ms).toISOString();

async function run(customer: string, enteredAt: number, status: string) {
  await shop.store.exec(
    `INSERT INTO automation_runs (automation_id, customer_id, entry, change_id, entered_at, step, due_at, status, finished_at, updated_at)
     VALUES ('cart', $1, 1, $1 || '-entry', $2::TIMESTAMPTZ, 0, NULL, $3, $2::TIMESTAMPTZ, $2::TIMESTAMPTZ)`,
    [customer, at(enteredAt), status],
  );
}

async function sent(step: string, customer: string, channel: string, sentAt: number) {
  await shop.store.exec(
    `INSERT INTO messages (id, campaign_id, step, customer_id, channel, status, reason, due_at, attempts, sent_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'delivered', 'send', $6::TIMESTAMPTZ, 1, $6::TIMESTAMPTZ, $6::TIMESTAMPTZ, $6::TIMESTAMPTZ)`,
    [`${step}-${customer}`, `cart.${step}`, step, customer, channel, at(sentAt)],
  );
}

describe('automation results', () => {
  it('reports each send step against the automation’s holdout, each held-out run touched when the step typically went', async () => {
    await shop.store.write({
      customers: ['ann', 'bob', 'cat', 'dan', 'eve', 'fay'].map((id, i) => person(id, { phone: `+4917055501${i}` })),
    });
    await shop.segments.save({ name: 'carts', text: 'order_count >= 0' });
    await createAutomation(
      shop.store,
      {
        name: 'Abandoned cart',
        trigger: { kind: 'segment_entered', segment: 'carts' },
        holdoutShare: 0.5,
        steps: [
          { kind: 'send', name: 'remind', message: { channel: 'sms', text: 'Your cart' } },
          { kind: 'wait', name: 'a-day', days: 1 },
          { kind: 'send', name: 'coupon', message: { channel: 'email', subject: '10% off', text: 'Code' } },
        ],
      },
      { clock: shop.clock, segments: shop.segments, id: 'cart' },
    );
    for (const who of ['ann', 'bob', 'cat']) await run(who, 0, 'completed');
    await run('dan', 0, 'held_out');
    await run('eve', DAY, 'held_out');
    await run('fay', 0, 'held_out');
    await sent('remind', 'ann', 'sms', HOUR);
    await sent('remind', 'bob', 'sms', HOUR);
    await sent('remind', 'cat', 'sms', 3 * HOUR);
    await sent('coupon', 'ann', 'email', 25 * HOUR);
    await sent('coupon', 'bob', 'email', 25 * HOUR);
    await shop.store.write({
      orders: [
        order('ann', at(90 * 60_000), [['TEA-1', 1, 10]]),
        order('bob', at(2 * DAY), [['TEA-1', 2, 10]]),
        order('dan', at(2 * HOUR), [['MUG', 1, 15]]),
        order('eve', at(3 * DAY), [['TEA-1', 3, 10]]),
      ],
    });

    const r = await automationResults(shop.store, 'cart');
    expect(r).toMatchObject({ automation: { id: 'cart', name: 'Abandoned cart' }, runs: 3, heldOutRuns: 3 });
    expect(r.steps.map((s) => [s.step, s.campaignId, s.medianSecondsFromEntry])).toEqual([
      ['remind', 'cart.remind', 3600],
      ['coupon', 'cart.coupon', 25 * 3600],
    ]);
    expect(r.steps[0]).toMatchObject({
      funnel: { audience: 3, sent: 3, delivered: 3 },
      recipients: 3,
      converted: 1,
      revenue: 10,
      holdout: { customers: 3, converted: 1, revenue: 15, revenuePerCustomer: 5 },
    });
    expect(r.steps[1]).toMatchObject({
      funnel: { audience: 2, sent: 2 },
      recipients: 2,
      converted: 1,
      revenue: 20,
      revenuePerRecipient: 10,
      conversionRate: 0.5,
      holdout: { customers: 3, converted: 1, revenue: 30 },
    });
    expect(r.steps[1]!.uplift.conversionRate).toEqual(newcombeDifference(1, 2, 1, 3));
    expect(r.total).toMatchObject({
      recipients: 3,
      converted: 2,
      orders: 2,
      revenue: 30,
      holdout: { customers: 3, converted: 2, revenue: 45 },
    });
    expect(r.total.uplift.revenuePerRecipient.estimate).toBeCloseTo(10 - 15, 10);
    await expect(automationResults(shop.store, 'nope')).rejects.toThrow(/nope/);
  });
});
