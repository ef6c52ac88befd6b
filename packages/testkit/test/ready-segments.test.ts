import { beforeAll, describe, expect, it } from 'vitest';
import { Customer, Event, Location, Order, Product, type CustomerInput } from '@strata/core';
import { computeProfiles } from '@strata/profiles';
import { readySegments, SegmentService, type SegmentDefinition } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

/*
 * Every ready segment against members worked out by hand in a small hand-made store.
 * NOW is Sunday 2026-11-01 00:00 UTC. Nine people:
 *
 *   whale      DE Berlin 10115, born 1975-03-10 (51), newsletter, email consent, a nurse.
 *              6 orders of 500, Tuesdays 10:00 from 09-22 to 10-27 (weekly), each with COF-001
 *              (the first also with GIFT-WRAP, sold but not among the products).
 *              Referred `coupon`.
 *   coupon     FR Paris 75001, age 25, a teacher. 3 orders of 20 with code SAVE10 on 08-01, 09-01,
 *              10-01 (mugs). Read cooking content for 90 s. Skin type: oily on 09-01, dry on 10-01.
 *   one-timer  DE Munich 80331. 1 order of 80 at the Berlin shop on 06-01: a child car seat
 *              (CST-001). Answered household = parent. Put the seat cover (BAC-001) in the cart
 *              on 07-15 and has not ordered since.
 *   newbie     GB London. Viewed a product page at 10-25 09:30, put the dress in the cart at 09:45,
 *              ordered 10:00 (50: a dress launched 10-20 for 40 and a mystery novel for 10), its
 *              only order. Skin type: combination.
 *   churner    DE Hamburg 20095. 2 orders of 150 with coffee on 02-01 and 04-01. Reviewed 1 star.
 *   cart       NL Amsterdam, born 1990-01-15 (36). 2 orders of 300 with one coffee each on 09-07
 *              and 10-07; added COF-001 to the cart on 10-30 12:00 and has not ordered since.
 *   curious    no orders; a category page and a product view on 10-20.
 *   indecisive DE, no orders; home page on 10-05, 10-10, 10-15, a demo video on 10-20.
 *   quiet      AT, newsletter, "nurse" by occupation, no orders; attended an event on 10-01.
 *
 * Base-relative traits among the 6 buyers (score = 1 + ⌊5·(rank−1)/6⌋, ties share the lowest rank):
 *   spend  newbie 50 < coupon 60 < one-timer 80 < churner 300 < cart 600 < whale 3000
 *          M: 1, 1, 2, 3, 4, 5; percent rank 0, .2, .4, .6, .8, 1 → high: cart, whale; medium: churner
 *   orders one-timer 1 = newbie 1 < churner 2 = cart 2 < coupon 3 < whale 6 → F: 1, 1, 2, 2, 4, 5
 *   days since last order  churner 214 > one-timer 153 > coupon 30 > cart 24 > newbie 6 > whale 4
 *          → R: 1, 1, 2, 3, 4, 5
 *   RFM (R, FM = round((F+M)/2)): whale (5,5) Champions; coupon (2,3) At Risk; one-timer (1,2)
 *          Hibernating; newbie (4,1) Promising; churner (1,3) At Risk; cart (3,3) Need Attention
 *   AOV    coupon 20 < newbie 50 < one-timer 80 < churner 150 < cart 300 < whale 500
 *          → low: coupon, newbie; medium: one-timer, churner; high: cart, whale
 *   churn risk (no model under 30 buyers): high only when days since > 2 × usual interval → churner
 *          (214 > 2 × 59); everyone else who bought: medium
 *   lifecycle  whale loyal (6 orders, 4 days vs 7), coupon active (30 days is not over 30),
 *          one-timer one_time, newbie new, churner dormant (214 > 180), cart active
 */
const NOW = new Date('2026-11-01T00:00:00Z');
let segments: SegmentService;

const at = (d: string, t = '10:00') => `2026-${d}T${t}:00Z`;
const order = (
  id: string,
  customer: string,
  day: string,
  total: number,
  lines: readonly (readonly [sku: string, qty: number, price: number])[],
  extra: Record<string, unknown> = {},
) =>
  Order.parse({
    id,
    customer_id: customer,
    location_id: 'WEB',
    placed_at: at(day),
    currency: 'EUR',
    total,
    lines: lines.map(([sku, quantity, unit_price]) => ({ sku, quantity, unit_price })),
    ...extra,
  });
