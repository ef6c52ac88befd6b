import { afterEach, describe, expect, it } from 'vitest';
import { automationRuns } from '@strata/automations';
import { messageLog } from '@strata/campaigns';
import { Product } from '@strata/core';
import { DAY, HOUR, order, person } from './campaigns-fixture.js';
import { at, openPlaybookShop, type PlaybookShop } from './playbooks-fixture.js';

/*
 * Playbooks that follow a customer for weeks: the post-purchase follow-up of a durable product
 * (with a restart of the whole process in the middle of a wait) and the welcome series for
 * newsletter sign-ups (with a welcome held back by quiet hours in Los Angeles).
 */

let s: PlaybookShop;

afterEach(async () => {
  await s.close();
});

const SEAT = 'SEAT';

describe('the post-purchase playbook', () => {
  it('guide on day 1, accessories on day 14 (not to who bought them), review on day 30; a restart mid-wait repeats nothing', async () => {
    s = await openPlaybookShop(async (s) => {
      await s.shop.store.write({
        customers: [person('ann', { name: 'Ann Archer' }), person('bob')],
        products: [
          Product.parse({ sku: SEAT, name: 'Car seat Junior', category: 'Child car seats', price: 199 }),
          Product.parse({ sku: 'COVER', name: 'Seat cover', category: 'Car seat accessories', price: 25 }),
          Product.parse({ sku: 'MIRROR', name: 'Back-seat mirror', category: 'Car seat accessories', price: 12 }),
        ],
      });
      await s.install('post-purchase', {
        id: 'seat',
        params: {
          category: 'Child car seats',
          accessories: ['COVER', 'MIRROR'],
          guideUrl: 'https://tea.example/guides/car-seat',
        },
      });
    });
    await s.runUntil(at(HOUR));
    await s.shop.store.write({
      orders: [
        order('ann', at(HOUR).toISOString(), [[SEAT, 1, 199]]),
        order('bob', at(HOUR).toISOString(), [[SEAT, 1, 199]]),
      ],
    });
    await s.runUntil(at(DAY + HOUR - 60_000));
    expect(s.outbox('ann')).toEqual([]);
    await s.runUntil(at(DAY + HOUR + 60_000));
    const [guide] = s.outbox('ann');
    expect(guide).toMatchObject({ subject: 'Getting the most from your purchase' });
    expect(guide!.text).toContain('tips to get started with your new child car seats:');
    expect(guide!.text).toContain('Read the guide: https://tea.example/guides/car-seat');

    // Day 5, in the middle of the 13-day wait: the process stops; a new one opens the same file.
    await s.runUntil(at(5 * DAY), { liveDues: false });
    await s.shop.reopen();
    s.engines();
    // (The audience no longer matters: the clock stops only where a step or message is due.)
    await s.runUntil(at(10 * DAY), { liveDues: false });
    await s.shop.store.write({ orders: [order('bob', at(10 * DAY).toISOString(), [['COVER', 1, 25]])] });

    await s.runUntil(at(14 * DAY + HOUR + 60_000), { liveDues: false });
    expect(s.outbox('ann').map((m) => m.subject)).toEqual([
      'Getting the most from your purchase',
      'Made to go with it',
    ]);
    expect(s.outbox('ann')[1]!.text).toContain(
      'These go well with what you bought:\n- Seat cover (25)\n- Back-seat mirror (12)',
    );
    // bob bought the cover: no accessories message for him.
    expect(s.outbox('bob').map((m) => m.subject)).toEqual(['Getting the most from your purchase']);

    await s.runUntil(at(31 * DAY), { liveDues: false });
    expect(s.outbox('ann').map((m) => m.subject)).toEqual([
      'Getting the most from your purchase',
      'Made to go with it',
      'How do you like it?',
    ]);
    expect(s.outbox('bob').map((m) => m.subject)).toEqual([
      'Getting the most from your purchase',
      'How do you like it?',
    ]);
    // Each step once, across the restart.
    const log = await messageLog(s.shop.store, { customerId: 'ann' });
    expect(log.map((m) => [m.step, m.status]).sort()).toEqual([
      ['accessories', 'sent'],
      ['guide', 'sent'],
      ['review', 'sent'],
    ]);
    const runs = await automationRuns(s.shop.store, 'seat');
    expect(runs.map((r) => [r.customer_id, r.entry, r.status])).toEqual([
      ['ann', 1, 'completed'],
      ['bob', 1, 'completed'],
    ]);
  });
});

describe('the welcome-series playbook', () => {
  it('welcomes at sign-up (in Los Angeles at 9 in the morning, not 2 at night), introduces, and gives a code to who has not bought', async () => {
    s = await openPlaybookShop(async (s) => {
      await s.shop.store.write({
        customers: [
          person('old', { newsletter: true }),
          person('la', { name: 'Lu Lee', timezone: 'America/Los_Angeles' }),
        ],
      });
      await s.install('welcome-series', { id: 'welcome' });
    });
    // 10:00 UTC: lu subscribes (02:00 in Los Angeles); 11:00: ann signs up with the newsletter box ticked.
    await s.event('la', 'newsletter_opt_in');
    await s.runUntil(at(HOUR));
    await s.shop.store.write({ customers: [person('ann', { name: 'Ann Archer', newsletter: true })] });
    await s.runUntil(at(HOUR + 60_000));
    expect(s.outbox('ann').map((m) => m.subject)).toEqual(['Welcome to Tea House']);
    expect(s.outbox('ann')[0]!.text).toContain('Thank you for signing up to the Tea House newsletter.');
    expect(s.outbox('la')).toEqual([]);
    const [held] = await messageLog(s.shop.store, { customerId: 'la' });
    expect(held).toMatchObject({
      step: 'welcome',
      status: 'queued',
      reason: 'quiet_hours',
      due_at: '2026-03-02T17:00:00.000Z',
    });
    await s.runUntil(at(7 * HOUR + 60_000));
    expect(s.outbox('la').map((m) => [m.subject, m.written_at])).toEqual([
      ['Welcome to Tea House', '2026-03-02T17:00:00.000Z'],
    ]);

    // Day 4: ann orders. Day 8: lu, who has not, gets a code; ann's run skips it.
    await s.runUntil(at(4 * DAY));
    await s.shop.store.write({ orders: [order('ann', at(4 * DAY).toISOString(), [['TEA-2', 1, 7]])] });
    await s.runUntil(at(9 * DAY));
    expect(s.outbox('ann').map((m) => m.subject)).toEqual(['Welcome to Tea House', 'What Tea House is about']);
    const lu = s.outbox('la');
    expect(lu.map((m) => m.subject)).toEqual([
      'Welcome to Tea House',
      'What Tea House is about',
      '10% off your first order',
    ]);
    expect(lu[2]!.text).toMatch(/Hello Lu,\n\nAs a welcome: the code WELCOME-[2-9A-HJ-NP-Z]{8} takes 10% off/);
    // Subscribed before the playbook: no welcome.
    expect(s.outbox('old')).toEqual([]);
    const runs = await automationRuns(s.shop.store, 'welcome');
    expect(runs.map((r) => [r.customer_id, r.status])).toEqual([
      ['ann', 'exited'],
      ['la', 'exited'],
    ]);
  });
});
