import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AutomationEngine, automationRuns, createAutomation, type AutomationInput } from '@strata/automations';
import { CampaignEngine } from '@strata/campaigns';
import { Event, type OutgoingMessage } from '@strata/core';
import { DAY, HOUR, openShop, order, person, profile, RecordingSender, START, type Shop } from './campaigns-fixture.js';

/*
 * Event and date triggers (no live engine: they read events, orders and traits, not segments), waits until a local time or the customer's usual weekday, and coupon
 * steps, on a real DuckDB file driven by a test clock: what each customer receives, and when.
 */

let shop: Shop;
let sends: CampaignEngine;
let automations: AutomationEngine;
let sender: RecordingSender;
/** When each message reached the provider, by customer. */
let sentAt: [customer: string, at: string][];

/** New engines on the shop's store (after a reopen: the new process). Customers without a zone are in Tokyo. */
function engines(): void {
  sends = new CampaignEngine(shop.store, {
    clock: shop.clock,
    segments: shop.segments,
    sender,
    guardrails: { storeTimeZone: 'Asia/Tokyo', caps: null },
  });
  automations = new AutomationEngine(shop.store, {
    clock: shop.clock,
    timer: shop.clock,
    segments: shop.segments,
    sends,
    storeTimeZone: 'Asia/Tokyo',
  });
}

beforeEach(async () => {
  shop = await openShop();
  sender = new RecordingSender();
  sentAt = [];
  sender.before = (m) => void sentAt.push([m.customerId, shop.clock.now().toISOString()]);
  await shop.store.write({
    customers: [
      person('ann', { timezone: 'Europe/Berlin' }),
      person('bob', { timezone: 'Europe/Berlin' }),
      person('la', { timezone: 'America/Los_Angeles' }),
      person('tokyo'),
    ],
  });
  engines();
});

afterEach(async () => {
  await shop.close();
});

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const report = await automations.step();
    if (report?.errors.length) throw new Error(report.errors.map((e) => e.error).join('; '));
    if (!report?.more) break;
  }
}

async function runUntil(until: Date): Promise<void> {
  await settle();
  for (let i = 0; i < 200; i++) {
    const due = Math.min(
      ...[await automations.nextDue(), await sends.nextDue()]
        .map((d) => d?.getTime() ?? Infinity)
        .filter((t) => t > shop.clock.now().getTime()),
    );
    if (due > until.getTime()) break;
    shop.clock.set(new Date(due));
    await settle();
  }
  shop.clock.set(until);
  await settle();
}

const at = (ms: number) => new Date(Date.parse(START) + ms);
const to = (customer: string): OutgoingMessage[] => sender.calls.filter((m) => m.customerId === customer);
const when = (customer: string) => sentAt.filter(([c]) => c === customer).map(([, t]) => t);
const create = (id: string, input: AutomationInput) =>
  createAutomation(shop.store, input, { clock: shop.clock, segments: shop.segments, id });
const send = (name: string, text: string) => ({
  kind: 'send' as const,
  name,
  message: { channel: 'email' as const, subject: name, text },
});
let eventNo = 0;
const event = (customer: string, type: string, occurredAt: Date, properties: Record<string, unknown>) =>
  Event.parse({
    message_id: `ev-${++eventNo}`,
    customer_id: customer,
    type,
    occurred_at: occurredAt.toISOString(),
    properties,
  });

