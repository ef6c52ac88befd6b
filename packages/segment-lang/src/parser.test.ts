import { describe, expect, it } from 'vitest';
import { parseAst } from './parser.js';

const sp = (start: number, end: number) => ({ start, end });
const name = (value: string, start: number) => ({ kind: 'name', span: sp(start, start + value.length), value });
const num = (value: number, start: number, end: number) => ({ kind: 'number', span: sp(start, end), value });

function ast(q: string) {
  const r = parseAst(q);
  expect(r.diagnostics).toEqual([]);
  return r.ast;
}

describe('golden syntax trees (with spans)', () => {
  it('comparison, and, not', () => {
    //          0         1         2         3         4
    //          0123456789012345678901234567890123456789012
    expect(ast('total_spent > 100 and not country = "DE"')).toEqual({
      kind: 'and',
      span: sp(0, 40),
      operands: [
        {
          kind: 'compare',
          span: sp(0, 17),
          subject: name('total_spent', 0),
          op: '>',
          opSpan: sp(12, 13),
          operand: num(100, 14, 17),
        },
        {
          kind: 'not',
          keyword: 'not',
          span: sp(22, 40),
          operand: {
            kind: 'compare',
            span: sp(26, 40),
            subject: name('country', 26),
            op: '=',
            opSpan: sp(34, 35),
            operand: { kind: 'string', span: sp(36, 40), value: 'DE' },
          },
        },
      ],
    });
  });

  it('purchase with item, count and window', () => {
    //          0         1         2         3         4         5         6
    //          0123456789012345678901234567890123456789012345678901234567890
    expect(ast('bought category "coffee" at least 2 times within last 90 days')).toEqual({
      kind: 'purchase',
      span: sp(0, 61),
      item: {
        kind: 'item',
        span: sp(7, 24),
        by: 'category',
        values: { kind: 'string', span: sp(16, 24), value: 'coffee' },
      },
      count: { kind: 'count', span: sp(25, 41), op: 'at least', value: num(2, 34, 35) },
      window: {
        kind: 'window',
        span: sp(42, 61),
        op: 'within last',
        duration: { kind: 'duration', span: sp(54, 61), amount: 90, unit: 'day' },
      },
    });
  });

  it('sequence with an absent step', () => {
    //          0         1         2         3         4
    //          0123456789012345678901234567890123456789012345
    expect(ast('did add_to_cart then not bought within 1 hour')).toEqual({
      kind: 'sequence',
      span: sp(0, 45),
      first: { kind: 'event', span: sp(0, 15), name: name('add_to_cart', 4) },
      steps: [
        {
          kind: 'step',
          span: sp(16, 45),
          negated: true,
          target: { kind: 'purchase', span: sp(25, 31) },
          within: { kind: 'duration', span: sp(39, 45), amount: 1, unit: 'hour' },
        },
      ],
    });
  });

  it('percentile range with scope', () => {
    //          0         1         2         3
    //          012345678901234567890123456789012345
    expect(ast('aov between p25 and p75 of matching')).toEqual({
      kind: 'percentile',
      span: sp(0, 35),
      subject: name('aov', 0),
      rank: { kind: 'between', span: sp(12, 23), low: num(25, 12, 15), high: num(75, 20, 23) },
      scope: 'matching',
    });
  });

  it('parentheses widen the span of the group', () => {
    //          0         1         2
    //          0123456789012345678901234567890
    expect(ast('(a = 1 or b = 2) and c is set')).toEqual({
      kind: 'and',
      span: sp(0, 29),
      operands: [
        {
          kind: 'or',
          span: sp(0, 16),
          operands: [
            {
              kind: 'compare',
              span: sp(1, 6),
              subject: name('a', 1),
              op: '=',
              opSpan: sp(3, 4),
              operand: num(1, 5, 6),
            },
            {
              kind: 'compare',
              span: sp(10, 15),
              subject: name('b', 10),
              op: '=',
              opSpan: sp(12, 13),
              operand: num(2, 14, 15),
            },
          ],
        },
        { kind: 'compare', span: sp(21, 29), subject: name('c', 21), op: 'is set', opSpan: sp(23, 29) },
      ],
    });
  });

  it('event with where clause, count and window', () => {
    //          0         1         2         3         4         5         6         7
    //          01234567890123456789012345678901234567890123456789012345678901234567890123456789
    expect(ast('did page_view where page_kind = "demo_video" at least 1 time within last 7 days')).toEqual({
      kind: 'event',
      span: sp(0, 79),
      name: name('page_view', 4),
      where: {
        kind: 'compare',
        span: sp(20, 44),
        subject: name('page_kind', 20),
        op: '=',
        opSpan: sp(30, 31),
        operand: { kind: 'string', span: sp(32, 44), value: 'demo_video' },
      },
      count: { kind: 'count', span: sp(45, 60), op: 'at least', value: num(1, 54, 55) },
      window: {
        kind: 'window',
        span: sp(61, 79),
        op: 'within last',
        duration: { kind: 'duration', span: sp(73, 79), amount: 7, unit: 'day' },
      },
    });
  });

  it('relative time', () => {
    //          0         1         2         3
    //          012345678901234567890123456789012
    expect(ast('last_order_at before 30 days ago')).toEqual({
      kind: 'compare',
      span: sp(0, 32),
      subject: name('last_order_at', 0),
      op: 'before',
      opSpan: sp(14, 20),
      operand: { kind: 'relativeTime', span: sp(21, 32), amount: 30, unit: 'day', direction: 'ago' },
    });
  });

  it('tag list', () => {
    //          0         1         2
    //          0123456789012345678901
    expect(ast('has any tag ["a", "b"]')).toEqual({
      kind: 'tag',
      span: sp(0, 22),
      mode: 'any',
      tags: {
        kind: 'list',
        span: sp(12, 22),
        items: [
          { kind: 'string', span: sp(13, 16), value: 'a' },
          { kind: 'string', span: sp(18, 21), value: 'b' },
        ],
      },
    });
  });

  it('never, consent, segment and answers', () => {
    //          0         1         2         3         4         5         6         7
    //          0123456789012345678901234567890123456789012345678901234567890123456789012345
    expect(ast('never bought and can receive sms and in segment "loyal" or answered "q" with "o"')).toEqual({
      kind: 'or',
      span: sp(0, 80),
      operands: [
        {
          kind: 'and',
          span: sp(0, 55),
          operands: [
            { kind: 'not', keyword: 'never', span: sp(0, 12), operand: { kind: 'purchase', span: sp(6, 12) } },
            { kind: 'consent', span: sp(17, 32), form: 'can receive', channel: name('sms', 29) },
            { kind: 'segmentRef', span: sp(37, 55), segment: { kind: 'string', span: sp(48, 55), value: 'loyal' } },
          ],
        },
        {
          kind: 'answer',
          span: sp(59, 80),
          question: { kind: 'string', span: sp(68, 71), value: 'q' },
          options: { kind: 'string', span: sp(77, 80), value: 'o' },
        },
      ],
    });
  });
});

