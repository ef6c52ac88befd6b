/*
 * Random small stores and random segments over their vocabulary, for the tests holding the
 * per-customer evaluator (@strata/segment-eval) to the SQL backend. Stores have customers with
 * merges (a shared email), consents, birthdays; orders of every status with lines of known and
 * unknown products, some placed after the as-of time; events of built-in and custom types, some
 * anonymous; tags differing only in case. Times sit on minutes and on exact day boundaries, where
 * off-by-one mistakes show.
 */
import fc from 'fast-check';
import { Customer, Event, fixedClock, Location, Order, Product, TagAssignment, type WriteBatch } from '@strata/core';
import { computeProfiles } from '@strata/profiles';
import {
  defaultCatalog,
  type ConditionIR,
  type Duration,
  type ItemFilter,
  type SegmentIR,
  type TimeValue,
  type TimeWindow,
  type ValueTest,
  type WhereIR,
} from '@strata/segment-lang';
import { DuckDbStore } from '@strata/store-duckdb';

/** The profiles' as-of time (a Sunday morning in March). */
export const NOW = new Date('2026-03-15T09:30:00.000Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
const at = (offsetMinutes: number) => new Date(NOW.getTime() + offsetMinutes * MINUTE).toISOString();

const products = [
  { sku: 'TEA-1', name: 'Sencha', category: 'Tea', brand: 'Leaf', collection: 'Spring', price: 9.5 },
  { sku: 'TEA-2', name: 'Assam', category: 'tea', brand: 'LEAF', price: 7.25, consumption_days: 20 },
  { sku: 'COF-1', name: 'Espresso', category: 'Coffee', brand: 'Bean', price: 12, consumption_days: 14 },
  { sku: 'MUG-1', name: 'Mug', category: 'Mugs', brand: 'Clay', collection: 'spring', price: 15 },
  { sku: 'GIFT', name: 'Gift card', price: 25 },
].map((p) => Product.parse(p));
const locations = [
  Location.parse({ id: 'web', name: 'Online shop', kind: 'online' }),
  Location.parse({ id: 'shop', name: 'Berlin', kind: 'store', timezone: 'Europe/Berlin' }),
];

export const vocabulary = {
  skus: ['TEA-1', 'tea-2', 'COF-1', 'MUG-1', 'GIFT', 'GHOST'],
  categories: ['Tea', 'TEA', 'coffee', 'Mugs', 'Books'],
  brands: ['Leaf', 'bean', 'Clay', 'Nobody'],
  collections: ['Spring', 'winter'],
  countries: ['DE', 'FR', 'GB'],
  cities: ['Berlin', 'berlin', 'Paris', 'Zürich'],
  names: ['Anna Müller', 'Bob Smith', 'ÇAĞLA Öz', 'Zoë Ng', 'İlker Σ'],
  tags: ['vip', 'VIP', 'app-user', 'Wholesale'],
  questions: ['skin', 'diet'],
  options: ['Dry', 'oily', 'Vegan'],
  topics: ['Tea', 'brewing', 'Brew'],
};

// ── stores ────────────────────────────────────────────────────────────────────────────────────

/** Evaluation times the tests use, as shifts from the as-of time (the last one is a 31st: months clamp). */
export const evaluationShifts = [0, 53 * 60, 12 * 1440, 16 * 1440].map((minutes) => minutes * MINUTE);

/**
 * Minutes from the as-of time: mostly the past year, a few ahead, many on whole days (dense in the
 * last weeks, where windows end) and some exactly at an evaluation time.
 */
const offset = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -400 * 1440, max: 6 * 1440 }) },
  { weight: 2, arbitrary: fc.integer({ min: -400, max: 6 }).map((d) => d * 1440) },
  { weight: 2, arbitrary: fc.integer({ min: -35, max: 3 }).map((d) => d * 1440) },
  { weight: 1, arbitrary: fc.constantFrom(...evaluationShifts.map((ms) => ms / MINUTE)) },
  { weight: 1, arbitrary: fc.integer({ min: -3 * 1440, max: 1440 }) },
);
const money = fc.integer({ min: 0, max: 30_000 }).map((c) => c / 100);

