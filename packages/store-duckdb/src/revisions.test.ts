import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Customer, Event, fixedClock, TagAssignment } from '@strata/core';
import { DuckDbStore } from './duckdb-store.js';

const at = '2026-01-01T00:00:00.000Z';
const tag = (customer_id: string, tag: string, assigned_by = 'api') =>
  TagAssignment.parse({ customer_id, tag, assigned_by, assigned_at: at });
const view = (message_id: string, customer_id: string, dwell_seconds: number) =>
  Event.parse({
    message_id,
    customer_id,
    type: 'content_view',
    occurred_at: at,
    properties: { content_id: 'a1', topic: 'skincare', dwell_seconds },
  });

describe('tag removals and event replacements', () => {
  let store: DuckDbStore;
  const tagsOf = async (id: string) =>
    (await store.rows<{ tag: string }>('SELECT tag FROM tags WHERE customer_id = $1 ORDER BY tag', [id])).map(
      (r) => r.tag,
    );
  const pending = async () =>
    store.rows<{ customer_id: string; cause: string }>(
      'SELECT customer_id, cause FROM live_pending ORDER BY customer_id, cause',
    );
  beforeEach(async () => {
    store = await DuckDbStore.open(':memory:', { clock: fixedClock(at) });
    await store.write({ customers: ['ann', 'bob'].map((id) => Customer.parse({ id })) });
    await store.write({ tags: [tag('ann', 'vip'), tag('ann', 'dry skin', 'questionnaire skin'), tag('bob', 'vip')] });
    await store.exec('DELETE FROM live_pending');
  });
  afterEach(() => store.close());

  it('takes a tag off one customer and marks them for the live engine', async () => {
    await store.write({ tag_removals: [{ customer_id: 'ann', tag: 'vip' }] });
    expect(await tagsOf('ann')).toEqual(['dry skin']);
    expect(await tagsOf('bob')).toEqual(['vip']);
    expect(await pending()).toEqual([{ customer_id: 'ann', cause: 'tag' }]);
  });

  it('takes a tag off only when the given assigner put it there', async () => {
    await store.write({
      tag_removals: [
        { customer_id: 'ann', tag: 'vip', assigned_by: 'questionnaire skin' },
        { customer_id: 'ann', tag: 'dry skin', assigned_by: 'questionnaire skin' },
      ],
    });
    expect(await tagsOf('ann')).toEqual(['vip']);
  });

  it('removes before it adds, so a batch that does both keeps the tag', async () => {
    await store.write({ tag_removals: [{ customer_id: 'bob', tag: 'vip' }], tags: [tag('bob', 'vip')] });
    expect(await tagsOf('bob')).toEqual(['vip']);
  });

  it('marks nobody when there was nothing to remove', async () => {
    await store.write({ tag_removals: [{ customer_id: 'bob', tag: 'gold' }] });
    expect(await pending()).toEqual([]);
  });

  it('replaces an event by message id, and inserts one it does not have', async () => {
    await store.write({ events: [view('v1', 'ann', 0)] });
    await store.exec('DELETE FROM live_pending');
    const counts = await store.write({
      event_updates: [view('v1', 'ann', 20), view('v1', 'ann', 45), view('v2', 'bob', 5)],
    });
    expect(counts.events).toEqual({ inserted: 1, updated: 1, unchanged: 1 });
    const rows = await store.rows<{ message_id: string; dwell: number }>(
      `SELECT message_id, (properties->>'dwell_seconds')::INTEGER AS dwell FROM events ORDER BY message_id`,
    );
    expect(rows).toEqual([
      { message_id: 'v1', dwell: 45 },
      { message_id: 'v2', dwell: 5 },
    ]);
    expect((await pending()).map((p) => p.customer_id)).toEqual(['ann', 'bob']);
    // the same account again changes nothing
    expect((await store.write({ event_updates: [view('v1', 'ann', 45)] })).events).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 1,
    });
  });
});
