import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Customer, Event, Location, Order, Product, type SqlRunner, type WriteBatch } from '@strata/core';
import { computeProfiles, defaultProfileConfig, findProfile, updateProfiles } from '@strata/profiles';
import { DuckDbStore } from '@strata/store-duckdb';

/*
 * Every trait of docs/profiles.md checked against values worked out by hand on small hand-made
 * stores. Each expected value carries its arithmetic; none is copied from the engine's output.
 * The BG/NBD and Gamma-Gamma columns are checked only for their type: the models are tested
 * on their own.
 */

type Profile = Record<string, unknown>;

/** A Monday, so the weekdays of the orders below are easy to count back. */
const AS_OF = new Date('2026-06-15T12:00:00.000Z');
const DAY = 86_400_000;
/** `days` days (and `minutes` minutes) before the as-of time. */
const ago = (days: number, minutes = 0) => new Date(AS_OF.getTime() - days * DAY - minutes * 60_000).toISOString();
/** `days` days after the as-of time. */
const ahead = (days: number) => new Date(AS_OF.getTime() + days * DAY).toISOString();

let orderNo = 0;
let eventNo = 0;

/** A confirmed order at the online shop unless `extra` says otherwise. */
const order = (customer: string, placedAt: string, total: number, extra: Record<string, unknown> = {}): Order =>
  Order.parse({
    id: `o-${++orderNo}`,
    customer_id: customer,
    location_id: 'web',
    placed_at: placedAt,
    currency: 'EUR',
    total,
    ...extra,
  });

const event = (customer: string, type: string, occurredAt: string, properties: Record<string, unknown> = {}): Event =>
  Event.parse({ message_id: `e-${++eventNo}`, customer_id: customer, type, occurred_at: occurredAt, properties });

const customers = (...ids: (string | Record<string, unknown>)[]): Customer[] =>
  ids.map((c) => Customer.parse(typeof c === 'string' ? { id: c } : c));

const locations = [
  Location.parse({ id: 'web', name: 'Online shop', kind: 'online' }),
  Location.parse({ id: 'shop-berlin', name: 'Berlin', kind: 'store', timezone: 'Europe/Berlin' }),
  Location.parse({ id: 'shop-nyc', name: 'New York', kind: 'store', timezone: 'America/New_York' }),
];

const products = [
  Product.parse({
    sku: 'MUG',
    name: 'Mug',
    category: 'kitchen',
    brand: 'Clay',
    price: 20,
    launched_at: '2020-01-01T00:00:00Z',
  }),
  // launched 50 days before the as-of time: bought within 30 days of that it is a trend purchase
  Product.parse({ sku: 'BAG', name: 'Bag', category: 'bags', brand: 'Sack', price: 60, launched_at: ago(50) }),
  Product.parse({ sku: 'TEA', name: 'Tea', category: 'tea', brand: 'Leaf', price: 10, consumption_days: 30 }),
  Product.parse({ sku: 'SOAP', name: 'Soap', category: 'care', price: 5, consumption_days: 10 }),
];

const modelColumns = [
  'p_alive',
  'expected_orders_30d',
  'expected_orders_90d',
  'expected_orders_365d',
  'expected_aov',
  'predicted_clv',
];

/** Writes the batch to a fresh store, computes profiles as of `asOf`, and returns them by customer id. */
async function profilesOf(batch: WriteBatch, asOf = AS_OF): Promise<(id: string) => Profile> {
  const store = await DuckDbStore.open(':memory:');
  try {
    await store.write({ locations, products, ...batch });
    await computeProfiles(store, { asOf, ranBy: 'test' });
    // as `strata profiles show` and the HTTP API give them (with the spend and AOV percentiles)
    const ids = await store.query<{ customer_id: string }>('SELECT customer_id FROM customer_profile');
    const byId = new Map<string, Profile>();
    for (const { customer_id } of ids) byId.set(customer_id, await findProfile(store, customer_id));
    return (id) => {
      const row = byId.get(id);
      if (!row) throw new Error(`no profile for ${id}`);
      return row;
    };
  } finally {
    await store.close();
  }
}

const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

