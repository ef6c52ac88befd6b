import type { ProfileConfig } from './profile-config.js';

/*
 * The per-customer traits as set-based SQL (DuckDB dialect), computed inside the store.
 * $1 is the as-of time: only orders and events at or before it count. Every trait is defined in
 * docs/profiles.md; keep the two in step.
 *
 * `scope` limits the work to some customers (incremental updates): a SQL set expression of ids.
 */

const n = (v: number) => {
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  return String(v);
};

/** Builds `target` with one row of per-customer traits for each live customer in scope. */
export function customerTraitsSql(target: string, config: ProfileConfig, scope?: string): string {
  const inScope = scope ? `AND c.id IN (${scope})` : '';
  const gap = n(config.sessionGapMinutes * 60);
  const cartGap = n(config.cartAbandonMinutes * 60);
  return `
CREATE OR REPLACE TABLE ${target} AS
WITH
base AS (
  SELECT c.id AS customer_id, c.timezone, c.referred_by, c.newsletter, c.created_at,
         -- age at the as-of time: from the birthday when known, else as given
         coalesce(date_diff('year', c.birthday, ($1::TIMESTAMPTZ)::DATE)
                  - CASE WHEN strftime(($1::TIMESTAMPTZ)::DATE, '%m%d') < strftime(c.birthday, '%m%d') THEN 1 ELSE 0 END, c.age) AS age
  FROM customers c WHERE c.merged_into IS NULL ${inScope}
),
o_utc AS (
  SELECT o.customer_id, o.id AS order_id, o.placed_at, o.total::DOUBLE AS total,
         len(o.discount_codes) > 0 OR o.discount_total > 0 AS with_discount,
         o.location_id, coalesce(l.kind = 'online', false) AS online,
         -- local time: the customer's time zone, else the shop's, else UTC
         coalesce(b.timezone, l.timezone, 'UTC') AS zone,
         date_trunc('hour', o.placed_at) AS utc_hour
  FROM orders o
  JOIN base b ON b.customer_id = o.customer_id
  LEFT JOIN locations l ON l.id = o.location_id
  WHERE o.status = 'confirmed' AND o.placed_at <= $1
),
-- A zone's UTC offset is constant within a UTC hour (zones change offset on the hour), so the
-- costly zone conversion runs once per zone and hour, not once per order.
zone_hours AS (
  SELECT zone, utc_hour, timezone(zone, utc_hour) - utc_hour::TIMESTAMP AS utc_offset,
         timezone(zone, $1::TIMESTAMPTZ)::DATE AS local_as_of_day
  FROM (SELECT DISTINCT zone, utc_hour FROM o_utc)
),
o AS (
  SELECT u.* EXCLUDE (zone, utc_hour), u.placed_at::TIMESTAMP + z.utc_offset AS local_at, z.local_as_of_day
  FROM o_utc u JOIN zone_hours z ON z.zone = u.zone AND z.utc_hour = u.utc_hour
),
agg AS (
  SELECT customer_id,
         min(placed_at) AS first_order_at, max(placed_at) AS last_order_at,
         count(*) AS order_count, sum(total) AS total_spent, max(total) AS largest_order,
         avg(with_discount::INT) AS coupon_share, avg(online::INT) AS online_share,
         count(*) FILTER (WHERE placed_at > $1::TIMESTAMPTZ - INTERVAL 365 DAY) AS orders_365d,
         -- the latest over the zones of the customer's orders, so that T is never below t_x
         max(local_as_of_day) AS local_as_of_day
  FROM o GROUP BY customer_id
),
purchase_days AS (SELECT DISTINCT customer_id, local_at::DATE AS d FROM o),
-- orders on the same (local) day are one purchase, as in the BG/NBD literature
day_spend AS (SELECT customer_id, local_at::DATE AS d, sum(total) AS spend FROM o GROUP BY ALL),
pd_agg AS (
  SELECT customer_id, count(*) - 1 AS x, max(d) - min(d) AS t_x, min(d) AS first_day,
         CASE WHEN count(*) > 1 THEN (sum(spend) - arg_min(spend, d)) / (count(*) - 1) END AS repeat_value
  FROM day_spend GROUP BY customer_id
),
gaps AS (
  SELECT customer_id, d - lag(d) OVER (PARTITION BY customer_id ORDER BY d) AS gap FROM purchase_days
),
gap_agg AS (
  SELECT customer_id, avg(gap) AS avg_days_between_orders, median(gap) AS median_days_between_orders,
         -- 1 / (1 + coefficient of variation of the gaps): 1 = like clockwork, towards 0 = erratic
         CASE WHEN count(gap) >= 2 AND avg(gap) > 0 THEN 1 / (1 + stddev_pop(gap) / avg(gap)) END AS purchase_regularity
  FROM gaps WHERE gap IS NOT NULL GROUP BY customer_id
),
weekday AS (
  SELECT customer_id, isodow(local_at) AS v, count(*) AS k FROM o GROUP BY customer_id, v
  QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY k DESC, v) = 1
),
hour AS (
  SELECT customer_id, hour(local_at) AS v, count(*) AS k FROM o GROUP BY customer_id, v
  QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY k DESC, v) = 1
),
place AS (
  SELECT customer_id, location_id AS v, count(*) AS k FROM o GROUP BY customer_id, v
  QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY k DESC, v) = 1
),
ol AS (
  SELECT o.customer_id, o.order_id, o.placed_at, li.sku, li.quantity,
         (li.quantity * li.unit_price - li.line_discount)::DOUBLE AS amount,
         p.category, p.brand, p.launched_at, p.consumption_days
  FROM o JOIN order_lines li ON li.order_id = o.order_id
  LEFT JOIN products p ON p.sku = li.sku
),
line_agg AS (
  SELECT customer_id,
         sum(quantity)::DOUBLE / count(DISTINCT order_id) AS avg_items_per_order,
         CASE WHEN sum(amount) > 0 THEN
           sum(amount) FILTER (WHERE launched_at IS NOT NULL AND placed_at >= launched_at
                                 AND placed_at < launched_at + INTERVAL ${n(config.trendDays)} DAY) / sum(amount)
         ELSE 0 END AS trend_share,
         list(DISTINCT category ORDER BY category) FILTER (WHERE category IS NOT NULL) AS categories,
         list(DISTINCT brand ORDER BY brand) FILTER (WHERE brand IS NOT NULL) AS brands,
         -- lower-cased, for case-insensitive "bought category …" tests without a per-row transform
         list(DISTINCT lower(category) ORDER BY lower(category)) FILTER (WHERE category IS NOT NULL) AS category_keys,
         list(DISTINCT lower(brand) ORDER BY lower(brand)) FILTER (WHERE brand IS NOT NULL) AS brand_keys
  FROM ol GROUP BY customer_id
),
-- replenishment: the last purchase of each consumable, and when that quantity runs out
replenish AS (
  SELECT customer_id, sku, max(placed_at) AS last_bought_at,
         arg_max(quantity * consumption_days, placed_at) AS days_supply
  FROM (SELECT customer_id, sku, placed_at, consumption_days, sum(quantity) AS quantity
        FROM ol WHERE consumption_days IS NOT NULL GROUP BY ALL)
  GROUP BY customer_id, sku
),
replenish_next AS (
  SELECT customer_id, min(last_bought_at + to_days(days_supply::INT)) AS next_replenishment_due_at,
         arg_min(sku, last_bought_at + to_days(days_supply::INT)) AS next_replenishment_sku
  FROM replenish
  -- a product that ran out more than 30 days ago without a repurchase is taken as given up
  WHERE last_bought_at + to_days(days_supply::INT) >= $1::TIMESTAMPTZ - INTERVAL 30 DAY
  GROUP BY customer_id
),
ev AS (
  SELECT e.customer_id, e.type, e.occurred_at, e.properties
  FROM events e JOIN base b ON b.customer_id = e.customer_id
  WHERE e.occurred_at <= $1
),
visits AS (
  SELECT customer_id, occurred_at,
         coalesce(epoch(occurred_at) - epoch(lag(occurred_at) OVER (PARTITION BY customer_id ORDER BY occurred_at)) > ${gap}, true) AS starts
  FROM ev WHERE type = 'page_view'
),
visit_agg AS (
  SELECT customer_id, max(occurred_at) AS last_visit_at,
         count(*) FILTER (WHERE starts AND occurred_at > $1::TIMESTAMPTZ - INTERVAL 7 DAY) AS visits_7d,
         count(*) FILTER (WHERE starts AND occurred_at > $1::TIMESTAMPTZ - INTERVAL 30 DAY) AS visits_30d
  FROM visits GROUP BY customer_id
),
adds AS (
  SELECT customer_id, occurred_at, (properties->>'sku') AS sku,
         coalesce(epoch(occurred_at) - epoch(lag(occurred_at) OVER (PARTITION BY customer_id ORDER BY occurred_at)) > ${cartGap}, true) AS starts
  FROM ev WHERE type = 'add_to_cart'
),
carts AS (
  SELECT customer_id, occurred_at, sku, sum(starts::INT) OVER (PARTITION BY customer_id ORDER BY occurred_at ROWS UNBOUNDED PRECEDING) AS cart_no
  FROM adds
),
cart_agg AS (
  SELECT customer_id, cart_no, min(occurred_at) AS started_at, max(occurred_at) AS last_add_at
  FROM carts GROUP BY customer_id, cart_no
),
-- the first order placed at or after each cart's first addition (an as-of join: one lookup per cart
-- instead of pairing every cart with every order of the customer)
cart_next_order AS (
  SELECT c.customer_id, c.cart_no, o.placed_at AS next_order_at
  FROM cart_agg c ASOF LEFT JOIN o ON o.customer_id = c.customer_id AND o.placed_at >= c.started_at
),
cart_state AS (
  SELECT c.*,
         c.last_add_at + INTERVAL ${n(config.cartAbandonMinutes)} MINUTE <= $1::TIMESTAMPTZ
         AND (x.next_order_at IS NULL OR x.next_order_at > c.last_add_at + INTERVAL ${n(config.cartAbandonMinutes)} MINUTE) AS abandoned
  FROM cart_agg c JOIN cart_next_order x ON x.customer_id = c.customer_id AND x.cart_no = c.cart_no
),
abandoned_items AS (
  SELECT a.customer_id, list(DISTINCT a.sku ORDER BY a.sku) AS skus, list(DISTINCT p.category ORDER BY p.category) FILTER (WHERE p.category IS NOT NULL) AS categories
  FROM carts a JOIN cart_state cs ON cs.customer_id = a.customer_id AND cs.cart_no = a.cart_no AND cs.abandoned
  LEFT JOIN products p ON p.sku = a.sku
  WHERE a.sku IS NOT NULL
  GROUP BY a.customer_id
),
cart_totals AS (
  SELECT customer_id, count(*) AS carts_started, count(*) FILTER (WHERE abandoned) AS carts_abandoned,
         max(last_add_at) FILTER (WHERE abandoned) AS last_abandoned_cart_at
  FROM cart_state GROUP BY customer_id
),
chats AS (
  SELECT customer_id,
         coalesce(epoch(occurred_at) - epoch(lag(occurred_at) OVER (PARTITION BY customer_id ORDER BY occurred_at)) > ${gap}, true) AS starts
  FROM ev WHERE type = 'chat_message'
),
chat_agg AS (SELECT customer_id, count(*) FILTER (WHERE starts) AS chat_sessions FROM chats GROUP BY customer_id),
content AS (
  SELECT customer_id, (properties->>'topic') AS topic, sum(coalesce(TRY_CAST((properties->>'dwell_seconds') AS DOUBLE), 0)) AS dwell
  FROM ev WHERE type = 'content_view' AND (properties->>'topic') IS NOT NULL GROUP BY ALL
),
content_agg AS (
  SELECT customer_id, json_group_object(topic, dwell) AS content_dwell_by_topic, sum(dwell) AS content_dwell_seconds,
         arg_max(topic, dwell) AS top_content_topic
  FROM content GROUP BY customer_id
),
answers AS (
  SELECT customer_id, (properties->>'question') AS question, arg_max((properties->>'option'), occurred_at) AS answer
  FROM ev WHERE type = 'questionnaire_answer' AND (properties->>'question') IS NOT NULL GROUP BY ALL
),
answer_agg AS (SELECT customer_id, json_group_object(question, answer) AS questionnaire_answers FROM answers GROUP BY customer_id),
other_events AS (
  SELECT customer_id,
         count(*) FILTER (WHERE type = 'product_view' AND occurred_at > $1::TIMESTAMPTZ - INTERVAL 7 DAY) AS product_views_7d,
         count(*) FILTER (WHERE type = 'product_view' AND occurred_at > $1::TIMESTAMPTZ - INTERVAL 30 DAY) AS product_views_30d,
         avg(TRY_CAST((properties->>'rating') AS DOUBLE)) FILTER (WHERE type = 'review') AS avg_review_rating,
         count(*) FILTER (WHERE type = 'review') AS reviews,
         count(*) FILTER (WHERE type = 'event_attended') AS events_attended,
         max(occurred_at) AS last_event_at,
         max(occurred_at) FILTER (WHERE type = 'add_to_cart') AS last_add_to_cart_at
  FROM ev GROUP BY customer_id
),
referrals AS (
  SELECT (e.properties->>'referrer') AS referrer, (e.properties->>'referee') AS referee
  FROM events e WHERE e.type = 'referral' AND e.occurred_at <= $1
),
referrals_made AS (SELECT referrer AS customer_id, count(DISTINCT referee) AS referrals_made FROM referrals GROUP BY 1),
referred AS (SELECT DISTINCT referee AS customer_id FROM referrals)
SELECT
  b.customer_id,
  b.age::INTEGER AS age,
  CASE WHEN b.age IS NULL THEN NULL WHEN b.age < 18 THEN 'under 18' WHEN b.age < 30 THEN '18-29' WHEN b.age < 40 THEN '30-39'
       WHEN b.age < 50 THEN '40-49' WHEN b.age < 60 THEN '50-59' WHEN b.age < 70 THEN '60-69' ELSE '70+' END AS age_group,
  a.first_order_at, a.last_order_at,
  CASE WHEN a.last_order_at IS NOT NULL THEN floor((epoch($1::TIMESTAMPTZ) - epoch(a.last_order_at)) / 86400)::INTEGER END AS days_since_last_order,
  coalesce(a.order_count, 0)::INTEGER AS order_count,
  coalesce(a.total_spent, 0)::DOUBLE AS total_spent,
  (a.total_spent / a.order_count)::DOUBLE AS aov,
  a.largest_order::DOUBLE AS largest_order,
  coalesce(a.orders_365d, 0)::INTEGER AS orders_365d,
  g.avg_days_between_orders::DOUBLE AS avg_days_between_orders,
  g.median_days_between_orders::DOUBLE AS median_days_between_orders,
  g.purchase_regularity::DOUBLE AS purchase_regularity,
  ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'][w.v] AS favourite_weekday,
  h.v::INTEGER AS favourite_hour,
  la.avg_items_per_order::DOUBLE AS avg_items_per_order,
  a.coupon_share::DOUBLE AS coupon_share,
  coalesce(la.trend_share, CASE WHEN a.order_count > 0 THEN 0 END)::DOUBLE AS trend_share,
  coalesce(la.categories, []::VARCHAR[]) AS categories,
  coalesce(la.brands, []::VARCHAR[]) AS brands,
  coalesce(la.category_keys, []::VARCHAR[]) AS category_keys,
  coalesce(la.brand_keys, []::VARCHAR[]) AS brand_keys,
  oe.last_add_to_cart_at,
  pl.v AS preferred_location,
  pl.v AS shop,
  a.online_share::DOUBLE AS online_share,
  va.last_visit_at,
  coalesce(va.visits_7d, 0)::INTEGER AS visits_7d,
  coalesce(va.visits_30d, 0)::INTEGER AS visits_30d,
  coalesce(oe.product_views_7d, 0)::INTEGER AS product_views_7d,
  coalesce(oe.product_views_30d, 0)::INTEGER AS product_views_30d,
  coalesce(ct.carts_started, 0)::INTEGER AS carts_started,
  coalesce(ct.carts_abandoned, 0)::INTEGER AS carts_abandoned,
  ct.last_abandoned_cart_at,
  coalesce(ai.skus, []::VARCHAR[]) AS abandoned_skus,
  coalesce(ai.categories, []::VARCHAR[]) AS abandoned_categories,
  coalesce(ch.chat_sessions, 0)::INTEGER AS chat_sessions,
  coalesce(ca.content_dwell_by_topic, '{}'::JSON) AS content_dwell_by_topic,
  coalesce(ca.content_dwell_seconds, 0)::DOUBLE AS content_dwell_seconds,
  ca.top_content_topic,
  coalesce(aa.questionnaire_answers, '{}'::JSON) AS questionnaire_answers,
  oe.avg_review_rating::DOUBLE AS avg_review_rating,
  coalesce(oe.reviews, 0)::INTEGER AS reviews,
  coalesce(oe.events_attended, 0)::INTEGER AS events_attended,
  coalesce(rm.referrals_made, 0)::INTEGER AS referrals_made,
  (b.referred_by IS NOT NULL OR rf.customer_id IS NOT NULL) AS came_by_referral,
  rn.next_replenishment_due_at,
  rn.next_replenishment_sku,
  -- inputs of the BG/NBD model, in days: repeat purchase days, recency and age
  pd.x::INTEGER AS model_x,
  pd.t_x::INTEGER AS model_t_x,
  (a.local_as_of_day - pd.first_day)::INTEGER AS model_t,
  pd.repeat_value::DOUBLE AS model_repeat_value
FROM base b
LEFT JOIN pd_agg pd ON pd.customer_id = b.customer_id
LEFT JOIN agg a ON a.customer_id = b.customer_id
LEFT JOIN gap_agg g ON g.customer_id = b.customer_id
LEFT JOIN weekday w ON w.customer_id = b.customer_id
LEFT JOIN hour h ON h.customer_id = b.customer_id
LEFT JOIN place pl ON pl.customer_id = b.customer_id
LEFT JOIN line_agg la ON la.customer_id = b.customer_id
LEFT JOIN replenish_next rn ON rn.customer_id = b.customer_id
LEFT JOIN visit_agg va ON va.customer_id = b.customer_id
LEFT JOIN cart_totals ct ON ct.customer_id = b.customer_id
LEFT JOIN abandoned_items ai ON ai.customer_id = b.customer_id
LEFT JOIN chat_agg ch ON ch.customer_id = b.customer_id
LEFT JOIN content_agg ca ON ca.customer_id = b.customer_id
LEFT JOIN answer_agg aa ON aa.customer_id = b.customer_id
LEFT JOIN other_events oe ON oe.customer_id = b.customer_id
LEFT JOIN referrals_made rm ON rm.customer_id = b.customer_id
LEFT JOIN referred rf ON rf.customer_id = b.customer_id
`;
}
