import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AutomationEngine, automationRuns, installPlaybook, type Automation } from '@strata/automations';
import { CampaignEngine, messageLog } from '@strata/campaigns';
import { Event, type OutgoingMessage } from '@strata/core';
import { LiveEngine } from '@strata/live';
import { DAY, HOUR, openShop, order, person, RecordingSender, START, type Shop } from './campaigns-fixture.js';

/*
 * The abandoned-cart playbook as a shop owner sees it, on a real DuckDB file with a test clock:
 * the live engine records a customer entering "Abandoned basket" an hour after the cart, the
 * automation sends the reminder with the carted items through the campaigns' send engine, a day
 * later the coupon with a code of their own — unless they ordered in between. Re-entry, missing
 * consent and a crash in the middle are checked by what the (recording) provider received.
 */

let shop: Shop;
let live: LiveEngine;
let sender: RecordingSender;
let automations: AutomationEngine;
let sends: CampaignEngine;
let cart: Automation;

/** New engines on the shop's store (after a reopen: the new process). */
function engines(options: { sending?: boolean } = {}): void {
  live = new LiveEngine(shop.store, { clock: shop.clock, segments: shop.segments });
  sends = new CampaignEngine(shop.store, { clock: shop.clock, segments: shop.segments, sender });
  automations = new AutomationEngine(shop.store, {
    clock: shop.clock,
    timer: shop.clock,
    segments: shop.segments,
    ...(options.sending === false ? {} : { sends }),
  });
}

beforeEach(async () => {
  shop = await openShop();
  sender = new RecordingSender();
  await shop.store.write({
    customers: [
      person('ann', { name: 'Ann Archer' }),
      person('bob'),
      person('cy', { consent: {} }),
      person('la', { timezone: 'America/Los_Angeles' }),
    ],
  });
  engines();
  cart = await installPlaybook(shop.store, 'abandoned-cart', {
    segments: shop.segments,
    clock: shop.clock,
    shopName: 'Tea House',
    id: 'cart',
    // Longer than the segment's 7-day cart window, so a customer can leave and come back inside it.
    reentryDays: 10,
  });
  await live.recompute('test');
});

afterEach(async () => {
  await shop.close();
});

let events = 0;
const addToCart = (customer: string, sku = 'TEA-1') =>
  shop.store.write({
    events: [
      Event.parse({
        message_id: `e${++events}`,
        customer_id: customer,
        type: 'add_to_cart',
        occurred_at: shop.clock.now().toISOString(),
        properties: { sku },
      }),
    ],
  });

/** Live membership, then automations (and their sends), until nothing more is due now. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) if (!(await live.step())?.more) break;
  for (let i = 0; i < 20; i++) if (!(await automations.step())?.more) break;
}

/** Moves the clock to `at`, stopping at every due re-check, step and message on the way. */
async function runUntil(at: Date | string): Promise<void> {
  const until = new Date(at).getTime();
  await settle();
  for (let i = 0; i < 200; i++) {
    const dues = [await live.nextDue(), await automations.nextDue(), await sends.nextDue()]
      .map((d) => d?.getTime() ?? Infinity)
      .filter((t) => t > shop.clock.now().getTime());
    const due = Math.min(...dues);
    if (due > until) break;
    shop.clock.set(new Date(due));
    await settle();
  }
  shop.clock.set(new Date(until));
  await settle();
}

const at = (ms: number) => new Date(Date.parse(START) + ms);
const to = (customer: string): OutgoingMessage[] => sender.calls.filter((m) => m.customerId === customer);