describe('orders and spend', () => {
  let p: (id: string) => Profile;

  beforeAll(async () => {
    p = await profilesOf({
      customers: customers(
        'prospect',
        'cancelled',
        'one',
        'refunded',
        'same-day',
        { id: 'tokyo', timezone: 'Asia/Tokyo' },
        { id: 'los-angeles', timezone: 'America/Los_Angeles' },
        'shop-time',
        'mixed',
        'old',
      ),
      orders: [
        order('cancelled', ago(5), 40, { status: 'cancelled', lines: [{ sku: 'TEA', quantity: 4, unit_price: 10 }] }),
        order('cancelled', ago(50), 80, { status: 'cancelled' }),

        order('one', ago(10), 45.5, {
          discount_codes: ['WELCOME'],
          lines: [{ sku: 'MUG', quantity: 2, unit_price: 25, line_discount: 4.5 }],
        }),
        order('one', '2026-06-15T12:30:00Z', 999), // half an hour after the as-of time: not seen

        order('refunded', ago(40), 100, { location_id: 'shop-berlin' }),
        order('refunded', ago(20), 500, { status: 'refunded' }),

        // 1 June (a Monday) and twice on 11 June (a Thursday), all at the online shop (UTC)
        order('same-day', '2026-06-01T09:00:00Z', 30),
        order('same-day', '2026-06-11T08:00:00Z', 20),
        order('same-day', '2026-06-11T18:30:00Z', 50),

        // Tokyo is UTC+9: every one of these is a Saturday there, but three are Fridays in UTC
        order('tokyo', '2026-05-29T20:10:00Z', 10), // Tokyo Sat 30 May 05:10
        order('tokyo', '2026-06-05T16:00:00Z', 10), // Tokyo Sat 6 June 01:00
        order('tokyo', '2026-06-12T20:30:00Z', 10), // Tokyo Sat 13 June 05:30
        order('tokyo', '2026-06-13T03:00:00Z', 10), // Tokyo Sat 13 June 12:00 (same local day)

        // Los Angeles (UTC-7 in June) Tue 9 June 20:00; the Berlin shop would say Wed 05:00
        order('los-angeles', '2026-06-10T03:00:00Z', 15, { location_id: 'shop-berlin' }),
        // UTC-8 in January: Tue 13 January 23:30 (a fixed UTC-7 would say Wed 00:30, UTC Wed 07:30)
        order('los-angeles', '2026-01-14T07:30:00Z', 5),
        // no customer time zone: the New York shop's (UTC-4 in June), Tue 9 June 23:00
        order('shop-time', '2026-06-10T03:00:00Z', 15, { location_id: 'shop-nyc' }),

        order('mixed', ago(45), 100, {
          discount_codes: ['SPRING'],
          lines: [
            { sku: 'BAG', quantity: 1, unit_price: 60 }, // 5 days after the launch: trend, 60
            { sku: 'MUG', quantity: 2, unit_price: 20 }, // 40
          ],
        }),
        order('mixed', ago(15), 50, {
          location_id: 'shop-berlin',
          discount_total: 5,
          lines: [{ sku: 'BAG', quantity: 1, unit_price: 55, line_discount: 5 }], // 35 days after the launch: 50, no trend
        }),
        order('mixed', ago(10), 30, { location_id: 'shop-nyc' }),
        order('mixed', ago(8), 30, { location_id: 'shop-nyc', lines: [{ sku: 'TEA', quantity: 3, unit_price: 10 }] }),
        order('mixed', ago(3), 20, { discount_codes: ['LOYAL'] }),
        order('mixed', ago(2), 999, {
          status: 'cancelled',
          discount_codes: ['FAKE'],
          lines: [{ sku: 'SOAP', quantity: 1, unit_price: 999 }],
        }),

        order('old', ago(400), 70),
        order('old', ago(100), 30),
      ],
    });
  });

  it('a customer without orders is a prospect with empty order traits', () => {
    expect(p('prospect')).toMatchObject({
      order_count: 0,
      total_spent: 0,
      aov: null,
      largest_order: null,
      first_order_at: null,
      last_order_at: null,
      days_since_last_order: null,
      orders_365d: 0,
      avg_days_between_orders: null,
      median_days_between_orders: null,
      purchase_regularity: null,
      favourite_weekday: null,
      favourite_hour: null,
      avg_items_per_order: null,
      coupon_share: null,
      trend_share: null,
      online_share: null,
      categories: [],
      brands: [],
      preferred_location: null,
      shop: null,
      next_replenishment_due_at: null,
      next_replenishment_sku: null,
      recency_score: null,
      frequency_score: null,
      monetary_score: null,
      rfm_segment: null,
      rfm_cell: null,
      value_tier: null,
      aov_band: null,
      frequency_tier: null,
      lifecycle_stage: 'prospect',
      churn_risk: null,
    });
  });

  it('cancelled orders count for nothing: all cancelled is a prospect', () => {
    expect(p('cancelled')).toMatchObject({
      order_count: 0,
      total_spent: 0,
      last_order_at: null,
      categories: [],
      brands: [],
      avg_items_per_order: null,
      next_replenishment_sku: null,
      recency_score: null,
      lifecycle_stage: 'prospect',
    });
  });

  it('one order', () => {
    expect(p('one')).toMatchObject({
      order_count: 1,
      total_spent: 45.5,
      aov: 45.5,
      largest_order: 45.5,
      first_order_at: ago(10),
      last_order_at: ago(10),
      days_since_last_order: 10,
      orders_365d: 1,
      // one purchase day: no gaps
      avg_days_between_orders: null,
      median_days_between_orders: null,
      purchase_regularity: null,
      // 5 June 2026 12:00 UTC (no time zone anywhere) is a Friday
      favourite_weekday: 'friday',
      favourite_hour: 12,
      avg_items_per_order: 2, // 2 mugs in 1 order with lines
      coupon_share: 1, // its only order used WELCOME
      online_share: 1,
      trend_share: 0, // the mug launched in 2020
      categories: ['kitchen'],
      brands: ['Clay'],
      preferred_location: 'web',
      shop: 'web',
      lifecycle_stage: 'new', // one order 10 ≤ 30 days ago
      model_x: 0,
      model_t_x: 0,
      model_t: 10,
    });
  });

  it('a refunded order stops counting', () => {
    expect(p('refunded')).toMatchObject({
      order_count: 1,
      total_spent: 100, // not 600
      largest_order: 100, // not 500
      last_order_at: ago(40), // not 20 days ago
      days_since_last_order: 40,
      online_share: 0, // the refunded order was the online one
      preferred_location: 'shop-berlin',
      coupon_share: 0,
      avg_items_per_order: null, // no order with lines
      lifecycle_stage: 'one_time', // one order, 40 > 30 days ago
    });
  });

  it('two orders on one day are two orders but one purchase day', () => {
    expect(p('same-day')).toMatchObject({
      order_count: 3,
      total_spent: 100, // 30 + 20 + 50
      aov: expect.closeTo(100 / 3, 9),
      largest_order: 50,
      first_order_at: '2026-06-01T09:00:00.000Z',
      last_order_at: '2026-06-11T18:30:00.000Z',
      // 15 June 12:00 − 11 June 18:30 = 3 days 17.5 hours, rounded down
      days_since_last_order: 3,
      // purchase days 1 and 11 June: one gap of 10 days
      avg_days_between_orders: 10,
      median_days_between_orders: 10,
      purchase_regularity: null, // needs 3 purchase days
      // Monday once, Thursday twice
      favourite_weekday: 'thursday',
      // hours 9, 8 and 18 once each: the tie goes to the earliest
      favourite_hour: 8,
      // 1 repeat purchase day, 10 days after the first
      model_x: 1,
      model_t_x: 10,
      model_t: 14, // 1 June to 15 June
      // the day spends are 30 and 20 + 50: the repeat day's mean value is 70
      model_repeat_value: 70,
      // 3 orders but 3 < 10 × 1.5 days since the last, and fewer than 4 orders
      lifecycle_stage: 'active',
    });
  });

  it("weekday, hour and purchase days are in the customer's time zone", () => {
    expect(p('tokyo')).toMatchObject({
      order_count: 4,
      first_order_at: '2026-05-29T20:10:00.000Z',
      last_order_at: '2026-06-13T03:00:00.000Z',
      days_since_last_order: 2, // 2 days 9 hours
      // local: 4 × Saturday (UTC would say Friday 3 ×)
      favourite_weekday: 'saturday',
      // local hours 5, 1, 5, 12 (UTC would say 20)
      favourite_hour: 5,
      // local purchase days 30 May, 6 June, 13 June: gaps 7 and 7 (UTC days would give 7, 7, 1)
      avg_days_between_orders: 7,
      median_days_between_orders: 7,
      purchase_regularity: 1, // std. dev. 0: 1 / (1 + 0)
      model_x: 2,
      model_t_x: 14,
      // 4 orders, 2 days since the last ≤ 1.5 × 7
      lifecycle_stage: 'loyal',
    });
  });

  it("the customer's time zone comes before the shop's, and the shop's before UTC", () => {
    // Tuesday twice; hours 20 and 23 once each: the earlier
    expect(p('los-angeles')).toMatchObject({ favourite_weekday: 'tuesday', favourite_hour: 20 });
    expect(p('shop-time')).toMatchObject({ favourite_weekday: 'tuesday', favourite_hour: 23 });
  });

  it('coupon, online and trend shares, items per order, categories and the preferred shop', () => {
    expect(p('mixed')).toMatchObject({
      order_count: 5, // the cancelled sixth does not count
      total_spent: 230, // 100 + 50 + 30 + 30 + 20
      aov: 46, // 230 / 5
      largest_order: 100,
      // SPRING (code), 5 off (discount, no code), LOYAL (code): 3 of 5
      coupon_share: 0.6,
      // web twice of 5
      online_share: 0.4,
      // web 2, shop-nyc 2, shop-berlin 1: the tie goes to the smaller id
      preferred_location: 'shop-nyc',
      shop: 'shop-nyc',
      // line spend 60 (bag, trend) + 40 (mugs) + 50 (bag, 35 days after launch) + 30 (tea) = 180; trend 60
      trend_share: expect.closeTo(60 / 180, 9),
      // units 1 + 2, 1, 3 = 7 over the 3 orders that have lines
      avg_items_per_order: expect.closeTo(7 / 3, 9),
      categories: ['bags', 'kitchen', 'tea'],
      brands: ['Clay', 'Leaf', 'Sack'],
      // 3 teas × 30 days bought 8 days ago
      next_replenishment_due_at: ahead(82),
      next_replenishment_sku: 'TEA',
    });
  });

  it('orders in the last 365 days', () => {
    expect(p('old')).toMatchObject({
      order_count: 2,
      orders_365d: 1, // 400 days ago is outside
      avg_days_between_orders: 300,
      days_since_last_order: 100,
      // more than one order, none in the last 30 days, but not 180
      lifecycle_stage: 'churned',
    });
  });
});

