import { ageGroupEnds, sqlLiteral, weekdays } from '@strata/core';
import type { ProfileConfig } from './profile-config.js';

/*
 * The per-customer traits as set-based SQL (DuckDB dialect), computed inside the store.
 * $1 is the as-of time: only orders and events at or before it count. Every trait is defined in
 * docs/profiles.md; keep the two in step.
 *
 * The work is a sequence of statements over narrow temporary tables, not one query: each big
 * source (orders, order lines, events) is read once or twice, what several traits share is
 * computed once, and no wide row is sorted. Measured on the 1M-customer demo store, the single
 * query this replaced spent most of its time in DISTINCT and ORDER BY aggregates, in window sorts
 * over all 45M events, and in re-reading the events' JSON for every event type.
 */

const n = (v: number) => {
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  return String(v);
};

export interface TraitsScope {
  /**
   * A SQL set expression of the customer ids to compute (incremental updates); the customers'
   * orders, lines and events are first copied out so that every later step reads only theirs.
   */
  ids: string;
}

/** One statement of a traits run; `$1` (the as-of time) is bound where it appears. */
export interface TraitsStatement {
  sql: string;
  /** What the step computes, for timing logs. */
  step: string;
}

/**
 * The statements that compute the traits of each live customer (in `scope`, when given) into
 * temporary tables prefixed `tmp` (two runs on one connection never share them):
 * customerTraitsSelect(tmp) then reads them as one row per customer, `${tmp}_measures` holds the
 * buyers' ranked measures and model inputs, and dropTraitsTemporaries(tmp) removes them.
 */