describe('event triggers', () => {
  it('starts a run for a tea added to the cart (category from the product), once, even after a restart', async () => {
    // before the automation exists: never starts a run
    await shop.store.write({ events: [event('bob', 'add_to_cart', at(-HOUR), { sku: 'TEA-1' })] });
    await create('tea-cart', {
      name: 'Tea in the cart',
      trigger: { kind: 'event', event: 'add_to_cart', where: { category: 'Tea' } },
      steps: [{ kind: 'wait', name: 'an-hour', hours: 1 }, send('nudge', 'Your tea is waiting')],
      reentry: { kind: 'every_time' },
    });
    shop.clock.set(at(10 * 60_000));
    await shop.store.write({
      events: [
        event('ann', 'add_to_cart', at(5 * 60_000), { sku: 'TEA-3' }),
        event('la', 'add_to_cart', at(5 * 60_000), { sku: 'MUG' }),
      ],
    });
    await settle();
    // A new process on the same file looks again: nothing starts twice.
    await shop.reopen();
    engines();
    await runUntil(at(2 * HOUR));
    // An event that reaches the store two hours after it happened still starts a run.
    shop.clock.set(at(3 * HOUR));
    await shop.store.write({ events: [event('bob', 'add_to_cart', at(HOUR), { sku: 'TEA-2' })] });
    await runUntil(at(5 * HOUR));

    expect(to('ann').map((m) => m.text)).toEqual(['Your tea is waiting']);
    expect(when('ann')).toEqual([at(HOUR + 5 * 60_000).toISOString()]);
    expect(to('bob')).toHaveLength(1);
    expect(to('la')).toEqual([]);
    const runs = await automationRuns(shop.store, 'tea-cart');
    expect(runs.map((r) => [r.customer_id, r.entry, r.status])).toEqual([
      ['ann', 1, 'completed'],
      ['bob', 1, 'completed'],
    ]);
  });

  it('a customer who orders between the steps leaves the flow; the order that triggers a run does not end it', async () => {
    await create('cart', {
      name: 'Cart',
      trigger: { kind: 'event', event: 'add_to_cart' },
      steps: [{ kind: 'wait', name: 'an-hour', hours: 1 }, send('nudge', 'Still thinking?')],
      goal: { kind: 'ordered' },
    });
    await create('thanks', {
      name: 'Thanks for the order',
      trigger: { kind: 'event', event: 'order', where: { category: 'Kitchen' } },
      steps: [{ kind: 'wait', name: 'a-day', days: 1 }, send('thanks', 'How is the mug?')],
      goal: { kind: 'ordered' },
    });
    shop.clock.set(at(60_000));
    await shop.store.write({
      events: [
        event('ann', 'add_to_cart', at(30_000), { sku: 'TEA-1' }),
        event('bob', 'add_to_cart', at(30_000), { sku: 'MUG' }),
      ],
    });
    await runUntil(at(30 * 60_000));
    await shop.store.write({ orders: [order('ann', at(30 * 60_000).toISOString(), [['MUG', 1, 15]])] });
    await runUntil(at(DAY + HOUR));

    expect(to('ann').map((m) => m.text)).toEqual(['How is the mug?']);
    expect(to('bob').map((m) => m.text)).toEqual(['Still thinking?']);
    expect((await automationRuns(shop.store, 'cart')).map((r) => [r.customer_id, r.status])).toEqual([
      ['ann', 'goal'],
      ['bob', 'completed'],
    ]);
  });

  it('refuses a filter on a property the event does not have, naming it', async () => {
    await expect(
      create('bad', {
        name: 'Bad',
        trigger: { kind: 'event', event: 'add_to_cart', where: { colour: 'red' } },
        steps: [send('x', 'x')],
      }),
    ).rejects.toThrow(
      'trigger.where.colour: "add_to_cart" has no property "colour"; it has sku, quantity, category, brand',
    );
  });
});

describe('waits until a local time', () => {
  it('a week later at 09:00 in each customer’s zone, across the US change to summer time', async () => {
    await create('next-week', {
      name: 'Next week at nine',
      trigger: { kind: 'event', event: 'add_to_cart' },
      steps: [{ kind: 'wait', name: 'next-week', days: 7, untilTime: '09:00' }, send('hello', 'Good morning')],
    });
    shop.clock.set(at(60_000));
    await shop.store.write({
      events: ['ann', 'la', 'tokyo'].map((c) => event(c, 'add_to_cart', at(30_000), { sku: 'TEA-1' })),
    });
    await runUntil(at(9 * DAY));
    // A week after 11:00 in Berlin (still winter time, UTC+1) it is past nine: the next morning.
    expect(when('ann')).toEqual(['2026-03-10T08:00:00.000Z']);
    // 02:00 in Los Angeles, which moved to summer time (UTC-7) on 8 March: 09:00 is 16:00 UTC, not 17:00.
    expect(when('la')).toEqual(['2026-03-09T16:00:00.000Z']);
    // No zone of their own: the store's (Tokyo, UTC+9). 10:00 UTC + 7 days is 19:00 there: the next morning.
    expect(when('tokyo')).toEqual(['2026-03-10T00:00:00.000Z']);
  });

  it('until the customer’s usual weekday; without one, only the time of day', async () => {
    // ann orders on Thursdays
    await shop.store.write({
      orders: [
        order('ann', '2026-02-05T15:00:00Z', [['TEA-2', 1, 7]]),
        order('ann', '2026-02-12T15:00:00Z', [['TEA-2', 1, 7]]),
        order('ann', '2026-02-19T15:00:00Z', [['TEA-2', 1, 7]]),
      ],
    });
    await profile(shop);
    await create('weekday', {
      name: 'On their day',
      trigger: { kind: 'event', event: 'add_to_cart' },
      steps: [{ kind: 'wait', name: 'their-day', untilWeekday: 'usual', untilTime: '10:00' }, send('hi', 'Hi')],
    });
    shop.clock.set(at(60_000));
    await shop.store.write({
      events: ['ann', 'bob'].map((c) => event(c, 'add_to_cart', at(30_000), { sku: 'TEA-1' })),
    });
    await runUntil(at(5 * DAY));
    // Monday 2 March: ann on Thursday 5 March 10:00 Berlin; bob (no orders) on Tuesday 3 March 10:00.
    expect(when('ann')).toEqual(['2026-03-05T09:00:00.000Z']);
    expect(when('bob')).toEqual(['2026-03-03T09:00:00.000Z']);
  });

  it('a restart in the middle of a wait resumes each run once', async () => {
    await create('tomorrow', {
      name: 'Tomorrow',
      trigger: { kind: 'event', event: 'add_to_cart' },
      steps: [send('first', 'first'), { kind: 'wait', name: 'a-day', days: 1 }, send('second', 'second')],
    });
    shop.clock.set(at(60_000));
    await shop.store.write({ events: [event('ann', 'add_to_cart', at(30_000), { sku: 'TEA-1' })] });
    await runUntil(at(12 * HOUR));
    expect(to('ann').map((m) => m.text)).toEqual(['first']);
    expect((await automationRuns(shop.store, 'tomorrow'))[0]).toMatchObject({ status: 'active', step: 'second' });

    await shop.reopen();
    engines();
    await runUntil(at(2 * DAY));
    expect(to('ann').map((m) => m.text)).toEqual(['first', 'second']);
    expect(when('ann')[1]).toBe(at(DAY + 30_000).toISOString());
    expect((await automationRuns(shop.store, 'tomorrow')).map((r) => r.status)).toEqual(['completed']);
  });
});

