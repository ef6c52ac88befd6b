import { beforeAll, describe, expect, it } from 'vitest';
import { ago, customers, order, profilesOf, type Profile } from './profiles-fixture.js';

/*
 * Where a customer stands among the others and in their life as a customer, on hand-made stores:
 * RFM scores and segments against the table in docs/profiles.md, value tiers, AOV bands, frequency
 * tiers, lifecycle stages with churn risk, and age groups. The BG/NBD and Gamma-Gamma columns are
 * checked only for their type: the models are tested on their own.
 */

/** The model outputs (BG/NBD and Gamma-Gamma). */
const modelColumns = [
  'p_alive',
  'expected_orders_30d',
  'expected_orders_90d',
  'expected_orders_365d',
  'expected_aov',
  'predicted_clv',
];

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