const customer = (i: number) =>
  fc
    .record({
      email: fc.option(fc.constantFrom('shared', 'own'), { nil: undefined }),
      phone: fc.boolean(),
      name: fc.option(fc.constantFrom(...vocabulary.names), { nil: undefined }),
      country: fc.option(fc.constantFrom(...vocabulary.countries), { nil: undefined }),
      city: fc.option(fc.constantFrom(...vocabulary.cities), { nil: undefined }),
      birthday: fc.option(
        fc.oneof(
          // near the as-of day, where birthday windows begin and end
          fc
            .tuple(fc.integer({ min: 1950, max: 2005 }), fc.integer({ min: -20, max: 40 }))
            .map(([y, d]) => `${y}${new Date(NOW.getTime() + d * DAY).toISOString().slice(4, 10)}`),
          fc.constant('1996-02-29'),
          fc
            .date({ min: new Date('1950-01-01'), max: new Date('2005-12-31'), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10)),
        ),
        { nil: undefined },
      ),
      newsletter: fc.option(fc.boolean(), { nil: undefined }),
      created: fc.option(offset, { nil: undefined }),
      consent: fc.subarray(['email', 'sms', 'whatsapp']),
      refused: fc.boolean(),
    })
    .map((c) =>
      Customer.parse({
        id: `c${String(i).padStart(2, '0')}`,
        ...(c.email ? { email: c.email === 'shared' ? 'shared@example.com' : `C${i}@Example.com` } : {}),
        ...(c.phone ? { phone: `+49151${String(12_345_000 + i)}` } : {}),
        ...(c.name ? { name: c.name } : {}),
        ...(c.country ? { country: c.country } : {}),
        ...(c.city ? { city: c.city } : {}),
        ...(c.birthday ? { birthday: c.birthday } : {}),
        ...(c.newsletter !== undefined ? { newsletter: c.newsletter } : {}),
        ...(c.created !== undefined ? { created_at: at(c.created) } : {}),
        consent: Object.fromEntries(c.consent.map((ch) => [ch, { granted: !c.refused, at: at(-1000) }])),
      }),
    );

const line = fc.record({
  sku: fc.constantFrom('TEA-1', 'TEA-2', 'COF-1', 'MUG-1', 'GIFT', 'GHOST'),
  quantity: fc.integer({ min: 1, max: 3 }),
  unit_price: money,
  line_discount: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 500 }).map((c) => c / 100),
  ),
});
const order = fc.record({
  placed: offset,
  status: fc.constantFrom('confirmed', 'confirmed', 'confirmed', 'cancelled', 'refunded'),
  location: fc.constantFrom('web', 'shop'),
  lines: fc.array(line, { maxLength: 3 }),
  total: money,
});
const event = fc.oneof(
  fc.record({ type: fc.constant('page_view'), kind: fc.constantFrom('home', 'product', 'category', 'demo_video') }),
  fc.record({ type: fc.constant('add_to_cart'), sku: fc.constantFrom('TEA-1', 'COF-1'), quantity: fc.nat(4) }),
  fc.record({ type: fc.constant('event_attended') }),
  fc.record({ type: fc.constant('review'), rating: fc.integer({ min: 1, max: 5 }) }),
  fc.record({
    type: fc.constant('questionnaire_answer'),
    question: fc.constantFrom(...vocabulary.questions),
    option: fc.constantFrom(...vocabulary.options),
  }),
  fc.record({
    type: fc.constant('webinar'),
    topic: fc.option(fc.constantFrom(...vocabulary.topics), { nil: undefined }),
    seats: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    starts: fc.option(offset, { nil: undefined }),
    paid: fc.option(fc.boolean(), { nil: undefined }),
  }),
);
const timedEvent = fc.record({ event, occurred: offset, anonymous: fc.boolean() });

export interface RandomStore {
  readonly batch: WriteBatch;
  /** Written after the profiles were computed: a customer claiming another's email, so merged with a stale profile. */
  readonly late: WriteBatch;
}

