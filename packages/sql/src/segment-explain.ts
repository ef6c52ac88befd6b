/*
 * `explain` for one customer: a single query returning, for every condition of a segment, whether
 * it holds and the data behind it (a field value, a count of matching orders or events).
 */
import type { ConditionIR, SegmentIR } from '@strata/segment-lang';
import { compilerFor, type CompiledQuery } from './query-compiler.js';
import { eventRows, confirmed, itemCondition, windowCondition } from './segment-activity.js';
import { lower, percentile, percentileCutoffs } from './segment-conditions.js';
import { baseSelect, contextFor, customerId, type Context, type SegmentCompileOptions } from './segment-context.js';
import { fieldExpr } from './segment-values.js';
import { agg, and, bin, bool, col, fn, param, select, table, type SqlExpr } from './sql-ir.js';

/** One condition of a segment as explained for one customer. */
export interface ExplainedNode {
  /** Position in the condition tree: [] is the root, [1, 0] the first operand of the root's second operand. */
  readonly path: readonly number[];
  readonly node: ConditionIR;
  /** Result column holding whether the customer satisfies this condition. */
  readonly truth: string;
  /** Result column holding the data behind it (a field value, a count, a time), if any. */
  readonly detail?: string;
  readonly detailLabel?: string;
  /** Result columns holding a percentile condition's cut-offs (see percentileCutoffs). */
  readonly cutoffs?: { readonly low?: string; readonly high?: string };
}

function purchaseDetail(ir: Extract<ConditionIR, { kind: 'purchase' }>, ctx: Context): SqlExpr {
  const q = select({
    columns: [{ expr: agg('count', col('o', 'id'), true) }],
    from: table('orders', 'o'),
    joins:
      ir.item || ir.amount
        ? [
            { type: 'inner', from: table('order_lines', 'li'), on: bin('=', col('li', 'order_id'), col('o', 'id')) },
            { type: 'left', from: table('products', 'pr'), on: bin('=', col('pr', 'sku'), col('li', 'sku')) },
          ]
        : [],
    where: and(
      bin('=', col('o', 'customer_id'), customerId),
      confirmed,
      windowCondition(col('o', 'placed_at'), ir.window, ctx),
      ir.item ? itemCondition(ir.item) : null,
    ),
  });
  return { kind: 'subquery', query: q };
}

function eventDetail(ir: Extract<ConditionIR, { kind: 'event' }>, ctx: Context): SqlExpr {
  return {
    kind: 'subquery',
    query: select({
      columns: [{ expr: agg('count', { kind: 'star' }) }],
      from: table('events', 'e'),
      where: and(
        bin('=', col('e', 'customer_id'), customerId),
        eventRows('e', ir.name, ir.where, ctx),
        windowCondition(col('e', 'occurred_at'), ir.window, ctx),
      ),
    }),
  };
}

/**
 * One query returning, for one customer, whether each condition of the segment holds and the data
 * behind it, so `explain` can say "last_order_at = … → false" for every part.
 */
export function compileExplain(
  ir: SegmentIR,
  options: SegmentCompileOptions,
  customer: string,
): { query: CompiledQuery; nodes: ExplainedNode[] } {
  const ctx = { ...contextFor(ir, options), joinCustomers: true };
  const nodes: ExplainedNode[] = [];
  const columns: { expr: SqlExpr; alias: string }[] = [];
  const add = (node: ConditionIR, path: number[], truth: SqlExpr) => {
    const i = nodes.length;
    const entry: {
      path: number[];
      node: ConditionIR;
      truth: string;
      detail?: string;
      detailLabel?: string;
      cutoffs?: { low?: string; high?: string };
    } = { path, node, truth: `t${i}` };
    columns.push({ expr: fn('coalesce', truth, bool(false)), alias: `t${i}` });
    let detail: { label: string; expr: SqlExpr } | undefined;
    if (node.kind === 'compare' || node.kind === 'percentile')
      detail = { label: node.field, expr: fieldExpr(node.field, ctx).expr };
    else if (node.kind === 'purchase') detail = { label: 'matching orders', expr: purchaseDetail(node, ctx) };
    else if (node.kind === 'event') detail = { label: `${node.name} events`, expr: eventDetail(node, ctx) };
    if (detail) {
      entry.detail = `d${i}`;
      entry.detailLabel = detail.label;
      columns.push({ expr: detail.expr, alias: `d${i}` });
    }
    nodes.push(entry);
    return entry;
  };
  /** A percentile condition's cut-offs, computed over the same customers as its truth. */
  const addCutoffs = (
    entry: { cutoffs?: { low?: string; high?: string } },
    node: ConditionIR,
    scope: SqlExpr | null,
  ) => {
    if (node.kind !== 'percentile') return;
    const i = columns.length;
    const { low, high } = percentileCutoffs(node, ctx, scope);
    entry.cutoffs = {};
    if (low) {
      columns.push({ expr: low, alias: `lo${i}` });
      entry.cutoffs.low = `lo${i}`;
    }
    if (high) {
      columns.push({ expr: high, alias: `hi${i}` });
      entry.cutoffs.high = `hi${i}`;
    }
  };
  const walk = (node: ConditionIR, path: number[], truth: SqlExpr, scope: SqlExpr | null = null) => {
    addCutoffs(add(node, path, truth), node, scope);
    if (node.kind === 'and') {
      const others = node.operands.filter((o) => !(o.kind === 'percentile' && o.scope === 'matching'));
      const rest = others.length ? and(...others.map((o) => lower(o, ctx))) : null;
      node.operands.forEach((o, k) => {
        const matching = o.kind === 'percentile' && o.scope === 'matching';
        walk(o, [...path, k], matching ? percentile(o, ctx, rest) : lower(o, ctx), matching ? rest : null);
      });
    } else if (node.kind === 'or') node.operands.forEach((o, k) => walk(o, [...path, k], lower(o, ctx)));
    else if (node.kind === 'not') walk(node.operand, [...path, 0], lower(node.operand, ctx));
  };
  walk(ir.root, [], lower(ir.root, ctx));
  const q = baseSelect(ctx, columns, bin('=', customerId, param(customer)));
  return { query: compilerFor(options.dialect).compile(q), nodes };
}
