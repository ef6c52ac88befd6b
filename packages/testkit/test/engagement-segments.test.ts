import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Customer, ManualClock, Questionnaire } from '@strata/core';
import {
  addTags,
  followContentLink,
  linkSecret,
  questionnaireToken,
  readQuestionnaireToken,
  recordAnswers,
  removeTags,
  trackedLink,
} from '@strata/engagement';
import { LiveEngine } from '@strata/live';
import { SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

/*
 * What engagement records is what segments read: content views by topic, tags a questionnaire's
 * options give (and take back), tags added and removed by hand — in a query and in a saved
 * segment's live membership, with time moved by a test clock.
 */

const START = '2026-04-01T09:00:00.000Z';
const HOUR = 3_600_000;

let dir: string;
let store: DuckDbStore;
let clock: ManualClock;
let segments: SegmentService;
let live: LiveEngine;
let secret: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-engage-'));
  clock = new ManualClock(START);
  store = await DuckDbStore.open(join(dir, 'store.duckdb'), { clock });
  segments = new SegmentService(store, { clock });
  live = new LiveEngine(store, { clock, segments });
  await store.write({ customers: ['ann', 'bob', 'cat'].map((id) => Customer.parse({ id })) });
  secret = await linkSecret(store);
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const deps = () => ({ db: store, store, writer: store, clock, secret });

/** Follows a tracked link an hour after the last thing that happened. */
async function read(customer: string, article: string, topic: string): Promise<void> {
  clock.advance(HOUR);
  const token = trackedLink(secret, {
    baseUrl: 'https://s',
    customerId: customer,
    url: `https://shop.example.com/blog/${article}`,
    topic,
  }).split('/r/')[1]!;
  expect(await followContentLink(deps(), token)).toBe(`https://shop.example.com/blog/${article}`);
}

/** A query's members now. */
async function query(text: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of segments.allMembers({ text }, { asOf: clock.now() })) ids.push(id);
  return ids.sort();
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) if (!(await live.step())?.more) return;
}

async function members(segmentId: string): Promise<string[]> {
  const rows = await store.query<{ customer_id: string }>(
    'SELECT customer_id FROM segment_members WHERE segment_id = $1 ORDER BY customer_id',
    [segmentId],
  );
  return rows.map((r) => r.customer_id);
}

const skin = Questionnaire.parse({
  id: 'skin',
  title: 'Your skin',
  questions: [
    {
      id: 'type',
      text: 'Skin type?',
      options: [
        { id: 'dry', label: 'Dry', tags: ['dry skin'] },
        { id: 'oily', label: 'Oily', tags: ['oily skin'] },
      ],
    },
  ],
});

async function answer(customer: string, option: string): Promise<void> {
  clock.advance(HOUR);
  const link = readQuestionnaireToken(
    secret,
    questionnaireToken(secret, { questionnaireId: 'skin', customerId: customer }),
  )!;
  await recordAnswers(deps(), skin, link, { type: option });
}

describe('segments over engagement', () => {
  it('"read three skincare articles": did content_view where topic = "skincare" at least 3 times', async () => {
    await live.recompute('test');
    await read('ann', 'spf', 'skincare');
    await read('ann', 'serum', 'skincare');
    await read('ann', 'shampoo', 'hair');
    await read('bob', 'spf', 'skincare');
    await read('bob', 'spf', 'skincare');
    const q = 'did content_view where topic = "skincare" at least 3 times';
    expect(await query(q)).toEqual([]);
    await read('ann', 'retinol', 'skincare');
    expect(await query(q)).toEqual(['ann']);
    await read('bob', 'toner', 'skincare');
    expect(await query(q)).toEqual(['ann', 'bob']);
    expect(await query('did content_view where topic = "hair"')).toEqual(['ann']);
  });

  it('a questionnaire option’s tag is a segment condition, and follows a changed answer live', async () => {
    await live.recompute('test');
    const dry = await segments.save({ name: 'Dry skin', text: 'has tag "dry skin"' });
    await live.recompute('test');
    await answer('cat', 'dry');
    expect(await query('has tag "dry skin"')).toEqual(['cat']);
    expect(await query('did questionnaire_answer where (question = "type" and option = "dry")')).toEqual(['cat']);
    await settle();
    expect(await members(dry.id)).toEqual(['cat']);

    await answer('cat', 'oily');
    expect(await query('has tag "dry skin"')).toEqual([]);
    expect(await query('has tag "oily skin"')).toEqual(['cat']);
    expect(await query('did questionnaire_answer where option = "dry"')).toEqual([]);
    await settle();
    expect(await members(dry.id)).toEqual([]);
  });

  it('tags added and removed by hand move customers in and out of a live segment', async () => {
    await live.recompute('test');
    const vip = await segments.save({ name: 'VIP', text: 'has tag "vip"' });
    await live.recompute('test');
    await addTags(deps(), 'bob', ['vip'], 'test');
    await settle();
    expect(await members(vip.id)).toEqual(['bob']);
    await removeTags(deps(), 'bob', ['vip']);
    await settle();
    expect(await members(vip.id)).toEqual([]);
    const kinds = await store.query<{ kind: string; customer_id: string }>(
      'SELECT kind, customer_id FROM segment_changes WHERE segment_id = $1 ORDER BY seq',
      [vip.id],
    );
    expect(kinds).toEqual([
      { kind: 'entered', customer_id: 'bob' },
      { kind: 'exited', customer_id: 'bob' },
    ]);
  });
});
