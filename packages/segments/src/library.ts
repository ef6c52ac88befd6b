import {
  AppError,
  closest,
  ageGroups,
  levels,
  LifecycleStage,
  PageKind,
  rfmSegments,
  Weekday,
  type AgeGroup,
  type RfmSegment,
} from '@strata/core';
import { quote } from '@strata/segment-lang';

/**
 * The ready segments: saved definitions a store owner picks from a gallery, each with a name, a
 * description in the owner's words, and parameters with defaults. A definition is a template in
 * the segment language, so the owner can open it as text and change it.
 */
export interface ReadySegmentParam {
  readonly name: string;
  readonly description: string;
  readonly default: string | number;
  readonly type: 'number' | 'text';
}

export interface ReadySegment {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly group: string;
  readonly params: readonly ReadySegmentParam[];
  /** Segment-language text with `{param}` placeholders. */
  readonly template: string;
}

const num = (name: string, def: number, description: string): ReadySegmentParam => ({ name, default: def, description, type: 'number' });
const txt = (name: string, def: string, description: string): ReadySegmentParam => ({ name, default: def, description, type: 'text' });

const rfmDescriptions: Record<RfmSegment, string> = {
  Champions: 'Bought recently, buy often and spend the most. Reward them; they will try new things first.',
  Loyal: 'Buy regularly and spend well. Ask for reviews, offer loyalty perks.',
  'Potential Loyalist': 'Recent customers with a few orders. Nudge them towards a habit.',
  New: 'Bought for the first time very recently. Welcome them and help them to a second order.',
  Promising: 'Recent first-time buyers who spent little. Build the relationship.',
  'Need Attention': 'Middling recency, frequency and spend. A timely, relevant offer can win them back.',
  'About to Sleep': 'Not bought for a while, never bought much. Reach them before they are gone.',
  'At Risk': 'Used to buy often and spend well, but not lately. Win them back with something personal.',
  "Can't Lose Them": 'Your best customers once, silent for a long time. Worth a real effort.',
  Hibernating: 'Long gone, bought little. Only low-cost reminders.',
  Lost: 'Lowest recency, frequency and spend. Mostly leave alone.',
};
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export const readySegments: readonly ReadySegment[] = [
  // ── value
  { id: 'big-spenders', group: 'Value', name: 'Biggest spenders', description: 'The customers who have spent the most with you, the top share of all buyers by total spend.', params: [num('percent', 10, 'Top share of buyers, in %')], template: 'total_spent in top {percent}%' },
  { id: 'small-spenders', group: 'Value', name: 'Smallest spenders', description: 'The buyers who have spent the least with you, the bottom share of all buyers by total spend (people who never ordered are not ranked).', params: [num('percent', 10, 'Bottom share of buyers, in %')], template: 'total_spent in bottom {percent}%' },
  ...levels.map((v): ReadySegment => ({ id: `value-${v}`, group: 'Value', name: `${v[0]!.toUpperCase()}${v.slice(1)}-value customers`, description: `Buyers in the ${v} spend tier (high: top 20% of buyers by spend, medium: the next 30%, low: the rest).`, params: [], template: `value_tier = "${v}"` })),
  ...levels.map((v): ReadySegment => ({ id: `aov-${v}`, group: 'Value', name: `${v[0]!.toUpperCase()}${v.slice(1)} basket size`, description: `Buyers whose average order value is in the ${v} third of all buyers.`, params: [], template: `aov_band = "${v}"` })),
  { id: 'age-40-plus-top-spenders', group: 'Value', name: 'Age 40+ among the top spenders', description: 'Customers aged 40 or more who are among the top spenders of all customers.', params: [num('age', 40, 'Minimum age'), num('percent', 10, 'Top share by spend, in %')], template: 'age >= {age} and total_spent in top {percent}%' },
  // ── value × churn risk
  ...levels.flatMap((v) =>
    levels.map((r): ReadySegment => ({ id: `value-${v}-risk-${r}`, group: 'Value × churn risk', name: `${v[0]!.toUpperCase()}${v.slice(1)} value, ${r} churn risk`, description: `Buyers in the ${v} spend tier whose churn risk is ${r} (from P(alive) and how late they are against their usual interval).`, params: [], template: `value_tier = "${v}" and churn_risk = "${r}"` })),
  ),
  // ── loyalty and lifecycle
  { id: 'loyal', group: 'Loyalty', name: 'Loyal customers', description: 'Customers with several orders who have bought recently.', params: [num('orders', 4, 'Minimum orders'), num('days', 90, 'Bought within the last … days')], template: 'order_count >= {orders} and last_order_at within last {days} days' },
  { id: 'one-time-buyers', group: 'Loyalty', name: 'One-time buyers', description: 'Bought exactly once. A second order is the hardest and most valuable step.', params: [], template: 'order_count = 1' },
  { id: 'new-customers', group: 'Loyalty', name: 'New customers', description: 'Placed their first order recently.', params: [num('days', 30, 'First order within the last … days')], template: 'first_order_at within last {days} days' },
  { id: 'has-bought', group: 'Loyalty', name: 'Has bought', description: 'Everyone who has placed at least one order: your buyers, as against prospects.', params: [], template: 'order_count >= 1' },
  { id: 'returning-customers', group: 'Loyalty', name: 'Returning customers', description: 'Have come back for at least a second order: repeat customers (老客户).', params: [], template: 'order_count >= 2' },
  { id: 'came-back', group: 'Loyalty', name: 'Came back recently', description: 'Ordered again recently, after an earlier order.', params: [num('days', 30, 'Latest order within the last … days')], template: 'order_count >= 2 and last_order_at within last {days} days' },
  { id: 'heavy-buyers', group: 'Loyalty', name: 'Heavy buyers', description: 'At least 12 orders in the last year.', params: [], template: 'frequency_tier = "heavy"' },
  { id: 'medium-buyers', group: 'Loyalty', name: 'Medium buyers', description: '4 to 11 orders in the last year.', params: [], template: 'frequency_tier = "medium"' },
  { id: 'light-buyers', group: 'Loyalty', name: 'Light buyers', description: 'Fewer than 4 orders in the last year.', params: [], template: 'frequency_tier = "light"' },
  { id: 'frequent-small-spenders', group: 'Loyalty', name: 'Frequent small spenders', description: 'Buy about weekly or more often, with baskets in the lower half.', params: [num('days', 7, 'Usual days between orders at most')], template: 'order_count >= 3 and median_days_between_orders <= {days} and aov in bottom 50%' },
  { id: 'monthly-big-spenders', group: 'Loyalty', name: 'Monthly big spenders', description: 'Buy about once a month, with baskets in the top quarter.', params: [], template: 'order_count >= 3 and median_days_between_orders between 20 and 40 and aov in top 25%' },
  { id: 'habitual-weekday', group: 'Loyalty', name: 'Habitual weekday buyers', description: 'Regular buyers who mostly order on the same weekday: reach them the day before.', params: [txt('weekday', Weekday.saturday, `Weekday (${Weekday.monday} … ${Weekday.sunday})`)], template: 'favourite_weekday = "{weekday}" and order_count >= 4 and purchase_regularity >= 0.5' },
  { id: 'skipped-a-cycle', group: 'Lifecycle', name: 'Skipped one cycle', description: 'Regular buyers now later than 1.5× their usual interval.', params: [], template: `lifecycle_stage = "${LifecycleStage.skipped_cycle}"` },
  { id: 'at-risk', group: 'Lifecycle', name: 'At risk', description: 'Regular buyers now later than 2.5× their usual interval.', params: [], template: `lifecycle_stage = "${LifecycleStage.at_risk}"` },
  { id: 'churned', group: 'Lifecycle', name: 'Churned', description: 'Ordered before, but no order in the last 30 days (the rule stores’ own tools use).', params: [num('days', 30, 'No order for more than … days')], template: 'order_count >= 1 and last_order_at before {days} days ago' },
  { id: 'fading-regulars', group: 'Lifecycle', name: 'Fading regulars', description: 'Customers with a habit whose current gap is longer than 1.5× their usual interval.', params: [num('factor', 1.5, 'Times the usual interval')], template: 'order_count >= 3 and overdue_ratio > {factor}' },
  { id: 'dormant', group: 'Lifecycle', name: 'Dormant', description: 'No order for half a year or more.', params: [], template: `lifecycle_stage = "${LifecycleStage.dormant}"` },
  ...rfmSegments.map((n): ReadySegment => ({ id: `rfm-${slug(n)}`, group: 'RFM', name: n, description: rfmDescriptions[n], params: [], template: `rfm_segment = "${n}"` })),
  // ── baskets, coupons, replenishment
  { id: 'abandoned-basket', group: 'Baskets', name: 'Abandoned basket', description: 'Added something to the cart recently and did not order within the hour.', params: [num('days', 7, 'Cart within the last … days')], template: 'did add_to_cart within last {days} days then not order within 1 hour' },
  { id: 'abandoned-basket-product', group: 'Baskets', name: 'Abandoned basket with a product', description: 'Left a given product in the cart without ordering within the hour.', params: [txt('sku', 'COF-001', 'Product SKU'), num('days', 7, 'Cart within the last … days')], template: 'did add_to_cart where sku = "{sku}" within last {days} days then not order within 1 hour' },
  { id: 'abandoned-basket-category', group: 'Baskets', name: 'Abandoned basket in a category', description: 'Left a product of a category in a cart without ordering within the hour.', params: [txt('category', 'Coffee', 'Category')], template: 'abandoned_categories contains "{category}"' },
  { id: 'cart-after-first-order', group: 'Baskets', name: 'Carted after the first order, no second', description: 'Bought once, later put something in the cart, and have not ordered since: close to a second order.', params: [], template: 'order_count = 1 and did add_to_cart then not bought' },
  { id: 'coupon-customers', group: 'Baskets', name: 'Coupon customers', description: 'Most of their orders used a discount code.', params: [num('share', 0.5, 'Share of orders with a code, 0–1')], template: 'coupon_share >= {share}' },
  { id: 'replenishment-due', group: 'Baskets', name: 'Replenishment due', description: 'A consumable they bought runs out soon.', params: [num('days', 7, 'Runs out within … days')], template: 'next_replenishment_due_at within next {days} days' },
  { id: 'subscription-potential', group: 'Baskets', name: 'Subscription potential', description: 'Bought a consumable category at least twice and reorder every 2–3 months.', params: [txt('category', 'Coffee', 'Consumable category')], template: 'bought category "{category}" at least 2 times and median_days_between_orders between 55 and 95' },
  // ── prospects and behaviour
  { id: 'newsletter-subscribers', group: 'Audience', name: 'Newsletter subscribers', description: 'Subscribed to the newsletter.', params: [], template: 'newsletter' },
  { id: 'prospects', group: 'Prospects', name: 'All prospects', description: 'Known people who have never ordered.', params: [], template: 'order_count = 0' },
  { id: 'curious-prospects', group: 'Prospects', name: 'Curious prospects', description: 'Visited recently but never bought.', params: [num('days', 30, 'Visited within the last … days')], template: 'order_count = 0 and last_visit_at within last {days} days' },
  { id: 'indecisive-prospects', group: 'Prospects', name: 'Indecisive prospects', description: 'Many visits, product views, chats or carts, and still no order.', params: [], template: 'order_count = 0 and (visits_30d >= 3 or product_views_30d >= 5 or chat_sessions >= 2 or carts_started >= 2)' },
  { id: 'behaviour-a-demo-then-left', group: 'Website behaviour', name: 'A: watched a demo, then left', description: 'Watched a product demo video and did not buy within a week.', params: [num('days', 30, 'Demo within the last … days')], template: `did page_view where page_kind = "${PageKind.demo_video}" within last {days} days then not order within 7 days` },
  { id: 'behaviour-b-browsed-no-purchase', group: 'Website behaviour', name: 'B: browsed, no purchase', description: 'Looked at category and product pages recently but bought nothing in that time.', params: [num('days', 30, 'Within the last … days')], template: `did page_view where page_kind = "${PageKind.category}" within last {days} days and did product_view within last {days} days and not bought within last {days} days` },
  { id: 'behaviour-c-cart-no-order', group: 'Website behaviour', name: 'C: cart, no order', description: 'Put something in the cart and never ordered after it.', params: [num('days', 30, 'Cart within the last … days')], template: 'did add_to_cart within last {days} days then not order' },
  { id: 'behaviour-d-ordered-in-one-visit', group: 'Website behaviour', name: 'D: ordered in one visit (cross-sell)', description: 'Visited and ordered within the hour: decisive buyers, good for cross-selling.', params: [num('days', 30, 'Within the last … days')], template: 'did page_view within last {days} days then order within 1 hour' },
  // ── products
  { id: 'bought-x-not-y', group: 'Products', name: 'Bought X but not Y', description: 'Bought one product but never its companion, e.g. a car seat but not its cover: a natural cross-sell.', params: [txt('x', 'CST-001', 'Bought product SKU'), txt('y', 'BAC-001', 'Not bought product SKU')], template: 'bought product "{x}" and never bought product "{y}"' },
  { id: 'category-buyers', group: 'Products', name: 'Category buyers', description: 'Have bought from a category, e.g. mystery novels.', params: [txt('category', 'Mystery novels', 'Category')], template: 'bought category "{category}"' },
  { id: 'durable-after-sales', group: 'Products', name: 'Durable-goods buyers for after-sales', description: 'Bought a durable product (e.g. a child car seat) in the last year: accessories, care tips, warranty.', params: [txt('category', 'Child car seats', 'Durable category'), num('days', 365, 'Within the last … days')], template: 'bought category "{category}" within last {days} days' },
  { id: 'trend-followers', group: 'Products', name: 'Trend followers', description: 'Spend at least half their money on products within 30 days of launch.', params: [num('share', 0.5, 'Share of spend, 0–1')], template: 'trend_share >= {share}' },
  // ── who and where
  { id: 'country', group: 'Location', name: 'Customers in a country', description: 'Customers whose address is in a country.', params: [txt('country', 'DE', 'Two-letter country code')], template: 'country = "{country}"' },
  { id: 'city', group: 'Location', name: 'Customers in a city', description: 'Customers whose address is in a city.', params: [txt('city', 'Berlin', 'City')], template: 'city = "{city}"' },
  { id: 'postcode-area', group: 'Location', name: 'Postcode area', description: 'Postcodes starting with a prefix.', params: [txt('prefix', '10', 'Postcode prefix')], template: 'postcode starts with "{prefix}"' },
  { id: 'shop-regulars', group: 'Location', name: 'Regulars of a shop', description: 'Customers who buy most at a given shop.', params: [txt('shop', 'DE-BER', 'Shop (location id)')], template: 'shop = "{shop}"' },
  { id: 'local', group: 'Location', name: 'Local customers', description: 'Customers living in the store’s home country.', params: [txt('country', 'DE', 'Home country code')], template: 'country = "{country}"' },
  { id: 'abroad', group: 'Location', name: 'Customers abroad', description: 'Customers with a known country other than the home country.', params: [txt('country', 'DE', 'Home country code')], template: 'country is set and country != "{country}"' },
  { id: 'age-group', group: 'People', name: 'Age group', description: 'Customers in an age group.', params: [txt('group', '30-39' satisfies AgeGroup, `${ageGroups.slice(0, -1).join(', ')} or ${ageGroups.at(-1)}`)], template: 'age_group = "{group}"' },
  { id: 'social-identity', group: 'People', name: 'Household from the questionnaire', description: 'What customers said about themselves, e.g. parents.', params: [txt('question', 'household', 'Question'), txt('answer', 'parent', 'Answer')], template: 'answered "{question}" with "{answer}"' },
  { id: 'questionnaire-answer', group: 'People', name: 'Questionnaire answer', description: 'Customers who gave an answer to a questionnaire question, e.g. their skin type.', params: [txt('question', 'skin_type', 'Question'), txt('option', 'dry', 'Answer')], template: 'answered "{question}" with "{option}"' },
  { id: 'occupation', group: 'People', name: 'Customers by occupation', description: 'Customers with a given occupation, e.g. nurses.', params: [txt('occupation', 'Nurse', 'Occupation')], template: 'occupation = "{occupation}"' },
  { id: 'came-by-referral', group: 'People', name: 'Came by referral', description: 'Were referred by another customer.', params: [], template: 'came_by_referral' },
  { id: 'referrers', group: 'People', name: 'Referred others', description: 'Have referred at least one person.', params: [], template: 'referrals_made >= 1' },
  { id: 'unsatisfied', group: 'People', name: 'Unsatisfied', description: 'Their reviews average 2 stars or fewer.', params: [num('rating', 2, 'Average rating at most')], template: 'avg_review_rating <= {rating}' },
  { id: 'event-attendees', group: 'People', name: 'Attended an event', description: 'Came to an in-store or online event.', params: [], template: 'did event_attended' },
  { id: 'content-interest', group: 'People', name: 'Interested in a topic', description: 'Read or watched content on a topic for a while.', params: [txt('topic', 'cooking', 'Topic'), num('seconds', 60, 'Seconds spent at least')], template: 'did content_view where (topic = "{topic}" and dwell_seconds >= {seconds})' },
];

