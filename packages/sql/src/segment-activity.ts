/*
 * Conditions on what customers did rather than on their profile: purchases (how many, how much, of
 * what, when), events with property filters, and sequences ("did X then Y within 2 days", "then
 * not order"). Each compiles to a membership test on `p.customer_id`.
 */
import {
  eventCountColumn,
  purchaseFact,
  type AmountBound,
  type ConditionIR,
  type CountBound,
  type Duration,
  type FieldType,
  type ItemFilter,
  type PurchaseFact,
  type SequenceTarget,
  type TimeWindow,
  type WhereIR,
} from '@strata/segment-lang';
import { customerId, type Context } from './segment-context.js';
import { applyTest, ci, DAY, durationExpr, now, timeExpr } from './segment-values.js';
import {
  agg,
  and,
  bin,
  bool,
  cast,
  col,
  exists,
  fn,
  inList,
  inSubquery,
  isNull,
  not,
  num,
  or,
  param,
  select,
  str,
  table,
  type SelectNode,
  type SqlExpr,
} from './sql-ir.js';

export const confirmed = bin('=', col('o', 'status'), str('confirmed'));

export function itemCondition(item: ItemFilter): SqlExpr {
  const column = {
    product: col('li', 'sku'),
    category: col('pr', 'category'),
    brand: col('pr', 'brand'),
    collection: col('pr', 'collection'),
  }[item.by];
  return inList(
    ci(column),
    item.values.map((v) => ci(param(v))),
  );
}

export function windowCondition(time: SqlExpr, window: TimeWindow | undefined, ctx: Context): SqlExpr {
  const upTo = bin('<=', time, now(ctx));
  if (!window) return upTo;
  switch (window.kind) {
    case 'withinLast':
      return and(bin('>=', time, bin('-', now(ctx), durationExpr(window.duration))), upTo);
    case 'before':
      return and(bin('<', time, timeExpr(window.time, ctx)), upTo);
    case 'after':
      return and(
        bin(
          '>=',
          time,
          window.time.kind === 'date' ? bin('+', timeExpr(window.time, ctx), DAY(1)) : timeExpr(window.time, ctx),
        ),
        upTo,
      );
    case 'between':
      return and(
        bin('>=', time, timeExpr(window.from, ctx)),
        bin(
          '<',
          time,
          window.to.kind === 'date' ? bin('+', timeExpr(window.to, ctx), DAY(1)) : timeExpr(window.to, ctx),
        ),
        upTo,
      );
  }
}

function bound(expr: SqlExpr, b: CountBound | AmountBound): SqlExpr {
  return bin(b.op === 'gte' ? '>=' : b.op === 'lte' ? '<=' : '=', expr, cast(param(b.value), 'double'));
}
const holdsAtZero = (b: CountBound | AmountBound | undefined) =>
  !b || (b.op === 'gte' ? 0 >= b.value : b.op === 'lte' ? 0 <= b.value : b.value === 0);

/**
 * Customers whose aggregate over their rows passes `having`. When a customer with no rows at all
 * would pass too (e.g. "at most 2 times"), it is written as "not among those who fail", so
 * customers with nothing are included.
 */
function aggregateMembership(
  q: Omit<SelectNode, 'having' | 'groupBy' | 'columns'>,
  idColumn: SqlExpr,
  having: SqlExpr,
  zeroPasses: boolean,
): SqlExpr {
  const sub = select({
    ...q,
    columns: [{ expr: idColumn }],
    groupBy: [idColumn],
    having: zeroPasses ? not(having) : having,
  });
  return inSubquery(customerId, sub, zeroPasses);
}

const lineAmount = bin('-', bin('*', col('li', 'quantity'), col('li', 'unit_price')), col('li', 'line_discount'));

export function purchase(ir: Extract<ConditionIR, { kind: 'purchase' }>, ctx: Context): SqlExpr {
  // Answerable from the profile: how many orders ever, and the item facts of profile-facts.ts.
  if (!ir.item && !ir.window && !ir.amount) return bound(fn('coalesce', col('p', 'order_count'), num(0)), ir.count);
  const fact = purchaseFact(ir);
  if (fact) return purchaseFromProfile(fact, ctx);
  const needLines = ir.item !== undefined || ir.amount !== undefined;
  const joins: SelectNode['joins'] = needLines
    ? [
        { type: 'inner', from: table('order_lines', 'li'), on: bin('=', col('li', 'order_id'), col('o', 'id')) },
        ...(ir.item && ir.item.by !== 'product'
          ? [
              {
                type: 'inner' as const,
                from: table('products', 'pr'),
                on: bin('=', col('pr', 'sku'), col('li', 'sku')),
              },
            ]
          : []),
      ]
    : [];
  const having = and(
    bound(agg('count', col('o', 'id'), true), ir.count),
    ir.amount ? bound(fn('coalesce', agg('sum', lineAmount), num(0)), ir.amount) : null,
  );
  return aggregateMembership(
    {
      kind: 'select',
      distinct: false,
      from: table('orders', 'o'),
      joins,
      where: and(
        confirmed,
        windowCondition(col('o', 'placed_at'), ir.window, ctx),
        ir.item ? itemCondition(ir.item) : null,
      ),
      orderBy: [],
      limit: null,
      offset: null,
    },
    col('o', 'customer_id'),
    having,
    holdsAtZero(ir.count) && holdsAtZero(ir.amount),
  );
}

