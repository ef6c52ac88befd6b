/*
 * The lowering of a segment's condition tree to one SQL condition over the base relation: boolean
 * structure, field comparisons, percentiles, tags, consent, saved-segment references and answers,
 * handing purchases, events and sequences to segment-activity.ts.
 */
import { defaultChannels, lookup, type ConditionIR, type PercentileIR } from '@strata/segment-lang';
import { event, purchase, purchaseTime, sequence, sequenceWithoutLaterOrder } from './segment-activity.js';
import { baseSelect, customerId, SegmentCompileError, type Context } from './segment-context.js';
import { applyTest, ci, durationExpr, fieldExpr, now } from './segment-values.js';
import {
  agg,
  and,
  bin,
  bool,
  cast,
  col,
  fn,
  inList,
  inSubquery,
  isNull,
  not,
  num,
  or,
  param,
  select,
  table,
  type SqlExpr,
} from './sql-ir.js';

/**
 * The cut-offs of a percentile condition, worked out over the ranked customers: those with a
 * value (and, `of matching`, satisfying the rest of the `and`). A money measure ranks buyers only,
 * and only a buyer is in one of its ranks (FieldSpec.rankedAmongBuyers): `buyers` is then that
 * condition. `low` is the value a member's is at least, `high` at most; `top` has only a low one,
 * `bottom` only a high one. Also what `explain` shows ("top 10% = total_spent ≥ 1,234.50").
 */
export function percentileCutoffs(
  ir: PercentileIR,
  ctx: Context,
  scopeFilter: SqlExpr | null,
): { expr: SqlExpr; buyers: SqlExpr | null; low?: SqlExpr; high?: SqlExpr } {
  const { expr, type } = fieldExpr(ir.field, ctx);
  if (!['number', 'money', 'integer'].includes(type))
    throw new SegmentCompileError(`"${ir.field}" is not a number, so it has no percentiles`);
  const buyers = lookup(ctx.catalog, ir.field)?.rankedAmongBuyers ? bin('>', col('p', 'order_count'), num(0)) : null;
  const filter = and(isNull(expr, true), buyers, scopeFilter);
  if (ir.rank.kind === 'between') {
    const q = (fraction: number) =>
      ({
        kind: 'subquery',
        query: baseSelect(
          ctx,
          [{ expr: { kind: 'percentileCont', fraction: cast(param(fraction), 'double'), value: expr } }],
          filter,
        ),
      }) as const;
    return { expr, buyers, low: q(ir.rank.low / 100), high: q(ir.rank.high / 100) };
  }
  // Top p%: customers fewer than p% of the ranked customers are strictly ahead of; ties stay
  // together. With k = ⌈n·p/100⌉ that is exactly "value ≥ the k-th largest value", which a top-k
  // sort finds far faster than ranking everyone.
  const direction = ir.rank.kind === 'top' ? 'desc' : 'asc';
  const k: SqlExpr = {
    kind: 'subquery',
    query: baseSelect(
      ctx,
      [
        {
          expr: cast(
            fn(
              'ceil',
              bin('/', bin('*', agg('count', { kind: 'star' }), cast(param(ir.rank.percent), 'double')), num(100)),
            ),
            'integer',
          ),
        },
      ],
      filter,
    ),
  };
  const topK = baseSelect(ctx, [{ expr, alias: 'v' }], filter, { orderBy: [{ expr, direction }], limit: k });
  const threshold: SqlExpr = {
    kind: 'subquery',
    query: select({
      columns: [{ expr: agg(direction === 'desc' ? 'min' : 'max', col('top_k', 'v')) }],
      from: { kind: 'derived', query: topK, alias: 'top_k' },
    }),
  };
  return direction === 'desc' ? { expr, buyers, low: threshold } : { expr, buyers, high: threshold };
}

/** A percentile condition: the value compared with its cut-offs (see percentileCutoffs). */
export function percentile(ir: PercentileIR, ctx: Context, scopeFilter: SqlExpr | null): SqlExpr {
  const { expr, buyers, low, high } = percentileCutoffs(ir, ctx, scopeFilter);
  if (low && high) return and(bin('>=', expr, low), bin('<=', expr, high), buyers, scopeFilter);
  return and(buyers, low ? bin('>=', expr, low) : bin('<=', expr, high!));
}

