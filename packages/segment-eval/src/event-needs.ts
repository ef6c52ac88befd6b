/*
 * Which of a customer's events a set of segments can read. The per-customer backend reads events
 * only by type (`did add_to_cart …`, a sequence's steps), and an occurrence outside a
 * `within last …` window never counts again, so a type read only within such windows needs the
 * events since the widest of them, not the customer's whole history. Loading only those (see
 * loadCustomerStates) makes a live step read a month of page views instead of years of them; the
 * answers are the same, which the differential tests check on random segments.
 */
import { eventCountColumn, type ConditionIR, type SegmentIR, type TimeWindow } from '@strata/segment-lang';
import { conditions } from './percentiles.js';
import { addInterval } from './time-values.js';

/** Per event type, the earliest occurrence time that can matter (epoch ms), or null for all of them. */
export type EventNeeds = Map<string, number | null>;

/** Adds a need: the wider one wins (null, every occurrence, is the widest). */
export function addEventNeed(needs: EventNeeds, type: string, since: number | null): void {
  if (!needs.has(type)) {
    needs.set(type, since);
    return;
  }
  const before = needs.get(type)!;
  needs.set(type, before === null || since === null ? null : Math.min(before, since));
}

/** The earliest time a window can reach back to at `now`, or null when it reaches back without limit. */
function windowStart(window: TimeWindow | undefined, now: number): number | null {
  if (window?.kind !== 'withinLast') return null;
  return addInterval(now, -window.duration.amount, window.duration.unit);
}

function addCondition(needs: EventNeeds, node: ConditionIR, now: number): void {
  // an event count the profile keeps (profile-facts.ts) reads no events
  if (node.kind === 'event' && !eventCountColumn(node)) addEventNeed(needs, node.name, windowStart(node.window, now));
  if (node.kind === 'sequence') {
    // every later step happens after an occurrence of the first, so the first's window bounds them all
    const since = windowStart(node.first.window, now);
    addEventNeed(needs, node.first.name, since);
    for (const step of node.steps) if (step.target.kind === 'event') addEventNeed(needs, step.target.name, since);
  }
}

/** The events `segments` can read when evaluated at `now` (and their next change after it is worked out). */
export function eventNeeds(
  segments: readonly SegmentIR[],
  resolveSegment: ((name: string) => SegmentIR | undefined) | undefined,
  now: number,
  into: EventNeeds = new Map(),
): EventNeeds {
  for (const s of segments) for (const c of conditions(s.root, resolveSegment, new Set())) addCondition(into, c, now);
  return into;
}
