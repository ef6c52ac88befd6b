import type { SqlRunner } from '@strata/core';
import type { SegmentIR } from '@strata/segment-lang';
import {
  evaluateCustomer,
  eventNeeds,
  loadCustomerStates,
  nextChange,
  perCustomerEvaluable,
  percentileCutoffs,
  type CustomerState,
  type EvaluationContext,
  type LoadOptions,
} from '@strata/segment-eval';
import type { ProfileConfig } from '@strata/profiles';
import type { SavedSegment } from '@strata/segments';
import { addProfileDueNeeds, profileDue } from './profile-due.js';

/*
 * Saved segments decided customer by customer: the per-customer backend (@strata/segment-eval,
 * held to the SQL backend's answers by a differential test) evaluates each saved segment on the
 * state of the customers a step touched, loaded once for all segments, instead of running every
 * segment's SQL over the store. It also says when each answer can next change by time alone.
 */

export interface ScopeEvaluation {
  /** Members among the customers evaluated, per saved segment decided here. */
  members: Map<string, string[]>;
  /** Segments the per-customer backend cannot decide (ranks among matching): the SQL backend does. */
  bySql: Set<string>;
  /**
   * Per customer, the earliest moment their stored profile (profile-due.ts) or a saved segment's
   * answer can change by time alone.
   */
  due: Map<string, number>;
}

const CHUNK = 5_000;

/** Evaluates `segments` for the customers `ids` as of `now` (inside the caller's transaction). */
export async function evaluateScope(
  tx: SqlRunner,
  ids: readonly string[],
  segments: readonly SavedSegment[],
  resolveSegment: (name: string) => SegmentIR | undefined,
  now: Date,
  config: ProfileConfig,
): Promise<ScopeEvaluation> {
  const due = new Map<string, number>();
  const contexts = await contextsFor(tx, segments, resolveSegment, now);
  const load = loadOptions(segments, contexts, resolveSegment, now);
  const members = new Map([...contexts.keys()].map((id) => [id, [] as string[]]));
  const bySql = new Set(segments.filter((s) => !contexts.has(s.id)).map((s) => s.id));
  for (let i = 0; i < ids.length; i += CHUNK) {
    const states = await loadCustomerStates(tx, ids.slice(i, i + CHUNK), load);
    for (const [id, state] of states) {
      noteDue(due, id, profileDue(state, config, now.getTime()));
      for (const s of segments) {
        const ctx = contexts.get(s.id);
        if (!ctx) continue;
        if (evaluateCustomer(s.ir, state, ctx)) members.get(s.id)!.push(id);
        noteDue(due, id, nextChange(s.ir, state, ctx));
      }
    }
  }
  return { members, bySql, due };
}

/** Only the next change of each customer, of their profile and over all saved segments (no membership). */
export async function customersDue(
  tx: SqlRunner,
  ids: readonly string[],
  segments: readonly SavedSegment[],
  resolveSegment: (name: string) => SegmentIR | undefined,
  now: Date,
  config: ProfileConfig,
): Promise<Map<string, number>> {
  const due = new Map<string, number>();
  const contexts = await contextsFor(tx, segments, resolveSegment, now);
  const load = loadOptions(segments, contexts, resolveSegment, now);
  for (let i = 0; i < ids.length; i += CHUNK) {
    const states: Map<string, CustomerState> = await loadCustomerStates(tx, ids.slice(i, i + CHUNK), load);
    for (const [id, state] of states) {
      noteDue(due, id, profileDue(state, config, now.getTime()));
      for (const s of segments) {
        const ctx = contexts.get(s.id);
        if (ctx) noteDue(due, id, nextChange(s.ir, state, ctx));
      }
    }
  }
  return due;
}

/** Only the events the segments decided here and the profile's due time can read (event-needs.ts). */
function loadOptions(
  segments: readonly SavedSegment[],
  contexts: ReadonlyMap<string, EvaluationContext>,
  resolveSegment: (name: string) => SegmentIR | undefined,
  now: Date,
): LoadOptions {
  const t = now.getTime();
  const decided = segments.filter((s) => contexts.has(s.id)).map((s) => s.ir);
  return { events: { needs: addProfileDueNeeds(eventNeeds(decided, resolveSegment, t), t), now: t } };
}

/** The evaluation context of each segment the per-customer backend decides, with its percentile cut-offs now. */
async function contextsFor(
  tx: SqlRunner,
  segments: readonly SavedSegment[],
  resolveSegment: (name: string) => SegmentIR | undefined,
  now: Date,
): Promise<Map<string, EvaluationContext>> {
  const contexts = new Map<string, EvaluationContext>();
  for (const s of segments) {
    if (!perCustomerEvaluable(s.ir, resolveSegment)) continue;
    contexts.set(s.id, { now, resolveSegment, cutoffs: await percentileCutoffs(tx, s.ir, now, { resolveSegment }) });
  }
  return contexts;
}

function noteDue(due: Map<string, number>, id: string, at: Date | number | undefined): void {
  if (at === undefined) return;
  const t = typeof at === 'number' ? at : at.getTime();
  const before = due.get(id);
  if (before === undefined || t < before) due.set(id, t);
}
