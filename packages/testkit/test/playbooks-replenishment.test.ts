import { afterEach, describe, expect, it } from 'vitest';
import { automationRuns } from '@strata/automations';
import { messageLog } from '@strata/campaigns';
import { DAY, HOUR, order, person } from './campaigns-fixture.js';
import { at, openPlaybookShop, type PlaybookShop } from './playbooks-fixture.js';

/*
 * Two playbooks that sell: the replenishment reminder (from the profile's replenishment date) and
 * the first-order offer for prospects, each on a hand-made shop driven by the test clock.
 */

let s: PlaybookShop;

afterEach(async () => {
  await s.close();
});

describe('the replenishment playbook', () => {
  it('reminds 5 days before the green tea runs out, gives a code on the day; bob reorders between the steps and leaves', async () => {
    s = await openPlaybookShop(async (s) => {
      await s.shop.store.write({
        customers: [person('ann', { name: 'Ann Archer' }), person('bob')],
        // One green tea lasts 30 days: bought 20 days ago, it runs out in 10.
        orders: [
          order('ann', at(-20 * DAY).toISOString(), [['TEA-1', 1, 8]]),
          order('bob', at(-20 * DAY).toISOString(), [['TEA-1', 1, 8]]),
        ],
      });
      await s.install('replenishment', { id: 'refill', params: { daysBefore: 5, discountPercent: 12 } });
    });
    await s.runUntil(at(5 * DAY - HOUR));
    expect(s.outbox('ann')).toEqual([]);

    // Day 5: both enter (the tea runs out within 5 days); the reminder names it and the day.
    await s.runUntil(at(5 * DAY + HOUR));
    const [reminder] = s.outbox('ann');
    expect(reminder).toMatchObject({ subject: 'Running low?' });
    expect(reminder!.text).toContain('Hello Ann,\n\nYour Green tea will run out around 2026-03-12.');
    expect(reminder!.text).toContain('Order it again at Tea House in time (8).');
    expect(s.outbox('bob')).toHaveLength(1);

    // Day 7: bob orders again: his run ends; no code for him.
    await s.runUntil(at(7 * DAY));
    await s.shop.store.write({ orders: [order('bob', at(7 * DAY).toISOString(), [['TEA-1', 2, 8]])] });
    await s.runUntil(at(12 * DAY));
    const ann = s.outbox('ann');
    expect(ann).toHaveLength(2);
    expect(ann[1]!.written_at).toBe(at(10 * DAY).toISOString());
    expect(ann[1]!.text).toMatch(
      /Time for more Green tea: the code REFILL-[2-9A-HJ-NP-Z]{8} takes 12% off at Tea House\./,
    );
    expect(s.outbox('bob')).toHaveLength(1);
    const runs = await automationRuns(s.shop.store, 'refill');
    expect(runs.map((r) => [r.customer_id, r.status])).toEqual([
      ['ann', 'completed'],
      ['bob', 'goal'],
    ]);
  });
});

describe('the first-order playbook', () => {
  it('a day after a prospect signs up, a code for a first order, a reminder 5 days later; an order ends it', async () => {
    s = await openPlaybookShop(async (s) => {
      // ann was a prospect before the playbook: she is not messaged for being one.
      await s.shop.store.write({ customers: [person('ann')] });
      await s.install('first-order', { id: 'first', params: { discountPercent: 15 } });
    });
    await s.runUntil(at(HOUR));
    await s.shop.store.write({ customers: [person('pia', { name: 'Pia Park' }), person('quin')] });
    await s.runUntil(at(12 * HOUR));
    await s.shop.store.write({ orders: [order('quin', at(12 * HOUR).toISOString(), [['MUG', 1, 15]])] });

    await s.runUntil(at(25 * HOUR - 60_000));
    expect(s.outbox('pia')).toEqual([]);
    await s.runUntil(at(25 * HOUR + 60_000));
    const [offer] = s.outbox('pia');
    expect(offer).toMatchObject({ subject: '15% off your first order' });
    expect(offer!.text).toMatch(/Hello Pia,\n\nWelcome to Tea House\. The code FIRST-[2-9A-HJ-NP-Z]{8} takes 15% off/);

    await s.runUntil(at(7 * DAY));
    expect(s.outbox('pia').map((m) => m.subject)).toEqual([
      '15% off your first order',
      'Your first-order discount is waiting',
    ]);
    expect(s.outbox('quin')).toEqual([]);
    expect(s.outbox('ann')).toEqual([]);
    const runs = await automationRuns(s.shop.store, 'first');
    expect(runs.map((r) => [r.customer_id, r.status])).toEqual([
      ['pia', 'completed'],
      ['quin', 'goal'],
    ]);
    const log = await messageLog(s.shop.store, { customerId: 'pia' });
    expect(log.find((m) => m.step === 'offer')?.coupon).toMatch(/^FIRST-/);
  });
});
