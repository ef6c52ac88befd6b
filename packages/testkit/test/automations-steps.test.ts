import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AutomationEngine, automationRuns, createAutomation, installPlaybook } from '@strata/automations';
import { CampaignEngine, holdoutBucket, messageLog } from '@strata/campaigns';
import type { OutgoingMessage } from '@strata/core';
import { LiveEngine } from '@strata/live';
import { DAY, HOUR, openShop, order, person, RecordingSender, START, type Shop } from './campaigns-fixture.js';

/*
 * The win-back playbook and the other step kinds (branch on a segment condition, tags added and
 * removed, an exit step), driven by the live engine on a real DuckDB file and a test clock.
 */

let shop: Shop;
let live: LiveEngine;
let sends: CampaignEngine;
let automations: AutomationEngine;
let sender: RecordingSender;

beforeEach(async () => {
  shop = await openShop();
  sender = new RecordingSender();
  live = new LiveEngine(shop.store, { clock: shop.clock, segments: shop.segments });
  sends = new CampaignEngine(shop.store, { clock: shop.clock, segments: shop.segments, sender });
  automations = new AutomationEngine(shop.store, { clock: shop.clock, segments: shop.segments, sends });
});

afterEach(async () => {
  await shop.close();
});

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) if (!(await live.step())?.more) break;
  for (let i = 0; i < 20; i++) if (!(await automations.step())?.more) break;
}

async function runUntil(at: Date): Promise<void> {
  const until = at.getTime();
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
  shop.clock.set(at);
  await settle();
}

const at = (ms: number) => new Date(Date.parse(START) + ms);
const to = (customer: string): OutgoingMessage[] => sender.calls.filter((m) => m.customerId === customer);
const tags = async (customer: string) =>
  (await shop.store.query<{ tag: string }>(`SELECT tag FROM tags WHERE customer_id = $1 ORDER BY tag`, [customer])).map(
    (r) => r.tag,
  );