describe('the abandoned-cart playbook', () => {
  it('reminds with the carted items after an hour, sends a unique 10% code a day later, and stops at an order', async () => {
    // 10:00: ann and bob put green tea in their carts.
    await addToCart('ann');
    await addToCart('bob');
    await settle();
    expect(sender.calls).toEqual([]);

    await runUntil(at(HOUR - 60_000));
    expect(sender.calls).toEqual([]);

    // 11:00: both enter "Abandoned basket"; the reminder goes, naming what is in the cart.
    await runUntil(at(HOUR + 1_000));
    expect(to('ann')).toHaveLength(1);
    expect(to('ann')[0]).toMatchObject({ channel: 'email', to: 'ann@example.com' });
    expect(to('ann')[0]!.text).toContain('Hello Ann');
    expect(to('ann')[0]!.text).toContain('- Green tea (8)');
    expect(to('bob')).toHaveLength(1);

    // 15:00: bob orders.
    await runUntil(at(5 * HOUR));
    await shop.store.write({ orders: [order('bob', shop.clock.now().toISOString(), [['TEA-1', 1, 8]])] });
    await settle();

    // The next day at 11:00: ann gets her code, bob nothing more.
    await runUntil(at(25 * HOUR - 60_000));
    expect(to('ann')).toHaveLength(1);
    await runUntil(at(25 * HOUR + 1_000));
    expect(to('ann')).toHaveLength(2);
    const coupon = to('ann')[1]!;
    const code = /CART-[2-9A-HJ-NP-Z]{8}/.exec(coupon.text)?.[0];
    expect(code).toBeDefined();
    expect(coupon.text).toContain('takes 10% off');
    expect(to('bob')).toHaveLength(1);

    const log = await messageLog(shop.store, { customerId: 'ann' });
    expect(log.map((m) => [m.step, m.status, m.coupon])).toEqual(
      expect.arrayContaining([
        ['reminder', 'sent', null],
        ['coupon', 'sent', code],
      ]),
    );
    const runs = await automationRuns(shop.store, cart.id);
    expect(runs.map((r) => [r.customer_id, r.entry, r.status])).toEqual([
      ['ann', 1, 'completed'],
      ['bob', 1, 'goal'],
    ]);
  });

  it('without consent nothing is sent, and each step is recorded as held back for it', async () => {
    await addToCart('cy');
    await runUntil(at(26 * HOUR));
    expect(to('cy')).toEqual([]);
    const log = await messageLog(shop.store, { customerId: 'cy' });
    expect(log.map((m) => [m.step, m.status, m.reason, m.coupon])).toEqual(
      expect.arrayContaining([
        ['reminder', 'skipped', 'no_consent', null],
        ['coupon', 'skipped', 'no_consent', null],
      ]),
    );
    expect(log).toHaveLength(2);
  });

  it('a reminder due at 3 at night in Los Angeles waits for 9 in the morning there', async () => {
    await addToCart('la');
    await runUntil(at(HOUR + 1_000));
    expect(to('la')).toEqual([]);
    const [deferred] = await messageLog(shop.store, { customerId: 'la' });
    expect(deferred).toMatchObject({ step: 'reminder', status: 'queued', reason: 'quiet_hours' });
    expect(deferred!.due_at).toBe('2026-03-02T17:00:00.000Z');
    await runUntil(at(7 * HOUR + 1_000));
    expect(to('la')).toHaveLength(1);
  });

  it('an order while the reminder waits out the quiet hours ends the run: the reminder never goes', async () => {
    await addToCart('la');
    await runUntil(at(2 * HOUR));
    await shop.store.write({ orders: [order('la', shop.clock.now().toISOString(), [['TEA-1', 1, 8]])] });
    await runUntil(at(26 * HOUR));
    expect(to('la')).toEqual([]);
    const log = await messageLog(shop.store, { customerId: 'la' });
    expect(log.map((m) => [m.step, m.status, m.reason])).toEqual([['reminder', 'skipped', 'goal_met']]);
    const [run] = await automationRuns(shop.store, cart.id, 'la');
    expect(run).toMatchObject({ status: 'goal', finished_at: at(2 * HOUR).toISOString() });
  });

  it('a customer who comes back within the 10-day re-entry window starts nothing; after it, a second run', async () => {
    await addToCart('ann');
    await runUntil(at(HOUR + 1_000));
    await shop.store.write({ orders: [order('ann', shop.clock.now().toISOString(), [['TEA-1', 1, 8]])] });
    expect(to('ann')).toHaveLength(1);

    // Day 8: the first cart is out of the segment's 7-day window, so she left it; a new cart at
    // 10:30 brings her back at 11:30, 7 days after her first entry: inside the re-entry window.
    await runUntil(at(7 * DAY + HOUR / 2));
    await addToCart('ann', 'TEA-3');
    await runUntil(at(7 * DAY + 2 * HOUR));
    const back = await shop.store.query<{ kind: string }>(
      `SELECT kind FROM segment_changes WHERE customer_id = 'ann' ORDER BY seq`,
    );
    expect(back.map((c) => c.kind)).toEqual(['entered', 'exited', 'entered']);
    expect(to('ann')).toHaveLength(1);

    // Day 15: out again, and back 14 days after the first entry: a second run, a second reminder.
    await runUntil(at(14 * DAY + HOUR));
    await addToCart('ann', 'TEA-2');
    await runUntil(at(14 * DAY + 2 * HOUR + 1_000));
    expect(to('ann')).toHaveLength(2);
    expect(to('ann')[1]!.id).not.toBe(to('ann')[0]!.id);
    expect(to('ann')[1]!.text).toContain('Black tea');
    const runs = await automationRuns(shop.store, cart.id, 'ann');
    expect(runs.map((r) => [r.entry, r.status, r.step])).toEqual([
      [1, 'goal', null],
      // the wait is taken already: the coupon is next, due a day after the entry
      [2, 'active', 'coupon'],
    ]);
  });

  it('run() sleeps until the next step is due and takes it when the clock gets there', async () => {
    await addToCart('ann');
    await runUntil(at(HOUR + 1_000));
    expect(to('ann')).toHaveLength(1);
    const stop = new AbortController();
    const loop = automations.run(stop.signal);
    try {
      await vi.waitFor(() => expect(shop.clock.waiting).toBeGreaterThan(0), { timeout: 30_000 });
      shop.clock.set(at(12 * HOUR));
      await vi.waitFor(() => expect(shop.clock.waiting).toBeGreaterThan(0), { timeout: 30_000 });
      expect(to('ann')).toHaveLength(1);
      shop.clock.set(at(25 * HOUR + 1_000));
      await vi.waitFor(() => expect(to('ann')).toHaveLength(2), { timeout: 30_000 });
      expect(to('ann')[1]!.text).toContain('CART-');
    } finally {
      stop.abort();
      await loop;
    }
  });

  it('a crash in the middle of a step sends nothing twice: a new process on the same file carries on', async () => {
    await addToCart('ann');
    // The first provider call dies with the process (before the request leaves).
    sender.before = (_m, n) => {
      if (n === 1) throw new Error('killed');
    };
    await runUntil(at(HOUR - 1_000));
    shop.clock.set(at(HOUR + 1_000));
    for (let i = 0; i < 20; i++) if (!(await live.step())?.more) break;
    await expect(automations.step()).rejects.toThrow('killed');
    expect(sender.calls).toEqual([]);
    sender.before = () => undefined;

    // The new process: the reminder (left 'sending') goes once; the run is at the wait.
    await shop.reopen();
    engines();
    await settle();
    expect(to('ann')).toHaveLength(1);

    // A step taken again (as if its move had been lost) finds its message queued already.
    await shop.store.exec(`UPDATE automation_runs SET step = 0, due_at = $1::TIMESTAMPTZ`, [at(HOUR).toISOString()]);
    await settle();
    await runUntil(at(25 * HOUR + 1_000));
    expect([...sender.callsById().values()]).toEqual([1, 1]);
    expect(to('ann').map((m) => m.text.includes('CART-'))).toEqual([false, true]);
  });

  it('queues but does not send without a send engine; the engine that sends later sends each once', async () => {
    engines({ sending: false });
    await addToCart('ann');
    await runUntil(at(HOUR + 1_000));
    expect(sender.calls).toEqual([]);
    const [queued] = await messageLog(shop.store, { customerId: 'ann' });
    expect(queued).toMatchObject({ step: 'reminder', status: 'queued' });
    await shop.reopen();
    engines();
    await settle();
    await settle();
    expect(to('ann')).toHaveLength(1);
  });
});
