/**
 * The membership store on a real DuckDB file: entries and exits diffed against the current
 * members, recorded once however often an update is repeated, in the caller's transaction;
 * history in seq order; a customer's segments now and at a past time (merged ids resolving);
 * daily sizes; and, over random update sequences, members, sizes and history that agree.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, Customer, type SqlParam } from '@strata/core';
import {
  changesAfter,
  customerSegments,
  dailySizes,
  dropSegmentMembership,
  latestChangeSeq,
  memberCount,
  recordMembership,
  recordMemberships,
  segmentHistory,
  type MembershipUpdate,
} from '@strata/membership';
import { DuckDbStore } from '@strata/store-duckdb';

const root = mkdtempSync(join(tmpdir(), 'strata-membership-'));
const file = join(root, 'store.duckdb');
let store: DuckDbStore;

/** A SELECT of the ids given, as the engine hands them in (parameters, never spliced). */
function ids(list: readonly string[]): { sql: string; params: SqlParam[] } {
  if (!list.length) return { sql: 'SELECT CAST(NULL AS VARCHAR) WHERE false', params: [] };
  return { sql: list.map((_, i) => `SELECT CAST($${i + 1} AS VARCHAR)`).join(' UNION ALL '), params: [...list] };
}

/** Records that exactly `members` of `scope` (all customers when omitted) are members at `at`. */
function record(
  segmentId: string,
  members: readonly string[],
  at: string,
  extra: Partial<MembershipUpdate> & { scopeIds?: readonly string[] } = {},
) {
  const { scopeIds, ...rest } = extra;
  // one parameter list for both: the members' ids first, then the scope's
  const m = ids(members);
  const s = scopeIds ? ids(scopeIds) : undefined;
  const scope = s ? s.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + m.params.length}`) : 'all';
  return store.transaction((tx) =>
    recordMembership(tx, {
      segmentId,
      scope,
      members: m.sql,
      params: [...m.params, ...(s?.params ?? [])],
      at,
      cause: 'event',
      ...rest,
    }),
  );
}

const members = async (segmentId: string) =>
  (
    await store.query<{ customer_id: string }>(
      'SELECT customer_id FROM segment_members WHERE segment_id = $1 ORDER BY 1',
      [segmentId],
    )
  ).map((r) => r.customer_id);

beforeAll(async () => {
  store = await DuckDbStore.open(file);
  await store.write({
    customers: ['ann', 'bob', 'cat', 'dan', 'eve'].map((id) => Customer.parse({ id, email: `${id}@example.com` })),
  });
  await store.exec(
    `INSERT INTO segments (id, name, description, text, ir, created_at, updated_at)
     VALUES ('vip', 'VIPs', '', 'total_spent > 100', '{}', now(), now())`,
  );
});
afterAll(async () => {
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('recordMembership', () => {
  it('records entries and exits against the current members, and nothing when repeated', async () => {
    expect(await record('vip', ['ann', 'bob', 'cat'], '2026-03-01T10:00:00Z', { ref: 'o-1' })).toEqual({
      entered: 3,
      exited: 0,
    });
    expect(await record('vip', ['bob', 'cat', 'dan'], '2026-03-02T09:00:00Z', { cause: 'time' })).toEqual({
      entered: 1,
      exited: 1,
    });
    const before = await latestChangeSeq(store);
    expect(await record('vip', ['bob', 'cat', 'dan'], '2026-03-02T09:00:00Z', { cause: 'time' })).toEqual({
      entered: 0,
      exited: 0,
    });
    expect(await latestChangeSeq(store)).toBe(before);
    expect(await members('vip')).toEqual(['bob', 'cat', 'dan']);
    expect(await memberCount(store, 'vip')).toBe(3);
  });

  it('lets only the customers re-evaluated exit: a member outside the scope stays', async () => {
    // bob and eve were re-evaluated; bob is no longer a member, eve now is; cat and dan were not looked at
    expect(
      await record('vip', ['eve'], '2026-03-03T12:00:00Z', { scopeIds: ['bob', 'eve'], cause: 'event', ref: 'o-9' }),
    ).toEqual({ entered: 1, exited: 1 });
    expect(await members('vip')).toEqual(['cat', 'dan', 'eve']);
  });

  it('writes nothing when the caller’s transaction fails', async () => {
    const before = await latestChangeSeq(store);
    await expect(
      store.transaction(async (tx) => {
        await recordMembership(tx, {
          segmentId: 'vip',
          scope: 'all',
          members: `SELECT 'ann'`,
          at: '2026-03-04T00:00:00Z',
          cause: 'event',
        });
        throw new Error('the engine failed after recording');
      }),
    ).rejects.toThrow('the engine failed after recording');
    expect(await members('vip')).toEqual(['cat', 'dan', 'eve']);
    expect((await changesAfter(store, before, 10)).length).toBe(0);
    expect(await memberCount(store, 'vip')).toBe(3);
  });

  it('refuses a time it cannot read and a cause it does not know, naming them', async () => {
    await expect(record('vip', [], 'yesterday')).rejects.toThrow('the membership time is not a time: yesterday');
    await expect(record('vip', [], '2026-03-04T00:00:00Z', { cause: 'magic' as 'event' })).rejects.toThrow(
      'unknown membership cause "magic"; one of event, time, segment, recompute',
    );
  });
});

describe('reading the history', () => {
  it('lists a segment’s changes in seq order with their causes, names and stable ids, paged by seq and time', async () => {
    const all = await segmentHistory(store, 'vip', { limit: 100 });
    expect(all.map((c) => [c.type, c.customer_id, c.cause, c.ref])).toEqual([
      ['segment.entered', 'ann', 'event', 'o-1'],
      ['segment.entered', 'bob', 'event', 'o-1'],
      ['segment.entered', 'cat', 'event', 'o-1'],
      ['segment.exited', 'ann', 'time', null],
      ['segment.entered', 'dan', 'time', null],
      ['segment.exited', 'bob', 'event', 'o-9'],
      ['segment.entered', 'eve', 'event', 'o-9'],
    ]);
    expect(all.every((c) => c.segment_name === 'VIPs')).toBe(true);
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    const seqs = all.map((c) => c.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    // the same change read again carries the same id
    expect((await segmentHistory(store, 'vip', { limit: 100 })).map((c) => c.id)).toEqual(all.map((c) => c.id));

    const page = await segmentHistory(store, 'vip', { after: all[2]!.seq, limit: 2 });
    expect(page.map((c) => c.customer_id)).toEqual(['ann', 'dan']);
    const day2 = await segmentHistory(store, 'vip', {
      since: new Date('2026-03-02T00:00:00Z'),
      until: new Date('2026-03-03T00:00:00Z'),
      limit: 100,
    });
    expect(day2.map((c) => `${c.type} ${c.customer_id} ${c.at}`)).toEqual([
      'segment.exited ann 2026-03-02T09:00:00.000Z',
      'segment.entered dan 2026-03-02T09:00:00.000Z',
    ]);
    expect((await changesAfter(store, all[4]!.seq, 100, ['vip'])).map((c) => c.customer_id)).toEqual(['bob', 'eve']);
    expect(await changesAfter(store, 0, 100, ['another-segment'])).toEqual([]);
  });

  it('answers a customer’s segments now and at a past time', async () => {
    expect(await customerSegments(store, 'eve')).toEqual({
      customer_id: 'eve',
      segments: [{ segment_id: 'vip', segment_name: 'VIPs', entered_at: '2026-03-03T12:00:00.000Z' }],
    });
    expect((await customerSegments(store, 'ann')).segments).toEqual([]);
    expect((await customerSegments(store, 'ann', new Date('2026-03-01T10:00:00Z'))).segments).toEqual([
      { segment_id: 'vip', segment_name: 'VIPs', entered_at: '2026-03-01T10:00:00.000Z' },
    ]);
    // just before the first change, and just after her exit
    expect((await customerSegments(store, 'ann', new Date('2026-03-01T09:59:59Z'))).segments).toEqual([]);
    expect((await customerSegments(store, 'ann', new Date('2026-03-02T09:00:00Z'))).segments).toEqual([]);
    expect(
      (await customerSegments(store, 'bob', new Date('2026-03-03T11:00:00Z'))).segments.map((s) => s.segment_id),
    ).toEqual(['vip']);
    await expect(customerSegments(store, 'nobody')).rejects.toThrow('no customer "nobody"');
  });

  it('resolves a merged customer’s id to the customer it was merged into', async () => {
    // a second account with cat's email is the same person: it is merged into cat
    await store.write({ customers: [Customer.parse({ id: 'cat-2', email: 'cat@example.com' })] });
    expect(await store.resolveCustomer({ id: 'cat-2' })).toBe('cat');
    const merged = await customerSegments(store, 'cat-2');
    expect(merged.customer_id).toBe('cat');
    expect(merged.segments.map((s) => s.segment_id)).toEqual(['vip']);
  });

  it('gives the size at the end of every day, carrying a day without changes forward', async () => {
    expect(await dailySizes(store, 'vip', { from: '2026-02-27', to: '2026-03-05' })).toEqual([
      { day: '2026-03-01', size: 3 },
      { day: '2026-03-02', size: 3 },
      { day: '2026-03-03', size: 3 },
      { day: '2026-03-04', size: 3 },
      { day: '2026-03-05', size: 3 },
    ]);
    await record('vip', ['cat'], '2026-03-06T08:00:00Z', { cause: 'recompute' });
    expect(await dailySizes(store, 'vip', { from: '2026-03-05', to: '2026-03-07' })).toEqual([
      { day: '2026-03-05', size: 3 },
      { day: '2026-03-06', size: 1 },
      { day: '2026-03-07', size: 1 },
    ]);
    expect(await memberCount(store, 'vip')).toBe(1);
    await expect(dailySizes(store, 'vip', { from: '2026-03-07', to: '2026-03-01' })).rejects.toThrow(
      'from (2026-03-07) is after to (2026-03-01)',
    );
    await expect(dailySizes(store, 'vip', { from: '2026-3-1', to: '2026-03-01' })).rejects.toThrow(AppError);
  });

  it('records every member’s exit when a segment is dropped, and keeps its history', async () => {
    await record('gone', ['ann', 'bob'], '2026-03-06T09:00:00Z');
    const diff = await store.transaction((tx) => dropSegmentMembership(tx, 'gone', '2026-03-06T10:00:00Z'));
    expect(diff).toEqual({ entered: 0, exited: 2 });
    expect(await members('gone')).toEqual([]);
    expect(await memberCount(store, 'gone')).toBe(0);
    const history = await segmentHistory(store, 'gone', { limit: 10 });
    expect(history.map((c) => `${c.type} ${c.customer_id} ${c.cause} ${c.ref}`)).toEqual([
      'segment.entered ann event null',
      'segment.entered bob event null',
      'segment.exited ann segment deleted',
      'segment.exited bob segment deleted',
    ]);
    expect(history[0]!.segment_name).toBeNull();
  });

  it('keeps numbering after the store is closed and opened again', async () => {
    const before = await latestChangeSeq(store);
    await store.close();
    store = await DuckDbStore.open(file);
    await record('vip', ['cat', 'eve'], '2026-03-07T10:00:00Z');
    const [change] = await changesAfter(store, before, 10);
    expect(change?.seq).toBeGreaterThan(before);
    expect(change?.customer_id).toBe('eve');
  });
});

describe('over random update sequences', () => {
  it('members, sizes and the replayed history agree with a model, and every change has its own id and seq', async () => {
    const people = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
    const update = fc.record({
      members: fc.subarray(people),
      scope: fc.option(fc.subarray(people, { minLength: 1 }), { nil: undefined }),
      days: fc.integer({ min: 0, max: 2 }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(update, { minLength: 1, maxLength: 8 }), async (updates) => {
        const segment = `prop-${run++}`;
        const model = new Set<string>();
        let t = Date.parse('2026-04-01T00:00:00Z');
        for (const u of updates) {
          t += u.days * 86_400_000 + 3_600_000;
          const scope = u.scope ?? people;
          // a member must be in the scope that was re-evaluated
          const now = u.members.filter((p) => scope.includes(p));
          await record(segment, now, new Date(t).toISOString(), u.scope ? { scopeIds: u.scope } : {});
          for (const p of scope) if (!now.includes(p)) model.delete(p);
          for (const p of now) model.add(p);
        }
        expect(await members(segment)).toEqual([...model].sort());
        expect(await memberCount(store, segment)).toBe(model.size);
        const history = await segmentHistory(store, segment, { limit: 1000 });
        const replayed = new Set<string>();
        for (const c of history) {
          // an entry is never recorded for a member, nor an exit for a non-member
          expect(replayed.has(c.customer_id)).toBe(c.type === 'segment.exited');
          if (c.type === 'segment.entered') replayed.add(c.customer_id);
          else replayed.delete(c.customer_id);
        }
        expect([...replayed].sort()).toEqual([...model].sort());
        expect(new Set(history.map((c) => c.id)).size).toBe(history.length);
        const end = new Date(t).toISOString().slice(0, 10);
        expect((await dailySizes(store, segment, { from: end, to: end }))[0]?.size ?? 0).toBe(model.size);
      }),
      { numRuns: 25 },
    );
  });
});

describe('recordMemberships (a live step: several segments for one scope at once)', () => {
  /** Members and changes of segments `a` and `b`, recorded one call per segment or both at once. */
  async function replay(a: string, b: string, together: boolean) {
    const steps: { at: string; scope: readonly string[]; a: readonly string[]; b: readonly string[] }[] = [
      { at: '2026-04-01T10:00:00Z', scope: ['ann', 'bob', 'cat', 'dan', 'eve'], a: ['ann', 'bob'], b: ['cat'] },
      { at: '2026-04-01T11:00:00Z', scope: ['bob', 'cat'], a: ['cat'], b: ['bob', 'cat'] },
      { at: '2026-04-02T09:00:00Z', scope: ['ann', 'eve'], a: ['eve'], b: [] },
    ];
    const first = await latestChangeSeq(store);
    for (const st of steps) {
      const scope = ids(st.scope);
      if (together) {
        const rows = [...st.a.map((c) => [a, c]), ...st.b.map((c) => [b, c])];
        await store.transaction(async (tx) => {
          await tx.loadTable(
            'test_decided',
            [
              ['segment_id', 'text'],
              ['customer_id', 'text'],
            ],
            rows,
          );
          await recordMemberships(tx, {
            segmentIds: [a, b],
            scope: scope.sql,
            members: 'SELECT segment_id, customer_id FROM test_decided',
            params: scope.params,
            at: st.at,
            cause: 'event',
          });
        });
      } else {
        await record(a, st.a, st.at, { scopeIds: st.scope });
        await record(b, st.b, st.at, { scopeIds: st.scope });
      }
    }
    const changes = (await changesAfter(store, first, 100)).map(
      (c) => `${c.segment_id === a ? 'A' : 'B'} ${c.type} ${c.customer_id} ${c.at}`,
    );
    const sizes = async (id: string) => (await dailySizes(store, id, { from: '2026-04-01', to: '2026-04-03' })).map((d) => `${d.day} ${d.size}`);
    return { a: await members(a), b: await members(b), changes, sizes: [await sizes(a), await sizes(b)] };
  }

  it('records what one call per segment records: members, changes in the same order, daily sizes', async () => {
    const separate = await replay('sep-a', 'sep-b', false);
    const together = await replay('tog-a', 'tog-b', true);
    expect(together).toEqual(separate);
    expect(together.a).toEqual(['cat', 'eve']);
    expect(together.b).toEqual(['bob', 'cat']);
    expect(together.changes.slice(0, 3)).toEqual([
      'A segment.entered ann 2026-04-01T10:00:00.000Z',
      'A segment.entered bob 2026-04-01T10:00:00.000Z',
      'B segment.entered cat 2026-04-01T10:00:00.000Z',
    ]);
  });
});
