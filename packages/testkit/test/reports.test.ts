/**
 * The reports on a hand-made store whose every number was worked out by hand (the working is in
 * the comments): four customers, five counted orders (one refunded and one cancelled that must
 * not count), three brands, two shops, saved segments with a membership history, and profiles
 * computed as of two days for the transitions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, Customer, fixedClock, Location, Order, Product } from '@strata/core';
import { recordMembership } from '@strata/membership';
import { computeProfiles } from '@strata/profiles';
import { runReport, type Report, type ReportRow } from '@strata/reports';
import { SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const EARLIER = new Date('2026-05-25T12:00:00.000Z');
const clock = fixedClock(NOW);
let store: DuckDbStore;
const ids: Record<string, string> = {};

const order = (id: string, customer: string, placed: string, total: number, extra: Record<string, unknown> = {}) =>
  Order.parse({
    id,
    customer_id: customer,
    location_id: 'web',
    placed_at: `${placed}T10:00:00Z`,
    currency: 'EUR',
    total,
    ...extra,
  });
const line = (sku: string, quantity: number, unit_price: number, line_discount = 0) => ({
  sku,
  quantity,
  unit_price,
  line_discount,
});

/** Exactly `members` are in the segment from `at` on (entries and exits recorded as the live engine does). */
const setMembers = (segment: string, members: string[], at: string) =>
  store.transaction((tx) =>
    recordMembership(tx, {
      segmentId: ids[segment]!,
      scope: 'all',
      members: members.length
        ? members.map((_, i) => `SELECT CAST($${i + 1} AS VARCHAR)`).join(' UNION ALL ')
        : 'SELECT CAST(NULL AS VARCHAR) WHERE false',
      params: members,
      at,
      cause: 'event',
    }),
  );

const report = (name: string, params: Record<string, string> = {}) => runReport(store, name, params, { clock });
const table = (r: Report, id: string): ReportRow[] => {
  const t = r.tables.find((x) => x.id === id);
  if (!t) throw new Error(`no table ${id} in ${r.report}`);
  return t.rows;
};
const rounded = (rows: ReportRow[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 10_000) / 10_000 : v]),
    ),
  );
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

beforeAll(async () => {
  store = await DuckDbStore.open(':memory:', { clock });
  await store.write({
    locations: [
      Location.parse({ id: 'web', name: 'Online shop', kind: 'online' }),
      Location.parse({ id: 'berlin', name: 'Berlin', kind: 'store', country: 'DE' }),
    ],
    products: [
      Product.parse({ sku: 'MUG', name: 'Mug', category: 'kitchen', brand: 'Clay', price: 20 }),
      Product.parse({ sku: 'TEA', name: 'Tea', category: 'tea', brand: 'Leaf', price: 10 }),
      Product.parse({ sku: 'SOAP', name: 'Soap', category: 'care', price: 5 }),
    ],
    customers: [
      Customer.parse({ id: 'a', country: 'DE', age: 35 }),
      Customer.parse({ id: 'b', country: 'DE', age: 25 }),
      Customer.parse({ id: 'c', country: 'FR' }),
      Customer.parse({ id: 'd', country: 'FR', age: 45 }),
    ],
    orders: [
      order('o1', 'a', '2026-04-10', 100, { lines: [line('MUG', 2, 20), line('TEA', 6, 10)] }),
      order('o2', 'a', '2026-05-20', 50, { location_id: 'berlin', lines: [line('TEA', 5, 10)] }),
      order('o3', 'b', '2026-05-05', 30, { lines: [line('MUG', 1, 20), line('SOAP', 2, 5)] }),
      order('o4', 'c', '2026-06-01', 200, { lines: [line('MUG', 10, 20)] }),
      order('o5', 'c', '2026-06-02', 80, { status: 'refunded', lines: [line('MUG', 4, 20)] }),
      order('o6', 'b', '2026-06-10', 40, { status: 'cancelled', location_id: 'berlin', lines: [line('TEA', 4, 10)] }),
      order('o7', 'a', '2026-06-12', 15, { lines: [line('MUG', 1, 20, 5)] }),
    ],
  });
  await computeProfiles(store, { asOf: EARLIER, ranBy: 'test' });
  await computeProfiles(store, { asOf: NOW, ranBy: 'test' });
  const segments = new SegmentService(store, { clock });
  for (const name of ['buyers', 'germany', 'big', 'vip'])
    ids[name] = (await segments.save({ name, text: 'order_count >= 1' })).id;
  await setMembers('buyers', ['a', 'b', 'c'], '2026-06-14T08:00:00Z');
  await setMembers('germany', ['a', 'b'], '2026-06-14T08:00:00Z');
  await setMembers('big', ['a', 'c'], '2026-06-14T08:00:00Z');
  // vip: {a, b} on 1 June; b out, c in on 3 June; d in later that day; a and d out on 5 June
  await setMembers('vip', ['a', 'b'], '2026-06-01T09:00:00Z');
  await setMembers('vip', ['a', 'c'], '2026-06-03T09:00:00Z');
  await setMembers('vip', ['a', 'c', 'd'], '2026-06-03T15:00:00Z');
  await setMembers('vip', ['c'], '2026-06-05T09:00:00Z');
});
afterAll(() => store.close());

