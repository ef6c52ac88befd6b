import { describe, expect, it } from 'vitest';
import { canonicalQueries } from '../test/corpus.js';
import { toIR } from './binder.js';
import { defaultCatalog, type EventCatalog, type FieldCatalog } from './catalog.js';
import type { ConditionIR } from './ir.js';
import { parseAst } from './parser.js';
import { parseSegment } from './segment.js';

function ir(q: string, catalog?: FieldCatalog): ConditionIR {
  const r = parseSegment(q, catalog);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  if (r.ir === undefined) throw new Error('no IR');
  expect(r.ir.version).toBe(1);
  return r.ir.root;
}

describe('toIR', () => {
  it('binds every canonical query without errors', () => {
    for (const q of canonicalQueries) {
      const r = parseSegment(q);
      expect([q, r.diagnostics.filter((d) => d.severity === 'error')]).toEqual([q, []]);
      expect(r.ir).toBeDefined();
    }
  });

  it('comparisons carry the field source and lowered operator', () => {
    expect(ir('total_spent > 100')).toEqual({
      kind: 'compare',
      field: 'total_spent',
      source: 'profile',
      op: 'gt',
      value: { kind: 'number', value: 100 },
    });
    expect(ir('city = "Berlin"')).toEqual({
      kind: 'compare',
      field: 'city',
      source: 'customer',
      op: 'eq',
      value: { kind: 'string', value: 'Berlin' },
    });
    expect(ir('country not in ["US", "CA"]')).toEqual({
      kind: 'compare',
      field: 'country',
      source: 'customer',
      op: 'notIn',
      values: [
        { kind: 'string', value: 'US' },
        { kind: 'string', value: 'CA' },
      ],
    });
    expect(ir('age between 40 and 49')).toEqual({
      kind: 'compare',
      field: 'age',
      source: 'customer',
      op: 'between',
      low: { kind: 'number', value: 40 },
      high: { kind: 'number', value: 49 },
    });
    expect(ir('email is not set')).toEqual({ kind: 'compare', field: 'email', source: 'customer', op: 'isNotSet' });
    expect(ir('postcode starts with "10"')).toEqual({
      kind: 'compare',
      field: 'postcode',
      source: 'customer',
      op: 'startsWith',
      value: { kind: 'string', value: '10' },
    });
    expect(ir('came_by_referral')).toEqual({
      kind: 'compare',
      field: 'came_by_referral',
      source: 'profile',
      op: 'eq',
      value: { kind: 'boolean', value: true },
    });
  });

  it('keeps times relative to now symbolic', () => {
    expect(ir('last_order_at before 30 days ago')).toEqual({
      kind: 'compare',
      field: 'last_order_at',
      source: 'profile',
      op: 'lt',
      value: { kind: 'relativeTime', amount: 30, unit: 'day', direction: 'ago' },
    });
    expect(ir('last_order_at after 2024-01-01')).toMatchObject({
      op: 'gt',
      value: { kind: 'date', value: '2024-01-01' },
    });
    expect(ir('next_replenishment_due_at <= now')).toMatchObject({ op: 'lte', value: { kind: 'now' } });
    expect(ir('last_order_at within last 30 days')).toEqual({
      kind: 'compare',
      field: 'last_order_at',
      source: 'profile',
      op: 'withinLast',
      duration: { kind: 'duration', amount: 30, unit: 'day' },
    });
  });

  it('marks recurring dates as annual', () => {
    expect(ir('birthday within next 7 days')).toEqual({
      kind: 'compare',
      field: 'birthday',
      source: 'customer',
      op: 'withinNext',
      duration: { kind: 'duration', amount: 7, unit: 'day' },
      annual: true,
    });
    expect(ir('created_at within next 7 days')).not.toHaveProperty('annual');
  });

  it('percentiles with scope', () => {
    expect(ir('total_spent in top 10%')).toEqual({
      kind: 'percentile',
      field: 'total_spent',
      source: 'profile',
      rank: { kind: 'top', percent: 10 },
      scope: 'all',
    });
    expect(ir('total_spent in bottom 2.5% of matching')).toMatchObject({
      rank: { kind: 'bottom', percent: 2.5 },
      scope: 'matching',
    });
    expect(ir('aov between p25 and p75')).toMatchObject({ rank: { kind: 'between', low: 25, high: 75 }, scope: 'all' });
  });

  it('purchases', () => {
    expect(ir('bought product "SKU-1"')).toEqual({
      kind: 'purchase',
      item: { by: 'product', values: ['SKU-1'] },
      count: { op: 'gte', value: 1 },
    });
    expect(ir('bought brand "Acme" at least 2 times')).toMatchObject({ count: { op: 'gte', value: 2 } });
    expect(ir('bought at most 0 times')).toEqual({ kind: 'purchase', count: { op: 'lte', value: 0 } });
    expect(ir('bought collection "SS24" for at least 100 within last 90 days')).toEqual({
      kind: 'purchase',
      item: { by: 'collection', values: ['SS24'] },
      count: { op: 'gte', value: 1 },
      amount: { op: 'gte', value: 100 },
      window: { kind: 'withinLast', duration: { kind: 'duration', amount: 90, unit: 'day' } },
    });
    expect(ir('bought category ["a", "b"] between 2024-01-01 and 2024-02-01')).toMatchObject({
      item: { by: 'category', values: ['a', 'b'] },
      window: {
        kind: 'between',
        from: { kind: 'date', value: '2024-01-01' },
        to: { kind: 'date', value: '2024-02-01' },
      },
    });
    expect(ir('bought category "a" and never bought category "b"')).toEqual({
      kind: 'and',
      operands: [
        { kind: 'purchase', item: { by: 'category', values: ['a'] }, count: { op: 'gte', value: 1 } },
        {
          kind: 'not',
          operand: { kind: 'purchase', item: { by: 'category', values: ['b'] }, count: { op: 'gte', value: 1 } },
        },
      ],
    });
    expect(ir('last purchase of category "coffee" before 60 days ago')).toEqual({
      kind: 'purchaseTime',
      which: 'last',
      item: { by: 'category', values: ['coffee'] },
      op: 'lt',
      value: { kind: 'relativeTime', amount: 60, unit: 'day', direction: 'ago' },
    });
  });

  it('events, with typed property tests', () => {
    expect(ir('did page_view where page_kind = "demo_video" at least 1 times within last 7 days')).toEqual({
      kind: 'event',
      name: 'page_view',
      where: {
        kind: 'property',
        property: 'page_kind',
        type: 'string',
        op: 'eq',
        value: { kind: 'string', value: 'demo_video' },
      },
      count: { op: 'gte', value: 1 },
      window: { kind: 'withinLast', duration: { kind: 'duration', amount: 7, unit: 'day' } },
    });
    expect(ir('did add_to_cart at most 0 times')).toEqual({
      kind: 'event',
      name: 'add_to_cart',
      count: { op: 'lte', value: 0 },
    });
    expect(ir('did review where (rating <= 2 or not sku is set)')).toMatchObject({
      where: {
        kind: 'or',
        operands: [
          { kind: 'property', property: 'rating', type: 'number', op: 'lte' },
          { kind: 'not', operand: { kind: 'property', property: 'sku', op: 'isSet' } },
        ],
      },
    });
  });

  it('sequences', () => {
    expect(ir('did add_to_cart then no order within 1 hour')).toEqual({
      kind: 'sequence',
      first: { name: 'add_to_cart' },
      steps: [{ negated: true, target: { kind: 'purchase' }, within: { kind: 'duration', amount: 1, unit: 'hour' } }],
    });
    expect(
      ir('did page_view where page_kind = "product" within last 7 days then add_to_cart then not bought category "x"'),
    ).toEqual({
      kind: 'sequence',
      first: {
        name: 'page_view',
        where: {
          kind: 'property',
          property: 'page_kind',
          type: 'string',
          op: 'eq',
          value: { kind: 'string', value: 'product' },
        },
        window: { kind: 'withinLast', duration: { kind: 'duration', amount: 7, unit: 'day' } },
      },
      steps: [
        { negated: false, target: { kind: 'event', name: 'add_to_cart' } },
        { negated: true, target: { kind: 'purchase', item: { by: 'category', values: ['x'] } } },
      ],
    });
  });

  it('tags, consent, segments, answers', () => {
    expect(ir('has tag "vip"')).toEqual({ kind: 'tag', mode: 'any', tags: ['vip'] });
    expect(ir('has all tags ["a", "b"]')).toEqual({ kind: 'tag', mode: 'all', tags: ['a', 'b'] });
    expect(ir('consent email')).toEqual({ kind: 'consent', channel: 'email', requireContact: false });
    expect(ir('can receive SMS')).toEqual({ kind: 'consent', channel: 'sms', requireContact: true });
    expect(ir('in segment "loyal"')).toEqual({ kind: 'segmentRef', segment: 'loyal' });
    expect(ir('answered "household" with "parent"')).toEqual({
      kind: 'answer',
      question: 'household',
      options: ['parent'],
    });
  });

  it('flattens nested and/or but keeps not', () => {
    expect(ir('age > 1 and (age > 2 and (age > 3 or (age > 4 or age > 5)))')).toMatchObject({
      kind: 'and',
      operands: [{ field: 'age' }, { field: 'age' }, { kind: 'or', operands: [{}, {}, {}] }],
    });
    expect(ir('not not came_by_referral')).toMatchObject({ kind: 'not', operand: { kind: 'not' } });
  });

  it('takes the catalog as a parameter', () => {
    const catalog: FieldCatalog = {
      ...defaultCatalog,
      shoe_size: { type: 'number', description: 'Shoe size (EU)', source: 'customer' },
      interests: { type: 'list', description: 'Interests', source: 'customer' },
    };
    expect(ir('shoe_size between 38 and 42', catalog)).toMatchObject({
      field: 'shoe_size',
      source: 'customer',
      op: 'between',
    });
    expect(ir('interests contains "running"', catalog)).toMatchObject({ op: 'contains', value: { value: 'running' } });
    expect(parseSegment('interests = "running"', catalog).diagnostics.map((d) => d.code)).toEqual(['bad-operator']);
    expect(parseSegment('shoe_size > 40').diagnostics.map((d) => d.code)).toEqual(['unknown-field']);
  });

  it('does not mistake Object.prototype members for fields', () => {
    expect(parseSegment('constructor = 1').diagnostics.map((d) => d.code)).toEqual(['unknown-field']);
    expect(parseSegment('did toString').diagnostics.map((d) => d.code)).toEqual(['unknown-event']);
  });

  it('takes event types as an option', () => {
    const events: EventCatalog = {
      signup: {
        description: 'Signed up',
        properties: { plan: { type: 'enum', values: ['free', 'pro'], description: 'Plan' } },
      },
    };
    const r = parseSegment('did signup where plan = "enterprise"', undefined, { events });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['unknown-enum-value']);
    expect(parseSegment('did page_view', undefined, { events }).diagnostics.map((d) => d.code)).toEqual([
      'unknown-event',
    ]);
  });

  it('checks enum values exactly and suggests the right case', () => {
    const r = parseSegment('frequency_tier = "Heavy"');
    expect(r.diagnostics).toMatchObject([
      { code: 'unknown-enum-value', message: '"Heavy" is not a value of `frequency_tier`; did you mean "heavy"?' },
    ]);
  });

  it('binds a syntax tree that contains errors without throwing, and reports its meaning problems too', () => {
    const parsed = parseAst('totl_spent > 1 and (age > ');
    expect(parsed.ast).toBeDefined();
    const bound = toIR(parsed.ast!);
    expect(bound.ir).toBeUndefined();
    expect(bound.diagnostics.map((d) => d.code)).toEqual(['unknown-field']);
  });
});