export const randomStore: fc.Arbitrary<RandomStore> = fc
  .integer({ min: 20, max: 40 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: n }, (_, i) => customer(i + 1))),
      fc.array(fc.array(order, { maxLength: 5, size: 'max' }), { minLength: n, maxLength: n }),
      fc.array(fc.array(timedEvent, { maxLength: 8, size: 'max' }), { minLength: n, maxLength: n }),
      fc.array(fc.subarray(vocabulary.tags), { minLength: n, maxLength: n }),
      fc.boolean(),
    ),
  )
  .map(([customers, orders, events, tags, lateMerge]) => {
    let orderNo = 0;
    let eventNo = 0;
    const owner = customers.find((c) => c.email !== undefined && c.email.toLowerCase() !== 'shared@example.com');
    const claimant = customers.find((c) => c.id !== owner?.id && c.email === undefined);
    return {
      late:
        lateMerge && owner && claimant ? { customers: [Customer.parse({ id: claimant.id, email: owner.email })] } : {},
      batch: {
        products,
        locations,
        customers,
        orders: customers.flatMap((c, i) =>
          orders[i]!.map((o) =>
            Order.parse({
              id: `o${++orderNo}`,
              customer_id: c.id,
              location_id: o.location,
              placed_at: at(o.placed),
              status: o.status,
              currency: 'EUR',
              total: o.total,
              lines: o.lines,
            }),
          ),
        ),
        events: customers.flatMap((c, i) =>
          events[i]!.map(({ event: e, occurred, anonymous }) => {
            const { type, ...rest } = e;
            const properties =
              type === 'page_view'
                ? { page_kind: (rest as { kind: string }).kind }
                : type === 'webinar'
                  ? Object.fromEntries(
                      Object.entries(rest)
                        .filter(([, v]) => v !== undefined)
                        .map(([k, v]) => [k, k === 'starts' ? at(v as number) : v]),
                    )
                  : rest;
            return Event.parse({
              message_id: `e${++eventNo}`,
              ...(anonymous ? { anonymous_id: `anon-${i % 3}` } : { customer_id: c.id }),
              type,
              occurred_at: at(occurred),
              properties,
            });
          }),
        ),
        tags: customers.flatMap((c, i) =>
          tags[i]!.map((tag) => TagAssignment.parse({ customer_id: c.id, tag, assigned_at: at(-500) })),
        ),
      },
    };
  });

/** A fresh in-memory store holding the batch, with profiles computed as of NOW. */
export async function openRandomStore(store: RandomStore): Promise<DuckDbStore> {
  const db = await DuckDbStore.open(':memory:', { clock: fixedClock(NOW) });
  await db.write(store.batch);
  await computeProfiles(db, { asOf: NOW, ranBy: 'test' });
  await db.write(store.late);
  return db;
}

// ── segments ──────────────────────────────────────────────────────────────────────────────────

/** Saved segments the random ones may refer to (one reads a customer attribute). */
export const savedSegments: Readonly<Record<string, SegmentIR>> = {
  buyers: { version: 1, root: { kind: 'purchase', count: { op: 'gte', value: 1 } } },
  germans: {
    version: 1,
    root: { kind: 'compare', field: 'country', source: 'customer', op: 'eq', value: { kind: 'string', value: 'de' } },
  },
};

const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** Leaves out undefined properties, as stored IR does (`exactOptionalPropertyTypes`). */
type Stripped<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};
const strip = <T extends object>(o: T): Stripped<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Stripped<T>;
const num = (value: number) => ({ kind: 'number' as const, value });
const str = (value: string) => ({ kind: 'string' as const, value });
const recase = (s: string) => fc.constantFrom(s, s.toLowerCase(), s.toUpperCase());
const oneOfText = (values: readonly string[]) => fc.constantFrom(...values).chain(recase);