describe('model inputs near midnight', () => {
  it("the age T is counted to the as-of day on the customer's local calendar, like the purchase days", async () => {
    const tokyoOrders = [
      order('tokyo', '2026-06-01T00:00:00Z', 10), // Tokyo 1 June 09:00
      order('tokyo', '2026-06-15T16:00:00Z', 10), // Tokyo 16 June 01:00
    ];
    // 20:00 UTC is 05:00 on 16 June in Tokyo
    const tokyo = await profilesOf(
      { customers: customers({ id: 'tokyo', timezone: 'Asia/Tokyo' }), orders: tokyoOrders },
      new Date('2026-06-15T20:00:00Z'),
    );
    // purchase days 1 and 16 June: x = 1, t_x = 15, and T = 16 − 1 June = 15 (never below t_x)
    expect(tokyo('tokyo')).toMatchObject({ model_x: 1, model_t_x: 15, model_t: 15 });

    const nycOrders = [
      order('nyc', '2026-06-01T12:00:00Z', 10, { location_id: 'shop-nyc' }), // New York 1 June 08:00
      order('nyc', '2026-06-14T23:00:00Z', 10, { location_id: 'shop-nyc' }), // New York 14 June 19:00
    ];
    // 02:00 UTC on 15 June is still 14 June, 22:00, at the New York shop
    const nyc = await profilesOf({ customers: customers('nyc'), orders: nycOrders }, new Date('2026-06-15T02:00:00Z'));
    expect(nyc('nyc')).toMatchObject({ model_x: 1, model_t_x: 13, model_t: 13 });
  });
});

describe('replenishment', () => {
  let p: (id: string) => Profile;

  beforeAll(async () => {
    p = await profilesOf({
      customers: customers('stocked', 'overdue', 'given-up', 'thirty-days', 'durable'),
      orders: [
        // an old big soap purchase (10 × 10 days) is not the last purchase of soap: it does not count
        order('stocked', ago(100), 50, { lines: [{ sku: 'SOAP', quantity: 10, unit_price: 5 }] }),
        // 2 teas × 30 days = 60 days from 50 days ago: due in 10 days
        order('stocked', ago(50), 20, { lines: [{ sku: 'TEA', quantity: 2, unit_price: 10 }] }),
        // two soap lines in one order add up: (1 + 2) × 10 days = 30 days from 25 days ago: due in 5 days
        order('stocked', ago(25), 35, {
          lines: [
            { sku: 'SOAP', quantity: 1, unit_price: 5 },
            { sku: 'MUG', quantity: 1, unit_price: 20 },
            { sku: 'SOAP', quantity: 2, unit_price: 5 },
          ],
        }),
        // a cancelled soap purchase is no purchase
        order('stocked', ago(1), 5, { status: 'cancelled', lines: [{ sku: 'SOAP', quantity: 1, unit_price: 5 }] }),

        // tea ran out 70 − 30 = 40 days ago: given up; soap ran out 35 − 10 = 25 days ago: overdue
        order('overdue', ago(70), 10, { lines: [{ sku: 'TEA', quantity: 1, unit_price: 10 }] }),
        order('overdue', ago(35), 5, { lines: [{ sku: 'SOAP', quantity: 1, unit_price: 5 }] }),

        // tea ran out 100 − 30 = 70 days ago
        order('given-up', ago(100), 10, { lines: [{ sku: 'TEA', quantity: 1, unit_price: 10 }] }),

        // 2 × 10 days from 50 days ago ran out exactly 30 days ago: not more than 30, still counts
        order('thirty-days', ago(50), 10, { lines: [{ sku: 'SOAP', quantity: 2, unit_price: 5 }] }),

        order('durable', ago(5), 20, { lines: [{ sku: 'MUG', quantity: 1, unit_price: 20 }] }),
      ],
    });
  });

  it('the earliest run-out date of the last purchase of each consumable', () => {
    expect(p('stocked')).toMatchObject({ next_replenishment_due_at: ahead(5), next_replenishment_sku: 'SOAP' });
  });

  it('an overdue product still counts; one that ran out more than 30 days ago is given up', () => {
    expect(p('overdue')).toMatchObject({ next_replenishment_due_at: ago(25), next_replenishment_sku: 'SOAP' });
    expect(p('given-up')).toMatchObject({ next_replenishment_due_at: null, next_replenishment_sku: null });
    expect(p('thirty-days')).toMatchObject({ next_replenishment_due_at: ago(30), next_replenishment_sku: 'SOAP' });
  });

  it('durable goods have no replenishment date', () => {
    expect(p('durable')).toMatchObject({ next_replenishment_due_at: null, next_replenishment_sku: null });
  });
});