export function customerTraitsStatements(config: ProfileConfig, tmp: string, scope?: TraitsScope): TraitsStatement[] {
  const gap = n(config.sessionGapMinutes * 60);
  const cartGap = n(config.cartAbandonMinutes * 60);
  const cartMinutes = n(config.cartAbandonMinutes);
  const trendDays = n(config.trendDays);
  const t = (name: string) => `${tmp}_${name}`;
  const steps: TraitsStatement[] = [];
  const step = (name: string, sql: string) => steps.push({ step: name, sql });

  let orders = 'orders';
  let lines = 'order_lines';
  let events = 'events';
  let referralEvents = `SELECT properties FROM events WHERE type = 'referral' AND occurred_at <= $1`;
  if (scope) {
    // The customers' rows, copied once (only the columns the traits read: a scan fetches every
    // column it returns for every row): every later step then reads thousands of rows, not millions.
    step('scope', `CREATE OR REPLACE TEMP TABLE ${t('ids')} AS SELECT DISTINCT id FROM (${scope.ids}) s(id)`);
    step(
      'scope orders',
      `CREATE OR REPLACE TEMP TABLE ${t('src_orders')} AS
      SELECT o.customer_id, o.id, o.placed_at, o.status, o.total, o.discount_codes, o.discount_total, o.location_id
      FROM orders o JOIN ${t('ids')} s ON s.id = o.customer_id`,
    );
    step(
      'scope lines',
      `CREATE OR REPLACE TEMP TABLE ${t('src_lines')} AS
      SELECT li.order_id, li.sku, li.quantity, li.unit_price, li.line_discount
      FROM order_lines li JOIN ${t('src_orders')} o ON o.id = li.order_id`,
    );
    step(
      'scope events',
      `CREATE OR REPLACE TEMP TABLE ${t('src_events')} AS
      SELECT e.customer_id, e.type, e.occurred_at, e.properties FROM events e JOIN ${t('ids')} s ON s.id = e.customer_id`,
    );
    orders = t('src_orders');
    lines = t('src_lines');
    events = t('src_events');
    referralEvents = `SELECT properties FROM events WHERE type = 'referral' AND occurred_at <= $1
      AND ((properties->>'referrer') IN (SELECT id FROM ${t('ids')}) OR (properties->>'referee') IN (SELECT id FROM ${t('ids')}))`;
  }

  // the events of the run's live customers (as `e`)
  const customerEvents = `${events} e JOIN ${t('base')} b ON b.customer_id = e.customer_id`;

  step(
    'customers',
    `CREATE OR REPLACE TEMP TABLE ${t('base')} AS
SELECT c.id AS customer_id, c.timezone, c.referred_by,
       -- age at the as-of time: from the birthday when known, else as given
       coalesce(date_diff('year', c.birthday, ($1::TIMESTAMPTZ)::DATE)
                - CASE WHEN strftime(($1::TIMESTAMPTZ)::DATE, '%m%d') < strftime(c.birthday, '%m%d') THEN 1 ELSE 0 END, c.age) AS age
FROM customers c WHERE c.merged_into IS NULL ${scope ? `AND c.id IN (SELECT id FROM ${t('ids')})` : ''}`,
  );

  // Confirmed orders in local time: the customer's time zone, else the shop's, else UTC. A zone's
  // UTC offset is looked up per zone and UTC day (a few thousand conversions, not one per order);
  // on the few days when a zone changes its offset, each order is converted exactly.
  step(
    'orders',
    `CREATE OR REPLACE TEMP TABLE ${t('orders')} AS
WITH o_utc AS (
  SELECT o.customer_id, o.id AS order_id, o.placed_at, o.total::DOUBLE AS total,
         len(o.discount_codes) > 0 OR o.discount_total > 0 AS with_discount,
         o.location_id, coalesce(l.kind = 'online', false) AS online,
         coalesce(b.timezone, l.timezone, 'UTC') AS zone,
         floor(epoch(o.placed_at) / 86400)::INTEGER AS utc_day
  FROM ${orders} o
  JOIN ${t('base')} b ON b.customer_id = o.customer_id
  LEFT JOIN locations l ON l.id = o.location_id
  WHERE o.status = 'confirmed' AND o.placed_at <= $1
),
zone_span AS (SELECT zone, min(utc_day) AS first_day FROM o_utc GROUP BY zone),
zone_days AS (
  SELECT zone, utc_day,
         timezone(zone, to_timestamp(utc_day * 86400)) - to_timestamp(utc_day * 86400)::TIMESTAMP AS offset_start,
         timezone(zone, to_timestamp((utc_day + 1) * 86400)) - to_timestamp((utc_day + 1) * 86400)::TIMESTAMP AS offset_end,
         timezone(zone, $1::TIMESTAMPTZ)::DATE AS local_as_of_day
  FROM (SELECT zone, unnest(range(first_day, floor(epoch($1::TIMESTAMPTZ) / 86400)::INTEGER + 1)) AS utc_day FROM zone_span)
)
SELECT u.customer_id, u.order_id, u.placed_at, u.total, u.with_discount, u.location_id, u.online,
       CASE WHEN z.offset_start = z.offset_end THEN u.placed_at::TIMESTAMP + z.offset_start
            ELSE timezone(u.zone, u.placed_at) END AS local_at,
       z.local_as_of_day
FROM o_utc u JOIN zone_days z ON z.zone = u.zone AND z.utc_day = u.utc_day`,
  );

  // Everything per customer that one pass over the orders gives: sums, counts per weekday and
  // hour (favourites), and the purchase days with their spend (model inputs, intervals).
  const weekdayCounts = [1, 2, 3, 4, 5, 6, 7].map((d) => `count(*) FILTER (WHERE isodow(local_at) = ${d})`).join(', ');
  const hourCounts = Array.from({ length: 24 }, (_, h) => `count(*) FILTER (WHERE hour(local_at) = ${h})`).join(', ');
  step(
    'order traits',
    `CREATE OR REPLACE TEMP TABLE ${t('order_agg')} AS
WITH agg AS (
  SELECT customer_id,
         min(placed_at) AS first_order_at, max(placed_at) AS last_order_at,
         count(*) AS order_count, sum(total) AS total_spent, max(total) AS largest_order,
         avg(with_discount::INT) AS coupon_share, avg(online::INT) AS online_share,
         count(*) FILTER (WHERE placed_at > $1::TIMESTAMPTZ - INTERVAL 365 DAY) AS orders_365d,
         -- the latest over the zones of the customer's orders, so that T is never below t_x
         max(local_as_of_day) AS local_as_of_day,
         [${weekdayCounts}] AS weekday_counts,
         [${hourCounts}] AS hour_counts,
         list(local_at::DATE) AS order_days, list(total) AS order_totals
  FROM ${t('orders')} GROUP BY customer_id
),
-- orders on the same (local) day are one purchase, as in the BG/NBD literature
days AS (SELECT *, list_sort(list_distinct(order_days)) AS purchase_days FROM agg),
gaps AS (SELECT *, list_transform(range(1, len(purchase_days)), i -> purchase_days[i + 1] - purchase_days[i]) AS gaps FROM days)
SELECT customer_id, first_order_at, last_order_at, order_count, total_spent, largest_order, coupon_share, online_share,
       orders_365d, local_as_of_day,
       -- the most frequent weekday and hour; ties go to the earlier one
       list_position(weekday_counts, list_max(weekday_counts)) AS favourite_weekday_no,
       list_position(hour_counts, list_max(hour_counts)) - 1 AS favourite_hour,
       len(purchase_days) - 1 AS model_x,
       purchase_days[-1] - purchase_days[1] AS model_t_x,
       local_as_of_day - purchase_days[1] AS model_t,
       CASE WHEN len(purchase_days) > 1 THEN
         (list_sum(order_totals) - list_sum(list_filter(order_totals, (v, i) -> order_days[i] = purchase_days[1]))) / (len(purchase_days) - 1)
       END AS model_repeat_value,
       list_avg(gaps) AS avg_days_between_orders,
       list_median(gaps) AS median_days_between_orders,
       -- 1 / (1 + coefficient of variation of the gaps): 1 = like clockwork, towards 0 = erratic
       CASE WHEN len(gaps) >= 2 AND list_avg(gaps) > 0 THEN 1 / (1 + list_stddev_pop(gaps) / list_avg(gaps)) END AS purchase_regularity
FROM gaps`,
  );

  // The shop with the most orders; ties go to the first by id, orders without a shop come last.
  step(
    'preferred shop',
    `CREATE OR REPLACE TEMP TABLE ${t('place')} AS
WITH counts AS (SELECT customer_id, location_id, count(*)::BIGINT AS k FROM ${t('orders')} GROUP BY ALL),
ranked AS (SELECT location_id, row_number() OVER (ORDER BY location_id NULLS LAST) AS ord FROM (SELECT DISTINCT location_id FROM counts))
SELECT c.customer_id, arg_max(c.location_id, c.k * 4294967296 - r.ord) AS preferred_location
FROM counts c JOIN ranked r ON r.location_id IS NOT DISTINCT FROM c.location_id
GROUP BY c.customer_id`,
  );

  step(
    'order lines',
    `CREATE OR REPLACE TEMP TABLE ${t('lines')} AS
SELECT o.customer_id, o.order_id, o.placed_at, li.sku, li.quantity,
       (li.quantity * li.unit_price - li.line_discount)::DOUBLE AS amount,
       p.launched_at IS NOT NULL AND o.placed_at >= p.launched_at AND o.placed_at < p.launched_at + INTERVAL ${trendDays} DAY AS trend,
       p.category, p.brand, p.consumption_days
FROM ${t('orders')} o JOIN ${lines} li ON li.order_id = o.order_id
LEFT JOIN products p ON p.sku = li.sku`,
  );

  step(
    'line traits',
    `CREATE OR REPLACE TEMP TABLE ${t('line_agg')} AS
SELECT customer_id,
       sum(quantity)::DOUBLE / count(DISTINCT order_id) AS avg_items_per_order,
       CASE WHEN sum(amount) > 0 THEN coalesce(sum(amount) FILTER (WHERE trend), 0) / sum(amount) ELSE 0 END AS trend_share
FROM ${t('lines')} GROUP BY customer_id`,
  );

  // Replenishment: the last purchase of each consumable, and when that quantity runs out. The
  // quantity is the product's total at the latest purchase time; the rare products bought twice
  // at that same moment are summed exactly in a second pass.
  step(
    'replenishment',
    `CREATE OR REPLACE TEMP TABLE ${t('replenish')} AS
WITH last AS (
  SELECT customer_id, sku, max(placed_at) AS last_bought_at, arg_max(quantity, placed_at) AS quantity,
         max(placed_at, 2) AS last_two, any_value(consumption_days) AS consumption_days
  FROM ${t('lines')} WHERE consumption_days IS NOT NULL GROUP BY customer_id, sku
),
tied AS (
  SELECT l.customer_id, l.sku, sum(x.quantity) AS quantity
  FROM last l JOIN ${t('lines')} x ON x.customer_id = l.customer_id AND x.sku = l.sku AND x.placed_at = l.last_bought_at
  WHERE len(l.last_two) = 2 AND l.last_two[1] = l.last_two[2]
  GROUP BY l.customer_id, l.sku
),
supply AS (
  SELECT l.customer_id, l.sku, l.last_bought_at,
         l.last_bought_at + to_days((coalesce(x.quantity, l.quantity) * l.consumption_days)::INT) AS runs_out_at
  FROM last l LEFT JOIN tied x ON x.customer_id = l.customer_id AND x.sku = l.sku
)
SELECT customer_id, min(runs_out_at) AS next_replenishment_due_at, arg_min(sku, runs_out_at) AS next_replenishment_sku
FROM supply
-- a product that ran out more than 30 days ago without a repurchase is taken as given up
WHERE runs_out_at >= $1::TIMESTAMPTZ - INTERVAL 30 DAY
GROUP BY customer_id`,
  );

  // One pass over the events of the types counted here, for the counts and latest times; each
  // type's properties are read only for that type. (The carts below read the add-to-cart events.)
  step(
    'event traits',
    `CREATE OR REPLACE TEMP TABLE ${t('event_agg')} AS
SELECT e.customer_id,
       count(*) FILTER (WHERE type = 'product_view' AND occurred_at > $1::TIMESTAMPTZ - INTERVAL 7 DAY) AS product_views_7d,
       count(*) FILTER (WHERE type = 'product_view' AND occurred_at > $1::TIMESTAMPTZ - INTERVAL 30 DAY) AS product_views_30d,
       avg(CASE WHEN type = 'review' THEN TRY_CAST((properties->>'rating') AS DOUBLE) END) AS avg_review_rating,
       count(*) FILTER (WHERE type = 'review') AS reviews,
       count(*) FILTER (WHERE type = 'event_attended') AS events_attended,
       max(occurred_at) FILTER (WHERE type = 'page_view') AS last_visit_at
FROM ${customerEvents}
WHERE type IN ('product_view', 'review', 'event_attended', 'page_view') AND occurred_at <= $1
GROUP BY e.customer_id`,
  );

  // Visits in the last 30 days: a page view starts a visit unless another came within the gap
  // before it, so page views from the gap before the 30 days on are all that is needed.
  step(
    'visits',
    `CREATE OR REPLACE TEMP TABLE ${t('visits')} AS
WITH pv AS (
  SELECT e.customer_id, occurred_at,
         coalesce(epoch(occurred_at) - epoch(lag(occurred_at) OVER (PARTITION BY e.customer_id ORDER BY occurred_at)) > ${gap}, true) AS starts
  FROM ${customerEvents}
  WHERE type = 'page_view' AND occurred_at <= $1
    AND occurred_at >= $1::TIMESTAMPTZ - INTERVAL 30 DAY - INTERVAL ${n(config.sessionGapMinutes)} MINUTE
)
SELECT customer_id,
       count(*) FILTER (WHERE starts AND occurred_at > $1::TIMESTAMPTZ - INTERVAL 7 DAY) AS visits_7d,
       count(*) FILTER (WHERE starts AND occurred_at > $1::TIMESTAMPTZ - INTERVAL 30 DAY) AS visits_30d
FROM pv GROUP BY customer_id`,
  );

  // Carts: additions less than the cart gap apart are one cart; a cart is abandoned when no order
  // came from its first addition to the cart gap after its last, and that time has passed.
  step(
    'carts',
    `CREATE OR REPLACE TEMP TABLE ${t('cart_adds')} AS
WITH adds AS (
  SELECT e.customer_id, occurred_at, json_extract_string(properties, '$.sku') AS sku,
         coalesce(epoch(occurred_at) - epoch(lag(occurred_at) OVER (PARTITION BY e.customer_id ORDER BY occurred_at)) > ${cartGap}, true) AS starts
  FROM ${customerEvents}
  WHERE type = 'add_to_cart' AND occurred_at <= $1
)
SELECT customer_id, occurred_at, sku,
       sum(starts::INT) OVER (PARTITION BY customer_id ORDER BY occurred_at ROWS UNBOUNDED PRECEDING) AS cart_no
FROM adds`,
  );
  step(
    'cart state',
    `CREATE OR REPLACE TEMP TABLE ${t('carts')} AS
WITH carts AS (
  SELECT customer_id, cart_no, min(occurred_at) AS started_at, max(occurred_at) AS last_add_at
  FROM ${t('cart_adds')} GROUP BY customer_id, cart_no
),
order_times AS (SELECT customer_id, placed_at FROM ${t('orders')})
-- the first order placed at or after each cart's first addition (an as-of join: one lookup per
-- cart instead of pairing every cart with every order of the customer)
SELECT c.customer_id, c.cart_no, c.last_add_at,
       c.last_add_at + INTERVAL ${cartMinutes} MINUTE <= $1::TIMESTAMPTZ
       AND (o.placed_at IS NULL OR o.placed_at > c.last_add_at + INTERVAL ${cartMinutes} MINUTE) AS abandoned
FROM carts c ASOF LEFT JOIN order_times o ON o.customer_id = c.customer_id AND o.placed_at >= c.started_at`,
  );
  step(
    'cart traits',
    `CREATE OR REPLACE TEMP TABLE ${t('cart_agg')} AS
SELECT customer_id, count(*) AS carts_started, count(*) FILTER (WHERE abandoned) AS carts_abandoned,
       max(last_add_at) FILTER (WHERE abandoned) AS last_abandoned_cart_at, max(last_add_at) AS last_add_to_cart_at
FROM ${t('carts')} GROUP BY customer_id`,
  );

  // The list-valued traits of every customer, with the customer's own columns, from one
  // aggregation. This table leads the final join: DuckDB copies the columns of a join's build
  // side through a row format that is slow for lists, and the leading side is never built.
  step(
    'lists',
    `CREATE OR REPLACE TEMP TABLE ${t('lists')} AS
WITH items AS (
  SELECT customer_id, age, referred_by, NULL::VARCHAR AS category, NULL::VARCHAR AS brand, NULL::VARCHAR AS abandoned_sku,
         NULL::VARCHAR AS abandoned_category, NULL::VARCHAR AS product_key
  FROM ${t('base')}
  UNION ALL
  SELECT DISTINCT customer_id, NULL, NULL, category, brand, NULL, NULL, lower(sku) FROM ${t('lines')}
  UNION ALL
  SELECT DISTINCT a.customer_id, NULL, NULL, NULL, NULL, a.sku, p.category, NULL
  FROM ${t('cart_adds')} a
  JOIN ${t('carts')} c ON c.customer_id = a.customer_id AND c.cart_no = a.cart_no AND c.abandoned
  LEFT JOIN products p ON p.sku = a.sku
  WHERE a.sku IS NOT NULL
),
agg AS (
  SELECT customer_id, max(age) AS age, max(referred_by) AS referred_by,
         list_sort(list_distinct(list(category))) AS categories,
         list_sort(list_distinct(list(brand))) AS brands,
         list_sort(list_distinct(list(abandoned_sku))) AS abandoned_skus,
         list_sort(list_distinct(list(abandoned_category))) AS abandoned_categories,
         -- lower-cased skus bought, for "bought product …" without reading the order lines
         list_sort(list_distinct(list(product_key))) AS product_keys
  FROM items GROUP BY customer_id
)
SELECT *,
       -- lower-cased, for case-insensitive "bought category …" tests without a per-row transform
       list_sort(list_distinct(list_transform(categories, x -> lower(x)))) AS category_keys,
       list_sort(list_distinct(list_transform(brands, x -> lower(x)))) AS brand_keys
FROM agg`,
  );

  // Per category bought (lower-cased): how many orders had it and when the latest was (ISO UTC
  // text), for "bought category … at least n times" and "… within last …" without the order lines.
  step(
    'category facts',
    `CREATE OR REPLACE TEMP TABLE ${t('category_facts')} AS
WITH per AS (
  SELECT customer_id, lower(category) AS k, count(DISTINCT order_id) AS orders, max(placed_at) AS last_at
  FROM ${t('lines')} WHERE category IS NOT NULL GROUP BY ALL
)
-- keys in order, so a recompute writes the same JSON text
SELECT customer_id, to_json(map(list(k ORDER BY k), list(orders ORDER BY k))) AS category_orders,
       to_json(map(list(k ORDER BY k), list(strftime(last_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') ORDER BY k))) AS category_last_at
FROM per GROUP BY customer_id`,
  );

  step(
    'chats, content, answers',
    `CREATE OR REPLACE TEMP TABLE ${t('talk')} AS
WITH ev AS (
  SELECT e.customer_id, type, occurred_at, properties FROM ${customerEvents}
  WHERE type IN ('chat_message', 'content_view', 'questionnaire_answer') AND occurred_at <= $1
),
chats AS (
  SELECT customer_id,
         coalesce(epoch(occurred_at) - epoch(lag(occurred_at) OVER (PARTITION BY customer_id ORDER BY occurred_at)) > ${gap}, true) AS starts
  FROM ev WHERE type = 'chat_message'
),
chat_agg AS (SELECT customer_id, count(*) FILTER (WHERE starts) AS chat_sessions FROM chats GROUP BY customer_id),
content AS (
  SELECT customer_id, topic, sum(coalesce(TRY_CAST(dwell AS DOUBLE), 0)) AS dwell
  FROM (SELECT customer_id, properties->>'topic' AS topic, properties->>'dwell_seconds' AS dwell FROM ev WHERE type = 'content_view')
  WHERE topic IS NOT NULL GROUP BY ALL
),
content_agg AS (
  SELECT customer_id, json_group_object(topic, dwell) AS content_dwell_by_topic, sum(dwell) AS content_dwell_seconds,
         arg_max(topic, dwell) AS top_content_topic
  FROM content GROUP BY customer_id
),
answers AS (
  SELECT customer_id, question, arg_max(answer, occurred_at) AS answer
  FROM (SELECT customer_id, occurred_at, properties->>'question' AS question, properties->>'option' AS answer FROM ev WHERE type = 'questionnaire_answer')
  WHERE question IS NOT NULL GROUP BY ALL
),
answer_agg AS (SELECT customer_id, json_group_object(question, answer) AS questionnaire_answers FROM answers GROUP BY customer_id),
who AS (SELECT customer_id FROM chat_agg UNION SELECT customer_id FROM content_agg UNION SELECT customer_id FROM answer_agg)
SELECT w.customer_id, ch.chat_sessions, ca.content_dwell_by_topic, ca.content_dwell_seconds, ca.top_content_topic, aa.questionnaire_answers
FROM who w
LEFT JOIN chat_agg ch ON ch.customer_id = w.customer_id
LEFT JOIN content_agg ca ON ca.customer_id = w.customer_id
LEFT JOIN answer_agg aa ON aa.customer_id = w.customer_id`,
  );

  step(
    'referrals',
    `CREATE OR REPLACE TEMP TABLE ${t('referrals')} AS
WITH r AS (SELECT properties->>'referrer' AS referrer, properties->>'referee' AS referee FROM (${referralEvents})),
made AS (SELECT referrer AS customer_id, count(DISTINCT referee) AS referrals_made FROM r WHERE referrer IS NOT NULL GROUP BY 1),
referred AS (SELECT DISTINCT referee AS customer_id FROM r WHERE referee IS NOT NULL)
SELECT coalesce(m.customer_id, d.customer_id) AS customer_id, m.referrals_made, d.customer_id IS NOT NULL AS referred
FROM made m FULL JOIN referred d ON d.customer_id = m.customer_id`,
  );

  // The ranked measures and model inputs of the buyers: everything the models and the rank
  // thresholds need, ready before the profiles are assembled.
  step(
    'measures',
    `CREATE OR REPLACE TEMP TABLE ${t('measures')} AS
SELECT customer_id, order_count::INTEGER AS order_count, ${daysSince('last_order_at')} AS days_since_last_order,
       total_spent::DOUBLE AS total_spent, (total_spent / order_count)::DOUBLE AS aov,
       model_x::INTEGER AS x, model_t_x::INTEGER AS t_x, model_t::INTEGER AS t, model_repeat_value::DOUBLE AS repeat_value
FROM ${t('order_agg')}`,
  );
  return steps;
}