export const duration: fc.Arbitrary<Duration> = fc.oneof(
  fc.record({
    kind: fc.constant('duration' as const),
    amount: fc.integer({ min: 0, max: 90 }),
    unit: fc.constant('day' as const),
  }),
  fc.record({
    kind: fc.constant('duration' as const),
    amount: fc.integer({ min: 0, max: 14 }),
    unit: fc.constantFrom('minute', 'hour', 'week', 'month', 'year' as const),
  }),
);
const dayText = fc
  .integer({ min: -60, max: 20 })
  .map((d) => new Date(NOW.getTime() + d * DAY).toISOString().slice(0, 10));
const time: fc.Arbitrary<TimeValue> = fc.oneof(
  dayText.map((value) => ({ kind: 'date' as const, value })),
  duration.chain((d) =>
    fc
      .constantFrom('ago' as const, 'fromNow' as const)
      .map((direction) => ({ kind: 'relativeTime' as const, amount: d.amount, unit: d.unit, direction })),
  ),
  fc.constant({ kind: 'now' as const }),
);
const timeTest: fc.Arbitrary<ValueTest> = fc.oneof(
  fc.record({ op: fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte' as const), value: time }),
  fc.tuple(dayText, dayText).map(([a, b]) => ({
    op: 'between' as const,
    low: { kind: 'date' as const, value: a < b ? a : b },
    high: { kind: 'date' as const, value: a < b ? b : a },
  })),
  fc.record({ op: fc.constantFrom('withinLast', 'withinNext' as const), duration }),
  fc.constantFrom({ op: 'isSet' as const }, { op: 'isNotSet' as const }),
);
const numberTest = (values: fc.Arbitrary<number>): fc.Arbitrary<ValueTest> =>
  fc.oneof(
    fc.record({ op: fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte' as const), value: values.map(num) }),
    fc.record({
      op: fc.constantFrom('in', 'notIn' as const),
      values: fc.array(values.map(num), { minLength: 1, maxLength: 3 }),
    }),
    fc
      .tuple(values, values)
      .map(([a, b]) => ({ op: 'between' as const, low: num(Math.min(a, b)), high: num(Math.max(a, b)) })),
    fc.constantFrom({ op: 'isSet' as const }, { op: 'isNotSet' as const }),
  );
const textTest = (values: readonly string[]): fc.Arbitrary<ValueTest> =>
  fc.oneof(
    fc.record({ op: fc.constantFrom('eq', 'ne' as const), value: oneOfText(values).map(str) }),
    fc.record({
      op: fc.constantFrom('in', 'notIn' as const),
      values: fc.array(oneOfText(values).map(str), { minLength: 1, maxLength: 2 }),
    }),
    fc.record({
      op: fc.constantFrom('contains', 'startsWith', 'endsWith' as const),
      value: fc
        .oneof(
          oneOfText(values).map((v) => v.slice(0, 3)),
          oneOfText(values).map((v) => v.slice(-2)),
        )
        .map(str),
    }),
    fc.constantFrom({ op: 'isSet' as const }, { op: 'isNotSet' as const }),
  );
const compare = (field: string, test: fc.Arbitrary<ValueTest>): fc.Arbitrary<ConditionIR> =>
  test.map((t) => ({ kind: 'compare', field, source: defaultCatalog[field]!.source, ...t }));

const counts = fc.integer({ min: 0, max: 6 });
const amounts = fc.integer({ min: 0, max: 400 });
const days = fc.integer({ min: 0, max: 400 });
const ratio = fc.integer({ min: 0, max: 30 }).map((n) => n / 10);

const fieldCompare = fc.oneof(
  compare('order_count', numberTest(counts)),
  compare('total_spent', numberTest(amounts)),
  compare('aov', numberTest(amounts)),
  compare('days_since_last_order', numberTest(days)),
  compare('overdue_ratio', numberTest(ratio)),
  compare('visits_30d', numberTest(counts)),
  compare('carts_started', numberTest(counts)),
  compare('age', numberTest(fc.integer({ min: 15, max: 70 }))),
  compare('country', textTest(vocabulary.countries)),
  compare('city', textTest(vocabulary.cities)),
  compare('name', textTest(vocabulary.names)),
  compare('email', textTest(['shared@example.com', 'example.com', 'C1'])),
  compare('preferred_location', textTest(['web', 'shop'])),
  compare(
    'lifecycle_stage',
    fc.constantFrom('new', 'active', 'one_time', 'prospect').map((v) => ({ op: 'eq' as const, value: str(v) })),
  ),
  compare(
    'newsletter',
    fc.boolean().map((value) => ({ op: 'eq' as const, value: { kind: 'boolean' as const, value } })),
  ),
  compare(
    'categories',
    oneOfText(vocabulary.categories).map((v) => ({ op: 'contains' as const, value: str(v) })),
  ),
  compare(
    'abandoned_skus',
    oneOfText(vocabulary.skus).map((v) => ({ op: 'contains' as const, value: str(v) })),
  ),
  ...['last_order_at', 'first_order_at', 'created_at', 'last_visit_at', 'next_replenishment_due_at'].map((f) =>
    compare(f, timeTest),
  ),
  compare(
    'birthday',
    timeTest.filter((t) => t.op !== 'withinLast' && t.op !== 'withinNext'),
  ),
  compare(
    'birthday',
    fc
      .record({ op: fc.constantFrom('withinLast', 'withinNext' as const), duration })
      .map((t) => ({ ...t, annual: true as const })),
  ),
);

export const item: fc.Arbitrary<ItemFilter> = fc.oneof(
  fc.record({
    by: fc.constant('product' as const),
    values: fc.array(oneOfText(vocabulary.skus), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    by: fc.constant('category' as const),
    values: fc.array(oneOfText(vocabulary.categories), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    by: fc.constant('brand' as const),
    values: fc.array(oneOfText(vocabulary.brands), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    by: fc.constant('collection' as const),
    values: fc.array(oneOfText(vocabulary.collections), { minLength: 1, maxLength: 2 }),
  }),
);
const window: fc.Arbitrary<TimeWindow> = fc.oneof(
  duration.map((d) => ({ kind: 'withinLast' as const, duration: d })),
  time.map((t) => ({ kind: 'before' as const, time: t })),
  time.map((t) => ({ kind: 'after' as const, time: t })),
  fc.tuple(dayText, dayText).map(([a, b]) => ({
    kind: 'between' as const,
    from: { kind: 'date' as const, value: a < b ? a : b },
    to: { kind: 'date' as const, value: a < b ? b : a },
  })),
);
export const count = fc.record({ op: fc.constantFrom('gte', 'lte', 'eq' as const), value: fc.integer({ min: 0, max: 3 }) });

const purchase = fc
  .record({
    item: optional(item),
    count: fc.oneof(fc.constant({ op: 'gte' as const, value: 1 }), count),
    amount: optional(fc.record({ op: fc.constantFrom('gte', 'lte' as const), value: amounts })),
    window: optional(window),
  })
  .map((p): ConditionIR => strip({ kind: 'purchase' as const, ...p }));
const purchaseTime = fc
  .tuple(fc.constantFrom('first', 'last' as const), optional(item), timeTest)
  .map(([which, i, t]): ConditionIR => strip({ kind: 'purchaseTime' as const, which, item: i, ...t }) as ConditionIR);

const property = (name: string, type: 'string' | 'number' | 'boolean' | 'timestamp', test: fc.Arbitrary<ValueTest>) =>
  test.map((t): WhereIR => ({ kind: 'property', property: name, type, ...t }));
const whereLeaf: fc.Arbitrary<WhereIR> = fc.oneof(
  property('page_kind', 'string', textTest(['home', 'demo_video', 'category'])),
  property('topic', 'string', textTest(vocabulary.topics)),
  property('seats', 'number', numberTest(fc.integer({ min: 0, max: 5 }))),
  property('quantity', 'number', numberTest(fc.integer({ min: 0, max: 4 }))),
  property(
    'paid',
    'boolean',
    fc.boolean().map((value) => ({ op: 'eq' as const, value: { kind: 'boolean' as const, value } })),
  ),
  property('starts', 'timestamp', timeTest),
);
const where: fc.Arbitrary<WhereIR> = fc.oneof(
  { weight: 3, arbitrary: whereLeaf },
  fc.array(whereLeaf, { minLength: 2, maxLength: 2 }).map((operands): WhereIR => ({ kind: 'and', operands })),
  fc.array(whereLeaf, { minLength: 2, maxLength: 2 }).map((operands): WhereIR => ({ kind: 'or', operands })),
  whereLeaf.map((operand): WhereIR => ({ kind: 'not', operand })),
);
const eventName = fc.constantFrom('page_view', 'add_to_cart', 'webinar', 'questionnaire_answer', 'event_attended', 'review');
const event_ = fc
  .record({ name: eventName, where: optional(where), count, window: optional(window) })
  .map((e): ConditionIR => strip({ kind: 'event' as const, ...e }));
const target = fc.oneof(
  fc.record({ name: eventName, where: optional(where) }).map((t) => strip({ kind: 'event' as const, ...t })),
  optional(item).map((i) => strip({ kind: 'purchase' as const, item: i })),
);
const sequence = fc.oneof(
  fc
    .record({
      first: fc.record({ name: eventName, where: optional(where), window: optional(window) }).map(strip),
      steps: fc.array(fc.record({ target, within: optional(duration) }), { minLength: 1, maxLength: 3 }),
      lastNegated: fc.boolean(),
    })
    .map(({ first, steps, lastNegated }): ConditionIR => ({
      kind: 'sequence',
      first,
      steps: steps.map((s, i) => strip({ negated: lastNegated && i === steps.length - 1, ...s })),
    })),
  // the shapes answered from the profile: "then not order" with no limit
  fc
    .record({
      name: fc.constantFrom('add_to_cart', 'page_view'),
      window: optional(duration.map((d) => ({ kind: 'withinLast' as const, duration: d }))),
    })
    .map(({ name, window: w }): ConditionIR => ({
      kind: 'sequence',
      first: strip({ name, window: w }),
      steps: [{ negated: true, target: { kind: 'purchase' } }],
    })),
);
const others: fc.Arbitrary<ConditionIR> = fc.oneof(
  fc
    .record({
      mode: fc.constantFrom('any', 'all' as const),
      tags: fc.array(oneOfText(vocabulary.tags), { minLength: 1, maxLength: 3 }),
    })
    .map((t): ConditionIR => ({ kind: 'tag', ...t })),
  fc
    .record({ channel: fc.constantFrom('email', 'sms', 'whatsapp'), requireContact: fc.boolean() })
    .map((c): ConditionIR => ({ kind: 'consent', ...c })),
  fc.constantFrom(...Object.keys(savedSegments)).map((segment): ConditionIR => ({ kind: 'segmentRef', segment })),
  fc
    .record({
      question: fc.constantFrom(...vocabulary.questions, 'none'),
      options: optional(fc.array(oneOfText(vocabulary.options), { minLength: 1, maxLength: 2 })),
    })
    .map((a): ConditionIR => strip({ kind: 'answer' as const, ...a })),
);
const percentile = fc
  .record({
    field: fc.constantFrom('total_spent', 'order_count', 'days_since_last_order', 'aov', 'age'),
    rank: fc.oneof(
      fc.record({ kind: fc.constantFrom('top', 'bottom' as const), percent: fc.constantFrom(10, 25, 50, 33.3, 100) }),
      fc
        .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
        .map(([a, b]) => ({ kind: 'between' as const, low: Math.min(a, b), high: Math.max(a, b) })),
    ),
    scope: fc.constantFrom('all', 'all', 'matching' as const),
  })
  .map((p): ConditionIR => ({ kind: 'percentile', source: defaultCatalog[p.field]!.source, ...p }));

/** Leaves by kind; `percentiles: false` leaves them out (for tests of time alone). */
export function conditionArbitrary(options: { percentiles: boolean }): fc.Arbitrary<ConditionIR> {
  const leaf = fc.oneof(
    { weight: 4, arbitrary: fieldCompare },
    { weight: 3, arbitrary: purchase },
    { weight: 1, arbitrary: purchaseTime },
    { weight: 3, arbitrary: event_ },
    { weight: 3, arbitrary: sequence },
    { weight: 2, arbitrary: others },
    { weight: options.percentiles ? 1 : 0, arbitrary: percentile },
  );
  const { condition } = fc.letrec<{ condition: ConditionIR }>((tie) => ({
    condition: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 5, arbitrary: leaf },
      tie('condition').map((operand): ConditionIR => ({ kind: 'not', operand })),
      fc.array(tie('condition'), { minLength: 2, maxLength: 3 }).map((operands): ConditionIR => ({
        kind: 'and',
        operands: operands.flatMap((o) => (o.kind === 'and' ? o.operands : [o])),
      })),
      fc.array(tie('condition'), { minLength: 2, maxLength: 3 }).map((operands): ConditionIR => ({
        kind: 'or',
        operands: operands.flatMap((o) => (o.kind === 'or' ? o.operands : [o])),
      })),
    ),
  }));
  return condition;
}

export const segmentArbitrary = (options: { percentiles: boolean }): fc.Arbitrary<SegmentIR> =>
  conditionArbitrary(options).map((root) => ({ version: 1, root }));

/** Conditions that time moves: times of traits, day counts, windows, sequences. */
const timeLeaf: fc.Arbitrary<ConditionIR> = fc.oneof(
  compare('days_since_last_order', numberTest(fc.integer({ min: 0, max: 60 }))),
  compare('overdue_ratio', numberTest(ratio)),
  ...['last_order_at', 'next_replenishment_due_at'].map((f) => compare(f, timeTest)),
  compare(
    'birthday',
    fc
      .record({ op: fc.constantFrom('withinLast', 'withinNext' as const), duration })
      .map((t) => ({ ...t, annual: true as const })),
  ),
  purchase.filter((p) => p.kind === 'purchase' && p.window !== undefined),
  purchaseTime,
  event_.filter((e) => e.kind === 'event' && e.window !== undefined),
  sequence,
  // rarer shapes, made common here: calendar months, "then not … within", times in properties
  fc
    .record({ op: fc.constantFrom('withinLast', 'withinNext' as const), amount: fc.integer({ min: 0, max: 14 }) })
    .map(({ op, amount }): ConditionIR => ({
      kind: 'compare',
      field: 'last_order_at',
      source: 'profile',
      op,
      duration: { kind: 'duration', amount, unit: 'month' },
    })),
  fc.integer({ min: 0, max: 14 }).map((amount): ConditionIR => ({
    kind: 'purchase',
    count: { op: 'gte', value: 1 },
    window: { kind: 'withinLast', duration: { kind: 'duration', amount, unit: 'month' } },
  })),
  fc
    .record({ first: fc.constantFrom('add_to_cart', 'page_view'), target, within: duration })
    .map(({ first, target: t, within }): ConditionIR => ({
      kind: 'sequence',
      first: { name: first },
      steps: [{ negated: true, target: t, within }],
    })),
  fc.tuple(timeTest, fc.option(window, { nil: undefined })).map(([t, w]): ConditionIR => {
    const where: WhereIR = { kind: 'property', property: 'starts', type: 'timestamp', ...t };
    return strip({
      kind: 'event' as const,
      name: 'webinar',
      where,
      count: { op: 'gte' as const, value: 1 },
      window: w,
    });
  }),
);

/** Segments most of whose conditions move with time: alone, negated, or beside any other condition. */
export const timeSegmentArbitrary: fc.Arbitrary<SegmentIR> = fc
  .oneof(
    timeLeaf,
    timeLeaf.map((operand): ConditionIR => ({ kind: 'not', operand })),
    fc
      .tuple(timeLeaf, conditionArbitrary({ percentiles: false }), fc.constantFrom('and' as const, 'or' as const))
      .map(([a, b, kind]): ConditionIR => ({ kind, operands: [a, ...(b.kind === kind ? b.operands : [b])] })),
  )
  .map((root) => ({ version: 1, root }));