describe('browsing and engagement', () => {
  let p: (id: string) => Profile;

  beforeAll(async () => {
    const pageView = (at: string) => event('visitor', 'page_view', at, { page_kind: 'home' });
    const cartAdd = (at: string, sku: string) => event('shopper', 'add_to_cart', at, { sku });
    p = await profilesOf({
      customers: customers('shopper', 'visitor', 'friend-a', 'friend-b', 'friend-c', {
        id: 'invited',
        referred_by: 'visitor',
      }),
      orders: [
        order('shopper', '2026-06-13T11:35:00Z', 25), // 55 minutes after cart B's last addition
        order('shopper', '2026-06-10T09:30:00Z', 10, { status: 'cancelled' }), // rescues no cart
        order('shopper', '2026-06-10T10:05:00Z', 10), // 65 minutes after cart D1, 4 after cart D2
      ],
      events: [
        // cart A: 07:00 and 07:30 today, no order: abandoned (the 60 minutes ended at 08:30)
        cartAdd('2026-06-15T07:00:00Z', 'MUG'),
        cartAdd('2026-06-15T07:30:00Z', 'TEA'),
        // cart B: followed by an order within the hour
        cartAdd('2026-06-13T10:00:00Z', 'SOAP'),
        cartAdd('2026-06-13T10:40:00Z', 'MUG'),
        // cart C: 30 minutes before the as-of time, not abandoned yet
        cartAdd('2026-06-15T11:30:00Z', 'SOAP'),
        // 61 minutes apart: two carts. D1 (soap) has no confirmed order by 10:00: abandoned
        cartAdd('2026-06-10T09:00:00Z', 'SOAP'),
        cartAdd('2026-06-10T10:01:00Z', 'TEA'),
        // after the as-of time: not seen
        cartAdd('2026-06-15T13:00:00Z', 'BAG'),

        // visit 1: 10:00, 10:20, 10:45 (gaps 20 and 25 minutes)
        pageView('2026-06-13T10:00:00Z'),
        pageView('2026-06-13T10:20:00Z'),
        pageView('2026-06-13T10:45:00Z'),
        // visit 2: 35 minutes later; then exactly 30 minutes, which is not over 30: the same visit
        pageView('2026-06-13T11:20:00Z'),
        pageView('2026-06-13T11:50:00Z'),
        // visit 3: 10 days 3 hours ago; visit 4: 45 days ago
        pageView('2026-06-05T09:00:00Z'),
        pageView('2026-05-01T09:00:00Z'),
        pageView('2026-06-15T12:30:00Z'), // after the as-of time

        event('visitor', 'product_view', '2026-06-14T09:00:00Z', { sku: 'MUG' }), // 1 day ago
        event('visitor', 'product_view', '2026-06-07T09:00:00Z', { sku: 'MUG' }), // 8 days ago
        event('visitor', 'product_view', '2026-05-10T09:00:00Z', { sku: 'TEA' }), // 36 days ago

        // chat: 09:00, 09:10 | 09:45 (35 minutes later), 10:14 (29 minutes) | 10 June
        event('visitor', 'chat_message', '2026-06-14T09:00:00Z'),
        event('visitor', 'chat_message', '2026-06-14T09:10:00Z'),
        event('visitor', 'chat_message', '2026-06-14T09:45:00Z'),
        event('visitor', 'chat_message', '2026-06-14T10:14:00Z'),
        event('visitor', 'chat_message', '2026-06-10T15:00:00Z'),

        event('visitor', 'content_view', '2026-06-01T10:00:00Z', {
          content_id: 'c1',
          topic: 'brewing',
          dwell_seconds: 30,
        }),
        event('visitor', 'content_view', '2026-06-02T10:00:00Z', {
          content_id: 'c2',
          topic: 'brewing',
          dwell_seconds: 45,
        }),
        event('visitor', 'content_view', '2026-06-03T10:00:00Z', {
          content_id: 'c3',
          topic: 'recipes',
          dwell_seconds: 60,
        }),
        event('visitor', 'content_view', '2026-06-16T10:00:00Z', {
          content_id: 'c4',
          topic: 'news',
          dwell_seconds: 700,
        }),

        // household: single, then parent (latest); diet: vegan; an answer after the as-of time is not seen
        event('visitor', 'questionnaire_answer', '2026-06-05T10:00:00Z', { question: 'household', option: 'single' }),
        event('visitor', 'questionnaire_answer', '2026-06-12T10:00:00Z', { question: 'household', option: 'parent' }),
        event('visitor', 'questionnaire_answer', '2026-06-08T10:00:00Z', { question: 'diet', option: 'vegan' }),
        event('visitor', 'questionnaire_answer', '2026-06-16T10:00:00Z', { question: 'household', option: 'couple' }),

        event('visitor', 'review', '2026-06-01T10:00:00Z', { rating: 5 }),
        event('visitor', 'review', '2026-06-02T10:00:00Z', { rating: 4 }),
        event('visitor', 'review', '2026-06-03T10:00:00Z', { rating: 2 }),
        event('visitor', 'review', '2026-06-16T10:00:00Z', { rating: 1 }),

        event('visitor', 'event_attended', '2026-05-20T18:00:00Z'),
        event('visitor', 'event_attended', '2026-06-01T18:00:00Z'),
        event('visitor', 'event_attended', '2026-06-20T18:00:00Z'),

        // friend-a named twice, friend-b once: 2 people; friend-c only after the as-of time
        event('visitor', 'referral', '2026-06-01T10:00:00Z', { referrer: 'visitor', referee: 'friend-a' }),
        event('visitor', 'referral', '2026-06-03T10:00:00Z', { referrer: 'visitor', referee: 'friend-a' }),
        event('visitor', 'referral', '2026-06-04T10:00:00Z', { referrer: 'visitor', referee: 'friend-b' }),
        event('visitor', 'referral', '2026-06-16T10:00:00Z', { referrer: 'visitor', referee: 'friend-c' }),
      ],
    });
  });

  it('carts: abandoned, followed by an order within the hour, and too recent to tell', () => {
    expect(p('shopper')).toMatchObject({
      carts_started: 5, // A, B, C, D1, D2
      carts_abandoned: 2, // A and D1
      last_abandoned_cart_at: '2026-06-15T07:30:00.000Z', // cart A's last addition
      last_add_to_cart_at: '2026-06-15T11:30:00.000Z', // cart C (the bag came after the as-of time)
      abandoned_skus: ['MUG', 'SOAP', 'TEA'], // A: mug, tea; D1: soap
      abandoned_categories: ['care', 'kitchen', 'tea'],
    });
  });

  it('visits are runs of page views with no gap over 30 minutes', () => {
    expect(p('visitor')).toMatchObject({
      last_visit_at: '2026-06-13T11:50:00.000Z',
      visits_7d: 2, // visits 1 and 2
      visits_30d: 3, // and visit 3
      product_views_7d: 1,
      product_views_30d: 2,
    });
  });

  it('chat sessions, content dwell by topic, questionnaire answers, reviews and events attended', () => {
    const v = p('visitor');
    expect(v).toMatchObject({
      chat_sessions: 3,
      content_dwell_seconds: 135, // 30 + 45 + 60
      top_content_topic: 'brewing',
      avg_review_rating: expect.closeTo(11 / 3, 9), // (5 + 4 + 2) / 3
      reviews: 3,
      events_attended: 2,
    });
    expect(json(v.content_dwell_by_topic)).toEqual({ brewing: 75, recipes: 60 });
    expect(json(v.questionnaire_answers)).toEqual({ household: 'parent', diet: 'vegan' });
  });

  it('referrals made and came by referral', () => {
    expect(p('visitor')).toMatchObject({ referrals_made: 2, came_by_referral: false });
    expect(p('friend-a')).toMatchObject({ referrals_made: 0, came_by_referral: true });
    expect(p('friend-b')).toMatchObject({ came_by_referral: true });
    expect(p('friend-c')).toMatchObject({ came_by_referral: false });
    expect(p('invited')).toMatchObject({ came_by_referral: true }); // referred_by on the record
  });

  it('a customer without events has zero counts and empty collections', () => {
    expect(p('friend-b')).toMatchObject({
      last_visit_at: null,
      visits_7d: 0,
      visits_30d: 0,
      product_views_30d: 0,
      carts_started: 0,
      carts_abandoned: 0,
      last_abandoned_cart_at: null,
      last_add_to_cart_at: null,
      abandoned_skus: [],
      chat_sessions: 0,
      content_dwell_seconds: 0,
      top_content_topic: null,
      avg_review_rating: null,
      reviews: 0,
      events_attended: 0,
    });
    expect(json(p('friend-b').content_dwell_by_topic)).toEqual({});
    expect(json(p('friend-b').questionnaire_answers)).toEqual({});
  });
});

