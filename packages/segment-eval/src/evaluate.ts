/*
 * The per-customer backend of the Segment IR: whether one customer is a member, decided from that
 * customer's state alone, with the semantics of the SQL backend (packages/sql): the same answer
 * `compileSegment` gives for that customer at the same time. Segment-level errors (an unknown field
 * or saved segment, a cycle) are thrown as the compiler's SegmentCompileError.
 */
import {
  defaultChannels,
  lookup,
  numericTypes,
  type ConditionIR,
  type PercentileIR,
  type SegmentIR,
} from '@strata/segment-lang';
import { SegmentCompileError, segmentReadsCustomers } from '@strata/sql';
import { event, purchase, purchaseTime, sequence } from './activity.js';
import type { CustomerState } from './customer-state.js';
import { envOf, fieldValue, type EvaluationContext, type Env } from './eval-context.js';
import { applyTest, lowerText } from './value-tests.js';

/** The key of a percentile condition's bounds in PercentileCutoffs: its field and rank. */
export function percentileKey(p: PercentileIR): string {
  const r = p.rank;
  return JSON.stringify(r.kind === 'between' ? [p.field, r.kind, r.low, r.high] : [p.field, r.kind, r.percent]);
}

/** `x in top 10% of matching` directly inside an `and` with other conditions: ranked among the customers matching those. */
export const ranksAmongMatching = (and: Extract<ConditionIR, { kind: 'and' }>): boolean =>
  and.operands.some((o) => o.kind === 'percentile' && o.scope === 'matching') &&
  and.operands.some((o) => !(o.kind === 'percentile' && o.scope === 'matching'));

function percentile(ir: PercentileIR, state: CustomerState, env: Env): boolean {
  const spec = lookup(env.catalog, ir.field);
  if (!spec) throw new SegmentCompileError(`unknown field "${ir.field}"`);
  if (!numericTypes.has(spec.type))
    throw new SegmentCompileError(`"${ir.field}" is not a number, so it has no percentiles`);
  const bounds = env.cutoffs?.get(percentileKey(ir));
  if (!bounds)
    throw new SegmentCompileError(
      `the cut-offs of "${ir.field} in ${ir.rank.kind}" were not worked out for this evaluation (percentileCutoffs)`,
    );
  const value = fieldValue(ir.field, state, env).value as number | null;
  if (value === null) return false;
  // A money measure ranks buyers only (FieldSpec.rankedAmongBuyers).
  if (spec.rankedAmongBuyers && !(Number(state.profile?.order_count) > 0)) return false;
  const { low, high } = bounds;
  if (ir.rank.kind === 'between') return low !== null && high !== null && value >= low && value <= high;
  return ir.rank.kind === 'top' ? low !== null && value >= low : high !== null && value <= high;
}

export function holds(ir: ConditionIR, state: CustomerState, env: Env): boolean {
  switch (ir.kind) {
    case 'and':
      if (ranksAmongMatching(ir))
        throw new SegmentCompileError(
          'a percentile "of matching" ranks among the customers matching the rest of the condition: it is decided over all customers only (perCustomerEvaluable)',
        );
      return ir.operands.every((o) => holds(o, state, env));
    case 'or':
      return ir.operands.some((o) => holds(o, state, env));
    case 'not':
      return !holds(ir.operand, state, env);
    case 'compare': {
      const { value, type } = fieldValue(ir.field, state, env);
      return applyTest(value, ir, type, env.now);
    }
    case 'percentile':
      return percentile(ir, state, env);
    case 'purchase':
      return purchase(ir, state, env);
    case 'purchaseTime':
      return purchaseTime(ir, state, env);
    case 'event':
      return event(ir, state, env);
    case 'sequence':
      return sequence(ir, state, env);
    case 'tag': {
      const own = new Set(state.tags.map(lowerText));
      const wanted = [...new Set(ir.tags.map((t) => t.toLowerCase()))];
      return ir.mode === 'any' ? wanted.some((t) => own.has(t)) : wanted.every((t) => own.has(t));
    }
    case 'consent': {
      if (!defaultChannels.includes(ir.channel)) throw new SegmentCompileError(`unknown channel "${ir.channel}"`);
      if (state.consents[ir.channel] !== true) return false;
      if (!ir.requireContact) return true;
      const contact = state.customer?.[ir.channel === 'email' ? 'email' : 'phone'];
      return contact !== null && contact !== undefined;
    }
    case 'segmentRef': {
      if (env.visiting.has(ir.segment))
        throw new SegmentCompileError(
          `segment "${ir.segment}" refers to itself (through ${[...env.visiting].join(' → ')})`,
        );
      const target = env.resolveSegment?.(ir.segment);
      if (!target) throw new SegmentCompileError(`no saved segment "${ir.segment}"`);
      return holds(target.root, state, { ...env, visiting: new Set([...env.visiting, ir.segment]) });
    }
    case 'answer': {
      const answer = Object.hasOwn(state.answers, ir.question) ? state.answers[ir.question] : undefined;
      if (answer === null || answer === undefined) return false;
      if (!ir.options?.length) return true;
      const lowered = lowerText(answer);
      return ir.options.some((o) => lowerText(o) === lowered);
    }
  }
}

/**
 * Whether the SQL backend has this customer among the customers the segment is evaluated over:
 * those with a profile, and, when the segment reads the customers table, with a customer record
 * not merged into another.
 */
export function isEvaluated(ir: SegmentIR, state: CustomerState, readsCustomers: boolean): boolean {
  if (!state.profile) return false;
  return !readsCustomers || (state.customer !== undefined && state.mergedInto === undefined);
}

export const readsCustomers = (ir: SegmentIR, ctx: EvaluationContext) =>
  segmentReadsCustomers(ir, {
    ...(ctx.catalog ? { catalog: ctx.catalog } : {}),
    ...(ctx.resolveSegment ? { resolveSegment: ctx.resolveSegment } : {}),
  });

/** Whether the customer is a member of the segment at `ctx.now`. */
export function evaluateCustomer(ir: SegmentIR, state: CustomerState, ctx: EvaluationContext): boolean {
  if (!isEvaluated(ir, state, readsCustomers(ir, ctx))) return false;
  return holds(ir.root, state, envOf(ctx));
}