describe('overview', () => {
  it('counts customers, buyers, orders, revenue, AOV and repeat rate from confirmed orders only', async () => {
    const r = await report('overview');
    // a: 100 + 50 + 15, b: 30, c: 200 (refunded o5 and cancelled o6 left out) = 395 over 5 orders
    expect(table(r, 'totals')).toEqual([
      { customers: 4, buyers: 3, orders: 5, revenue: 395, aov: 79, repeat_buyers: 1, repeat_rate: 1 / 3 },
    ]);
    expect(r.parameters).toEqual({ from: null, to: '2026-06-15', segment: null, months: '12' });
  });

  it('narrows every order figure to a period and to a segment', async () => {
    // May and June: o2 (50), o3 (30), o4 (200), o7 (15)
    const period = await report('overview', { from: '2026-05-01', to: '2026-06-30' });
    expect(table(period, 'totals')[0]).toMatchObject({ buyers: 3, orders: 4, revenue: 295, repeat_buyers: 1 });
    // big = {a, c}: a 165 over 3 orders, c 200
    const big = await report('overview', { segment: 'big' });
    expect(table(big, 'totals')[0]).toMatchObject({ customers: 2, buyers: 2, orders: 4, revenue: 365, aov: 91.25 });
    // the big spenders' lines only: a's o1, o2, o7 and c's o4
    expect(table(big, 'revenue_by_brand').map((b) => [b.brand, b.revenue])).toEqual([
      ['Clay', 255],
      ['Leaf', 110],
    ]);
    expect(table(big, 'lifecycle').filter((s) => s.customers !== 0)).toEqual([
      { stage: 'new', customers: 1, share: 0.5 },
      { stage: 'active', customers: 1, share: 0.5 },
    ]);
  });

  it('counts each lifecycle stage of the last profile run, every stage listed', async () => {
    // as of 15 June: d no orders (prospect); c one order 14 days ago (new, ≤ 30 days); b one
    // order 41 days ago (one_time); a three orders, the last 3 days ago, fewer than 4 (active)
    expect(table(await report('overview'), 'lifecycle')).toEqual([
      { stage: 'prospect', customers: 1, share: 0.25 },
      { stage: 'new', customers: 1, share: 0.25 },
      { stage: 'active', customers: 1, share: 0.25 },
      { stage: 'one_time', customers: 1, share: 0.25 },
      { stage: 'skipped_cycle', customers: 0, share: 0 },
      { stage: 'at_risk', customers: 0, share: 0 },
      { stage: 'churned', customers: 0, share: 0 },
      { stage: 'dormant', customers: 0, share: 0 },
      { stage: 'loyal', customers: 0, share: 0 },
    ]);
  });

  it('places each buyer in the RFM grid cell the profiles give them, with the grid label', async () => {
    // three buyers; a score is 1 + the number of the positions ceil(j·3/5) = 1, 2, 2, 3 reached by
    // the buyers ranked before. Recency: b (41 d) 1, c (14 d) 2, a (3 d) 4. Frequency: b, c 1
    // order → 1, a → 4. Monetary: b 30 → 1, a 165 → 2, c 200 → 4. FM = round((F + M) / 2):
    // a 3, b 1, c 2.5 → 3. Cells: a R4 FM3 Potential Loyalist, b R1 FM1 Lost, c R2 FM3 At Risk.
    const r = await report('overview');
    const grid = table(r, 'rfm_grid');
    expect(grid).toHaveLength(25);
    expect(grid.filter((c) => c.customers !== 0)).toEqual([
      { recency: 4, frequency_monetary: 3, segment: 'Potential Loyalist', customers: 1, revenue: 165, share: 1 / 3 },
      { recency: 2, frequency_monetary: 3, segment: 'At Risk', customers: 1, revenue: 200, share: 1 / 3 },
      { recency: 1, frequency_monetary: 1, segment: 'Lost', customers: 1, revenue: 30, share: 1 / 3 },
    ]);
    expect(grid[0]).toMatchObject({ recency: 5, frequency_monetary: 1, segment: 'New', customers: 0 });
    // the same labels as the profiles' own rfm_segment
    const profiles = await store.query<{ customer_id: string; rfm_segment: string }>(
      'SELECT customer_id, rfm_segment FROM customer_profile WHERE order_count > 0 ORDER BY customer_id',
    );
    expect(profiles.map((p) => p.rfm_segment)).toEqual(['Potential Loyalist', 'Lost', 'At Risk']);
    const segments = table(r, 'rfm_segments').filter((s) => s.customers !== 0);
    expect(rounded(segments)).toEqual([
      { segment: 'Potential Loyalist', customers: 1, share: r4(1 / 3), revenue: 165, revenue_share: r4(165 / 395) },
      { segment: 'At Risk', customers: 1, share: r4(1 / 3), revenue: 200, revenue_share: r4(200 / 395) },
      { segment: 'Lost', customers: 1, share: r4(1 / 3), revenue: 30, revenue_share: r4(30 / 395) },
    ]);
  });

  it('shows cohort retention by first-order month, months not yet seen as empty', async () => {
    // cohorts April (a), May (b), June (c) up to June; a ordered again in May and June; b's June
    // order was cancelled
    const r = await report('overview', { months: '3' });
    expect(table(r, 'cohorts')).toEqual([
      { cohort: '2026-04', customers: 1, month_0: 1, month_1: 1, month_2: 1, month_3: null },
      { cohort: '2026-05', customers: 1, month_0: 1, month_1: 0, month_2: null, month_3: null },
      { cohort: '2026-06', customers: 1, month_0: 1, month_1: null, month_2: null, month_3: null },
    ]);
  });

  it('splits revenue by country, shop, brand and age group', async () => {
    const r = await report('overview');
    // FR: c 200; DE: a 165 + b 30
    expect(rounded(table(r, 'revenue_by_country'))).toEqual([
      { country: 'FR', buyers: 1, orders: 1, revenue: 200, revenue_share: r4(200 / 395) },
      { country: 'DE', buyers: 2, orders: 4, revenue: 195, revenue_share: r4(195 / 395) },
    ]);
    // online: o1 100, o3 30, o4 200, o7 15; Berlin: o2 50
    expect(rounded(table(r, 'revenue_by_shop'))).toEqual([
      { shop: 'Online shop', kind: 'online', buyers: 3, orders: 4, revenue: 345, revenue_share: r4(345 / 395) },
      { shop: 'Berlin', kind: 'store', buyers: 1, orders: 1, revenue: 50, revenue_share: r4(50 / 395) },
    ]);
    // Clay: 40 + 20 + 200 + (20 − 5) = 275 over 14 mugs; Leaf: 60 + 50 = 110; Soap has no brand: 10
    expect(rounded(table(r, 'revenue_by_brand'))).toEqual([
      { brand: 'Clay', lines: 4, units: 14, revenue: 275, revenue_share: r4(275 / 395) },
      { brand: 'Leaf', lines: 2, units: 11, revenue: 110, revenue_share: r4(110 / 395) },
      { brand: '(none)', lines: 1, units: 2, revenue: 10, revenue_share: r4(10 / 395) },
    ]);
    // b 25 → 18-29, a 35 → 30-39, c without an age last
    expect(rounded(table(r, 'revenue_by_age_group'))).toEqual([
      { age_group: '18-29', buyers: 1, orders: 1, revenue: 30, revenue_share: r4(30 / 395) },
      { age_group: '30-39', buyers: 1, orders: 3, revenue: 165, revenue_share: r4(165 / 395) },
      { age_group: '(none)', buyers: 1, orders: 1, revenue: 200, revenue_share: r4(200 / 395) },
    ]);
  });
});

