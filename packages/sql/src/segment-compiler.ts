import {
  defaultCatalog,
  defaultChannels,
  lookup,
  type ConditionIR,
  type CountBound,
  type AmountBound,
  type Duration,
  type FieldCatalog,
  type FieldType,
  type ItemFilter,
  type PercentileIR,
  type ScalarValue,
  type SegmentIR,
  type SequenceTarget,
  type ValueTest as Test,
  type TimeValue,
  type TimeWindow,
  type WhereIR,
} from '@strata/segment-lang';
import { compilerFor, type CompiledQuery, type Dialect } from './query-compiler.js';
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
  interval,
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

/** A segment that cannot be compiled: unknown field, a cycle of segment references, … */
export class SegmentCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentCompileError';
  }
}

export interface SegmentCompileOptions {
  dialect: Dialect;
  /** The evaluation time: relative times ("30 days ago") are measured from it. */
  now: Date | string;
  catalog?: FieldCatalog;
  /** Looks up another saved segment by id or name, for `in segment "…"`. */
  resolveSegment?: (name: string) => SegmentIR | undefined;
}

export type QueryShape =
  | { kind: 'count' }
  | { kind: 'ids' }
  | { kind: 'page'; limit: number; offset: number }
  /** The next `limit` ids after `after` (keyset paging: every page costs the same, however deep). */
  | { kind: 'after'; limit: number; after: string | null };

interface Context {
  /** Whether conditions need the customers table (customer attributes, consent) besides the profile. */
  readonly joinCustomers: boolean;
  readonly nowIso: string;
  readonly catalog: FieldCatalog;
  readonly resolveSegment: ((name: string) => SegmentIR | undefined) | undefined;
  readonly visiting: ReadonlySet<string>;
}

/*
 * The base relation every condition is written against: `p` (customer_profile, one row per live
 * customer as of the last profile update), joined with `c` (customers) only when a condition needs
 * customer attributes or consent. Subqueries re-declare the same aliases for their own rows, so a
 * condition compiles the same wherever it sits.
 */
const customerId = col('p', 'customer_id');

function baseSelect(ctx: Context, columns: SelectNode['columns'], where: SqlExpr, extra: Partial<SelectNode> = {}): SelectNode {
  const joins: SelectNode['joins'] = ctx.joinCustomers ? [{ type: 'inner', from: table('customers', 'c'), on: bin('=', col('c', 'id'), customerId) }] : [];
  return select({ columns, from: table('customer_profile', 'p'), joins, where: ctx.joinCustomers ? and(isNull(col('c', 'merged_into')), where) : where, ...extra });
}

/** Fields kept on the profile although the catalog files them under the customer (derived at profile time). */
const profileBacked = new Set(['age', 'age_group']);

function needsCustomers(node: ConditionIR, catalog: FieldCatalog, resolve: ((name: string) => SegmentIR | undefined) | undefined, seen: Set<string>): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.operands.some((o) => needsCustomers(o, catalog, resolve, seen));
    case 'not':
      return needsCustomers(node.operand, catalog, resolve, seen);
    case 'compare':
    case 'percentile': {
      const spec = lookup(catalog, node.field);
      return spec !== undefined && spec.source === 'customer' && !profileBacked.has(node.field);
    }
    case 'consent':
      return true;
    case 'segmentRef': {
      if (seen.has(node.segment)) return false;
      seen.add(node.segment);
      const target = resolve?.(node.segment);
      return target ? needsCustomers(target.root, catalog, resolve, seen) : false;
    }
    default:
      return false;
  }
}

function contextFor(ir: SegmentIR, options: SegmentCompileOptions): Context {
  const catalog = options.catalog ?? defaultCatalog;
  return {
    joinCustomers: needsCustomers(ir.root, catalog, options.resolveSegment, new Set()),
    nowIso: typeof options.now === 'string' ? new Date(options.now).toISOString() : options.now.toISOString(),
    catalog,
    resolveSegment: options.resolveSegment,
    visiting: new Set(),
  };
}

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
      return baseSelect(ctx, [{ expr: customerId, alias: 'customer_id' }], where, { orderBy: [{ expr: customerId, direction: 'asc' }] });
    case 'page':
      return baseSelect(ctx, [{ expr: customerId, alias: 'customer_id' }], where, {
        orderBy: [{ expr: customerId, direction: 'asc' }],
        limit: param(shape.limit),
        offset: param(shape.offset),
      });
    case 'after':
      return baseSelect(ctx, [{ expr: customerId, alias: 'customer_id' }], shape.after === null ? where : and(bin('>', customerId, param(shape.after)), where), {
        orderBy: [{ expr: customerId, direction: 'asc' }],
        limit: param(shape.limit),
      });
  }
}

