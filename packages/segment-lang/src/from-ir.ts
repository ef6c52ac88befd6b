import type {
  CompareOp,
  CountNode,
  EventNode,
  Expr,
  ItemNode,
  ListLiteral,
  Name,
  NumberLiteral,
  Operand,
  PurchaseNode,
  StringLiteral,
  ValueNode,
  WindowNode,
} from './ast.js';
import type {
  ConditionIR,
  CountBound,
  ItemFilter,
  ScalarValue,
  SegmentIR,
  SequenceTarget,
  TimeValue,
  TimeWindow,
  ValueTest,
  WhereIR,
} from './ir.js';
import { printAst } from './printer.js';
import { noSpan as s } from './span.js';

/*
 * Segment IR → syntax tree (with empty spans), so a stored segment can be shown and edited as
 * text. Sugar comes back in its shortest form: the default count is left out, a one-tag `any` is
 * `has tag`, and `lt`/`gt` with a time are `before`/`after`.
 */

/** The syntax tree that binds to this IR. */
export function fromIR(ir: SegmentIR | ConditionIR): Expr {
  return condition('version' in ir ? ir.root : ir);
}

/** Canonical text of a stored segment. */
export function printIR(ir: SegmentIR | ConditionIR): string {
  return printAst(fromIR(ir));
}

const name = (value: string): Name => ({ kind: 'name', span: s, value });
const num = (value: number): NumberLiteral => ({ kind: 'number', span: s, value });
const str = (value: string): StringLiteral => ({ kind: 'string', span: s, value });
const list = (items: readonly ValueNode[]): ListLiteral => ({ kind: 'list', span: s, items });
const texts = (values: readonly string[]): StringLiteral | ListLiteral =>
  values.length === 1 && values[0] !== undefined ? str(values[0]) : list(values.map(str));

function value(v: ScalarValue | TimeValue): ValueNode {
  switch (v.kind) {
    case 'number':
      return num(v.value);
    case 'string':
      return str(v.value);
    case 'boolean':
      return { kind: 'boolean', span: s, value: v.value };
    case 'date':
      return { kind: 'date', span: s, value: v.value };
    case 'relativeTime':
      return { kind: 'relativeTime', span: s, amount: v.amount, unit: v.unit, direction: v.direction };
    case 'now':
      return { kind: 'now', span: s };
  }
}

const isTime = (v: { kind: string }): boolean => v.kind === 'date' || v.kind === 'relativeTime' || v.kind === 'now';

const symbols = { eq: '=', ne: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

function test(t: ValueTest): { op: CompareOp; opSpan: typeof s; operand?: Operand } {
  switch (t.op) {
    case 'eq':
    case 'ne':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const op: CompareOp =
        t.op === 'lt' && isTime(t.value) ? 'before' : t.op === 'gt' && isTime(t.value) ? 'after' : symbols[t.op];
      return { op, opSpan: s, operand: value(t.value) };
    }
    case 'in':
    case 'notIn':
      return { op: t.op === 'in' ? 'in' : 'not in', opSpan: s, operand: list(t.values.map(value)) };
    case 'between':
      return { op: 'between', opSpan: s, operand: { kind: 'range', span: s, low: value(t.low), high: value(t.high) } };
    case 'isSet':
      return { op: 'is set', opSpan: s };
    case 'isNotSet':
      return { op: 'is not set', opSpan: s };
    case 'contains':
      return { op: 'contains', opSpan: s, operand: str(t.value.value) };
    case 'startsWith':
      return { op: 'starts with', opSpan: s, operand: str(t.value.value) };
    case 'endsWith':
      return { op: 'ends with', opSpan: s, operand: str(t.value.value) };
    case 'withinLast':
    case 'withinNext':
      return {
        op: t.op === 'withinLast' ? 'within last' : 'within next',
        opSpan: s,
        operand: { kind: 'duration', span: s, amount: t.duration.amount, unit: t.duration.unit },
      };
  }
}

/** The test part of a node that is a test plus other fields. */
function testOf(node: ValueTest): ValueTest {
  switch (node.op) {
    case 'in':
    case 'notIn':
      return { op: node.op, values: node.values };
    case 'between':
      return { op: node.op, low: node.low, high: node.high };
    case 'isSet':
    case 'isNotSet':
      return { op: node.op };
    case 'withinLast':
    case 'withinNext':
      return { op: node.op, duration: node.duration };
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return { op: node.op, value: node.value };
    default:
      return { op: node.op, value: node.value };
  }
}

function item(i: ItemFilter): ItemNode {
  return { kind: 'item', span: s, by: i.by, values: texts(i.values) };
}

function count(c: CountBound): CountNode | undefined {
  if (c.op === 'gte' && c.value === 1) return undefined;
  return {
    kind: 'count',
    span: s,
    op: c.op === 'gte' ? 'at least' : c.op === 'lte' ? 'at most' : 'exactly',
    value: num(c.value),
  };
}

