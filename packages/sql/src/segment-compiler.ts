/*
 * Segment IR → SQL: the entry points. A segment becomes one condition over the base relation
 * (segment-conditions.ts), wrapped in a statement of the requested shape (count, ids, a page) and
 * compiled for a dialect. `explain` lives in segment-explain.ts.
 */
import { defaultChannels, lookup, type FieldType, type PercentileIR, type SegmentIR } from '@strata/segment-lang';
import { compilerFor, type CompiledQuery } from './query-compiler.js';
import { lower, percentileCutoffs } from './segment-conditions.js';
import {
  baseSelect,
  contextFor,
  customerId,
  profileBacked,
  SegmentCompileError,
  type Context,
  type SegmentCompileOptions,
} from './segment-context.js';
import { fieldExpr } from './segment-values.js';
import {
  agg,
  and,
  bin,
  bool,
  cast,
  col,
  fn,
  num,
  param,
  select,
  str,
  type SelectNode,
  type SqlExpr,
} from './sql-ir.js';

export {
  profileBacked,
  SegmentCompileError,
  segmentReadsCustomers,
  type SegmentCompileOptions,
} from './segment-context.js';

/** What an exported column holds. */
export type RowValue =
  /** The customer's id. */
  | { readonly kind: 'id' }
  /** A catalog field, valued as segments read it (`days_since_last_order` at the evaluation time). */
  | { readonly kind: 'field'; readonly field: string }
  /** Whether a channel's marketing consent is granted. */
  | { readonly kind: 'consent'; readonly channel: string }
  /** The first word of `name`, or everything after it. */
  | { readonly kind: 'namePart'; readonly part: 'first' | 'last' };

export interface RowColumn {
  readonly alias: string;
  readonly value: RowValue;
}

/**
 * How exported values are written. `native`: as the store types them (Parquet). `json`: what JSON
 * can hold (times as ISO 8601 UTC text with milliseconds, money and measures as plain numbers,
 * whole numbers whole). `csv`: as `json`, with a list as its items joined by `;`.
 */
export type RowRender = 'native' | 'json' | 'csv';

export type QueryShape =
  | { kind: 'count' }
  | { kind: 'ids' }
  | { kind: 'page'; limit: number; offset: number }
  /** The next `limit` ids after `after` (keyset paging: every page costs the same, however deep). */
  | { kind: 'after'; limit: number; after: string | null }
  /** Every member in id order, with these columns rendered for a file (an export). */
  | { kind: 'rows'; columns: readonly RowColumn[]; render: RowRender };

/** The WHERE condition of a segment over `p` (and `c` when it needs customer attributes). */
export function segmentCondition(ir: SegmentIR, options: SegmentCompileOptions): SqlExpr {
  return lower(ir.root, contextFor(ir, options));
}

const name = col('c', 'name');
const trimmedName = fn('trim', name);
const firstWord = fn('split_part', trimmedName, str(' '), num(1));

/** A column's value over the base relation, as the store types it. */
function rowValue(v: RowValue, ctx: Context): { expr: SqlExpr; type: FieldType } {
  switch (v.kind) {
    case 'id':
      return { expr: customerId, type: 'string' };
    case 'field':
      return fieldExpr(v.field, ctx);
    case 'consent':
      if (!defaultChannels.includes(v.channel)) throw new SegmentCompileError(`unknown channel "${v.channel}"`);
      return { expr: fn('coalesce', col('c', `consent_${v.channel}_granted`), bool(false)), type: 'boolean' };
    case 'namePart':
      // "Anna van der Berg" → "Anna" / "van der Berg"; a one-word name has no last name
      return {
        expr:
          v.part === 'first'
            ? fn('nullif', firstWord, str(''))
            : fn('nullif', fn('trim', fn('substr', trimmedName, bin('+', fn('length', firstWord), num(1)))), str('')),
        type: 'string',
      };
  }
}

function rowColumn(c: RowColumn, render: RowRender, ctx: Context): { expr: SqlExpr; alias: string } {
  const { expr, type } = rowValue(c.value, ctx);
  // Whole-number fields worked out at evaluation time come back as doubles: written whole.
  if (type === 'integer') return { expr: cast(expr, 'integer'), alias: c.alias };
  if (render === 'native') return { expr, alias: c.alias };
  if (type === 'timestamp') return { expr: { kind: 'isoTime', operand: expr }, alias: c.alias };
  // Money to the store's precision (sums of doubles carry noise: 2228.560000000001 → 2228.56).
  if (type === 'money') return { expr: cast(cast(expr, 'money'), 'double'), alias: c.alias };
  if (type === 'number') return { expr: cast(expr, 'double'), alias: c.alias };
  if (type === 'list' && render === 'csv') return { expr: fn('array_to_string', expr, param(';')), alias: c.alias };
  return { expr, alias: c.alias };
}

/** Whether a row column is read from the customers table rather than the profile. */
function readsCustomers(v: RowValue, ctx: Context): boolean {
  if (v.kind === 'id') return false;
  if (v.kind !== 'field') return true;
  return lookup(ctx.catalog, v.field)?.source === 'customer' && !profileBacked.has(v.field);
}

/** The segment as one SQL statement of the requested shape (count, every id, a page of ids or of rows). */
export function segmentSelect(ir: SegmentIR, options: SegmentCompileOptions, shape: QueryShape): SelectNode {
  const base = contextFor(ir, options);
  const ctx =
    shape.kind === 'rows' && shape.columns.some((c) => readsCustomers(c.value, base))
      ? { ...base, joinCustomers: true }
      : base;
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
    case 'rows':
      return baseSelect(
        ctx,
        shape.columns.map((c) => rowColumn(c, shape.render, ctx)),
        where,
        { orderBy: [{ expr: customerId, direction: 'asc' }] },
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

/**
 * One row with the cut-offs of percentile conditions of `ir` ranked among all customers (no
 * `of matching` filter), worked out as the segment's own query works them out: column `low_<i>`
 * (a member's value is at least it) and `high_<i>` (at most it) for `nodes[i]`, NULL where the
 * rank has no such bound or nobody is ranked. Lets a per-customer evaluator decide these
 * conditions from the customer's own value.
 */
export function compilePercentileCutoffs(
  ir: SegmentIR,
  nodes: readonly PercentileIR[],
  options: SegmentCompileOptions,
): CompiledQuery {
  const ctx = contextFor(ir, options);
  const columns = nodes.flatMap((node, i) => {
    const { low, high } = percentileCutoffs(node, ctx, null);
    return [
      { expr: cast(low ?? param(null), 'double'), alias: `low_${i}` },
      { expr: cast(high ?? param(null), 'double'), alias: `high_${i}` },
    ];
  });
  return compilerFor(options.dialect).compile(
    select({ columns, from: { kind: 'series', to: num(0), alias: 'one_row', column: 'k' } }),
  );
}