/** A purchase condition answered from the profile (see purchaseFact): no orders or lines read. */
function purchaseFromProfile(fact: PurchaseFact, ctx: Context): SqlExpr {
  switch (fact.kind) {
    case 'keys':
      return or(...fact.keys.map((k): SqlExpr => ({ kind: 'listHas', list: col('p', fact.column), value: param(k) })));
    case 'orders': {
      const orders: SqlExpr = { kind: 'jsonText', operand: col('p', fact.column), key: param(fact.key) };
      return bound(fn('coalesce', cast(orders, 'double'), num(0)), fact.count);
    }
    case 'since': {
      const from = bin('-', now(ctx), durationExpr(fact.duration));
      return or(
        ...fact.keys.map((k) =>
          bin('>=', cast({ kind: 'jsonText', operand: col('p', fact.column), key: param(k) }, 'timestamp'), from),
        ),
      );
    }
  }
}

export function purchaseTime(ir: Extract<ConditionIR, { kind: 'purchaseTime' }>, ctx: Context): SqlExpr {
  if (!ir.item)
    return applyTest(col('p', ir.which === 'first' ? 'first_order_at' : 'last_order_at'), ir, 'timestamp', ctx);
  // First/last time per buyer of the item, grouped once (not a subquery per customer).
  const times = select({
    columns: [
      { expr: col('o', 'customer_id'), alias: 'customer_id' },
      { expr: agg(ir.which === 'first' ? 'min' : 'max', col('o', 'placed_at')), alias: 'at' },
    ],
    from: table('orders', 'o'),
    joins: [
      { type: 'inner', from: table('order_lines', 'li'), on: bin('=', col('li', 'order_id'), col('o', 'id')) },
      { type: 'left', from: table('products', 'pr'), on: bin('=', col('pr', 'sku'), col('li', 'sku')) },
    ],
    where: and(confirmed, bin('<=', col('o', 'placed_at'), now(ctx)), itemCondition(ir.item)),
    groupBy: [col('o', 'customer_id')],
  });
  if (ir.op === 'isNotSet') return inSubquery(customerId, { ...times, columns: [times.columns[0]!] }, true);
  const passing = select({
    columns: [{ expr: col('bought', 'customer_id') }],
    from: { kind: 'derived', query: times, alias: 'bought' },
    where: applyTest(col('bought', 'at'), ir, 'timestamp', ctx),
  });
  return inSubquery(customerId, passing);
}

function whereCondition(w: WhereIR, alias: string, ctx: Context): SqlExpr {
  switch (w.kind) {
    case 'and':
      return and(...w.operands.map((o) => whereCondition(o, alias, ctx)));
    case 'or':
      return or(...w.operands.map((o) => whereCondition(o, alias, ctx)));
    case 'not':
      return not(fn('coalesce', whereCondition(w.operand, alias, ctx), bool(false)));
    case 'property': {
      const text: SqlExpr = { kind: 'jsonText', operand: col(alias, 'properties'), key: param(w.property) };
      const typed: { expr: SqlExpr; type: FieldType } =
        w.type === 'number'
          ? { expr: cast(text, 'double'), type: 'number' }
          : w.type === 'boolean'
            ? { expr: cast(text, 'boolean'), type: 'boolean' }
            : w.type === 'timestamp' || w.type === 'date'
              ? { expr: cast(text, 'timestamp'), type: 'timestamp' }
              : { expr: text, type: 'string' };
      return applyTest(typed.expr, w, typed.type, ctx);
    }
  }
}

export function eventRows(alias: string, name: string, where: WhereIR | undefined, ctx: Context): SqlExpr {
  return and(bin('=', col(alias, 'type'), param(name)), where ? whereCondition(where, alias, ctx) : null);
}