describe('automations', () => {
  it('win-back: a customer who turns churned gets a note, then a week later a tag and a 15% code', async () => {
    await shop.store.write({
      customers: [person('ann'), person('old')],
      orders: [
        order('ann', at(-29 * DAY).toISOString(), [['TEA-1', 1, 8]]),
        // churned already when the playbook is installed: not messaged for that
        order('old', at(-90 * DAY).toISOString(), [['TEA-1', 1, 8]]),
      ],
    });
    const winBack = await installPlaybook(shop.store, 'win-back', {
      segments: shop.segments,
      clock: shop.clock,
      shopName: 'Tea House',
    });
    await live.recompute('test');
    await runUntil(at(DAY - HOUR));
    expect(sender.calls).toEqual([]);

    // 30 days after her order she is churned: the first note goes.
    await runUntil(at(DAY + HOUR));
    expect(to('ann')).toHaveLength(1);
    expect(to('ann')[0]!.text).toContain('It has been a while');
    expect(await tags('ann')).toEqual([]);

    await runUntil(at(8 * DAY + HOUR));
    expect(to('ann')).toHaveLength(2);
    expect(to('ann')[1]!.text).toMatch(/the code BACK-[2-9A-HJ-NP-Z]{8} takes 15% off/);
    expect(await tags('ann')).toEqual(['win-back']);
    expect(to('old')).toEqual([]);
    expect((await automationRuns(shop.store, winBack.id)).map((r) => [r.customer_id, r.status])).toEqual([
      ['ann', 'completed'],
    ]);
  });

  it('branches on a segment condition, adds and removes tags, and ends at an exit step', async () => {
    await shop.store.write({ customers: [person('big'), person('small')] });
    await shop.segments.save({ name: 'tea buyers', text: 'bought category "Tea"' });
    const automation = await createAutomation(
      shop.store,
      {
        name: 'Thank tea buyers',
        trigger: { kind: 'segment_entered', segment: 'tea buyers' },
        steps: [
          { kind: 'tag', name: 'mark', add: ['tea-lover', 'new-tea-buyer'] },
          { kind: 'wait', name: 'an-hour', hours: 1 },
          { kind: 'branch', name: 'big-spender', condition: 'total_spent >= 50', whenFalse: 'done' },
          {
            kind: 'send',
            name: 'thanks',
            message: { channel: 'email', subject: 'Thank you', text: 'Thank you for {{ profile.total_spent }}' },
          },
          { kind: 'tag', name: 'unmark', remove: ['new-tea-buyer'] },
          { kind: 'exit', name: 'done' },
          { kind: 'send', name: 'never', message: { channel: 'email', subject: 'x', text: 'never sent' } },
        ],
      },
      { clock: shop.clock, segments: shop.segments, id: 'thanks' },
    );
    await live.recompute('test');
    await shop.store.write({
      orders: [
        order('big', at(0).toISOString(), [['TEA-3', 5, 12]]),
        order('small', at(0).toISOString(), [['TEA-1', 1, 8]]),
      ],
    });
    await runUntil(at(1_000));
    expect(await tags('big')).toEqual(['new-tea-buyer', 'tea-lover']);
    expect(sender.calls).toEqual([]);

    await runUntil(at(HOUR + 1_000));
    expect(to('big').map((m) => m.text)).toEqual(['Thank you for 60']);
    expect(to('small')).toEqual([]);
    expect(await tags('big')).toEqual(['tea-lover']);
    expect(await tags('small')).toEqual(['new-tea-buyer', 'tea-lover']);
    expect((await automationRuns(shop.store, automation.id)).map((r) => [r.customer_id, r.status])).toEqual([
      ['big', 'exited'],
      ['small', 'exited'],
    ]);
    expect((await messageLog(shop.store, { campaignId: 'thanks.never' })).length).toBe(0);
  });

  it('holds out a stable share of customers: their runs are recorded and take no step', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
    await shop.store.write({ customers: ids.map((id) => person(id)) });
    await shop.segments.save({ name: 'tea buyers', text: 'bought category "Tea"' });
    await createAutomation(
      shop.store,
      {
        name: 'Thanks',
        trigger: { kind: 'segment_entered', segment: 'tea buyers' },
        steps: [{ kind: 'send', name: 'thanks', message: { channel: 'email', subject: 'Thanks', text: 'Thanks' } }],
        holdoutShare: 0.5,
      },
      { clock: shop.clock, segments: shop.segments, id: 'held' },
    );
    await live.recompute('test');
    await shop.store.write({ orders: ids.map((id) => order(id, at(0).toISOString(), [['TEA-1', 1, 8]])) });
    await runUntil(at(1_000));
    const heldOut = ids.filter((id) => holdoutBucket('held', id) < 0.5);
    expect(heldOut.length).toBeGreaterThan(0);
    expect(heldOut.length).toBeLessThan(ids.length);
    expect(sender.calls.map((m) => m.customerId).sort()).toEqual(ids.filter((id) => !heldOut.includes(id)).sort());
    const runs = await automationRuns(shop.store, 'held');
    expect(runs.filter((r) => r.status === 'held_out').map((r) => r.customer_id)).toEqual(heldOut.sort());
  });

  it('a run whose step fails is reported and tried again; the other automations go on', async () => {
    await shop.store.write({ customers: [person('ann')] });
    await shop.segments.save({ name: 'tea buyers', text: 'bought category "Tea"' });
    const vip = await shop.segments.save({ name: 'vip', text: 'total_spent >= 100' });
    const send = (name: string) => ({ kind: 'send', name, message: { channel: 'email', subject: name, text: name } });
    const trigger = { kind: 'segment_entered', segment: 'tea buyers' };
    const opts = { clock: shop.clock, segments: shop.segments };
    await createAutomation(
      shop.store,
      {
        name: 'Broken',
        trigger,
        steps: [{ kind: 'branch', name: 'is-vip', condition: 'in segment "vip"' }, send('b')],
      },
      { ...opts, id: 'broken' },
    );
    await createAutomation(shop.store, { name: 'Fine', trigger, steps: [send('fine')] }, { ...opts, id: 'fine' });
    // the branch's saved segment is deleted after the automation was saved
    await shop.segments.delete(vip.id);
    await live.recompute('test');
    await shop.store.write({ orders: [order('ann', at(0).toISOString(), [['TEA-1', 1, 8]])] });
    for (let i = 0; i < 5; i++) if (!(await live.step())?.more) break;
    const report = await automations.step();
    expect(report?.errors).toEqual([
      expect.objectContaining({ automationId: 'broken', customerId: 'ann', step: 'is-vip' }),
    ]);
    expect(to('ann').map((m) => m.text)).toEqual(['fine']);
    const again = await automations.step();
    expect(again?.errors.map((e) => e.automationId)).toEqual(['broken']);
    expect((await automationRuns(shop.store, 'broken'))[0]).toMatchObject({ status: 'active', step: 'is-vip' });
  });

  it('refuses a definition whose branch jumps backwards or to a missing step, naming the field', async () => {
    await shop.segments.save({ name: 'tea buyers', text: 'bought category "Tea"' });
    const input = (whenTrue: string) => ({
      name: 'Bad',
      trigger: { kind: 'segment_entered', segment: 'tea buyers' },
      steps: [
        { kind: 'wait', name: 'first', hours: 1 },
        { kind: 'branch', name: 'loop', condition: 'order_count > 1', whenTrue },
      ],
    });
    const opts = { clock: shop.clock, segments: shop.segments };
    await expect(createAutomation(shop.store, input('first'), opts)).rejects.toThrow(
      'steps.1.whenTrue: "first" is not after this step',
    );
    await expect(createAutomation(shop.store, input('nowhere'), opts)).rejects.toThrow(
      'steps.1.whenTrue: no step named "nowhere"',
    );
  });
});