export function compileSegment(ir: SegmentIR, options: SegmentCompileOptions, shape: QueryShape = { kind: 'ids' }): CompiledQuery {
  return compilerFor(options.dialect).compile(segmentSelect(ir, options, shape));
}

/* ───────────────────────── values and times ───────────────────────── */

const now = (ctx: Context): SqlExpr => cast(param(ctx.nowIso), 'timestamp');
const durationExpr = (d: Duration): SqlExpr => interval(param(d.amount), d.unit);

function timeExpr(v: TimeValue, ctx: Context): SqlExpr {
  switch (v.kind) {
    case 'now':
      return now(ctx);
    case 'relativeTime':
      return bin(v.direction === 'ago' ? '-' : '+', now(ctx), interval(param(v.amount), v.unit));
    case 'date':
      return cast(param(v.value), 'timestamp');
  }
}

const DAY = (amount: number): SqlExpr => interval(num(amount), 'day');

function scalar(v: ScalarValue, type: FieldType): SqlExpr {
  if (v.kind === 'date') return cast(param(v.value), type === 'date' ? 'date' : 'timestamp');
  if (v.kind === 'number' && (type === 'integer' || type === 'number' || type === 'money')) return cast(param(v.value), 'double');
  return param(v.value);
}

const isText = (type: FieldType) => type === 'string';
const ci = (e: SqlExpr) => fn('lower', e);

/** Whole days a duration covers, for "any day in the next n days" (annual dates). */
function durationDays(d: Duration): number {
  const perUnit: Record<Duration['unit'], number> = { minute: 1 / 1440, hour: 1 / 24, day: 1, week: 7, month: 31, year: 366 };
  return Math.ceil(d.amount * perUnit[d.unit]);
}

/** Applies a test to a subject expression of a known type. Missing values never match. */
function applyTest(subject: SqlExpr, test: Test, type: FieldType, ctx: Context): SqlExpr {
  const isTime = type === 'timestamp' || type === 'date';
  const value = (v: ScalarValue | TimeValue): SqlExpr =>
    v.kind === 'relativeTime' || v.kind === 'now' || (v.kind === 'date' && type === 'timestamp') ? timeExpr(v, ctx) : scalar(v, type);
  // A calendar day on a timestamp is the whole day: [d, d + 1 day).
  const dayStart = (v: ScalarValue | TimeValue) => value(v);
  const dayEnd = (v: ScalarValue | TimeValue) => (v.kind === 'date' && type === 'timestamp' ? bin('+', timeExpr(v, ctx), DAY(1)) : null);
  switch (test.op) {
    case 'eq':
    case 'ne': {
      let eq: SqlExpr;
      const end = dayEnd(test.value);
      if (end) eq = and(bin('>=', subject, dayStart(test.value)), bin('<', subject, end));
      else if (isText(type)) eq = bin('=', ci(subject), ci(value(test.value)));
      else eq = bin('=', subject, value(test.value));
      return test.op === 'eq' ? eq : and(isNull(subject, true), not(eq));
    }
    case 'lt':
      return bin('<', subject, value(test.value));
    case 'gte':
      return bin('>=', subject, value(test.value));
    case 'lte': {
      const end = dayEnd(test.value);
      return end ? bin('<', subject, end) : bin('<=', subject, value(test.value));
    }
    case 'gt': {
      const end = dayEnd(test.value);
      return end ? bin('>=', subject, end) : bin('>', subject, value(test.value));
    }
    case 'between': {
      const end = dayEnd(test.high);
      return and(bin('>=', subject, value(test.low)), end ? bin('<', subject, end) : bin('<=', subject, value(test.high)));
    }
    case 'in':
    case 'notIn': {
      const values = test.values.map((v) => (isText(type) ? ci(value(v)) : value(v)));
      return inList(isText(type) ? ci(subject) : subject, values, test.op === 'notIn');
    }
    case 'isSet':
      return isNull(subject, true);
    case 'isNotSet':
      return isNull(subject);
    case 'contains':
      if (type === 'list') return { kind: 'listContains', list: subject, value: param(test.value.value) };
      return bin('>', fn('strpos', ci(subject), ci(param(test.value.value))), num(0));
    case 'startsWith':
      return bin('=', fn('left', ci(subject), fn('length', param(test.value.value))), ci(param(test.value.value)));
    case 'endsWith':
      return bin('=', fn('right', ci(subject), fn('length', param(test.value.value))), ci(param(test.value.value)));
    case 'withinLast':
    case 'withinNext': {
      if (test.annual && isTime) {
        // Month and day only: some day k in the window falls on the subject's month and day.
        const k = col('series_k', 'k');
        const day = bin(test.op === 'withinNext' ? '+' : '-', now(ctx), interval(k, 'day'));
        const q = select({
          columns: [{ expr: num(1) }],
          from: { kind: 'series', to: param(durationDays(test.duration)), alias: 'series_k', column: 'k' },
          where: and(
            bin('=', { kind: 'datePart', part: 'month', operand: day }, { kind: 'datePart', part: 'month', operand: subject }),
            bin('=', { kind: 'datePart', part: 'day', operand: day }, { kind: 'datePart', part: 'day', operand: subject }),
          ),
        });
        return and(isNull(subject, true), exists(q));
      }
      const d = durationExpr(test.duration);
      return test.op === 'withinLast'
        ? and(bin('>=', subject, bin('-', now(ctx), d)), bin('<=', subject, now(ctx)))
        : and(bin('>=', subject, now(ctx)), bin('<=', subject, bin('+', now(ctx), d)));
    }
  }
}