export function event(ir: Extract<ConditionIR, { kind: 'event' }>, ctx: Context): SqlExpr {
  const counted = eventCountColumn(ir);
  if (counted) return bound(fn('coalesce', col('p', counted), num(0)), ir.count);
  return aggregateMembership(
    {
      kind: 'select',
      distinct: false,
      from: table('events', 'e'),
      joins: [],
      // Anonymous events (no customer) are nobody's: grouped, their NULL id would land in the
      // NOT IN list of "at most n times" and make it match no one.
      where: and(
        isNull(col('e', 'customer_id'), true),
        eventRows('e', ir.name, ir.where, ctx),
        windowCondition(col('e', 'occurred_at'), ir.window, ctx),
      ),
      orderBy: [],
      limit: null,
      offset: null,
    },
    col('e', 'customer_id'),
    bound(agg('count', { kind: 'star' }), ir.count),
    holdsAtZero(ir.count),
  );
}

function sequenceStepQuery(
  target: SequenceTarget,
  alias: string,
  owner: SqlExpr,
  after: SqlExpr,
  within: Duration | undefined,
  rest: SqlExpr | null,
  ctx: Context,
): SelectNode {
  const time = target.kind === 'event' ? col(alias, 'occurred_at') : col(alias, 'placed_at');
  const timing = and(
    bin('>', time, after),
    within ? bin('<=', time, bin('+', after, durationExpr(within))) : null,
    bin('<=', time, now(ctx)),
  );
  if (target.kind === 'event') {
    return select({
      columns: [{ expr: num(1) }],
      from: table('events', alias),
      where: and(
        bin('=', col(alias, 'customer_id'), owner),
        eventRows(alias, target.name, target.where, ctx),
        timing,
        rest,
      ),
    });
  }
  const item = target.item
    ? exists(
        select({
          columns: [{ expr: num(1) }],
          from: table('order_lines', 'li'),
          joins: [{ type: 'left', from: table('products', 'pr'), on: bin('=', col('pr', 'sku'), col('li', 'sku')) }],
          where: and(bin('=', col('li', 'order_id'), col(alias, 'id')), itemCondition(target.item)),
        }),
      )
    : null;
  return select({
    columns: [{ expr: num(1) }],
    from: table('orders', alias),
    where: and(
      bin('=', col(alias, 'customer_id'), owner),
      bin('=', col(alias, 'status'), str('confirmed')),
      timing,
      item,
      rest,
    ),
  });
}

export function sequence(ir: Extract<ConditionIR, { kind: 'sequence' }>, ctx: Context): SqlExpr {
  // Built inside out: each step is an EXISTS nested in the previous step's query.
  const aliases = ir.steps.map((_, i) => `s${i + 1}`);
  let inner: SqlExpr | null = null;
  for (let i = ir.steps.length - 1; i >= 0; i--) {
    const step = ir.steps[i]!;
    const prevAlias = i === 0 ? 's0' : aliases[i - 1]!;
    const prevTarget = i === 0 ? 'event' : ir.steps[i - 1]!.target.kind;
    const prevTime = col(prevAlias, prevTarget === 'event' ? 'occurred_at' : 'placed_at');
    const q = sequenceStepQuery(step.target, aliases[i]!, col('s0', 'customer_id'), prevTime, step.within, inner, ctx);
    inner = step.negated
      ? and(exists(q, true), step.within ? bin('<=', bin('+', prevTime, durationExpr(step.within)), now(ctx)) : null)
      : exists(q);
  }
  const first = select({
    columns: [{ expr: col('s0', 'customer_id') }],
    from: table('events', 's0'),
    where: and(
      eventRows('s0', ir.first.name, ir.first.where, ctx),
      windowCondition(col('s0', 'occurred_at'), ir.first.window, ctx),
      inner,
    ),
  });
  return inSubquery(customerId, first);
}

/**
 * "did X … then not order" (no item, no time limit): no confirmed order after the event is the
 * same as the customer's last confirmed order (kept in the profile) being no later than it, which
 * avoids searching every order for every event.
 */
export function sequenceWithoutLaterOrder(ir: Extract<ConditionIR, { kind: 'sequence' }>, ctx: Context): SqlExpr {
  const last = col('sp', 'last_order_at');
  const q = select({
    columns: [{ expr: col('s0', 'customer_id') }],
    from: table('events', 's0'),
    joins: [
      {
        type: 'left',
        from: table('customer_profile', 'sp'),
        on: bin('=', col('sp', 'customer_id'), col('s0', 'customer_id')),
      },
    ],
    where: and(
      eventRows('s0', ir.first.name, ir.first.where, ctx),
      windowCondition(col('s0', 'occurred_at'), ir.first.window, ctx),
      or(isNull(last), bin('<=', last, col('s0', 'occurred_at'))),
    ),
  });
  return inSubquery(customerId, q);
}
