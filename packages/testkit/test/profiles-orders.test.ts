import { beforeAll, describe, expect, it } from 'vitest';
import { ago, ahead, customers, order, profilesOf, type Profile } from './profiles-fixture.js';

/*
 * Order traits on a hand-made store: counts and spend, cancelled and refunded orders, favourite
 * weekday and hour in the customer's (or shop's) time zone, shares, categories, the preferred
 * shop, the BG/NBD inputs near midnight, and the next replenishment date.
 */

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