let n = 0;
const event = (customer: string, type: string, when: string, properties: Record<string, unknown> = {}) =>
  Event.parse({ message_id: `e${++n}`, customer_id: customer, type, occurred_at: when, properties });
const person = (c: CustomerInput) => Customer.parse(c);

beforeAll(async () => {
  const store = await DuckDbStore.open(':memory:');
  await store.write({
    locations: [
      Location.parse({ id: 'WEB', name: 'Online shop', kind: 'online' }),
      Location.parse({ id: 'DE-BER', name: 'Berlin Mitte', kind: 'store', city: 'Berlin', country: 'DE' }),
    ],
    products: [
      Product.parse({
        sku: 'COF-001',
        name: 'House blend',
        category: 'Coffee',
        brand: 'Nordic Bean',
        price: 10,
        consumption_days: 30,
      }),
      Product.parse({ sku: 'CST-001', name: 'Car seat', category: 'Child car seats', brand: 'Safe', price: 80 }),
      Product.parse({ sku: 'BAC-001', name: 'Seat cover', category: 'Car seat accessories', price: 15 }),
      Product.parse({ sku: 'BOOK-001', name: 'A quiet murder', category: 'Mystery novels', price: 10 }),
      Product.parse({
        sku: 'DRESS-001',
        name: 'Linen dress',
        category: "Women's fashion",
        price: 40,
        launched_at: '2026-10-20T00:00:00Z',
        collection: 'SS26',
      }),
      Product.parse({ sku: 'MUG-001', name: 'Mug', category: 'Kitchen', price: 20 }),
    ],
    customers: [
      person({
        id: 'whale',
        country: 'DE',
        city: 'Berlin',
        postcode: '10115',
        birthday: '1975-03-10',
        newsletter: true,
        consent: { email: { granted: true, at: '2026-01-01T00:00:00Z' } },
        occupation: 'Nurse',
      }),
      person({ id: 'coupon', country: 'FR', city: 'Paris', postcode: '75001', age: 25, occupation: 'Teacher' }),
      person({ id: 'one-timer', country: 'DE', city: 'Munich', postcode: '80331' }),
      person({ id: 'newbie', country: 'GB', city: 'London' }),
      person({ id: 'churner', country: 'DE', city: 'Hamburg', postcode: '20095' }),
      person({ id: 'cart', country: 'NL', city: 'Amsterdam', birthday: '1990-01-15' }),
      person({ id: 'curious' }),
      person({ id: 'indecisive', country: 'DE' }),
      person({ id: 'quiet', country: 'AT', newsletter: true, occupation: 'nurse' }),
    ],
    orders: [
      ...['09-22', '09-29', '10-06', '10-13', '10-20', '10-27'].map((d, i) =>
        order(`w${i}`, 'whale', d, 500, [['COF-001', 1, 500], ...(i === 0 ? [['GIFT-WRAP', 1, 0] as const] : [])]),
      ),
      ...['08-01', '09-01', '10-01'].map((d, i) =>
        order(`c${i}`, 'coupon', d, 20, [['MUG-001', 1, 22]], { discount_total: 2, discount_codes: 'SAVE10' }),
      ),
      order('t0', 'one-timer', '06-01', 80, [['CST-001', 1, 80]], { location_id: 'DE-BER' }),
      order('n0', 'newbie', '10-25', 50, [
        ['DRESS-001', 1, 40],
        ['BOOK-001', 1, 10],
      ]),
      order('h0', 'churner', '02-01', 150, [['COF-001', 1, 150]]),
      order('h1', 'churner', '04-01', 150, [['COF-001', 1, 150]]),
      order('k0', 'cart', '09-07', 300, [['COF-001', 1, 300]]),
      order('k1', 'cart', '10-07', 300, [['COF-001', 1, 300]]),
    ],
    events: [
      event('cart', 'add_to_cart', at('10-30', '12:00'), { sku: 'COF-001', quantity: 1 }),
      event('newbie', 'page_view', at('10-25', '09:30'), { page_kind: 'product', sku: 'DRESS-001' }),
      event('newbie', 'add_to_cart', at('10-25', '09:45'), { sku: 'DRESS-001', quantity: 1 }),
      event('newbie', 'questionnaire_answer', at('10-25', '10:05'), { question: 'skin_type', option: 'combination' }),
      event('one-timer', 'add_to_cart', at('07-15', '12:00'), { sku: 'BAC-001', quantity: 1 }),
      event('coupon', 'questionnaire_answer', at('09-01', '11:00'), { question: 'skin_type', option: 'oily' }),
      event('coupon', 'questionnaire_answer', at('10-01', '11:00'), { question: 'skin_type', option: 'dry' }),
      event('curious', 'page_view', at('10-20', '12:00'), { page_kind: 'category', category: 'Coffee' }),
      event('curious', 'product_view', at('10-20', '12:05'), { sku: 'COF-001' }),
      ...['10-05', '10-10', '10-15'].map((d) =>
        event('indecisive', 'page_view', at(d, '12:00'), { page_kind: 'home' }),
      ),
      event('indecisive', 'page_view', at('10-20', '12:00'), { page_kind: 'demo_video' }),
      event('one-timer', 'questionnaire_answer', at('06-01', '11:00'), { question: 'household', option: 'parent' }),
      event('whale', 'referral', at('09-01'), { referrer: 'whale', referee: 'coupon' }),
      event('churner', 'review', at('04-05'), { rating: 1, sku: 'COF-001' }),
      event('quiet', 'event_attended', at('10-01'), { name: 'tasting' }),
      event('coupon', 'content_view', at('10-02'), { content_id: 'c1', topic: 'cooking', dwell_seconds: 90 }),
    ],
  });
  await computeProfiles(store, { asOf: NOW, ranBy: 'test' });
  segments = new SegmentService(store);
});

