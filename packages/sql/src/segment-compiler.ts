/*
 * Segment IR → SQL: the entry points. A segment becomes one condition over the base relation
 * (segment-conditions.ts), wrapped in a statement of the requested shape (count, ids, a page) and
 * compiled for a dialect. `explain` lives in segment-explain.ts.
 */
import type { SegmentIR } from '@strata/segment-lang';
import { compilerFor, type CompiledQuery } from './query-compiler.js';
import { lower } from './segment-conditions.js';
import { baseSelect, contextFor, customerId, type SegmentCompileOptions } from './segment-context.js';
import { agg, and, bin, param, type SelectNode, type SqlExpr } from './sql-ir.js';

export { SegmentCompileError, type SegmentCompileOptions } from './segment-context.js';

export type QueryShape =
  | { kind: 'count' }
  | { kind: 'ids' }
  | { kind: 'page'; limit: number; offset: number }
  /** The next `limit` ids after `after` (keyset paging: every page costs the same, however deep). */
  | { kind: 'after'; limit: number; after: string | null };

/** The WHERE condition of a segment over `p` (and `c` when it needs customer attributes). */
export function segmentCondition(ir: SegmentIR, options: SegmentCompileOptions): SqlExpr {
  return lower(ir.root, contextFor(ir, options));
}

/** The segment as one SQL statement of the requested shape (count, every id, or a page of ids). */
export function segmentSelect(ir: SegmentIR, options: SegmentCompileOptions, shape: QueryShape): SelectNode {
  const ctx = contextFor(ir, options);
  const where = lower(ir.root, ctx);
  switch (shape.kind) {
    case 'count':
      return baseSelect(ctx, [{ expr: agg('count', { kind: 'star' }), alias: 'count' }], where);
    case 'ids':
      return baseSelect(ctx, [{ expr: customerId, alias: 'customer_id' }], where, {
        orderBy: [{ expr: customerId, direction: 'asc' }],
      });
    case 'page':
      return baseSelect(ctx, [{ expr: customerId, alias: 'customer_id' }], where, {
        orderBy: [{ expr: customerId, direction: 'asc' }],
        limit: param(shape.limit),
        offset: param(shape.offset),
      });
    case 'after':
      return baseSelect(
        ctx,
        [{ expr: customerId, alias: 'customer_id' }],
        shape.after === null ? where : and(bin('>', customerId, param(shape.after)), where),
        {
          orderBy: [{ expr: customerId, direction: 'asc' }],
          limit: param(shape.limit),
        },
      );
  }
}

export function compileSegment(
  ir: SegmentIR,
  options: SegmentCompileOptions,
  shape: QueryShape = { kind: 'ids' },
): CompiledQuery {
  return compilerFor(options.dialect).compile(segmentSelect(ir, options, shape));
}