/** The RFM table of docs/profiles.md, rows R 5..1, columns FM 1..5. */
const docRfmMap: Record<number, string[]> = {
  5: ['New', 'Potential Loyalist', 'Potential Loyalist', 'Champions', 'Champions'],
  4: ['Promising', 'Potential Loyalist', 'Potential Loyalist', 'Loyal', 'Champions'],
  3: ['About to Sleep', 'Need Attention', 'Need Attention', 'Loyal', 'Loyal'],
  2: ['Hibernating', 'About to Sleep', 'At Risk', 'At Risk', "Can't Lose Them"],
  1: ['Lost', 'Hibernating', 'At Risk', "Can't Lose Them", "Can't Lose Them"],
};

describe('RFM, value tiers, AOV bands and frequency tiers', () => {
  let p: (id: string) => Profile;
  /** Orders of `each` at each of `daysAgo`. */
  const ordersOf = (customer: string, each: number, daysAgo: number[]) =>
    daysAgo.map((d) => order(customer, ago(d), each));
  const monthly = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + 30 * k);
  const buyers = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'];

  beforeAll(async () => {
    p = await profilesOf({
      customers: customers('r0', 'rc', ...buyers),
      orders: [
        // customer: orders, spend, days since the last order, AOV
        ...ordersOf('r1', 100, [5]), // 1, 100, 5, 100
        ...ordersOf('r2', 100, [5]), // 1, 100, 5, 100
        ...ordersOf('r3', 150, [20, 50]), // 2, 300, 20, 150
        ...ordersOf('r4', 20, [60, 90, 120, 150]), // 4, 80, 60, 20
        ...ordersOf('r5', 100, monthly(1, 12)), // 12 (1 … 331 days ago), 1200, 1, 100
        ...ordersOf('r6', 50, [...monthly(2, 11), 400]), // 12 (11 in 365 days), 600, 2, 50
        ...ordersOf('r7', 20, [200]), // 1, 20, 200, 20
        ...ordersOf('r8', 30, [90, 100, 110]), // 3, 90, 90, 30
        order('rc', ago(3), 5000, { status: 'cancelled' }), // not a buyer
      ],
    });
  });

  /*
   * 8 buyers; score = 1 + floor(5 × (rank − 1) / 8), rank 1 the worst, ties share the lowest rank:
   * rank 1 → 1, 2 → 1 (0.625), 3 → 2 (1.25), 4 → 2 (1.875), 5 → 3 (2.5), 6 → 4 (3.125), 7 → 4 (3.75), 8 → 5 (4.375).
   *
   * R by days since the last order, most first: r7 200 (1), r8 90 (2), r4 60 (3), r3 20 (4),
   *   r1 = r2 5 (5), r6 2 (7), r5 1 (8)            → r7 1, r8 1, r4 2, r3 2, r1 3, r2 3, r6 4, r5 5
   * F by orders: r1 = r2 = r7 1 (1), r3 2 (4), r8 3 (5), r4 4 (6), r5 = r6 12 (7)
   *                                                → r1 1, r2 1, r7 1, r3 2, r8 3, r4 4, r5 4, r6 4 (nobody 5)
   * M by spend: r7 20 (1), r4 80 (2), r8 90 (3), r1 = r2 100 (4), r3 300 (6), r6 600 (7), r5 1200 (8)
   *                                                → r7 1, r4 1, r8 2, r1 2, r2 2, r3 4, r6 4, r5 5
   * FM = round((F + M) / 2): r1 1.5 → 2, r2 2, r3 3, r4 2.5 → 3, r5 4.5 → 5, r6 4, r7 1, r8 2.5 → 3
   */
  const expected: Record<string, [r: number, f: number, m: number, fm: number, segment: string]> = {
    r1: [3, 1, 2, 2, 'Need Attention'],
    r2: [3, 1, 2, 2, 'Need Attention'],
    r3: [2, 2, 4, 3, 'At Risk'],
    r4: [2, 4, 1, 3, 'At Risk'],
    r5: [5, 4, 5, 5, 'Champions'],
    r6: [4, 4, 4, 4, 'Loyal'],
    r7: [1, 1, 1, 1, 'Lost'],
    r8: [1, 3, 2, 3, 'At Risk'],
  };

  it.each(buyers)('RFM scores, cell and segment of %s', (id) => {
    const [r, f, m, fm, segment] = expected[id]!;
    expect(p(id)).toMatchObject({
      recency_score: r,
      frequency_score: f,
      monetary_score: m,
      rfm_cell: `${r}${f}${m}`,
      rfm_segment: segment,
    });
    // and the segment is the documented map's cell
    expect(docRfmMap[r]![fm - 1]).toBe(segment);
  });

  it('customers without a confirmed order get no RFM score', () => {
    for (const id of ['r0', 'rc']) {
      expect(p(id)).toMatchObject({
        recency_score: null,
        frequency_score: null,
        monetary_score: null,
        rfm_segment: null,
        value_tier: null,
        aov_band: null,
      });
    }
  });

  it('value tiers by the spend percentile', () => {
    // percent_rank = (rank − 1) / 7: r7 0, r4 1/7, r8 2/7, r1 = r2 3/7, r3 5/7, r6 6/7, r5 1
    const tiers = Object.fromEntries(buyers.map((id) => [id, p(id).value_tier]));
    expect(tiers).toEqual({
      r1: 'low',
      r2: 'low',
      r3: 'medium',
      r4: 'low',
      r5: 'high',
      r6: 'high',
      r7: 'low',
      r8: 'low',
    });
    expect(p('r3').spend_percentile).toBeCloseTo(5 / 7, 9);
    expect(p('r1').spend_percentile).toBeCloseTo(3 / 7, 9);
  });

  it('AOV bands by the AOV percentile', () => {
    // AOV: r4 = r7 20 (0), r8 30 (2/7), r6 50 (3/7), r1 = r2 = r5 100 (4/7), r3 150 (1)
    const bands = Object.fromEntries(buyers.map((id) => [id, p(id).aov_band]));
    expect(bands).toEqual({
      r1: 'medium',
      r2: 'medium',
      r3: 'high',
      r4: 'low',
      r5: 'medium',
      r6: 'medium',
      r7: 'low',
      r8: 'low',
    });
    expect(p('r6').aov_percentile).toBeCloseTo(3 / 7, 9);
  });

  it('frequency tiers by orders in the last 365 days', () => {
    expect(p('r5')).toMatchObject({ orders_365d: 12, frequency_tier: 'heavy' });
    expect(p('r6')).toMatchObject({ order_count: 12, orders_365d: 11, frequency_tier: 'medium' }); // one order 400 days ago
    expect(p('r4')).toMatchObject({ orders_365d: 4, frequency_tier: 'medium' });
    expect(p('r8')).toMatchObject({ orders_365d: 3, frequency_tier: 'light' });
    expect(p('r7')).toMatchObject({ orders_365d: 1, frequency_tier: 'light' });
  });

  it('model columns are null or numbers', () => {
    for (const id of ['r0', ...buyers]) {
      for (const c of modelColumns) expect(p(id)[c] === null || typeof p(id)[c] === 'number', `${id}.${c}`).toBe(true);
    }
  });
});

