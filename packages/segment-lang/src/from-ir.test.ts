import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalQueries } from '../test/corpus.js';
import { defaultCatalog, defaultChannels, numericTypes } from './catalog.js';
import { fromIR, printIR } from './from-ir.js';
import type {
  ConditionIR,
  Duration,
  ItemFilter,
  ScalarValue,
  SegmentIR,
  TimeValue,
  TimeWindow,
  WhereIR,
} from './ir.js';
import { parseSegment } from './segment.js';

const fields = Object.entries(defaultCatalog);
const fieldsOf = (pred: (type: string) => boolean) => fields.filter(([, f]) => pred(f.type) && !f.recurring);

// ── arbitraries for well-formed, normalised IR ────────────────────────────────────────────────

const number = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map((n) => n + 0);
const text = fc.string({ unit: 'binary', maxLength: 12 });
const unit = fc.constantFrom('minute', 'hour', 'day', 'week', 'month', 'year' as const);
const duration: fc.Arbitrary<Duration> = fc.record({
  kind: fc.constant('duration' as const),
  amount: fc.nat(1000),
  unit,
});
const dateText = fc
  .date({ min: new Date('1900-01-01'), max: new Date('2199-12-31'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const date = dateText.map((value) => ({ kind: 'date' as const, value }));
const relative = fc.record({
  kind: fc.constant('relativeTime' as const),
  amount: fc.nat(1000),
  unit,
  direction: fc.constantFrom('ago' as const, 'fromNow' as const),
});
const time: fc.Arbitrary<TimeValue> = fc.oneof(date, relative, fc.constant({ kind: 'now' as const }));
const orderedDates = fc.tuple(dateText, dateText).map(([a, b]) => (a <= b ? [a, b] : [b, a]));
const timeRange = orderedDates.map(([a, b]) => [
  { kind: 'date' as const, value: a ?? '' },
  { kind: 'date' as const, value: b ?? '' },
]);
const window: fc.Arbitrary<TimeWindow> = fc.oneof(
  duration.map((d) => ({ kind: 'withinLast' as const, duration: d })),
  time.map((t) => ({ kind: 'before' as const, time: t })),
  time.map((t) => ({ kind: 'after' as const, time: t })),
  timeRange.map(([from, to]) => ({ kind: 'between' as const, from: from!, to: to! })),
);
const item: fc.Arbitrary<ItemFilter> = fc.record({
  by: fc.constantFrom('product', 'category', 'brand', 'collection' as const),
  values: fc.array(text, { minLength: 1, maxLength: 3 }),
});
const count = fc.record({ op: fc.constantFrom('gte', 'lte', 'eq' as const), value: fc.nat(50) });
const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** Leaves out undefined properties, as the IR does (`exactOptionalPropertyTypes`). */
type Stripped<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};
const strip = <T extends object>(o: T): Stripped<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Stripped<T>;
const num = (n: number): ScalarValue => ({ kind: 'number', value: n });
const str = (s: string): ScalarValue => ({ kind: 'string', value: s });

const ordered = fc.tuple(number, number).map(([a, b]) => (a <= b ? [a, b] : [b, a]));

const numericCompare = fc
  .tuple(fc.constantFrom(...fieldsOf((t) => numericTypes.has(t as never))))
  .chain(([[field, spec]]) =>
    fc
      .oneof(
        fc.record({ op: fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte' as const), value: number.map(num) }),
        fc.record({
          op: fc.constantFrom('in', 'notIn' as const),
          values: fc.array(number.map(num), { minLength: 1, maxLength: 3 }),
        }),
        ordered.map(([low, high]) => ({ op: 'between' as const, low: num(low!), high: num(high!) })),
        fc.constantFrom({ op: 'isSet' as const }, { op: 'isNotSet' as const }),
      )
      .map((t): ConditionIR => ({ kind: 'compare', field, source: spec.source, ...t })),
  );
const textCompare = fc
  .constantFrom(...fieldsOf((t) => t === 'string'))
  .chain(([field, spec]) =>
    fc
      .oneof(
        fc.record({ op: fc.constantFrom('eq', 'ne' as const), value: text.map(str) }),
        fc.record({
          op: fc.constantFrom('in', 'notIn' as const),
          values: fc.array(text.map(str), { minLength: 1, maxLength: 3 }),
        }),
        fc.record({
          op: fc.constantFrom('contains', 'startsWith', 'endsWith' as const),
          value: text.map((value) => ({ kind: 'string' as const, value })),
        }),
      )
      .map((t): ConditionIR => ({ kind: 'compare', field, source: spec.source, ...t })),
  );
const enumCompare = fc.constantFrom(...fieldsOf((t) => t === 'enum')).chain(([field, spec]) => {
  const value = fc.constantFrom(...(spec.values ?? [])).map(str);
  return fc
    .oneof(
      fc.record({ op: fc.constantFrom('eq', 'ne' as const), value }),
      fc.record({
        op: fc.constantFrom('in', 'notIn' as const),
        values: fc.array(value, { minLength: 1, maxLength: 3 }),
      }),
    )
    .map((t): ConditionIR => ({ kind: 'compare', field, source: spec.source, ...t }));
});
const booleanCompare = fc
  .constantFrom(...fieldsOf((t) => t === 'boolean'))
  .chain(([field, spec]) =>
    fc
      .record({
        op: fc.constantFrom('eq', 'ne' as const),
        value: fc.boolean().map((value) => ({ kind: 'boolean' as const, value })),
      })
      .map((t): ConditionIR => ({ kind: 'compare', field, source: spec.source, ...t })),
  );
const timeTest = fc.oneof(
  fc.record({ op: fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte' as const), value: time }),
  timeRange.map(([low, high]) => ({ op: 'between' as const, low: low!, high: high! })),
  fc.record({ op: fc.constantFrom('withinLast', 'withinNext' as const), duration }),
  fc.constantFrom({ op: 'isSet' as const }, { op: 'isNotSet' as const }),
);
const timeCompare = fc
  .tuple(fc.constantFrom(...fieldsOf((t) => t === 'timestamp')), timeTest)
  .map(([[field, spec], t]): ConditionIR => ({ kind: 'compare', field, source: spec.source, ...t }));
const birthday = fc
  .record({ op: fc.constantFrom('withinLast', 'withinNext' as const), duration })
  .map((t): ConditionIR => ({ kind: 'compare', field: 'birthday', source: 'customer', ...t, annual: true }));
const percent = fc.oneof(
  fc.integer({ min: 1, max: 100 }),
  fc.integer({ min: 1, max: 999 }).map((n) => n / 10),
);
const percentile = fc
  .record({
    field: fc.constantFrom(...fieldsOf((t) => numericTypes.has(t as never))),
    rank: fc.oneof(
      fc.record({ kind: fc.constantFrom('top', 'bottom' as const), percent }),
      fc
        .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
        .map(([a, b]) => ({ kind: 'between' as const, low: Math.min(a, b), high: Math.max(a, b) })),
    ),
    scope: fc.constantFrom('all', 'matching' as const),
  })
  .map(({ field: [field, spec], ...p }): ConditionIR => ({ kind: 'percentile', field, source: spec.source, ...p }));
const purchase = fc
  .record({
    item: optional(item),
    count,
    amount: optional(
      fc.record({ op: fc.constantFrom('gte', 'lte' as const), value: fc.nat(100000).map((n) => n / 100) }),
    ),
    window: optional(window),
  })
  .map((p): ConditionIR => strip({ kind: 'purchase' as const, ...p }));
const purchaseTime = fc
  .tuple(fc.constantFrom('first', 'last' as const), optional(item), timeTest)
  .map(([which, i, t]): ConditionIR => strip({ kind: 'purchaseTime' as const, which, item: i, ...t }));

const pageKind = fc.constantFrom('home', 'category', 'product', 'demo_video', 'other').map(str);
const whereLeaf: fc.Arbitrary<WhereIR> = fc.oneof(
  fc
    .record({ op: fc.constantFrom('eq', 'ne' as const), value: pageKind })
    .map((t): WhereIR => ({ kind: 'property', property: 'page_kind', type: 'string', ...t })),
  fc
    .record({ op: fc.constantFrom('lt', 'gte' as const), value: number.map(num) })
    .map((t): WhereIR => ({ kind: 'property', property: 'quantity', type: 'number', ...t })),
);
const where: fc.Arbitrary<WhereIR> = fc.oneof(
  { weight: 3, arbitrary: whereLeaf },
  fc.array(whereLeaf, { minLength: 2, maxLength: 3 }).map((operands): WhereIR => ({ kind: 'and', operands })),
  whereLeaf.map((operand): WhereIR => ({ kind: 'not', operand })),
);
const eventName = fc.constantFrom('page_view', 'add_to_cart');
const event = fc
  .record({ name: eventName, where: optional(where), count, window: optional(window) })
  .map((e): ConditionIR => strip({ kind: 'event' as const, ...e }));
const target = fc.oneof(
  fc.record({ name: eventName, where: optional(where) }).map((t) => strip({ kind: 'event' as const, ...t })),
  optional(item).map((i) => strip({ kind: 'purchase' as const, item: i })),
);
const sequence = fc
  .record({
    first: fc.record({ name: eventName, where: optional(where), window: optional(window) }).map(strip),
    steps: fc.array(fc.record({ target, within: optional(duration) }), { minLength: 1, maxLength: 3 }),
    lastNegated: fc.boolean(),
  })
  .map(({ first, steps, lastNegated }): ConditionIR => ({
    kind: 'sequence',
    first,
    steps: steps.map((s, i) => strip({ negated: lastNegated && i === steps.length - 1, ...s })),
  }));
const others: fc.Arbitrary<ConditionIR> = fc.oneof(
  fc
    .record({ mode: fc.constantFrom('any', 'all' as const), tags: fc.array(text, { minLength: 1, maxLength: 3 }) })
    .map((t): ConditionIR => ({ kind: 'tag', ...t })),
  fc
    .record({ channel: fc.constantFrom(...defaultChannels), requireContact: fc.boolean() })
    .map((c): ConditionIR => ({ kind: 'consent', ...c })),
  text.map((segment): ConditionIR => ({ kind: 'segmentRef', segment })),
  fc
    .record({ question: text, options: optional(fc.array(text, { minLength: 1, maxLength: 3 })) })
    .map((a): ConditionIR => strip({ kind: 'answer' as const, ...a })),
);
const leaf: fc.Arbitrary<ConditionIR> = fc.oneof(
  numericCompare,
  textCompare,
  enumCompare,
  booleanCompare,
  timeCompare,
  birthday,
  percentile,
  purchase,
  purchaseTime,
  event,
  sequence,
  others,
);

const { condition } = fc.letrec<{ condition: ConditionIR }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    tie('condition').map((operand): ConditionIR => ({ kind: 'not', operand })),
    fc
      .array(tie('condition'), { minLength: 2, maxLength: 3 })
      .map((operands): ConditionIR => ({
        kind: 'and',
        operands: operands.flatMap((o) => (o.kind === 'and' ? o.operands : [o])),
      })),
    fc
      .array(tie('condition'), { minLength: 2, maxLength: 3 })
      .map((operands): ConditionIR => ({
        kind: 'or',
        operands: operands.flatMap((o) => (o.kind === 'or' ? o.operands : [o])),
      })),
  ),
}));

// ── tests ─────────────────────────────────────────────────────────────────────────────────────

describe('printIR / fromIR', () => {
  it('prints stored segments as text', () => {
    const ir: SegmentIR = {
      version: 1,
      root: {
        kind: 'and',
        operands: [
          {
            kind: 'compare',
            field: 'last_order_at',
            source: 'profile',
            op: 'lt',
            value: { kind: 'relativeTime', amount: 30, unit: 'day', direction: 'ago' },
          },
          {
            kind: 'not',
            operand: { kind: 'purchase', item: { by: 'category', values: ['coffee'] }, count: { op: 'gte', value: 1 } },
          },
          {
            kind: 'or',
            operands: [
              { kind: 'tag', mode: 'any', tags: ['vip'] },
              {
                kind: 'percentile',
                field: 'total_spent',
                source: 'profile',
                rank: { kind: 'top', percent: 10 },
                scope: 'matching',
              },
            ],
          },
          {
            kind: 'compare',
            field: 'came_by_referral',
            source: 'profile',
            op: 'eq',
            value: { kind: 'boolean', value: true },
          },
        ],
      },
    };
    expect(printIR(ir)).toBe(
      'last_order_at before 30 days ago and not bought category "coffee" and (has tag "vip" or total_spent in top 10% of matching) and came_by_referral',
    );
    expect(fromIR(ir).kind).toBe('and');
  });

  it('text → IR → text → IR is stable for every canonical query', () => {
    for (const q of canonicalQueries) {
      const first = parseSegment(q).ir!;
      const text = printIR(first);
      const second = parseSegment(text);
      expect([q, second.diagnostics.filter((d) => d.severity === 'error')]).toEqual([q, []]);
      expect(second.ir).toEqual(first);
      expect(printIR(second.ir!)).toBe(text);
    }
  });

  it('any well-formed IR prints to text that binds back to the same IR', () => {
    fc.assert(
      fc.property(condition, (root) => {
        const text = printIR(root);
        const r = parseSegment(text);
        expect(
          r.diagnostics.filter((d) => d.severity === 'error'),
          text,
        ).toEqual([]);
        expect(r.ir?.root, text).toEqual(root);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 1000) },
    );
  });
});