function window(w: TimeWindow): WindowNode {
  switch (w.kind) {
    case 'withinLast':
      return {
        kind: 'window',
        span: s,
        op: 'within last',
        duration: { kind: 'duration', span: s, amount: w.duration.amount, unit: w.duration.unit },
      };
    case 'before':
    case 'after':
      return { kind: 'window', span: s, op: w.kind, time: value(w.time) };
    case 'between':
      return { kind: 'window', span: s, op: 'between', from: value(w.from), to: value(w.to) };
  }
}

function where(w: WhereIR): Expr {
  switch (w.kind) {
    case 'and':
    case 'or':
      return { kind: w.kind, span: s, operands: w.operands.map(where) };
    case 'not':
      return { kind: 'not', span: s, keyword: 'not', operand: where(w.operand) };
    case 'property':
      // A true boolean property stays `= true` rather than bare: bare words in a `where` clause
      // can run into the modifiers after it.
      return { kind: 'compare', span: s, subject: name(w.property), ...test(testOf(w)) };
  }
}

function event(e: { name: string; where?: WhereIR; count?: CountBound; window?: TimeWindow }): EventNode {
  const c = e.count ? count(e.count) : undefined;
  return {
    kind: 'event',
    span: s,
    name: name(e.name),
    ...(e.where ? { where: where(e.where) } : {}),
    ...(c ? { count: c } : {}),
    ...(e.window ? { window: window(e.window) } : {}),
  };
}

function target(t: SequenceTarget): EventNode | PurchaseNode {
  return t.kind === 'event' ? event(t) : { kind: 'purchase', span: s, ...(t.item ? { item: item(t.item) } : {}) };
}

function condition(ir: ConditionIR): Expr {
  switch (ir.kind) {
    case 'and':
    case 'or':
      return { kind: ir.kind, span: s, operands: ir.operands.map(condition) };
    case 'not':
      return { kind: 'not', span: s, keyword: 'not', operand: condition(ir.operand) };
    case 'compare':
      // `came_by_referral = true` reads better as just `came_by_referral`.
      if (ir.op === 'eq' && ir.value.kind === 'boolean' && ir.value.value)
        return { kind: 'bareField', span: s, subject: name(ir.field) };
      return { kind: 'compare', span: s, subject: name(ir.field), ...test(testOf(ir)) };
    case 'percentile': {
      const r = ir.rank;
      const rank =
        r.kind === 'between'
          ? { kind: 'between' as const, span: s, low: num(r.low), high: num(r.high) }
          : { kind: r.kind, span: s, percent: num(r.percent) };
      return { kind: 'percentile', span: s, subject: name(ir.field), rank, scope: ir.scope };
    }
    case 'purchase': {
      const c = count(ir.count);
      return {
        kind: 'purchase',
        span: s,
        ...(ir.item ? { item: item(ir.item) } : {}),
        ...(c ? { count: c } : {}),
        ...(ir.amount
          ? {
              amount: {
                kind: 'amount',
                span: s,
                op: ir.amount.op === 'gte' ? 'at least' : 'at most',
                value: num(ir.amount.value),
              },
            }
          : {}),
        ...(ir.window ? { window: window(ir.window) } : {}),
      };
    }
    case 'purchaseTime':
      return {
        kind: 'purchaseTime',
        span: s,
        which: ir.which,
        ...(ir.item ? { item: item(ir.item) } : {}),
        ...test(testOf(ir)),
      };
    case 'event':
      return event(ir);
    case 'sequence':
      return {
        kind: 'sequence',
        span: s,
        first: event(ir.first),
        steps: ir.steps.map((step) => ({
          kind: 'step',
          span: s,
          negated: step.negated,
          target: target(step.target),
          ...(step.within
            ? { within: { kind: 'duration', span: s, amount: step.within.amount, unit: step.within.unit } }
            : {}),
        })),
      };
    case 'tag':
      if (ir.mode === 'any' && ir.tags.length === 1 && ir.tags[0] !== undefined)
        return { kind: 'tag', span: s, mode: 'one', tags: str(ir.tags[0]) };
      return { kind: 'tag', span: s, mode: ir.mode, tags: list(ir.tags.map(str)) };
    case 'consent':
      return {
        kind: 'consent',
        span: s,
        form: ir.requireContact ? 'can receive' : 'consent',
        channel: name(ir.channel),
      };
    case 'segmentRef':
      return { kind: 'segmentRef', span: s, segment: str(ir.segment) };
    case 'answer':
      return {
        kind: 'answer',
        span: s,
        question: str(ir.question),
        ...(ir.options ? { options: texts(ir.options) } : {}),
      };
  }
}