describe('lifecycle stages', () => {
  let p: (id: string) => Profile;
  const ordersOf = (customer: string, daysAgo: number[]) => daysAgo.map((d) => order(customer, ago(d), 10));

  beforeAll(async () => {
    p = await profilesOf({
      customers: customers(
        'prospect',
        'dormant',
        'dormant-once',
        'new',
        'one-time',
        'churned',
        'at-risk',
        'at-risk-median',
        'skipped',
        'loyal',
        'active',
        'active-same-day',
      ),
      orders: [
        ...ordersOf('dormant', [400, 300, 200]),
        ...ordersOf('dormant-once', [181]),
        ...ordersOf('new', [10]),
        ...ordersOf('one-time', [40]),
        ...ordersOf('churned', [75, 45]),
        ...ordersOf('at-risk', [34, 27, 20]),
        ...ordersOf('at-risk-median', [40, 38, 36, 16]),
        ...ordersOf('skipped', [36, 26, 16]),
        ...ordersOf('loyal', [24, 17, 10, 3]),
        ...ordersOf('active', [15, 5]),
        order('active-same-day', ago(5), 10),
        order('active-same-day', ago(5, 60), 10), // an hour earlier, the same day
      ],
    });
  });

  it.each([
    ['prospect', 'prospect'], // no order
    ['dormant', 'dormant'], // 200 > 180 days since the last order
    ['dormant-once', 'dormant'], // one order, 181 > 180 days ago: dormant comes first
    ['new', 'new'], // one order, 10 ≤ 30 days ago
    ['one-time', 'one_time'], // one order, 40 days ago
    ['churned', 'churned'], // two orders, 45 > 30 days since the last
    ['at-risk', 'at_risk'], // gaps 7, 7: 20 > 2.5 × 7 = 17.5
    ['at-risk-median', 'at_risk'], // gaps 2, 2, 20: median 2, 16 > 5 (the mean 8 would say skipped_cycle)
    ['skipped', 'skipped_cycle'], // gaps 10, 10: 16 > 15 but ≤ 25
    ['loyal', 'loyal'], // 4 orders, gaps 7: 3 ≤ 10.5
    ['active', 'active'], // 2 orders, gap 10: 5 ≤ 15
    ['active-same-day', 'active'], // 2 orders on one day: no usual interval yet
  ])('%s is %s', (id, stage) => {
    expect(p(id).lifecycle_stage).toBe(stage);
  });

  it('intervals, regularity and the overdue ratio', () => {
    expect(p('at-risk-median')).toMatchObject({
      avg_days_between_orders: 8, // (2 + 2 + 20) / 3
      median_days_between_orders: 2,
      // CV = σ / mean with σ = sqrt(((2−8)² + (2−8)² + (20−8)²) / 3) = sqrt(72): 1 / (1 + sqrt(72) / 8)
      purchase_regularity: expect.closeTo(1 / (1 + Math.sqrt(72) / 8), 9),
      overdue_ratio: 8, // 16 / 2
    });
    expect(p('skipped').overdue_ratio).toBeCloseTo(1.6, 9); // 16 / 10
    expect(p('loyal').purchase_regularity).toBe(1); // gaps 7, 7, 7
    expect(p('active-same-day')).toMatchObject({
      order_count: 2,
      avg_days_between_orders: null,
      overdue_ratio: null,
      model_x: 0,
    });
    expect(p('new').overdue_ratio).toBeNull();
  });

  it('churn risk is high when the days since the last order exceed twice the usual interval', () => {
    // 20 > 2 × 7, whatever P(alive) is
    expect(p('at-risk').churn_risk).toBe('high');
    expect(p('prospect').churn_risk).toBeNull();
    for (const id of ['new', 'loyal', 'skipped', 'active'])
      expect(['low', 'medium', 'high']).toContain(p(id).churn_risk);
  });
});