describe('segment-sizes', () => {
  it("gives a saved segment's size at the end of each day and its entries and exits", async () => {
    const r = await report('segment-sizes', { segment: 'vip', from: '2026-06-02', to: '2026-06-05' });
    expect(table(r, 'days')).toEqual([
      { day: '2026-06-02', size: 2, entered: 0, exited: 0 },
      { day: '2026-06-03', size: 3, entered: 2, exited: 1 },
      { day: '2026-06-04', size: 3, entered: 0, exited: 0 },
      { day: '2026-06-05', size: 1, entered: 0, exited: 2 },
    ]);
    expect(table(r, 'summary')).toEqual([
      { segment: 'vip', size_before: 2, size_after: 1, entered: 2, exited: 3, net: -1 },
    ]);
  });

  it('names what is wrong: no segment, an unknown one, a bad day', async () => {
    await expect(report('segment-sizes')).rejects.toThrow('segment-sizes needs a saved segment');
    await expect(report('segment-sizes', { segment: 'vipp' })).rejects.toThrow(
      'no saved segment "vipp" (did you mean "vip"?)',
    );
    await expect(report('segment-sizes', { segment: 'vip', from: '2026-02-30' })).rejects.toThrow(
      'from must be a day as YYYY-MM-DD, not "2026-02-30"',
    );
    await expect(report('segment-sizes', { segment: 'vip', form: '2026-06-01' })).rejects.toThrow(
      'the segment-sizes report has no parameter "form" (did you mean "from"?)',
    );
  });
});