/* ───────────────────────── fields ───────────────────────── */

function fieldExpr(name: string, ctx: Context): { expr: SqlExpr; type: FieldType } {
  const spec = lookup(ctx.catalog, name);
  if (!spec) throw new SegmentCompileError(`unknown field "${name}"`);
  if (name === 'days_since_last_order') {
    // Measured at evaluation time, not at the last profile run, so it is exact whenever asked.
    const days = fn('floor', bin('/', bin('-', { kind: 'epoch', operand: now(ctx) }, { kind: 'epoch', operand: col('p', 'last_order_at') }), num(86400)));
    return { expr: days, type: spec.type };
  }
  if (name === 'overdue_ratio') {
    const days = fieldExpr('days_since_last_order', ctx).expr;
    return { expr: bin('/', days, fn('nullif', fn('coalesce', col('p', 'median_days_between_orders'), col('p', 'avg_days_between_orders')), num(0))), type: spec.type };
  }
  const table = spec.source === 'profile' || profileBacked.has(name) ? 'p' : 'c';
  return { expr: col(table, name), type: spec.type };
}

/* ───────────────────────── purchases and events ───────────────────────── */

const confirmed = bin('=', col('o', 'status'), str('confirmed'));

function itemCondition(item: ItemFilter): SqlExpr {
  const column = { product: col('li', 'sku'), category: col('pr', 'category'), brand: col('pr', 'brand'), collection: col('pr', 'collection') }[item.by];
  return inList(ci(column), item.values.map((v) => ci(param(v))));
}

function windowCondition(time: SqlExpr, window: TimeWindow | undefined, ctx: Context): SqlExpr {
  const upTo = bin('<=', time, now(ctx));
  if (!window) return upTo;
  switch (window.kind) {
    case 'withinLast':
      return and(bin('>=', time, bin('-', now(ctx), durationExpr(window.duration))), upTo);
    case 'before':
      return and(bin('<', time, timeExpr(window.time, ctx)), upTo);
    case 'after':
      return and(
        bin('>=', time, window.time.kind === 'date' ? bin('+', timeExpr(window.time, ctx), DAY(1)) : timeExpr(window.time, ctx)),
        upTo,
      );
    case 'between':
      return and(
        bin('>=', time, timeExpr(window.from, ctx)),
        bin('<', time, window.to.kind === 'date' ? bin('+', timeExpr(window.to, ctx), DAY(1)) : timeExpr(window.to, ctx)),
        upTo,
      );
  }
}

function bound(expr: SqlExpr, b: CountBound | AmountBound): SqlExpr {
  return bin(b.op === 'gte' ? '>=' : b.op === 'lte' ? '<=' : '=', expr, cast(param(b.value), 'double'));
}
const holdsAtZero = (b: CountBound | AmountBound | undefined) => !b || (b.op === 'gte' ? 0 >= b.value : b.op === 'lte' ? 0 <= b.value : b.value === 0);

