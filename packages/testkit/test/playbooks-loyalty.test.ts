import { afterEach, describe, expect, it } from 'vitest';
import { automationRuns } from '@strata/automations';
import { DAY, HOUR, order, person } from './campaigns-fixture.js';
import { at, openPlaybookShop, type PlaybookShop } from './playbooks-fixture.js';

/*
 * Playbooks about the relationship: VIP early access for who reaches the top spenders, the
 * birthday offer (from the customer's birth date) and the feedback request for dormant buyers.
 */

let s: PlaybookShop;

afterEach(async () => {
  await s.close();
});

const tagsOf = async (customer: string) =>
  (
    await s.shop.store.query<{ tag: string; source: string }>(
      `SELECT tag, source FROM tags WHERE customer_id = $1 ORDER BY tag`,
      [customer],
    )
  ).map((t) => `${t.tag}:${t.source}`);

describe('the vip-early-access playbook', () => {
  it('a customer whose order puts them in the top 10% by spend is tagged vip and invited to early access', async () => {
    s = await openPlaybookShop(async (s) => {
      // Ten buyers who spent 10, 20, … 100: the top 10% is c10 alone.
      const ids = Array.from({ length: 10 }, (_, i) => `c${i + 1}`);
      await s.shop.store.write({
        customers: [...ids.map((id) => person(id)), person('ann', { name: 'Ann Archer' })],
        orders: ids.map((id, i) => order(id, at(-40 * DAY).toISOString(), [['MUG', 1, 10 * (i + 1)]])),
      });
      await s.install('vip-early-access', { id: 'vip', params: { topPercent: 10, earlyHours: 24 } });
    });
    await s.runUntil(at(HOUR));
    // c10 was in the top before the playbook: nothing for them.
    expect(s.outbox('c10')).toEqual([]);

    await s.shop.store.write({ orders: [order('ann', at(HOUR).toISOString(), [['MUG', 10, 15]])] });
    await s.runUntil(at(HOUR + 60_000));
    const [invite] = s.outbox('ann');
    expect(invite).toMatchObject({ subject: 'You are one of our best customers' });
    expect(invite!.text).toContain(
      "You are among the top 10% of Tea House's customers. From now on you can shop new arrivals 24 hours before everyone else.",
    );
    expect(invite!.text).toContain('(VIP member)');
    expect(await tagsOf('ann')).toEqual(['vip:rule']);
    expect(await tagsOf('c10')).toEqual([]);
    expect((await automationRuns(s.shop.store, 'vip')).map((r) => [r.customer_id, r.status])).toEqual([
      ['ann', 'completed'],
    ]);
  });
});

describe('the birthday playbook', () => {
  it('a gift code a week before the birthday and a greeting on the day, both at 9 in the morning', async () => {
    s = await openPlaybookShop(async (s) => {
      await s.shop.store.write({
        customers: [
          person('bea', { name: 'Bea Brandt', birthday: '1990-03-10' }),
          person('cal', { birthday: '1980-06-01' }),
        ],
      });
      await s.install('birthday', { id: 'bday', params: { daysBefore: 7, discountPercent: 20 } });
    });
    // 3 March, midnight: the 10th is within the next 7 days. Quiet hours hold the gift until 9:00.
    await s.runUntil(at(2 * DAY));
    const [gift] = s.outbox('bea');
    expect(gift).toMatchObject({ subject: 'A birthday gift from Tea House', written_at: '2026-03-03T09:00:00.000Z' });
    expect(gift!.text).toMatch(
      /Hello Bea,\n\nYour birthday is coming up\. As a gift, the code BDAY-[2-9A-HJ-NP-Z]{8} takes 20% off/,
    );

    await s.runUntil(at(9 * DAY));
    expect(s.outbox('bea').map((m) => [m.subject, m.written_at])).toEqual([
      ['A birthday gift from Tea House', '2026-03-03T09:00:00.000Z'],
      ['Happy birthday!', '2026-03-10T09:00:00.000Z'],
    ]);
    expect(s.outbox('cal')).toEqual([]);
  });
});

describe('the feedback-request playbook', () => {
  it('asks a buyer what to do better once 180 days pass without an order, and tags them', async () => {
    s = await openPlaybookShop(async (s) => {
      await s.shop.store.write({
        customers: [person('dora', { name: 'Dora Dix' }), person('ed')],
        orders: [
          order('dora', at(-179 * DAY).toISOString(), [['TEA-2', 1, 7]]),
          order('ed', at(-100 * DAY).toISOString(), [['TEA-2', 1, 7]]),
        ],
      });
      await s.install('feedback-request', { id: 'feedback', params: { surveyUrl: 'https://tea.example/survey' } });
    });
    await s.runUntil(at(DAY - HOUR));
    expect(s.outbox('dora')).toEqual([]);
    await s.runUntil(at(DAY + HOUR));
    const [ask] = s.outbox('dora');
    expect(ask).toMatchObject({ subject: 'What could Tea House do better?' });
    expect(ask!.text).toContain('Two minutes of your time help us a lot: https://tea.example/survey');
    expect(await tagsOf('dora')).toEqual(['asked-for-feedback:rule']);
    expect(s.outbox('ed')).toEqual([]);
  });
});

describe('the win-back playbook', () => {
  it('30 days after the last order a note with what is new, a week later the win-back tag and a code; an order ends it', async () => {
    s = await openPlaybookShop(async (s) => {
      await s.shop.store.write({
        customers: [person('wes', { name: 'Wes West' }), person('val')],
        orders: [
          order('wes', at(-29 * DAY).toISOString(), [['TEA-1', 1, 8]]),
          order('val', at(-29 * DAY + HOUR).toISOString(), [['TEA-2', 2, 7]]),
        ],
      });
      await s.install('win-back', { id: 'back', params: { discountPercent: 20 } });
    });
    await s.runUntil(at(DAY + 2 * HOUR));
    const [note] = s.outbox('wes');
    // "before 30 days ago" holds from just after the 30 days (1 ms)
    expect(note).toMatchObject({ subject: 'We miss you at Tea House', written_at: at(DAY + 1).toISOString() });
    // wes bought green tea; black tea sold (to val) and he has not had it.
    expect(note!.text).toContain(
      'Hello Wes,\n\nIt has been a while. Here is what is new at Tea House:\n- Black tea (7)\n',
    );
    expect(s.outbox('val')).toHaveLength(1);

    // (Both are in: the clock stops only where a step or message is due.)
    await s.runUntil(at(3 * DAY), { liveDues: false });
    await s.shop.store.write({ orders: [order('val', at(3 * DAY).toISOString(), [['TEA-2', 1, 7]])] });
    await s.runUntil(at(9 * DAY), { liveDues: false });
    const wes = s.outbox('wes');
    expect(wes.map((m) => m.subject)).toEqual(['We miss you at Tea House', '20% off your next order']);
    expect(wes[1]!.text).toMatch(/the code BACK-[2-9A-HJ-NP-Z]{8} takes 20% off your next order/);
    expect(await tagsOf('wes')).toEqual(['win-back:rule']);
    expect(s.outbox('val')).toHaveLength(1);
    expect(await tagsOf('val')).toEqual([]);
    expect((await automationRuns(s.shop.store, 'back')).map((r) => [r.customer_id, r.status])).toEqual([
      ['val', 'goal'],
      ['wes', 'completed'],
    ]);
  });
});
