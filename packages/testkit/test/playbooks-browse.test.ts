import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { automationRuns, type Automation } from '@strata/automations';
import { messageLog } from '@strata/campaigns';
import { DAY, HOUR, order, person } from './campaigns-fixture.js';
import { at, openPlaybookShop, type PlaybookShop } from './playbooks-fixture.js';

/*
 * Browse abandonment on a hand-made shop: a product view with neither a cart nor an order within
 * 4 hours brings the customer in, and the note lists what they looked at; a cart in time, or an
 * order, keeps them out; a second visit within the re-entry window starts nothing.
 */

let s: PlaybookShop;
let browse: Automation;

beforeEach(async () => {
  s = await openPlaybookShop(async (s) => {
    await s.shop.store.write({ customers: [person('ann', { name: 'Ann Archer' }), person('bob'), person('cy')] });
    browse = await s.install('browse-abandonment', { id: 'browse', params: { hours: 4, reentryDays: 10 } });
  });
});

afterEach(async () => {
  await s.close();
});

describe('the browse-abandonment playbook', () => {
  it('4 hours after views without a cart or order, lists the products viewed; a cart in time keeps bob out', async () => {
    // 10:00: ann looks at white tea and a mug; bob at black tea, and carts it an hour later.
    await s.event('ann', 'product_view', { sku: 'TEA-3' });
    await s.event('bob', 'product_view', { sku: 'TEA-2' });
    await s.runUntil(at(5 * 60_000));
    await s.event('ann', 'product_view', { sku: 'MUG' });
    await s.runUntil(at(HOUR));
    await s.event('bob', 'add_to_cart', { sku: 'TEA-2' });

    await s.runUntil(at(4 * HOUR - 60_000));
    expect(s.outbox('ann')).toEqual([]);
    await s.runUntil(at(4 * HOUR + 10 * 60_000));
    const [note] = s.outbox('ann');
    expect(note).toMatchObject({ channel: 'email', to: 'ann@example.com', subject: 'Still thinking it over?' });
    expect(note!.text).toContain('Hello Ann,');
    expect(note!.text).toContain('You were looking at these at Tea House:\n- Mug (15)\n- White tea (12)\n');
    expect(note!.text).toMatch(/Unsubscribe: https:\/\/tea\.example\/unsubscribe\?token=/);

    // Two days later: ann has never ordered, so no best sellers; her run ends at the exit step.
    await s.runUntil(at(3 * DAY));
    expect(s.outbox('ann')).toHaveLength(1);
    expect(s.outbox('bob')).toEqual([]);
    const runs = await automationRuns(s.shop.store, browse.id);
    expect(runs.map((r) => [r.customer_id, r.status])).toEqual([['ann', 'exited']]);
  });

  it('an order within the hours keeps cy out; a view after an earlier order gets best sellers two days later', async () => {
    await s.shop.store.write({
      customers: [person('dee')],
      orders: [
        order('dee', at(-30 * DAY).toISOString(), [['TEA-1', 1, 8]]),
        order('bob', at(-20 * DAY).toISOString(), [['TEA-2', 3, 7]]),
      ],
    });
    await s.event('cy', 'product_view', { sku: 'TEA-1' });
    await s.event('dee', 'product_view', { sku: 'TEA-3' });
    await s.runUntil(at(2 * HOUR));
    await s.shop.store.write({ orders: [order('cy', at(2 * HOUR).toISOString(), [['TEA-1', 1, 8]])] });
    await s.runUntil(at(2 * DAY + 5 * HOUR));
    expect(s.outbox('cy')).toEqual([]);
    const dee = s.outbox('dee');
    expect(dee.map((m) => m.subject)).toEqual(['Still thinking it over?', 'Popular at Tea House right now']);
    // dee's favourite category is tea: the tea that sold (to bob) and she has not bought.
    expect(dee[1]!.text).toContain('Other customers love these:\n- Black tea (7)\n\n');
  });

  it('a customer back within the 10-day re-entry window starts nothing; after it, a second run', async () => {
    await s.event('ann', 'product_view', { sku: 'TEA-3' });
    await s.settle();
    await s.runUntil(at(4 * HOUR + 60_000));
    expect(s.outbox('ann')).toHaveLength(1);

    // Day 8: her view is out of the 7-day window (she left); a new view brings her back 4 hours
    // later, 7 days after her first entry: inside the re-entry window, refused.
    await s.runUntil(at(8 * DAY));
    await s.event('ann', 'product_view', { sku: 'TEA-2' });
    await s.runUntil(at(8 * DAY + 5 * HOUR));
    const changes = await s.shop.store.query<{ kind: string }>(
      `SELECT kind FROM segment_changes WHERE customer_id = 'ann' ORDER BY seq`,
    );
    expect(changes.map((c) => c.kind)).toEqual(['entered', 'exited', 'entered']);
    expect(s.outbox('ann')).toHaveLength(1);

    // Day 16: out again, back 16 days after the first entry: a second run, naming the new product.
    await s.runUntil(at(16 * DAY));
    await s.event('ann', 'product_view', { sku: 'MUG' });
    await s.runUntil(at(16 * DAY + 5 * HOUR));
    expect(s.outbox('ann')).toHaveLength(2);
    expect(s.outbox('ann')[1]!.text).toContain('- Mug (15)');
    const runs = await automationRuns(s.shop.store, browse.id, 'ann');
    expect(runs.map((r) => [r.entry, r.status])).toEqual([
      [1, 'exited'],
      [2, 'active'],
    ]);
    const log = await messageLog(s.shop.store, { customerId: 'ann' });
    expect(log.filter((m) => m.status === 'sent')).toHaveLength(2);
  });
});
