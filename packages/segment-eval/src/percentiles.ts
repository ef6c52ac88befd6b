/*
 * Percentile conditions rank a customer among others, so one customer's state cannot decide them
 * alone. For a rank among all customers the SQL backend's cut-offs are worked out once, in SQL
 * (the compiler's own ranking), and each customer is then decided from their own value. A rank
 * among the customers matching the rest of an `and` needs everyone's membership: such a segment is
 * not evaluable per customer, and callers ask the SQL backend.
 */
import type { SqlRunner } from '@strata/core';
import type { ConditionIR, FieldCatalog, PercentileIR, SegmentIR } from '@strata/segment-lang';
import { compilePercentileCutoffs } from '@strata/sql';
import type { PercentileBounds, PercentileCutoffs } from './eval-context.js';
import { percentileKey, ranksAmongMatching } from './evaluate.js';

type Resolve = ((name: string) => SegmentIR | undefined) | undefined;

/** Every condition of the segment, saved segments it refers to included (each once). */
export function* conditions(node: ConditionIR, resolve: Resolve, seen: Set<string>): Generator<ConditionIR> {
  yield node;
  switch (node.kind) {
    case 'and':
    case 'or':
      for (const o of node.operands) yield* conditions(o, resolve, seen);
      return;
    case 'not':
      yield* conditions(node.operand, resolve, seen);
      return;
    case 'segmentRef': {
      if (seen.has(node.segment)) return;
      seen.add(node.segment);
      const target = resolve?.(node.segment);
      if (target) yield* conditions(target.root, resolve, seen);
      return;
    }
    default:
      return;
  }
}

/**
 * Whether evaluateCustomer can decide the segment: false when a percentile ranks among the
 * customers matching the rest of its `and` (`total_spent in top 10% of matching`), which depends
 * on everyone's membership.
 */
export function perCustomerEvaluable(ir: SegmentIR, resolveSegment?: (name: string) => SegmentIR | undefined): boolean {
  for (const node of conditions(ir.root, resolveSegment, new Set()))
    if (node.kind === 'and' && ranksAmongMatching(node)) return false;
  return true;
}

export interface PercentileCutoffOptions {
  readonly catalog?: FieldCatalog;
  readonly resolveSegment?: (name: string) => SegmentIR | undefined;
}

/**
 * The cut-offs of the segment's percentile conditions ranked among all customers, at `now`, as
 * the SQL backend works them out over the store's profiles (one query). They hold until other
 * customers' values change; evaluateCustomer reads them from its context.
 */
export async function percentileCutoffs(
  db: SqlRunner,
  ir: SegmentIR,
  now: Date,
  options: PercentileCutoffOptions = {},
): Promise<PercentileCutoffs> {
  const nodes = new Map<string, PercentileIR>();
  for (const node of conditions(ir.root, options.resolveSegment, new Set()))
    if (node.kind === 'percentile') nodes.set(percentileKey(node), node);
  const cutoffs = new Map<string, PercentileBounds>();
  if (nodes.size === 0) return cutoffs;
  const list = [...nodes.values()];
  const { sql, params } = compilePercentileCutoffs(ir, list, {
    dialect: db.dialect,
    now,
    ...(options.catalog ? { catalog: options.catalog } : {}),
    ...(options.resolveSegment ? { resolveSegment: options.resolveSegment } : {}),
  });
  const [row] = await db.query<Record<string, number | null>>(sql, params);
  const bound = (v: number | null | undefined) => (v === null || v === undefined ? null : Number(v));
  list.forEach((node, i) =>
    cutoffs.set(percentileKey(node), { low: bound(row?.[`low_${i}`]), high: bound(row?.[`high_${i}`]) }),
  );
  return cutoffs;
}
