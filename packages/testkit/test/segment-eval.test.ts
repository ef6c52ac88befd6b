import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  evaluateCustomer,
  eventNeeds,
  loadCustomerStates,
  perCustomerEvaluable,
  percentileCutoffs,
  type CustomerState,
} from '@strata/segment-eval';
import { printIR, type ConditionIR, type SegmentIR } from '@strata/segment-lang';
import { Customer, Event, fixedClock } from '@strata/core';
import { computeProfiles } from '@strata/profiles';
import { compileSegment } from '@strata/sql';
import { DuckDbStore } from '@strata/store-duckdb';
import {
  evaluationShifts,
  NOW,
  openRandomStore,
  randomStore,
  savedSegments,
  segmentArbitrary,
} from './segment-eval-fixture.js';

/*
 * Differential test of the two backends of the Segment IR: random small stores, random segments
 * over their vocabulary, and for every customer the SQL backend's answer (compileSegment run on
 * DuckDB) must be the per-customer evaluator's. Seeded: FC_SEED reproduces a run.
 */
const SEED = Number(process.env.FC_SEED ?? 20260315);
const STORES = 3;
const RUNS_PER_STORE = Number(process.env.FC_RUNS ?? 60);

const resolveSegment = (name: string): SegmentIR | undefined =>
  Object.hasOwn(savedSegments, name) ? savedSegments[name] : undefined;

function kindsOf(node: ConditionIR, into: Set<string>): Set<string> {
  into.add(node.kind === 'compare' ? `compare:${node.op}` : node.kind);
  if (node.kind === 'and' || node.kind === 'or') node.operands.forEach((o) => kindsOf(o, into));
  if (node.kind === 'not') kindsOf(node.operand, into);
  return into;
}

const seen = { segments: 0, mixed: 0, notEvaluable: 0, kinds: new Set<string>() };
afterAll(() => {
  // What the runs covered, for the record (a run that never splits customers proves little).
  console.log(
    `segment-eval differential: ${seen.segments} segments, ${seen.mixed} with some but not all customers, ` +
      `${seen.notEvaluable} not per-customer evaluable; kinds: ${[...seen.kinds].sort().join(' ')}`,
  );
});

async function sqlMembers(db: DuckDbStore, ir: SegmentIR, now: Date): Promise<string[]> {
  const q = compileSegment(ir, { dialect: 'duckdb', now, resolveSegment });
  return (await db.query<{ customer_id: string }>(q.sql, q.params)).map((r) => r.customer_id).sort();
}

async function evaluatorMembers(
  db: DuckDbStore,
  states: ReadonlyMap<string, CustomerState>,
  ir: SegmentIR,
  now: Date,
): Promise<string[]> {
  const cutoffs = await percentileCutoffs(db, ir, now, { resolveSegment });
  return [...states.values()]
    .filter((s) => evaluateCustomer(ir, s, { now, resolveSegment, cutoffs }))
    .map((s) => s.id)
    .sort();
}

describe('the per-customer evaluator against the SQL backend', () => {
  for (let n = 0; n < STORES; n++) {
    it(`random store ${n + 1}: every customer's membership is the same on both backends`, async () => {
      const [store] = fc.sample(randomStore, { seed: SEED + n, numRuns: 1 });
      const db = await openRandomStore(store!);
      try {
        // every customer the store knows, merged ones included
        const ids = (await db.query<{ id: string }>('SELECT id FROM customers')).map((r) => r.id);
        const states = await loadCustomerStates(db, ids);
        expect(states.size).toBe(ids.length);
        await fc.assert(
          fc.asyncProperty(
            segmentArbitrary({ percentiles: true }),
            fc.constantFrom(...evaluationShifts),
            async (ir, shift) => {
              const now = new Date(NOW.getTime() + shift);
              if (!perCustomerEvaluable(ir, resolveSegment)) {
                seen.notEvaluable++;
                return;
              }
              const expected = await sqlMembers(db, ir, now);
              const actual = await evaluatorMembers(db, states, ir, now);
              expect(actual, `${printIR(ir)} at ${now.toISOString()}`).toEqual(expected);
              // states with only the events the segment can read (what a live step loads) answer the same
              const needs = eventNeeds([ir], resolveSegment, now.getTime());
              const narrow = await loadCustomerStates(db, ids, { events: { needs, now: now.getTime() } });
              expect(await evaluatorMembers(db, narrow, ir, now), `${printIR(ir)} with only its events`).toEqual(
                expected,
              );
              seen.segments++;
              if (expected.length > 0 && expected.length < states.size) seen.mixed++;
              kindsOf(ir.root, seen.kinds);
            },
          ),
          { seed: SEED + n, numRuns: RUNS_PER_STORE },
        );
      } finally {
        await db.close();
      }
    });
  }

  it('the runs split customers: most random segments have some members and some non-members', () => {
    expect(seen.segments).toBeGreaterThan(0);
    expect(seen.mixed / seen.segments).toBeGreaterThan(0.3);
  });
});

describe('the SQL backend where the differential test found it wrong', () => {
  it('anonymous events do not hide everyone from "did … at most n times"', async () => {
    const db = await DuckDbStore.open(':memory:', { clock: fixedClock(NOW) });
    try {
      const view = (id: string, who: { customer_id: string } | { anonymous_id: string }) =>
        Event.parse({
          message_id: id,
          ...who,
          type: 'page_view',
          occurred_at: '2026-03-01T10:00:00Z',
          properties: { page_kind: 'home' },
        });
      await db.write({
        customers: [Customer.parse({ id: 'quiet' }), Customer.parse({ id: 'browser' })],
        // two anonymous visits (no customer yet) and one by a known customer
        events: [
          view('e1', { anonymous_id: 'visitor' }),
          view('e2', { anonymous_id: 'visitor' }),
          view('e3', { customer_id: 'browser' }),
        ],
      });
      await computeProfiles(db, { asOf: NOW, ranBy: 'test' });
      const members = async (ir: SegmentIR) => {
        const q = compileSegment(ir, { dialect: 'duckdb', now: NOW });
        return (await db.query<{ customer_id: string }>(q.sql, q.params)).map((r) => r.customer_id);
      };
      const atMost = (value: number): SegmentIR => ({
        version: 1,
        root: { kind: 'event', name: 'page_view', count: { op: 'lte', value } },
      });
      expect(await members(atMost(0))).toEqual(['quiet']);
      expect(await members(atMost(1))).toEqual(['browser', 'quiet']);
    } finally {
      await db.close();
    }
  });
});