type Case = [id: string, expected: string[], params?: Record<string, string | number>];

const cases: Case[] = [
  // value: spend ranks the 6 buyers only; the top 10% is k = ⌈0.6⌉ = 1 → the largest spend
  ['big-spenders', ['whale']],
  ['big-spenders', ['cart', 'whale'], { percent: 20 }], // k = ⌈1.2⌉ = 2
  // the bottom 10% is the smallest buyer, not the 3 non-buyers tied at 0
  ['small-spenders', ['newbie']],
  ['small-spenders', ['coupon', 'newbie', 'one-timer'], { percent: 50 }], // k = 3: 50, 60, 80
  ['value-high', ['cart', 'whale']],
  ['value-medium', ['churner']],
  ['value-low', ['coupon', 'newbie', 'one-timer']],
  ['aov-high', ['cart', 'whale']],
  ['aov-medium', ['churner', 'one-timer']],
  ['aov-low', ['coupon', 'newbie']],
  ['age-40-plus-top-spenders', ['whale']], // 51 and the top spender
  ['age-40-plus-top-spenders', [], { age: 52 }],
  // value × churn risk: only churner is high risk; with no model nobody is low
  ['value-high-risk-high', []],
  ['value-high-risk-medium', ['cart', 'whale']],
  ['value-high-risk-low', []],
  ['value-medium-risk-high', ['churner']],
  ['value-medium-risk-medium', []],
  ['value-medium-risk-low', []],
  ['value-low-risk-high', []],
  ['value-low-risk-medium', ['coupon', 'newbie', 'one-timer']],
  ['value-low-risk-low', []],
  // loyalty and lifecycle
  ['loyal', ['whale']], // ≥ 4 orders, last within 90 days
  ['one-time-buyers', ['newbie', 'one-timer']],
  ['new-customers', ['newbie']], // first order 10-25; whale's first is 40 days ago
  ['has-bought', ['cart', 'churner', 'coupon', 'newbie', 'one-timer', 'whale']],
  ['returning-customers', ['cart', 'churner', 'coupon', 'whale']],
  // 2+ orders, the latest within 30 days: whale 10-27, cart 10-07; coupon's 10-01 10:00 is 30 days 14 hours ago
  ['came-back', ['cart', 'whale']],
  ['came-back', ['cart', 'coupon', 'whale'], { days: 31 }],
  ['heavy-buyers', []],
  ['medium-buyers', ['whale']], // 6 orders in a year
  ['light-buyers', ['cart', 'churner', 'coupon', 'newbie', 'one-timer']],
  ['frequent-small-spenders', []], // whale is weekly but its AOV is the highest; coupon is monthly
  ['frequent-small-spenders', ['coupon'], { days: 31 }], // coupon: 3 orders, median 30.5, AOV in the lower half
  ['monthly-big-spenders', []], // coupon is monthly with the smallest baskets
  ['habitual-weekday', []],
  ['habitual-weekday', ['whale'], { weekday: 'tuesday' }], // 6 Tuesdays, gaps all 7 days: regularity 1
  ['skipped-a-cycle', []],
  ['at-risk', []],
  ['churned', ['churner', 'coupon', 'one-timer']], // coupon's last order was 30 days 14 hours ago: no order in the last 30 days, to the second
  ['churned', ['cart', 'churner', 'coupon', 'one-timer'], { days: 20 }],
  ['fading-regulars', []], // whale 4/7, coupon 30/30.5 of their usual interval
  ['fading-regulars', ['coupon'], { factor: 0.9 }],
  ['dormant', ['churner']],
  ['rfm-champions', ['whale']],
  ['rfm-loyal', []],
  ['rfm-potential-loyalist', []],
  ['rfm-new', []],
  ['rfm-promising', ['newbie']],
  ['rfm-need-attention', ['cart']],
  ['rfm-about-to-sleep', []],
  ['rfm-at-risk', ['churner', 'coupon']],
  ['rfm-can-t-lose-them', []],
  ['rfm-hibernating', ['one-timer']],
  ['rfm-lost', []],
  // baskets: cart added coffee on 10-30 12:00, the hour has passed, no order since
  ['abandoned-basket', ['cart']],
  ['abandoned-basket', [], { days: 1 }],
  ['abandoned-basket-product', ['cart']],
  ['abandoned-basket-product', [], { sku: 'BOOK-001' }],
  ['abandoned-basket-category', ['cart']],
  // one-timer carted on 07-15 after its only order (06-01); newbie carted before its only order;
  // cart carted after its last order but has 2 orders
  ['cart-after-first-order', ['one-timer']],
  ['coupon-customers', ['coupon']],
  ['replenishment-due', ['cart']], // coffee of 10-07 runs out 11-06; whale's of 10-27 on 11-26
  ['replenishment-due', ['cart', 'whale'], { days: 30 }],
  ['subscription-potential', ['churner']], // coffee twice, 59 days apart
  // prospects and behaviour
  ['newsletter-subscribers', ['quiet', 'whale']],
  ['prospects', ['curious', 'indecisive', 'quiet']],
  ['curious-prospects', ['curious', 'indecisive']],
  ['indecisive-prospects', ['indecisive']], // 4 visits in 30 days
  ['behaviour-a-demo-then-left', ['indecisive']], // demo on 10-20, no order by 10-27
  ['behaviour-b-browsed-no-purchase', ['curious']],
  ['behaviour-c-cart-no-order', ['cart']],
  ['behaviour-d-ordered-in-one-visit', ['newbie']], // page view 09:30, order 10:00
  // products
  ['bought-x-not-y', ['one-timer']],
  ['bought-x-not-y', [], { y: 'CST-001' }],
  ['bought-x-not-y', [], { x: 'BAC-001', y: 'MUG-001' }], // one-timer only carted the cover
  ['category-buyers', ['newbie']],
  ['category-buyers', ['cart', 'churner', 'whale'], { category: 'coffee' }], // any case
  ['durable-after-sales', ['one-timer']],
  ['durable-after-sales', [], { days: 100 }], // bought 153 days ago
  ['trend-followers', ['newbie']], // 40 of 50 spent on a dress 5 days after launch
  // who and where
  ['country', ['churner', 'indecisive', 'one-timer', 'whale']],
  ['city', ['whale']],
  ['postcode-area', ['whale']],
  ['postcode-area', ['one-timer'], { prefix: '8' }],
  ['shop-regulars', ['one-timer']],
  ['local', ['churner', 'indecisive', 'one-timer', 'whale']],
  ['abroad', ['cart', 'coupon', 'newbie', 'quiet']], // curious has no country
  ['age-group', ['cart']], // 36
  ['age-group', ['whale'], { group: '50-59' }],
  ['social-identity', ['one-timer']],
  ['questionnaire-answer', ['coupon']], // skin type: coupon's latest answer is dry
  ['questionnaire-answer', [], { option: 'oily' }], // coupon said oily first, then dry
  ['questionnaire-answer', ['newbie'], { option: 'COMBINATION' }], // any case
  ['questionnaire-answer', ['one-timer'], { question: 'household', option: 'parent' }],
  ['occupation', ['quiet', 'whale']], // "Nurse" and "nurse"
  ['occupation', ['coupon'], { occupation: 'teacher' }],
  ['occupation', [], { occupation: 'Pilot' }],
  ['came-by-referral', ['coupon']],
  ['referrers', ['whale']],
  ['unsatisfied', ['churner']],
  ['event-attendees', ['quiet']],
  ['content-interest', ['coupon']],
  ['content-interest', [], { seconds: 120 }],
];