describe('overlap', () => {
  it('counts the members each pair shares and each exact combination (UpSet)', async () => {
    // a in all three, b in buyers and germany, c in buyers and big
    const r = await report('overlap', { segments: 'buyers,germany,big' });
    expect(rounded(table(r, 'pairs'))).toEqual([
      {
        segment_a: 'buyers',
        segment_b: 'germany',
        size_a: 3,
        size_b: 2,
        both: 2,
        share_of_a: r4(2 / 3),
        share_of_b: 1,
        jaccard: r4(2 / 3),
      },
      {
        segment_a: 'buyers',
        segment_b: 'big',
        size_a: 3,
        size_b: 2,
        both: 2,
        share_of_a: r4(2 / 3),
        share_of_b: 1,
        jaccard: r4(2 / 3),
      },
      {
        segment_a: 'germany',
        segment_b: 'big',
        size_a: 2,
        size_b: 2,
        both: 1,
        share_of_a: 0.5,
        share_of_b: 0.5,
        jaccard: r4(1 / 3),
      },
    ]);
    expect(rounded(table(r, 'intersections'))).toEqual([
      { segments: 'buyers & germany', degree: 2, customers: 1, share: r4(1 / 3), in_1: 1, in_2: 1, in_3: 0 },
      { segments: 'buyers & big', degree: 2, customers: 1, share: r4(1 / 3), in_1: 1, in_2: 0, in_3: 1 },
      { segments: 'buyers & germany & big', degree: 3, customers: 1, share: r4(1 / 3), in_1: 1, in_2: 1, in_3: 1 },
    ]);
  });

  it('compares the largest saved segments when none are named', async () => {
    const r = await report('overlap');
    expect(table(r, 'segments').map((s) => [s.segment, s.members])).toEqual([
      ['buyers', 3],
      ['big', 2],
      ['germany', 2],
      ['vip', 1],
    ]);
  });
});

