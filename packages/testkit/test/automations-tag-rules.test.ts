import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AutomationEngine, createTagRule, deleteTagRule, listTagRules, tagHistory } from '@strata/automations';
import { LiveEngine } from '@strata/live';
import { DAY, openShop, order, person, START, type Shop } from './campaigns-fixture.js';

/*
 * Rule tags: a tag that follows a saved segment, driven by the live engine's membership changes on
 * a real DuckDB file and a test clock — added on entry, removed on exit, each change in the history.
 */

let shop: Shop;
let live: LiveEngine;
let automations: AutomationEngine;

beforeEach(async () => {
  shop = await openShop();
  live = new LiveEngine(shop.store, { clock: shop.clock, segments: shop.segments });
  automations = new AutomationEngine(shop.store, { clock: shop.clock, timer: shop.clock, segments: shop.segments });
});

afterEach(async () => {
  await shop.close();
});

async function settle(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 20; i++) if (!(await live.step())?.more) break;
    for (let i = 0; i < 20; i++) if (!(await automations.step())?.more) break;
  }
}

const at = (ms: number) => new Date(Date.parse(START) + ms);
const tagged = async (tag: string) =>
  (
    await shop.store.query<{ customer_id: string }>(
      `SELECT customer_id FROM tags WHERE tag = $1 ORDER BY customer_id`,
      [tag],
    )
  ).map((r) => r.customer_id);

describe('tag rules', () => {
  it('a tag follows a segment: members get it at once, entries add it, exits remove it, with the history', async () => {
    await shop.store.write({
      customers: [person('ann'), person('bob'), person('cy')],
      orders: [order('ann', at(-DAY).toISOString(), [['TEA-1', 1, 8]])],
    });
    const active = await shop.segments.save({ name: 'active buyers', text: 'days_since_last_order <= 30' });
    await live.recompute('test');
    const rule = await createTagRule(
      shop.store,
      { tag: 'active', segment: 'active buyers' },
      { clock: shop.clock, segments: shop.segments },
    );
    expect(rule).toMatchObject({ tag: 'active', segment_id: active.id });
    expect(await tagged('active')).toEqual(['ann']);

    // bob buys: he enters, and is tagged
    shop.clock.set(at(60_000));
    await shop.store.write({ orders: [order('bob', at(60_000).toISOString(), [['MUG', 1, 15]])] });
    await settle();
    expect(await tagged('active')).toEqual(['ann', 'bob']);

    // 30 days after her order ann is no longer active: the tag goes; bob keeps his.
    shop.clock.set(at(30 * DAY));
    await settle();
    expect(await tagged('active')).toEqual(['bob']);

    const history = (await tagHistory(shop.store, 'active')).map((h) => [h.customer_id, h.action]);
    expect(history).toEqual([
      ['ann', 'added'],
      ['bob', 'added'],
      ['ann', 'removed'],
    ]);
    expect((await tagHistory(shop.store, 'active', 'bob')).map((h) => h.at)).toEqual([at(60_000).toISOString()]);

    // one rule per tag; deleting stops it (the tags stay)
    await expect(
      createTagRule(
        shop.store,
        { tag: 'active', segment: 'active buyers' },
        { clock: shop.clock, segments: shop.segments },
      ),
    ).rejects.toThrow('the tag "active" follows a segment already');
    await deleteTagRule(shop.store, 'active');
    expect(await listTagRules(shop.store)).toEqual([]);
    shop.clock.set(at(30 * DAY + 60_000));
    await shop.store.write({ orders: [order('cy', at(30 * DAY + 60_000).toISOString(), [['MUG', 1, 15]])] });
    await settle();
    expect(await tagged('active')).toEqual(['bob']);
  });

  it('refuses a rule for a segment that is not saved, naming it', async () => {
    await expect(
      createTagRule(shop.store, { tag: 'x', segment: 'nowhere' }, { clock: shop.clock, segments: shop.segments }),
    ).rejects.toThrow(/nowhere/);
  });
});