describe('age', () => {
  let p: (id: string) => Profile;

  beforeAll(async () => {
    p = await profilesOf({
      customers: customers(
        { id: 'birthday-today', birthday: '2000-06-15' },
        { id: 'birthday-tomorrow', birthday: '2000-06-16' },
        { id: 'seventeen', birthday: '2008-06-16' },
        { id: 'eighteen', birthday: '2008-06-15' },
        { id: 'twenty-nine', birthday: '1996-06-16' },
        { id: 'thirty', birthday: '1996-06-15' },
        { id: 'given', age: 45 },
        { id: 'both', birthday: '1980-12-31', age: 99 },
        { id: 'fifty-nine', birthday: '1966-07-01' },
        { id: 'sixty', birthday: '1966-01-01' },
        { id: 'seventy', birthday: '1956-01-01' },
        'unknown',
      ),
    });
  });

  it.each([
    ['birthday-today', 26, '18-29'], // 2026 − 2000, the birthday is today
    ['birthday-tomorrow', 25, '18-29'], // not 26 until tomorrow
    ['seventeen', 17, 'under 18'],
    ['eighteen', 18, '18-29'],
    ['twenty-nine', 29, '18-29'],
    ['thirty', 30, '30-39'],
    ['given', 45, '40-49'], // no birthday: the age as given
    ['both', 45, '40-49'], // the birthday wins: 2026 − 1980 − 1 (31 December not reached)
    ['fifty-nine', 59, '50-59'], // 2026 − 1966 − 1
    ['sixty', 60, '60-69'],
    ['seventy', 70, '70+'],
  ])('%s is %i (%s)', (id, age, group) => {
    expect(p(id)).toMatchObject({ age, age_group: group });
  });

  it('no birthday and no age: unknown', () => {
    expect(p('unknown')).toMatchObject({ age: null, age_group: null });
  });
});

