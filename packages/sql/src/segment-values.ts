/*
 * Values and the tests on them: times relative to the evaluation time, literals typed by the field
 * they are compared with, a field's column (or the expression measuring it at evaluation time), and
 * one comparison (`=`, `between`, `within last`, `starts with`, …) applied to it.
 */
import {
  lookup,
  type Duration,
  type FieldType,
  type ScalarValue,
  type TimeValue,
  type ValueTest as Test,
} from '@strata/segment-lang';
import { SegmentCompileError, profileBacked, type Context } from './segment-context.js';
import {
  and,
  bin,
  cast,
  col,
  exists,
  fn,
  inList,
  interval,
  isNull,
  not,
  num,
  param,
  select,
  type SqlExpr,
} from './sql-ir.js';

export const now = (ctx: Context): SqlExpr => cast(param(ctx.nowIso), 'timestamp');
export const durationExpr = (d: Duration): SqlExpr => interval(param(d.amount), d.unit);

export function timeExpr(v: TimeValue, ctx: Context): SqlExpr {
  switch (v.kind) {
    case 'now':
      return now(ctx);
    case 'relativeTime':
      return bin(v.direction === 'ago' ? '-' : '+', now(ctx), interval(param(v.amount), v.unit));
    case 'date':
      return cast(param(v.value), 'timestamp');
  }
}

export const DAY = (amount: number): SqlExpr => interval(num(amount), 'day');

function scalar(v: ScalarValue, type: FieldType): SqlExpr {
  if (v.kind === 'date') return cast(param(v.value), type === 'date' ? 'date' : 'timestamp');
  if (v.kind === 'number' && (type === 'integer' || type === 'number' || type === 'money'))
    return cast(param(v.value), 'double');
  return param(v.value);
}

const isText = (type: FieldType) => type === 'string';
export const ci = (e: SqlExpr) => fn('lower', e);

/** Whole days a duration covers, for "any day in the next n days" (annual dates); the per-customer backend counts them the same way. */
export function durationDays(d: Duration): number {
  const perUnit: Record<Duration['unit'], number> = {
    minute: 1 / 1440,
    hour: 1 / 24,
    day: 1,
    week: 7,
    month: 31,
    year: 366,
  };
  return Math.ceil(d.amount * perUnit[d.unit]);
}

/** Applies a test to a subject expression of a known type. Missing values never match. */
export function applyTest(subject: SqlExpr, test: Test, type: FieldType, ctx: Context): SqlExpr {
  const isTime = type === 'timestamp' || type === 'date';
  const value = (v: ScalarValue | TimeValue): SqlExpr =>
    v.kind === 'relativeTime' || v.kind === 'now' || (v.kind === 'date' && type === 'timestamp')
      ? timeExpr(v, ctx)
      : scalar(v, type);
  // A calendar day on a timestamp is the whole day: [d, d + 1 day).
  const dayStart = (v: ScalarValue | TimeValue) => value(v);
  const dayEnd = (v: ScalarValue | TimeValue) =>
    v.kind === 'date' && type === 'timestamp' ? bin('+', timeExpr(v, ctx), DAY(1)) : null;
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
      return and(
        bin('>=', subject, value(test.low)),
        end ? bin('<', subject, end) : bin('<=', subject, value(test.high)),
      );
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
            bin(
              '=',
              { kind: 'datePart', part: 'month', operand: day },
              { kind: 'datePart', part: 'month', operand: subject },
            ),
            bin(
              '=',
              { kind: 'datePart', part: 'day', operand: day },
              { kind: 'datePart', part: 'day', operand: subject },
            ),
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

export function fieldExpr(name: string, ctx: Context): { expr: SqlExpr; type: FieldType } {
  const spec = lookup(ctx.catalog, name);
  if (!spec) throw new SegmentCompileError(`unknown field "${name}"`);
  if (name === 'days_since_last_order') {
    // Measured at evaluation time, not at the last profile run, so it is exact whenever asked.
    const days = fn(
      'floor',
      bin(
        '/',
        bin('-', { kind: 'epoch', operand: now(ctx) }, { kind: 'epoch', operand: col('p', 'last_order_at') }),
        num(86400),
      ),
    );
    return { expr: days, type: spec.type };
  }
  if (name === 'overdue_ratio') {
    const days = fieldExpr('days_since_last_order', ctx).expr;
    return {
      expr: bin(
        '/',
        days,
        fn(
          'nullif',
          fn('coalesce', col('p', 'median_days_between_orders'), col('p', 'avg_days_between_orders')),
          num(0),
        ),
      ),
      type: spec.type,
    };
  }
  const table = spec.source === 'profile' || profileBacked.has(name) ? 'p' : 'c';
  return { expr: col(table, name), type: spec.type };
}