describe('structure', () => {
  const shape = (q: string): unknown => {
    const strip = (n: unknown): unknown => {
      if (Array.isArray(n)) return n.map(strip);
      if (n && typeof n === 'object') {
        const o = n as Record<string, unknown>;
        if (o.kind === 'compare') return `${(o.subject as { value: string }).value}`;
        if (o.kind === 'and' || o.kind === 'or') return { [o.kind as string]: strip(o.operands) };
        if (o.kind === 'not') return { not: strip(o.operand) };
      }
      return n;
    };
    return strip(ast(q));
  };

  it('NOT binds tighter than AND, which binds tighter than OR', () => {
    expect(shape('a = 1 or b = 1 and not c = 1')).toEqual({ or: ['a', { and: ['b', { not: 'c' }] }] });
    expect(shape('not a = 1 and b = 1')).toEqual({ and: [{ not: 'a' }, 'b'] });
    expect(shape('(a = 1 or b = 1) and c = 1')).toEqual({ and: [{ or: ['a', 'b'] }, 'c'] });
    expect(shape('a = 1 and b = 1 and c = 1 or d = 1')).toEqual({ or: [{ and: ['a', 'b', 'c'] }, 'd'] });
    expect(shape('not not a = 1')).toEqual({ not: { not: 'a' } });
  });

  it('keywords are case-insensitive; field names keep their case', () => {
    const r = parseAst('Total > 1 AND NOT x IS SET Or BOUGHT CATEGORY "c" WITHIN LAST 2 DAYS');
    expect(r.diagnostics).toEqual([]);
    expect(r.ast?.kind).toBe('or');
  });

  it('ignores whitespace, newlines and comments', () => {
    const a = parseAst('total_spent>100 and(country="DE")');
    const b = parseAst('# big spenders\n  total_spent   >   100\n\tand (\n country = "DE" # Germany\n)\n');
    expect(b.diagnostics).toEqual([]);
    expect(a.ast?.kind).toBe('and');
    expect(b.ast?.kind).toBe('and');
  });

  it('reads the sugar forms', () => {
    expect(ast('did add_to_cart then no order within 1 hour')).toMatchObject({
      kind: 'sequence',
      steps: [{ negated: true, target: { kind: 'purchase' } }],
    });
    expect(ast('came_by_referral')).toMatchObject({ kind: 'bareField' });
    expect(ast('x == 1')).toMatchObject({ op: '=' });
    expect(ast('last_order_at within last week')).toMatchObject({
      operand: { kind: 'duration', amount: 1, unit: 'week' },
    });
    expect(ast('did "Order Completed"')).toMatchObject({ kind: 'event', name: { value: 'Order Completed' } });
    expect(ast("city = 'Köln'")).toMatchObject({ operand: { kind: 'string', value: 'Köln' } });
    expect(ast('x = -1.5e3')).toMatchObject({ operand: { kind: 'number', value: -1500 } });
    expect(ast('x not in [1, 2,]')).toMatchObject({ op: 'not in', operand: { items: [{ value: 1 }, { value: 2 }] } });
    expect(ast('next_replenishment_due_at before 3 days from now')).toMatchObject({
      operand: { kind: 'relativeTime', direction: 'fromNow' },
    });
    expect(ast('bought within last 7 days at least 2 times for at most 50')).toMatchObject({
      count: { op: 'at least' },
      amount: { op: 'at most' },
      window: { op: 'within last' },
    });
    expect(ast('first purchase of brand ["A", "B"] between 2024-01-01 and 2024-02-01')).toMatchObject({
      kind: 'purchaseTime',
      which: 'first',
      op: 'between',
    });
    expect(
      ast('did page_view where (page_kind = "product" and not sku = "X") then did add_to_cart within 10 minutes'),
    ).toMatchObject({
      kind: 'sequence',
      first: { where: { kind: 'and' } },
      steps: [
        {
          negated: false,
          target: { kind: 'event', name: { value: 'add_to_cart' } },
          within: { amount: 10, unit: 'minute' },
        },
      ],
    });
  });

  it('a where clause takes one condition, so a following `and` belongs to the query', () => {
    expect(shape('did page_view where page_kind = "category" and never bought')).toMatchObject({
      and: [{ kind: 'event' }, { not: { kind: 'purchase' } }],
    });
  });
});
