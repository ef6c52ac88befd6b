/*
 * What evaluating a segment for one customer needs besides the customer: the evaluation time, the
 * field catalog, saved segments, and the percentile cut-offs worked out over everyone; and the
 * fields' values as segments read them (days_since_last_order and overdue_ratio at that time).
 */
import { defaultCatalog, lookup, type FieldCatalog, type FieldType, type SegmentIR } from '@strata/segment-lang';
import { profileBacked, SegmentCompileError } from '@strata/sql';
import type { CustomerState } from './customer-state.js';
import { toEpochMs, wholeDaysBetween } from './time-values.js';
import { toSubject, type Subject } from './value-tests.js';

/** A percentile condition's bounds: a member's value is at least `low` and at most `high` (null: no such bound, or nobody ranked). */
export interface PercentileBounds {
  readonly low: number | null;
  readonly high: number | null;
}

/** The bounds of each percentile condition of a segment at one time, by percentileKey. */
export type PercentileCutoffs = ReadonlyMap<string, PercentileBounds>;

export interface EvaluationContext {
  /** The evaluation time: relative times ("30 days ago") are measured from it. */
  readonly now: Date;
  readonly catalog?: FieldCatalog;
  /** Another saved segment by id or name, for `in segment "…"`. */
  readonly resolveSegment?: (name: string) => SegmentIR | undefined;
  /** From percentileCutoffs for this segment and time; needed when the segment has percentile conditions. */
  readonly cutoffs?: PercentileCutoffs;
}

/** The context as the evaluation uses it. */
export interface Env {
  readonly now: number;
  readonly catalog: FieldCatalog;
  readonly resolveSegment: ((name: string) => SegmentIR | undefined) | undefined;
  readonly cutoffs: PercentileCutoffs | undefined;
  /** Saved segments being evaluated (a reference back to one is a cycle). */
  readonly visiting: ReadonlySet<string>;
}

export function envOf(ctx: EvaluationContext, now = ctx.now.getTime()): Env {
  return {
    now,
    catalog: ctx.catalog ?? defaultCatalog,
    resolveSegment: ctx.resolveSegment,
    cutoffs: ctx.cutoffs,
    visiting: new Set(),
  };
}

/** The usual days between the customer's orders, which overdue_ratio divides by (null: unknown or 0). */
export function usualGapDays(state: CustomerState): number | null {
  const p = state.profile;
  const median = toSubject(p?.median_days_between_orders, 'number') as number | null;
  const gap = median ?? (toSubject(p?.avg_days_between_orders, 'number') as number | null);
  return gap === 0 ? null : gap;
}

/** The time of the customer's latest confirmed order as the profile has it. */
export const lastOrderAt = (state: CustomerState): number | undefined => toEpochMs(state.profile?.last_order_at);

/** A field's value for the customer as a segment reads it at `env.now`, with the field's type. */
export function fieldValue(name: string, state: CustomerState, env: Env): { value: Subject; type: FieldType } {
  const spec = lookup(env.catalog, name);
  if (!spec) throw new SegmentCompileError(`unknown field "${name}"`);
  if (name === 'days_since_last_order' || name === 'overdue_ratio') {
    // Measured at evaluation time from the last order, as the SQL backend measures them.
    const last = lastOrderAt(state);
    const days = last === undefined ? null : wholeDaysBetween(last, env.now);
    if (name === 'days_since_last_order') return { value: days, type: spec.type };
    const gap = usualGapDays(state);
    return { value: days === null || gap === null ? null : days / gap, type: spec.type };
  }
  const row = spec.source === 'profile' || profileBacked.has(name) ? state.profile : state.customer;
  return { value: toSubject(row?.[name], spec.type), type: spec.type };
}