/**
 * A value given for a parameter the segment does not have (`day` for `days`) would be ignored and
 * the default used without a word, so it is refused, naming the parameters there are; so is a
 * number parameter given something that is not a number.
 */
function checkParams(segment: ReadySegment, values: Readonly<Record<string, string | number>>): void {
  const known = segment.params.map((p) => p.name);
  for (const [name, value] of Object.entries(values)) {
    const param = segment.params.find((p) => p.name === name);
    if (!param) {
      const guess = closest(name, known);
      throw new AppError(
        'invalid',
        known.length === 0
          ? `the ready segment "${segment.id}" takes no parameters (got "${name}")`
          : `the ready segment "${segment.id}" has no parameter "${name}"${guess ? `; did you mean "${guess}"?` : ''} (its parameters: ${known.join(', ')})`,
      );
    }
    if (param.type === 'number' && (String(value).trim() === '' || !Number.isFinite(Number(value))))
      throw new AppError('invalid', `the parameter "${name}" of the ready segment "${segment.id}" takes a number, got "${String(value)}"`);
  }
}

/** The template with parameter values (defaults where not given) filled in. */
export function readySegmentText(segment: ReadySegment, values: Readonly<Record<string, string | number>> = {}): string {
  checkParams(segment, values);
  return segment.template.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const param = segment.params.find((p) => p.name === name);
    if (!param) throw new Error(`ready segment ${segment.id} has no parameter ${name}`);
    const value = values[name] ?? param.default;
    // Text goes inside "…" in the template: escaped, it stays one string literal whatever it holds.
    return param.type === 'number' ? String(Number(value)) : quote(String(value)).slice(1, -1);
  });
}

export function findReadySegment(id: string): ReadySegment | undefined {
  return readySegments.find((s) => s.id === id);
}