describe('ready segments on a hand-made store', () => {
  it.each(cases)('%s → %j %j', async (id, expected, params) => {
    const members = await segments.members({ ready: id, ...(params ? { params } : {}) }, { limit: 100, offset: 0 });
    expect(members).toEqual(expected);
  });

  it('checks a later evaluation time for each definition it is used with', async () => {
    const later = new Date(NOW.getTime() + 86_400_000);
    const at = await segments.evaluationTime({ text: 'order_count >= 1' }, later);
    expect(await segments.count({ text: 'order_count >= 1' }, at)).toBe(6);
    await expect(segments.count({ text: 'lifecycle_stage = "churned"' }, at)).rejects.toThrow('`lifecycle_stage` is measured as of the profiles');
  });

  it('streams every member in id order, page after page', async () => {
    const ids: string[] = [];
    for await (const id of segments.allMembers({ text: 'order_count >= 0' }, { pageSize: 2 })) ids.push(id);
    expect(ids).toEqual([
      'cart',
      'churner',
      'coupon',
      'curious',
      'indecisive',
      'newbie',
      'one-timer',
      'quiet',
      'whale',
    ]);
    const germans: string[] = [];
    for await (const id of segments.allMembers({ text: 'country = "DE"' }, { pageSize: 3 })) germans.push(id);
    expect(germans).toEqual(['churner', 'indecisive', 'one-timer', 'whale']);
  });

  it('covers every ready segment', () => {
    const covered = new Set(cases.map(([id]) => id));
    expect(readySegments.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });
});

describe('names the store does not have', () => {
  /** Each warning as [message, the text under its span, hint]. */
  const warned = async (def: SegmentDefinition) => {
    const { text, warnings } = await segments.warnings(def);
    return warnings.map((w) => [w.message, text.slice(w.span.start, w.span.end), w.hint]);
  };

  it('says nothing when every name is in the store (a SKU only sold, never imported as a product, included)', async () => {
    expect(await warned({ ready: 'bought-x-not-y' })).toEqual([]);
    expect(await warned({ text: 'bought product "gift-wrap" and bought brand "nordic bean"' })).toEqual([]);
  });

  it('warns at a product, category or brand of a ready segment the store lacks, with the closest name', async () => {
    expect(await warned({ ready: 'bought-x-not-y', params: { x: 'SEAT-001' } })).toEqual([
      ['the store has no product "SEAT-001"', '"SEAT-001"', 'no product or order line has this SKU, so no purchase or event matches it'],
    ]);
    expect(await warned({ ready: 'category-buyers', params: { category: 'Mystery novel' } })).toEqual([
      ['the store has no category "Mystery novel"', '"Mystery novel"', 'did you mean "Mystery novels"?'],
    ]);
    // names in an event's properties and in the profile's lists of items are checked too
    expect(await warned({ ready: 'abandoned-basket-product', params: { sku: 'COF-9' } })).toEqual([
      ['the store has no product "COF-9"', '"COF-9"', 'no product or order line has this SKU, so no purchase or event matches it'],
    ]);
    expect(await warned({ ready: 'abandoned-basket-category', params: { category: 'Cofee' } })).toEqual([
      ['the store has no category "Cofee"', '"Cofee"', 'did you mean "Coffee"?'],
    ]);
    expect(await warned({ text: 'did add_to_cart then bought brand ["Safe", "Unsafe"] within 1 day' })).toEqual([
      ['the store has no brand "Unsafe"', '"Unsafe"', 'did you mean "Safe"?'],
    ]);
  });

  it('keeps the query\'s own warnings beside the store\'s, in text order', async () => {
    const { warnings } = await segments.warnings({ text: 'did wishlist_add and bought collection "AW99"' });
    expect(warnings.map((w) => [w.code, w.severity])).toEqual([
      ['unknown-event', 'warning'],
      ['unknown-item', 'warning'],
    ]);
  });
});