describe('profile runs', () => {
  let store: DuckDbStore;

  interface RunRow {
    id: string;
    kind: string;
    ran_by: string;
    as_of: string;
    status: string;
    customers: number | null;
    finished_at: string | null;
    error: string | null;
    config: string | null;
  }
  const runs = () => store.query<RunRow>('SELECT * FROM profile_runs ORDER BY started_at, kind');
  const runById = async (id: string) => (await runs()).find((r) => r.id === id);
  const profileRows = () => store.query<Profile>('SELECT * FROM customer_profile ORDER BY customer_id');

  /** A runner that fails on the first statement matching `failOn`, and calls `beforeSwap` before the swap transaction. */
  function instrumented(db: SqlRunner, hooks: { failOn?: RegExp; beforeSwap?: () => Promise<void> }): SqlRunner {
    const wrap = (inner: SqlRunner, inTransaction: boolean): SqlRunner => ({
      dialect: inner.dialect,
      query: (sql, params) => inner.query(sql, params),
      exec: async (sql, params) => {
        if (hooks.failOn?.test(sql)) throw new Error(`simulated failure at: ${sql.trim().slice(0, 60)}`);
        await inner.exec(sql, params);
      },
      loadTable: (name, columns, rows) => inner.loadTable(name, columns, rows),
      transaction: async (fn) => {
        if (!inTransaction) await hooks.beforeSwap?.();
        return inner.transaction((tx) => fn(wrap(tx, true)));
      },
    });
    return wrap(db, false);
  }

  beforeAll(async () => {
    store = await DuckDbStore.open(':memory:');
    await store.write({
      locations,
      products,
      customers: customers('a', 'b'),
      orders: [order('a', ago(10), 40), order('b', ago(3), 60)],
    });
  });

  afterAll(async () => {
    await store.close();
  });

  it('records a full run: kind, as-of time, who ran it, status and customers', async () => {
    const run = await computeProfiles(store, { asOf: AS_OF, ranBy: 'test-full' });
    expect(run).toMatchObject({ kind: 'full', asOf: AS_OF.toISOString(), customers: 2 });
    expect(await runById(run.id)).toMatchObject({
      kind: 'full',
      ran_by: 'test-full',
      as_of: AS_OF.toISOString(),
      status: 'complete',
      customers: 2,
      error: null,
    });
    expect((await runById(run.id))!.finished_at).not.toBeNull();
    expect(json((await runById(run.id))!.config)).toEqual(defaultProfileConfig);
    const rows = await profileRows();
    expect(rows.map((r) => [r.customer_id, r.run_id, r.as_of])).toEqual([
      ['a', run.id, AS_OF.toISOString()],
      ['b', run.id, AS_OF.toISOString()],
    ]);
  });

  it('records an incremental run', async () => {
    await store.write({ orders: [order('a', ago(1), 10)] });
    const run = await updateProfiles(store, ['a'], { asOf: AS_OF, ranBy: 'test-incremental' });
    expect(await runById(run.id)).toMatchObject({
      kind: 'incremental',
      ran_by: 'test-incremental',
      as_of: AS_OF.toISOString(),
      status: 'complete',
    });
    const rows = await profileRows();
    expect(rows.find((r) => r.customer_id === 'a')).toMatchObject({ run_id: run.id, order_count: 2, total_spent: 50 });
  });

  it('readers see the previous complete run until the new one is swapped in', async () => {
    const before = await profileRows();
    const previousRun = before[0]!.run_id;
    await store.write({ orders: [order('b', ago(1), 15)] });
    let seenDuringRun: { live: Profile[]; next: Profile[]; running: RunRow[] } | undefined;
    const run = await computeProfiles(
      instrumented(store, {
        beforeSwap: async () => {
          seenDuringRun = {
            live: await profileRows(),
            next: await store.query<Profile>('SELECT * FROM customer_profile_next ORDER BY customer_id'),
            running: (await runs()).filter((r) => r.status === 'running'),
          };
        },
      }),
      { asOf: AS_OF, ranBy: 'test-full' },
    );
    expect(seenDuringRun!.live).toEqual(before);
    expect(seenDuringRun!.next.map((r) => r.run_id)).toEqual([run.id, run.id]);
    expect(seenDuringRun!.next.find((r) => r.customer_id === 'b')).toMatchObject({ order_count: 2, total_spent: 75 });
    expect(seenDuringRun!.running.map((r) => r.id)).toEqual([run.id]);
    const after = await profileRows();
    expect(after.map((r) => r.run_id)).toEqual([run.id, run.id]);
    expect(previousRun).not.toBe(run.id);
  });

  it('a run that fails while swapping leaves the previous profiles intact and is marked failed', async () => {
    const before = await profileRows();
    await store.write({ orders: [order('a', ago(1, 30), 1000)] });
    // the new profiles are already built; the swap's rename fails inside its transaction
    const failing = instrumented(store, { failOn: /RENAME TO customer_profile\b/ });
    await expect(computeProfiles(failing, { asOf: AS_OF, ranBy: 'test-failing' })).rejects.toThrow(/simulated failure/);
    expect(await profileRows()).toEqual(before);
    const failed = (await runs()).filter((r) => r.ran_by === 'test-failing');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ kind: 'full', status: 'failed', as_of: AS_OF.toISOString() });
    expect(failed[0]!.error).toMatch(/simulated failure/);
    expect(failed[0]!.finished_at).not.toBeNull();
  });

  it('an invalid configuration fails the run and keeps the previous profiles', async () => {
    const before = await profileRows();
    const config = { ...defaultProfileConfig, sessionGapMinutes: Number.NaN };
    await expect(computeProfiles(store, { asOf: AS_OF, ranBy: 'test-bad-config', config })).rejects.toThrow(/finite/);
    await expect(updateProfiles(store, ['a'], { asOf: AS_OF, ranBy: 'test-bad-config', config })).rejects.toThrow(
      /finite/,
    );
    expect(await profileRows()).toEqual(before);
    const failed = (await runs()).filter((r) => r.ran_by === 'test-bad-config');
    expect(failed.map((r) => [r.kind, r.status])).toEqual([
      ['full', 'failed'],
      ['incremental', 'failed'],
    ]);
  });

  it('a source table gone mid-way fails the run and keeps the previous profiles', async () => {
    const before = await profileRows();
    await store.exec('DROP TABLE order_lines');
    await expect(computeProfiles(store, { asOf: AS_OF, ranBy: 'test-dropped' })).rejects.toThrow();
    expect(await profileRows()).toEqual(before);
    expect((await runs()).filter((r) => r.ran_by === 'test-dropped').map((r) => r.status)).toEqual(['failed']);
  });

  it('the next run after failures succeeds', async () => {
    await store.exec(
      'CREATE TABLE order_lines (order_id VARCHAR, line_no INTEGER, sku VARCHAR, quantity INTEGER, unit_price DECIMAL(18,4), line_discount DECIMAL(18,4))',
    );
    const run = await computeProfiles(store, { asOf: AS_OF, ranBy: 'test-full' });
    const rows = await profileRows();
    // a: 40 + 10 + 1000; b: 60 + 15
    expect(rows.map((r) => [r.customer_id, r.run_id, r.total_spent])).toEqual([
      ['a', run.id, 1050],
      ['b', run.id, 75],
    ]);
  });
});
