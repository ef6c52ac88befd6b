import { EventType } from '@strata/core';
import type { ProfileConfig } from '@strata/profiles';
import { addEventNeed, type CustomerState, type EventNeeds } from '@strata/segment-eval';

/*
 * When a stored profile stops being true by the passing of time alone. Many traits are measured
 * from the as-of time (docs/profiles.md): days since the last order, the lifecycle stage, visits
 * in the last 7 and 30 days, abandoned carts, orders in 365 days, age, replenishment given up,
 * RFM recency. Each changes at a moment that follows from the customer's own facts, and the live
 * engine re-profiles the customer then. This is the earliest such moment after the as-of time,
 * per customer: never later than the first change, sometimes earlier (a re-profile that changes
 * nothing is harmless).
 *
 * It reads the customer's state the engine has already loaded for the segments (profile row,
 * orders, events, customer record), so a step does not read the big tables again for it.
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

const DAY_MS = 86_400_000;
const VIEWS = new Set<string>([EventType.page_view, EventType.product_view]);

const num = (v: unknown): number | undefined => {
  if (v === null || v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};
const time = (v: unknown): number | undefined => {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
};

/** The next birthday strictly after the as-of day (UTC); 29 February counts on 28 February in other years. */
function nextBirthday(birthday: string, asOf: number): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthday);
  if (!m) return undefined;
  const month = Number(m[2]) - 1;
  const day = Number(m[3]);
  const today = new Date(asOf);
  const asOfDay = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  for (const y of [today.getUTCFullYear(), today.getUTCFullYear() + 1]) {
    const lastDay = new Date(Date.UTC(y, month + 1, 0)).getUTCDate();
    const t = Date.UTC(y, month, Math.min(day, lastDay));
    if (t > asOfDay) return t;
  }
  return undefined;
}

/** The events profileDue reads besides those dated after `asOf`: views of the last 30 days. */
export function addProfileDueNeeds(needs: EventNeeds, asOf: number): EventNeeds {
  for (const type of VIEWS) addEventNeed(needs, type, asOf - 30 * DAY_MS);
  return needs;
}

/** The earliest moment after `asOf` at which this customer's stored profile can change by time alone. */
export function profileDue(state: CustomerState, config: ProfileConfig, asOf: number): number | undefined {
  let due: number | undefined;
  const note = (t: number | undefined) => {
    if (t !== undefined && t > asOf && (due === undefined || t < due)) due = t;
  };
  const p = state.profile;
  if (p) {
    const lastOrder = time(p.last_order_at);
    const usual = num(p.median_days_between_orders) ?? num(p.avg_days_between_orders);
    if ((num(p.order_count) ?? 0) > 0 && lastOrder !== undefined) {
      const afterDays = (days: number) => lastOrder + Math.round(days * DAY_MS) + 1;
      const since = num(p.days_since_last_order);
      if (since !== undefined) note(afterDays(since + 1));
      if (usual !== undefined && usual > 0)
        for (const f of new Set([config.skippedCycleFactor, config.atRiskFactor, 1, 2])) note(afterDays(f * usual));
    }
    const cart = time(p.last_add_to_cart_at);
    if (cart !== undefined) note(cart + config.cartAbandonMinutes * 60_000 + 1);
    const runsOut = time(p.next_replenishment_due_at);
    if (runsOut !== undefined) note(runsOut + 30 * DAY_MS + 1);
  }
  for (const e of state.events) {
    if (e.occurredAt > asOf) note(e.occurredAt);
    else if (VIEWS.has(e.type) && e.occurredAt > asOf - 30 * DAY_MS) {
      note(e.occurredAt + 7 * DAY_MS + 1);
      note(e.occurredAt + 30 * DAY_MS + 1);
    }
  }
  for (const o of state.orders) {
    if (o.placedAt > asOf) note(o.placedAt);
    else if (o.placedAt > asOf - 365 * DAY_MS) note(o.placedAt + 365 * DAY_MS + 1);
  }
  const birthday = state.customer?.birthday;
  if (typeof birthday === 'string') note(nextBirthday(birthday, asOf));
  return due;
}
