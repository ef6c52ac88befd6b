import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  evaluateCustomer,
  eventNeeds,
  loadCustomerStates,
  nextChange,
  type CustomerState,
  type EventNeeds,
  type EventState,
} from '@strata/segment-eval';
import { printIR, type SegmentIR } from '@strata/segment-lang';
import {
  evaluationShifts,
  NOW,
  openRandomStore,
  randomStore,
  savedSegments,
  segmentArbitrary,
  timeSegmentArbitrary,
} from './segment-eval-fixture.js';

/*
 * nextChange against evaluation itself, on customers of random stores and random segments (no
 * percentiles: their cut-offs move with other customers): membership stays what it is at every
 * sampled moment before the next change, differs at the next change, and any later moment at
 * which it differs is not before it. Seeded: FC_SEED reproduces a run.
 */
const SEED = Number(process.env.FC_SEED ?? 20260315);
const STORES = 2;
const RUNS_PER_STORE = Number(process.env.FC_RUNS ?? 80);
const DAY = 86_400_000;
const HORIZON = 400 * DAY;

const resolveSegment = (name: string): SegmentIR | undefined =>
  Object.hasOwn(savedSegments, name) ? savedSegments[name] : undefined;

const seen = { checks: 0, changes: 0 };
afterAll(() => {
  console.log(`segment-eval nextChange: ${seen.checks} customer-segment pairs, ${seen.changes} with a change by time`);
});

/** Moments after `now` (as offsets: spread over the horizon and crowded just after now), and around `next`. */
const offsets = fc.tuple(
  fc.array(fc.integer({ min: 1, max: HORIZON }), { minLength: 6, maxLength: 6 }),
  fc.array(fc.integer({ min: 1, max: 3 * DAY }), { minLength: 4, maxLength: 4 }),
);
const moments = (now: number, [far, near]: [number[], number[]], next: number | undefined) =>
  [...far, ...near].map((o) => now + o).concat(next === undefined ? [] : [next - 1, next, next + 1]);

/** The rule loadCustomerStates applies with event needs: dated after now, or a needed type since its bound. */
function needed(needs: EventNeeds, e: EventState, now: number): boolean {
  if (e.occurredAt > now) return true;
  if (!needs.has(e.type)) return false;
  const since = needs.get(e.type)!;
  return since === null || e.occurredAt >= since;
}

describe('nextChange: the next moment membership changes by time alone', () => {
  for (let n = 0; n < STORES; n++) {
    it(`random store ${n + 1}: nothing changes before it, and it changes then`, async () => {
      const [store] = fc.sample(randomStore, { seed: SEED + 100 + n, numRuns: 1 });
      const db = await openRandomStore(store!);
      let states: Map<string, CustomerState>;
      try {
        const ids = (await db.query<{ id: string }>('SELECT id FROM customers')).map((r) => r.id);
        states = await loadCustomerStates(db, ids);
      } finally {
        await db.close();
      }
      fc.assert(
        fc.property(
          fc.oneof(segmentArbitrary({ percentiles: false }), timeSegmentArbitrary),
          fc.constantFrom(...evaluationShifts),
          offsets,
          (ir, shift, sampled) => {
            const now = NOW.getTime() + shift;
            const at = (t: number, s: CustomerState) => evaluateCustomer(ir, s, { now: new Date(t), resolveSegment });
            const needs = eventNeeds([ir], resolveSegment, now);
            for (const state of states.values()) {
              const current = at(now, state);
              const next = nextChange(ir, state, { now: new Date(now), resolveSegment })?.getTime();
              // with only the events the segment can read (what a live step loads), the same next change
              const narrow = { ...state, events: state.events.filter((e) => needed(needs, e, now)) };
              expect(nextChange(ir, narrow, { now: new Date(now), resolveSegment })?.getTime()).toBe(next);
              const label = `${printIR(ir)} for ${state.id} at ${new Date(now).toISOString()}, next ${next === undefined ? 'never' : new Date(next).toISOString()}`;
              seen.checks++;
              if (next !== undefined) {
                seen.changes++;
                expect(next, label).toBeGreaterThan(now);
                expect(at(next, state), `${label}: changed at the next change`).not.toBe(current);
              }
              for (const t of moments(now, sampled, next)) {
                if (t > now && (next === undefined || t < next))
                  expect(at(t, state), `${label}: at ${new Date(t).toISOString()}`).toBe(current);
              }
            }
          },
        ),
        { seed: SEED + n, numRuns: RUNS_PER_STORE },
      );
    });
  }

  it('time moves some memberships in these runs', () => {
    expect(seen.changes).toBeGreaterThan(Math.max(40, seen.checks / 40));
  });
});