/** The age group of an age in years (core's ageGroupEnds); null without an age. */
const ageGroupSql = (age: string) =>
  `CASE WHEN ${age} IS NULL THEN NULL ${Object.entries(ageGroupEnds)
    .map(([group, end]) => (end === null ? `ELSE ${sqlLiteral(group)}` : `WHEN ${age} < ${end} THEN ${sqlLiteral(group)}`))
    .join(' ')} END`;

/** Whole days from `col` to the as-of time ($1); null without a time. */
const daysSince = (col: string) => `floor((epoch($1::TIMESTAMPTZ) - epoch(${col})) / 86400)::INTEGER`;

/**
 * The traits of every customer of a run whose statements have run, as a SELECT over its
 * temporary tables (`$1` is the as-of time).
 */
export function customerTraitsSelect(tmp: string): string {
  const t = (name: string) => `${tmp}_${name}`;
  return `
SELECT
  b.customer_id,
  b.age::INTEGER AS age,
  ${ageGroupSql('b.age')} AS age_group,
  a.first_order_at, a.last_order_at,
  ${daysSince('a.last_order_at')} AS days_since_last_order,
  coalesce(a.order_count, 0)::INTEGER AS order_count,
  coalesce(a.total_spent, 0)::DOUBLE AS total_spent,
  (a.total_spent / a.order_count)::DOUBLE AS aov,
  a.largest_order::DOUBLE AS largest_order,
  coalesce(a.orders_365d, 0)::INTEGER AS orders_365d,
  a.avg_days_between_orders::DOUBLE AS avg_days_between_orders,
  a.median_days_between_orders::DOUBLE AS median_days_between_orders,
  a.purchase_regularity::DOUBLE AS purchase_regularity,
  [${weekdays.map(sqlLiteral).join(', ')}][a.favourite_weekday_no] AS favourite_weekday,
  a.favourite_hour::INTEGER AS favourite_hour,
  la.avg_items_per_order::DOUBLE AS avg_items_per_order,
  a.coupon_share::DOUBLE AS coupon_share,
  coalesce(la.trend_share, CASE WHEN a.order_count > 0 THEN 0 END)::DOUBLE AS trend_share,
  b.categories,
  b.brands,
  b.category_keys,
  b.brand_keys,
  b.product_keys,
  coalesce(cf.category_orders, '{}'::JSON) AS category_orders,
  coalesce(cf.category_last_at, '{}'::JSON) AS category_last_at,
  ct.last_add_to_cart_at,
  pl.preferred_location,
  pl.preferred_location AS shop,
  a.online_share::DOUBLE AS online_share,
  ev.last_visit_at,
  coalesce(vi.visits_7d, 0)::INTEGER AS visits_7d,
  coalesce(vi.visits_30d, 0)::INTEGER AS visits_30d,
  coalesce(ev.product_views_7d, 0)::INTEGER AS product_views_7d,
  coalesce(ev.product_views_30d, 0)::INTEGER AS product_views_30d,
  coalesce(ct.carts_started, 0)::INTEGER AS carts_started,
  coalesce(ct.carts_abandoned, 0)::INTEGER AS carts_abandoned,
  ct.last_abandoned_cart_at,
  b.abandoned_skus,
  b.abandoned_categories,
  coalesce(tk.chat_sessions, 0)::INTEGER AS chat_sessions,
  coalesce(tk.content_dwell_by_topic, '{}'::JSON) AS content_dwell_by_topic,
  coalesce(tk.content_dwell_seconds, 0)::DOUBLE AS content_dwell_seconds,
  tk.top_content_topic,
  coalesce(tk.questionnaire_answers, '{}'::JSON) AS questionnaire_answers,
  ev.avg_review_rating::DOUBLE AS avg_review_rating,
  coalesce(ev.reviews, 0)::INTEGER AS reviews,
  coalesce(ev.events_attended, 0)::INTEGER AS events_attended,
  coalesce(rf.referrals_made, 0)::INTEGER AS referrals_made,
  (b.referred_by IS NOT NULL OR coalesce(rf.referred, false)) AS came_by_referral,
  rn.next_replenishment_due_at,
  rn.next_replenishment_sku,
  -- inputs of the BG/NBD model, in days: repeat purchase days, recency and age
  a.model_x::INTEGER AS model_x,
  a.model_t_x::INTEGER AS model_t_x,
  a.model_t::INTEGER AS model_t,
  a.model_repeat_value::DOUBLE AS model_repeat_value
FROM ${t('lists')} b
LEFT JOIN ${t('order_agg')} a ON a.customer_id = b.customer_id
LEFT JOIN ${t('place')} pl ON pl.customer_id = b.customer_id
LEFT JOIN ${t('line_agg')} la ON la.customer_id = b.customer_id
LEFT JOIN ${t('replenish')} rn ON rn.customer_id = b.customer_id
LEFT JOIN ${t('event_agg')} ev ON ev.customer_id = b.customer_id
LEFT JOIN ${t('visits')} vi ON vi.customer_id = b.customer_id
LEFT JOIN ${t('cart_agg')} ct ON ct.customer_id = b.customer_id
LEFT JOIN ${t('talk')} tk ON tk.customer_id = b.customer_id
LEFT JOIN ${t('category_facts')} cf ON cf.customer_id = b.customer_id
LEFT JOIN ${t('referrals')} rf ON rf.customer_id = b.customer_id`;
}

const tempTables = [
  'ids',
  'src_orders',
  'src_lines',
  'src_events',
  'base',
  'orders',
  'order_agg',
  'place',
  'lines',
  'line_agg',
  'replenish',
  'event_agg',
  'visits',
  'cart_adds',
  'carts',
  'cart_agg',
  'talk',
  'category_facts',
  'measures',
  'referrals',
];

/** Drops the temporary tables of a traits run. */
export function dropTraitsTemporaries(tmp: string): string[] {
  return tempTables.map((name) => `DROP TABLE IF EXISTS ${tmp}_${name}`);
}