/**
 * Customers whose aggregate over their rows passes `having`. When a customer with no rows at all
 * would pass too (e.g. "at most 2 times"), it is written as "not among those who fail", so
 * customers with nothing are included.
 */
function aggregateMembership(q: Omit<SelectNode, 'having' | 'groupBy' | 'columns'>, idColumn: SqlExpr, having: SqlExpr, zeroPasses: boolean): SqlExpr {
  const sub = select({ ...q, columns: [{ expr: idColumn }], groupBy: [idColumn], having: zeroPasses ? not(having) : having });
  return inSubquery(customerId, sub, zeroPasses);
}

const lineAmount = bin('-', bin('*', col('li', 'quantity'), col('li', 'unit_price')), col('li', 'line_discount'));

function purchase(ir: Extract<ConditionIR, { kind: 'purchase' }>, ctx: Context): SqlExpr {
  // Answerable from the profile: how many orders ever, or bought a category/brand ever.
  if (!ir.item && !ir.window && !ir.amount) return bound(fn('coalesce', col('p', 'order_count'), num(0)), ir.count);
  if (ir.item && (ir.item.by === 'category' || ir.item.by === 'brand') && !ir.window && !ir.amount && ir.count.op === 'gte' && ir.count.value === 1) {
    const list = col('p', ir.item.by === 'category' ? 'category_keys' : 'brand_keys');
    return or(...ir.item.values.map((v): SqlExpr => ({ kind: 'listHas', list, value: param(v.toLowerCase()) })));
  }
  const needLines = ir.item !== undefined || ir.amount !== undefined;
  const joins: SelectNode['joins'] = needLines
    ? [
        { type: 'inner', from: table('order_lines', 'li'), on: bin('=', col('li', 'order_id'), col('o', 'id')) },
        ...(ir.item && ir.item.by !== 'product' ? [{ type: 'inner' as const, from: table('products', 'pr'), on: bin('=', col('pr', 'sku'), col('li', 'sku')) }] : []),
      ]
    : [];
  const having = and(bound(agg('count', col('o', 'id'), true), ir.count), ir.amount ? bound(fn('coalesce', agg('sum', lineAmount), num(0)), ir.amount) : null);
  return aggregateMembership(
    { kind: 'select', distinct: false, from: table('orders', 'o'), joins, where: and(confirmed, windowCondition(col('o', 'placed_at'), ir.window, ctx), ir.item ? itemCondition(ir.item) : null), orderBy: [], limit: null, offset: null },
    col('o', 'customer_id'),
    having,
    holdsAtZero(ir.count) && holdsAtZero(ir.amount),
  );
}

function purchaseTime(ir: Extract<ConditionIR, { kind: 'purchaseTime' }>, ctx: Context): SqlExpr {
  if (!ir.item) return applyTest(col('p', ir.which === 'first' ? 'first_order_at' : 'last_order_at'), ir, 'timestamp', ctx);
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

function eventRows(alias: string, name: string, where: WhereIR | undefined, ctx: Context): SqlExpr {
  return and(bin('=', col(alias, 'type'), param(name)), where ? whereCondition(where, alias, ctx) : null);
}

function event(ir: Extract<ConditionIR, { kind: 'event' }>, ctx: Context): SqlExpr {
  return aggregateMembership(
    { kind: 'select', distinct: false, from: table('events', 'e'), joins: [], where: and(eventRows('e', ir.name, ir.where, ctx), windowCondition(col('e', 'occurred_at'), ir.window, ctx)), orderBy: [], limit: null, offset: null },
    col('e', 'customer_id'),
    bound(agg('count', { kind: 'star' }), ir.count),
    holdsAtZero(ir.count),
  );
}

function sequenceStepQuery(target: SequenceTarget, alias: string, owner: SqlExpr, after: SqlExpr, within: Duration | undefined, rest: SqlExpr | null, ctx: Context): SelectNode {
  const time = target.kind === 'event' ? col(alias, 'occurred_at') : col(alias, 'placed_at');
  const timing = and(bin('>', time, after), within ? bin('<=', time, bin('+', after, durationExpr(within))) : null, bin('<=', time, now(ctx)));
  if (target.kind === 'event') {
    return select({ columns: [{ expr: num(1) }], from: table('events', alias), where: and(bin('=', col(alias, 'customer_id'), owner), eventRows(alias, target.name, target.where, ctx), timing, rest) });
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
    where: and(bin('=', col(alias, 'customer_id'), owner), bin('=', col(alias, 'status'), str('confirmed')), timing, item, rest),
  });
}