export function lower(ir: ConditionIR, ctx: Context): SqlExpr {
  switch (ir.kind) {
    case 'and': {
      const matching = ir.operands.filter((o): o is PercentileIR => o.kind === 'percentile' && o.scope === 'matching');
      const others = ir.operands
        .filter((o) => !(o.kind === 'percentile' && o.scope === 'matching'))
        .map((o) => lower(o, ctx));
      const rest = others.length ? and(...others) : null;
      return and(...others, ...matching.map((m) => percentile(m, ctx, rest)));
    }
    case 'or':
      return or(...ir.operands.map((o) => lower(o, ctx)));
    case 'not':
      // The complement: customers for whom the operand is false or unknown.
      return not(fn('coalesce', lower(ir.operand, ctx), bool(false)));
    case 'compare': {
      const { expr, type } = fieldExpr(ir.field, ctx);
      return applyTest(expr, ir, type, ctx);
    }
    case 'percentile':
      return percentile(ir, ctx, null);
    case 'purchase':
      return purchase(ir, ctx);
    case 'purchaseTime':
      return purchaseTime(ir, ctx);
    case 'event':
      return event(ir, ctx);
    case 'sequence': {
      const only = ir.steps.length === 1 ? ir.steps[0]! : undefined;
      if (only && only.negated && only.target.kind === 'purchase' && !only.target.item && !only.within) {
        const w = ir.first.window;
        if (ir.first.name === 'add_to_cart' && !ir.first.where && (!w || w.kind === 'withinLast')) {
          // The latest cart addition is in the window and no order came after it (both kept in the profile).
          const lastAdd = col('p', 'last_add_to_cart_at');
          const lastOrder = col('p', 'last_order_at');
          return and(
            isNull(lastAdd, true),
            bin('<=', lastAdd, now(ctx)),
            w ? bin('>=', lastAdd, bin('-', now(ctx), durationExpr(w.duration))) : null,
            or(isNull(lastOrder), bin('<=', lastOrder, lastAdd)),
          );
        }
        return sequenceWithoutLaterOrder(ir, ctx);
      }
      return sequence(ir, ctx);
    }
    case 'tag': {
      const tags = [...new Set(ir.tags.map((t) => t.toLowerCase()))];
      const base = select({
        columns: [{ expr: col('t', 'customer_id') }],
        from: table('tags', 't'),
        where: inList(
          ci(col('t', 'tag')),
          tags.map((t) => param(t)),
        ),
      });
      if (ir.mode === 'any' || tags.length === 1) return inSubquery(customerId, base);
      return inSubquery(customerId, {
        ...base,
        groupBy: [col('t', 'customer_id')],
        having: bin('=', agg('count', ci(col('t', 'tag')), true), num(tags.length)),
      });
    }
    case 'consent': {
      if (!defaultChannels.includes(ir.channel)) throw new SegmentCompileError(`unknown channel "${ir.channel}"`);
      const granted = bin('=', fn('coalesce', col('c', `consent_${ir.channel}_granted`), bool(false)), bool(true));
      if (!ir.requireContact) return granted;
      return and(granted, isNull(col('c', ir.channel === 'email' ? 'email' : 'phone'), true));
    }
    case 'segmentRef': {
      if (ctx.visiting.has(ir.segment))
        throw new SegmentCompileError(
          `segment "${ir.segment}" refers to itself (through ${[...ctx.visiting].join(' → ')})`,
        );
      const target = ctx.resolveSegment?.(ir.segment);
      if (!target) throw new SegmentCompileError(`no saved segment "${ir.segment}"`);
      return lower(target.root, { ...ctx, visiting: new Set([...ctx.visiting, ir.segment]) });
    }
    case 'answer': {
      const answer: SqlExpr = { kind: 'jsonText', operand: col('p', 'questionnaire_answers'), key: param(ir.question) };
      if (!ir.options?.length) return isNull(answer, true);
      return inList(
        ci(answer),
        ir.options.map((o) => ci(param(o))),
      );
    }
  }
}
