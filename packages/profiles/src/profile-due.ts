import { EventType } from '@strata/core';
import type { ProfileConfig } from './profile-config.js';

/*
 * When a stored profile stops being true by the passing of time alone. Many traits are measured
 * from the as-of time (docs/profiles.md): days since the last order, the lifecycle stage, visits
 * in the last 7 and 30 days, abandoned carts, orders in 365 days, age, replenishment given up,
 * RFM recency. Each changes at a moment that follows from the customer's own facts, and the live
 * engine re-profiles the customer then. This is the earliest such moment after the as-of time
 * ($1), per customer: never later than the first change, sometimes earlier (a re-profile that
 * changes nothing is harmless).
 *
 * - A buyer's days since the last order grow by one at last_order_at + k days. Every day-counted
 *   threshold (new, churned, dormant, RFM recency, whole days in segments) falls on one of those
 *   moments. The BG/NBD scores count whole local days; they are brought up to date at these
 *   daily moments too, so they can lag the local midnight by less than a day (docs/profiles.md).
 * - The usual-interval multiples (skipped cycle, at risk, churn risk) fall anywhere in a day.
 * - A cart is abandoned cartAbandonMinutes after its last addition.
 * - A page or product view leaves the 7- and 30-day counts 7 and 30 days after it happened.
 * - An order leaves orders_365d 365 days after it was placed.
 * - Age moves on the birthday (UTC, as the profiles count it).
 * - A consumable run out for 30 days is given up.
 * - Facts dated after the as-of time start to count when their time comes.
 * Times one millisecond after a boundary, because "more than 30 days" is strict.
 */

const ms = 'INTERVAL 1 MILLISECOND';

/** SELECT customer_id, due_at for the customers in `ids` (a SELECT of `id`), as of $1. */
export function profileDueSql(config: ProfileConfig, ids: string): string {
  const usual = 'coalesce(p.median_days_between_orders, p.avg_days_between_orders)';
  const multiples = [...new Set([config.skippedCycleFactor, config.atRiskFactor, 1, 2])];
  const dayMs = 86_400_000;
  const afterDays = (days: string) => `p.last_order_at + to_milliseconds((${days}::DOUBLE * ${dayMs})::BIGINT) + ${ms}`;
  return `
WITH p AS (SELECT * FROM customer_profile WHERE customer_id IN (${ids})),
candidates AS (
  SELECT customer_id, ${afterDays('(p.days_since_last_order + 1)')} AS t FROM p WHERE p.order_count > 0
  ${multiples.map((f) => `UNION ALL SELECT customer_id, ${afterDays(`${f} * ${usual}`)} FROM p WHERE p.order_count > 0 AND ${usual} > 0`).join('\n  ')}
  UNION ALL SELECT customer_id, p.last_add_to_cart_at + INTERVAL ${config.cartAbandonMinutes} MINUTE + ${ms} FROM p WHERE p.last_add_to_cart_at IS NOT NULL
  UNION ALL SELECT customer_id, p.next_replenishment_due_at + INTERVAL 30 DAY + ${ms} FROM p WHERE p.next_replenishment_due_at IS NOT NULL
  UNION ALL SELECT e.customer_id, e.occurred_at + w.span + ${ms}
    FROM events e, (VALUES (INTERVAL 7 DAY), (INTERVAL 30 DAY)) w(span)
    WHERE e.customer_id IN (${ids}) AND e.type IN ('${EventType.page_view}', '${EventType.product_view}')
      AND e.occurred_at > $1::TIMESTAMPTZ - INTERVAL 30 DAY
  UNION ALL SELECT o.customer_id, o.placed_at + INTERVAL 365 DAY + ${ms} FROM orders o
    WHERE o.customer_id IN (${ids}) AND o.placed_at > $1::TIMESTAMPTZ - INTERVAL 365 DAY
  UNION ALL SELECT customer_id, min(placed_at) FROM orders WHERE customer_id IN (${ids}) AND placed_at > $1::TIMESTAMPTZ GROUP BY 1
  UNION ALL SELECT customer_id, min(occurred_at) FROM events WHERE customer_id IN (${ids}) AND occurred_at > $1::TIMESTAMPTZ GROUP BY 1
  UNION ALL SELECT c.id, (
      -- the next birthday from the as-of day: this year's if still to come, else next year's
      -- (29 February counts on 28 February in other years, the earlier of the two)
      SELECT min(make_date(y, month(c.birthday), least(day(c.birthday), day(last_day(make_date(y, month(c.birthday), 1))))))
      FROM (VALUES (year($1::TIMESTAMPTZ)), (year($1::TIMESTAMPTZ) + 1)) yy(y)
      WHERE make_date(y, month(c.birthday), least(day(c.birthday), day(last_day(make_date(y, month(c.birthday), 1))))) > ($1::TIMESTAMPTZ)::DATE
    )::TIMESTAMPTZ
    FROM customers c WHERE c.id IN (${ids}) AND c.birthday IS NOT NULL
)
SELECT customer_id, min(t) AS due_at FROM candidates WHERE t > $1::TIMESTAMPTZ GROUP BY customer_id`;
}