function sequence(ir: Extract<ConditionIR, { kind: 'sequence' }>, ctx: Context): SqlExpr {
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
    where: and(eventRows('s0', ir.first.name, ir.first.where, ctx), windowCondition(col('s0', 'occurred_at'), ir.first.window, ctx), inner),
  });
  return inSubquery(customerId, first);
}

/**
 * "did X … then not order" (no item, no time limit): no confirmed order after the event is the
 * same as the customer's last confirmed order (kept in the profile) being no later than it, which
 * avoids searching every order for every event.
 */
function sequenceWithoutLaterOrder(ir: Extract<ConditionIR, { kind: 'sequence' }>, ctx: Context): SqlExpr {
  const last = col('sp', 'last_order_at');
  const q = select({
    columns: [{ expr: col('s0', 'customer_id') }],
    from: table('events', 's0'),
    joins: [{ type: 'left', from: table('customer_profile', 'sp'), on: bin('=', col('sp', 'customer_id'), col('s0', 'customer_id')) }],
    where: and(
      eventRows('s0', ir.first.name, ir.first.where, ctx),
      windowCondition(col('s0', 'occurred_at'), ir.first.window, ctx),
      or(isNull(last), bin('<=', last, col('s0', 'occurred_at'))),
    ),
  });
  return inSubquery(customerId, q);
}

/* ───────────────────────── percentiles ───────────────────────── */

function percentile(ir: PercentileIR, ctx: Context, scopeFilter: SqlExpr | null): SqlExpr {
  const { expr, type } = fieldExpr(ir.field, ctx);
  if (!['number', 'money', 'integer'].includes(type)) throw new SegmentCompileError(`"${ir.field}" is not a number, so it has no percentiles`);
  const filter = and(isNull(expr, true), scopeFilter);
  if (ir.rank.kind === 'between') {
    const q = (fraction: number) =>
      ({ kind: 'subquery', query: baseSelect(ctx, [{ expr: { kind: 'percentileCont', fraction: cast(param(fraction), 'double'), value: expr } }], filter) }) as const;
    return and(bin('>=', expr, q(ir.rank.low / 100)), bin('<=', expr, q(ir.rank.high / 100)), scopeFilter);
  }
  // Top p%: customers fewer than p% of the ranked customers are strictly ahead of; ties stay
  // together. With k = ⌈n·p/100⌉ that is exactly "value ≥ the k-th largest value", which a top-k
  // sort finds far faster than ranking everyone.
  const direction = ir.rank.kind === 'top' ? 'desc' : 'asc';
  const k: SqlExpr = {
    kind: 'subquery',
    query: baseSelect(ctx, [{ expr: cast(fn('ceil', bin('/', bin('*', agg('count', { kind: 'star' }), cast(param(ir.rank.percent), 'double')), num(100))), 'integer') }], filter),
  };
  const topK = baseSelect(ctx, [{ expr, alias: 'v' }], filter, { orderBy: [{ expr, direction }], limit: k });
  const threshold: SqlExpr = {
    kind: 'subquery',
    query: select({ columns: [{ expr: agg(direction === 'desc' ? 'min' : 'max', col('top_k', 'v')) }], from: { kind: 'derived', query: topK, alias: 'top_k' } }),
  };
  return bin(direction === 'desc' ? '>=' : '<=', expr, threshold);
}

/* ───────────────────────── conditions ───────────────────────── */