describe('date triggers and coupon steps', () => {
  it('three days before the tea runs out, at 09:00 local, with a code of their own; once per date', async () => {
    // 30 days of green tea bought 20 days ago: it runs out on 1 April (10 days ahead).
    await shop.store.write({ orders: [order('ann', at(-20 * DAY).toISOString(), [['TEA-1', 1, 8]])] });
    await profile(shop);
    const [due] = await shop.store.query<{ d: string }>(
      `SELECT strftime(next_replenishment_due_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS d FROM customer_profile WHERE customer_id = 'ann'`,
    );
    expect(due?.d).toBe(at(10 * DAY).toISOString());
    await create('refill', {
      name: 'Refill reminder',
      trigger: { kind: 'date', trait: 'next_replenishment_due_at', days: -3, hour: 9 },
      steps: [
        { kind: 'coupon', name: 'code', coupons: { source: 'generated', prefix: 'REFILL-', length: 6 } },
        send('remind', 'Running low? {{ coupon }} takes 10% off.'),
      ],
      reentry: { kind: 'every_time' },
    });
    await runUntil(at(9 * DAY));
    expect(to('ann').length).toBe(1);
    // 12 March 10:00 UTC + 10 days − 3 days = 9 March, 09:00 in Berlin (08:00 UTC).
    expect(when('ann')).toEqual(['2026-03-09T08:00:00.000Z']);
    const code = /REFILL-[2-9A-HJ-NP-Z]{6}/.exec(to('ann')[0]!.text)?.[0];
    expect(code).toBeDefined();
    const coupons = await shop.store.query<{ code: string; customer_id: string; message_id: string }>(
      `SELECT code, customer_id, message_id FROM coupons`,
    );
    expect(coupons).toEqual([{ code: code!, customer_id: 'ann', message_id: to('ann')[0]!.id }]);
    // The same date read again (a profile run, a restart) starts nothing more.
    await profile(shop);
    await shop.reopen();
    engines();
    await runUntil(at(12 * DAY));
    expect(to('ann').length).toBe(1);
  });

  it('each birthday, a week ahead', async () => {
    await shop.store.write({ customers: [person('ann', { timezone: 'Europe/Berlin', birthday: '1990-03-12' })] });
    await create('birthday', {
      name: 'Birthday',
      trigger: { kind: 'date', trait: 'birthday', days: -7, hour: 10 },
      steps: [send('wish', 'Happy birthday soon')],
      reentry: { kind: 'every_time' },
    });
    await runUntil(at(6 * DAY));
    expect(when('ann')).toEqual(['2026-03-05T09:00:00.000Z']);
    await runUntil(at(400 * DAY));
    expect(when('ann')).toEqual(['2026-03-05T09:00:00.000Z', '2027-03-05T09:00:00.000Z']);
  });
});