describe('revenue-share', () => {
  it("gives each saved segment's share of customers and revenue, and the buyers by spend decile", async () => {
    const r = await report('revenue-share');
    expect(rounded(table(r, 'segments'))).toEqual([
      {
        segment: 'buyers',
        members: 3,
        customer_share: 0.75,
        buyers: 3,
        revenue: 395,
        revenue_share: 1,
        revenue_per_member: 131.67,
      },
      {
        segment: 'big',
        members: 2,
        customer_share: 0.5,
        buyers: 2,
        revenue: 365,
        revenue_share: r4(365 / 395),
        revenue_per_member: 182.5,
      },
      {
        segment: 'vip',
        members: 1,
        customer_share: 0.25,
        buyers: 1,
        revenue: 200,
        revenue_share: r4(200 / 395),
        revenue_per_member: 200,
      },
      {
        segment: 'germany',
        members: 2,
        customer_share: 0.5,
        buyers: 2,
        revenue: 195,
        revenue_share: r4(195 / 395),
        revenue_per_member: 97.5,
      },
    ]);
    // three buyers fill the first three deciles: c 200, a 165, b 30
    expect(rounded(table(r, 'spend_deciles'))).toEqual([
      {
        decile: 1,
        buyers: 1,
        revenue: 200,
        revenue_share: r4(200 / 395),
        cumulative_share: r4(200 / 395),
        min_spend: 200,
        max_spend: 200,
      },
      {
        decile: 2,
        buyers: 1,
        revenue: 165,
        revenue_share: r4(165 / 395),
        cumulative_share: r4(365 / 395),
        min_spend: 165,
        max_spend: 165,
      },
      {
        decile: 3,
        buyers: 1,
        revenue: 30,
        revenue_share: r4(30 / 395),
        cumulative_share: 1,
        min_spend: 30,
        max_spend: 30,
      },
    ]);
  });
});

describe('transitions', () => {
  it('moves customers between lifecycle stages from one profile run to the next', async () => {
    // 25 May: a two orders, the last 5 days ago (active); b one order 20 days ago (new); c, d none.
    // 15 June: a active, b one_time, c new, d prospect.
    const r = await report('transitions', { by: 'lifecycle', from: '2026-05-25', to: '2026-06-15' });
    const nonZero = table(r, 'matrix').map((row) =>
      Object.fromEntries(Object.entries(row).filter(([k, v]) => k === 'from' || (v !== 0 && k !== 'total'))),
    );
    expect(nonZero).toEqual([
      { from: 'prospect', prospect: 1, new: 1 },
      { from: 'new', one_time: 1 },
      { from: 'active', active: 1 },
      { from: 'one_time' },
      { from: 'skipped_cycle' },
      { from: 'at_risk' },
      { from: 'churned' },
      { from: 'dormant' },
      { from: 'loyal' },
    ]);
    expect(table(r, 'summary')).toEqual([
      {
        from_profiles: '2026-05-25T12:00:00Z',
        to_profiles: '2026-06-15T12:00:00Z',
        customers: 4,
        stayed: 2,
        moved: 2,
        moved_share: 0.5,
        new_customers: 0,
      },
    ]);
  });

  it('moves buyers between RFM segments', async () => {
    // 25 May, two buyers (positions ceil(j·2/5) = 1, 1, 2, 2): a R3 F3 M3 Need Attention, b Lost.
    // 15 June as in the grid: a Potential Loyalist, b Lost, c At Risk; d has no orders either time.
    const r = await report('transitions', { from: '2026-05-25', to: '2026-06-15' });
    const moves = table(r, 'matrix').flatMap((row) =>
      Object.entries(row)
        .filter(([k, v]) => k !== 'from' && k !== 'total' && v !== 0)
        .map(([k, v]) => `${row.from} → ${k}: ${v}`),
    );
    expect(moves).toEqual([
      'Need Attention → potential_loyalist: 1',
      'Lost → lost: 1',
      '(no orders) → at_risk: 1',
      '(no orders) → no_orders: 1',
    ]);
  });

  it('says which days have profiles to compare', async () => {
    await expect(report('transitions', { from: '2026-05-01', to: '2026-06-15' })).rejects.toThrow(
      'no profile run recorded as of 2026-05-01 or earlier: the first is as of 2026-05-25',
    );
  });
});

it('refuses a report it does not have, naming the closest', async () => {
  const e = await report('overveiw').catch((x: unknown) => x);
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).kind).toBe('not_found');
  expect((e as AppError).message).toBe(
    'no report "overveiw" (did you mean "overview"?); the reports are overview, segment-sizes, overlap, revenue-share, transitions',
  );
});