function lower(ir: ConditionIR, ctx: Context): SqlExpr {
  switch (ir.kind) {
    case 'and': {
      const matching = ir.operands.filter((o): o is PercentileIR => o.kind === 'percentile' && o.scope === 'matching');
      const others = ir.operands.filter((o) => !(o.kind === 'percentile' && o.scope === 'matching')).map((o) => lower(o, ctx));
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
      const base = select({ columns: [{ expr: col('t', 'customer_id') }], from: table('tags', 't'), where: inList(ci(col('t', 'tag')), tags.map((t) => param(t))) });
      if (ir.mode === 'any' || tags.length === 1) return inSubquery(customerId, base);
      return inSubquery(customerId, { ...base, groupBy: [col('t', 'customer_id')], having: bin('=', agg('count', ci(col('t', 'tag')), true), num(tags.length)) });
    }
    case 'consent': {
      if (!defaultChannels.includes(ir.channel)) throw new SegmentCompileError(`unknown channel "${ir.channel}"`);
      const granted = bin('=', fn('coalesce', col('c', `consent_${ir.channel}_granted`), bool(false)), bool(true));
      if (!ir.requireContact) return granted;
      return and(granted, isNull(col('c', ir.channel === 'email' ? 'email' : 'phone'), true));
    }
    case 'segmentRef': {
      if (ctx.visiting.has(ir.segment)) throw new SegmentCompileError(`segment "${ir.segment}" refers to itself (through ${[...ctx.visiting].join(' → ')})`);
      const target = ctx.resolveSegment?.(ir.segment);
      if (!target) throw new SegmentCompileError(`no saved segment "${ir.segment}"`);
      return lower(target.root, { ...ctx, visiting: new Set([...ctx.visiting, ir.segment]) });
    }
    case 'answer': {
      const answer: SqlExpr = { kind: 'jsonText', operand: col('p', 'questionnaire_answers'), key: param(ir.question) };
      if (!ir.options?.length) return isNull(answer, true);
      return inList(ci(answer), ir.options.map((o) => ci(param(o))));
    }
  }
}

/* ───────────────────────── explain ───────────────────────── */

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
    where: and(bin('=', col('o', 'customer_id'), customerId), confirmed, windowCondition(col('o', 'placed_at'), ir.window, ctx), ir.item ? itemCondition(ir.item) : null),
  });
  return { kind: 'subquery', query: q };
}

function eventDetail(ir: Extract<ConditionIR, { kind: 'event' }>, ctx: Context): SqlExpr {
  return {
    kind: 'subquery',
    query: select({
      columns: [{ expr: agg('count', { kind: 'star' }) }],
      from: table('events', 'e'),
      where: and(bin('=', col('e', 'customer_id'), customerId), eventRows('e', ir.name, ir.where, ctx), windowCondition(col('e', 'occurred_at'), ir.window, ctx)),
    }),
  };
}

/**
 * One query returning, for one customer, whether each condition of the segment holds and the data
 * behind it, so `explain` can say "last_order_at = … → false" for every part.
 */
export function compileExplain(ir: SegmentIR, options: SegmentCompileOptions, customer: string): { query: CompiledQuery; nodes: ExplainedNode[] } {
  const ctx = { ...contextFor(ir, options), joinCustomers: true };
  const nodes: ExplainedNode[] = [];
  const columns: { expr: SqlExpr; alias: string }[] = [];
  const walk = (node: ConditionIR, path: number[], truth: SqlExpr) => {
    const i = nodes.length;
    const entry: { path: number[]; node: ConditionIR; truth: string; detail?: string; detailLabel?: string } = { path, node, truth: `t${i}` };
    columns.push({ expr: fn('coalesce', truth, bool(false)), alias: `t${i}` });
    let detail: { label: string; expr: SqlExpr } | undefined;
    if (node.kind === 'compare' || node.kind === 'percentile') detail = { label: node.field, expr: fieldExpr(node.field, ctx).expr };
    else if (node.kind === 'purchase') detail = { label: 'matching orders', expr: purchaseDetail(node, ctx) };
    else if (node.kind === 'event') detail = { label: `${node.name} events`, expr: eventDetail(node, ctx) };
    if (detail) {
      entry.detail = `d${i}`;
      entry.detailLabel = detail.label;
      columns.push({ expr: detail.expr, alias: `d${i}` });
    }
    nodes.push(entry);
    if (node.kind === 'and') {
      const others = node.operands.filter((o) => !(o.kind === 'percentile' && o.scope === 'matching'));
      const rest = others.length ? and(...others.map((o) => lower(o, ctx))) : null;
      node.operands.forEach((o, k) => walk(o, [...path, k], o.kind === 'percentile' && o.scope === 'matching' ? percentile(o, ctx, rest) : lower(o, ctx)));
    } else if (node.kind === 'or') node.operands.forEach((o, k) => walk(o, [...path, k], lower(o, ctx)));
    else if (node.kind === 'not') walk(node.operand, [...path, 0], lower(node.operand, ctx));
  };
  walk(ir.root, [], lower(ir.root, ctx));
  const q = baseSelect(ctx, columns, bin('=', customerId, param(customer)));
  return { query: compilerFor(options.dialect).compile(q), nodes };
}
