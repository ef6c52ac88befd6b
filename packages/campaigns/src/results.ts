/**
 * What a campaign (or an automation's send step, which is a standing campaign) brought in: orders
 * attributed to its messages, its funnel from the message log, and its uplift over the holdout.
 * Attribution is one set-based statement over every campaign's messages, so two campaigns never
 * both claim one order.
 */
import type { Channel } from '@strata/core';
import {
  AppError,
  channels,
  EventType,
  MessageStatus,
  OrderStatus,
  SendReason,
  sqlLiteral,
  UnsentStatus,
  type SqlParam,
  type SqlRunner,
} from '@strata/core';
import { findCampaign, type Campaign } from './campaign-store.js';
import { sampleFromSums, uplift, type Uplift } from './uplift.js';

/**
 * How long after a message an order by its recipient counts as converted by it, in days per
 * channel. Defaults: email 5 days, SMS 1 day, WhatsApp 1 day.
 */
export type AttributionWindows = Record<Channel, number>;
export const defaultAttributionWindows: AttributionWindows = { email: 5, sms: 1, whatsapp: 1 };

export interface AttributionOptions {
  /** Days per channel; channels left out keep their default. */
  windowDays?: Partial<AttributionWindows>;
}

/** Message statuses that mean the provider took the message (it went out). */
const WENT_OUT = [MessageStatus.sent, MessageStatus.delivered, MessageStatus.opened, MessageStatus.clicked];
const DELIVERED = [MessageStatus.delivered, MessageStatus.opened, MessageStatus.clicked];
const OPENED = [MessageStatus.opened, MessageStatus.clicked];
const inList = (xs: readonly string[]) => `(${xs.map(sqlLiteral).join(', ')})`;

/**
 * The tracking events of opens and clicks (the engagement tracker's event types; their property
 * `campaign_id` names the campaign, `campaign` is its name as segments compare it). A message counts as opened (clicked) when its status says so, or
 * when such an event of its recipient names its campaign after it went and before the campaign's
 * next message to them.
 */
export const ENGAGEMENT_EVENTS = { opened: EventType.email_opened, clicked: EventType.email_clicked } as const;

/** SQL: an event of one of `types` from the message's recipient naming its campaign, after it and before its next. */
const trackedSql = (m: string, types: readonly string[]) =>
  `EXISTS (SELECT 1 FROM events e WHERE e.type IN ${inList(types)} AND e.customer_id = ${m}.customer_id
     AND json_extract_string(e.properties, '$.campaign_id') = ${m}.campaign_id AND e.occurred_at >= ${m}.sent_at
     AND NOT EXISTS (SELECT 1 FROM messages l WHERE l.campaign_id = ${m}.campaign_id AND l.customer_id = ${m}.customer_id
       AND l.sent_at > ${m}.sent_at AND l.sent_at <= e.occurred_at))`;

/** The source consent_history records for a withdrawal by the unsubscribe link (see consent.ts). */
export const UNSUBSCRIBE_LINK_SOURCE = 'unsubscribe link';
/** The source of a withdrawal by a link whose token names its campaign. */
export const unsubscribeSource = (campaignId?: string) =>
  campaignId ? `${UNSUBSCRIBE_LINK_SOURCE} (campaign ${campaignId})` : UNSUBSCRIBE_LINK_SOURCE;

/** The windows with defaults filled in, each checked (AppError 'invalid' naming the channel). */
export function attributionWindows(options: AttributionOptions = {}): AttributionWindows {
  const w = { ...defaultAttributionWindows };
  for (const [channel, days] of Object.entries(options.windowDays ?? {})) {
    if (!(channels as readonly string[]).includes(channel))
      throw new AppError('invalid', `windowDays: unknown channel "${channel}" (known: ${channels.join(', ')})`);
    if (typeof days !== 'number' || !Number.isFinite(days) || days < 0 || days > 365)
      throw new AppError(
        'invalid',
        `windowDays.${channel}: must be a number of days from 0 to 365, not ${String(days)}`,
      );
    w[channel as Channel] = days;
  }
  return w;
}

/** `ts + window(channel)` as SQL: the window's end for a row's channel. */
const windowEnd = (ts: string, channelCol: string, w: AttributionWindows) =>
  `${ts} + to_seconds((CASE ${channelCol} ${channels
    .map((c) => `WHEN ${sqlLiteral(c)} THEN ${w[c] * 86_400}`)
    .join(' ')} ELSE 0 END)::DOUBLE)`;

/**
 * The attribution as SQL (a query yielding order_id, message_id, campaign_id, customer_id, how,
 * total, placed_at). Only confirmed orders count (cancelled and refunded never do). An order that
 * used a message's coupon (codes compared case-insensitively, placed after the message, any time
 * later) belongs to that message; otherwise to the latest message its buyer was sent before it
 * whose window (by channel) still held it — last touch.
 */
export function attributionSql(w: AttributionWindows, campaignParam?: string, many = false): string {
  // Orders that could belong to the campaign: its recipients' orders, or orders with its codes.
  // The others cannot, and leaving them out keeps one campaign's results from scanning the store.
  // `many`: the parameter is a list of campaign ids (an automation's steps).
  const ours = many ? `list_contains(${campaignParam}, campaign_id)` : `campaign_id = ${campaignParam}`;
  const mayBelong = campaignParam
    ? ` AND (customer_id IN (SELECT customer_id FROM messages WHERE ${ours})
         OR list_has_any(list_transform(discount_codes, c -> upper(trim(c))),
                         (SELECT coalesce(list(code), []) FROM coupons WHERE ${ours})))`
    : '';
  return `
    WITH sent AS (
      SELECT id, campaign_id, customer_id, channel, sent_at, ${windowEnd('sent_at', 'channel', w)} AS until
      FROM messages WHERE status IN ${inList(WENT_OUT)} AND sent_at IS NOT NULL
    ), ok AS (
      SELECT id, customer_id, placed_at, total, discount_codes FROM orders WHERE status = ${sqlLiteral(OrderStatus.confirmed)}${mayBelong}
    ), by_coupon AS (
      SELECT o.id AS order_id, s.id AS message_id, 'coupon' AS how
      FROM (SELECT id, placed_at, upper(trim(unnest(discount_codes))) AS code FROM ok) o
      JOIN coupons k ON k.code = o.code
      JOIN sent s ON s.id = k.message_id AND o.placed_at >= s.sent_at
      QUALIFY row_number() OVER (PARTITION BY o.id ORDER BY s.sent_at DESC, s.id DESC) = 1
    ), by_window AS (
      SELECT o.id AS order_id, s.id AS message_id, 'window' AS how
      FROM ok o JOIN sent s ON s.customer_id = o.customer_id AND o.placed_at >= s.sent_at AND o.placed_at <= s.until
      WHERE o.id NOT IN (SELECT order_id FROM by_coupon)
      QUALIFY row_number() OVER (PARTITION BY o.id ORDER BY s.sent_at DESC, s.id DESC) = 1
    )
    SELECT a.order_id, a.message_id, s.campaign_id, s.customer_id, a.how, o.total::DOUBLE AS total, o.placed_at
    FROM (SELECT * FROM by_coupon UNION ALL SELECT * FROM by_window) a
    JOIN sent s ON s.id = a.message_id JOIN ok o ON o.id = a.order_id`;
}

/**
 * A campaign's held-out messages as touches (id, campaign_id, customer_id, channel, since): each at the moment
 * its message would have gone, which is when the guardrails held it out (its due time).
 */
export const heldOutTouchesSql = (campaignParam: string) =>
  `SELECT id, campaign_id, customer_id, channel, due_at AS since FROM messages
   WHERE campaign_id = ${campaignParam} AND status = ${sqlLiteral(UnsentStatus.held_out)}`;

/**
 * The holdout's conversions by the recipients' rules, like for like (a query yielding order_id,
 * touch_id, campaign_id, customer_id, total, placed_at). Each held-out touch (`touches`: id,
 * campaign_id, customer_id, channel, since) stands for the message its customer was not sent: an order of theirs counts
 * when it is confirmed, placed within the channel's window after the touch, not claimed by a coupon
 * of any message that went out, and not claimed by a real message sent to them at or after the
 * touch whose window still holds it (last touch: that later message would have got it had the
 * customer been a recipient). The holdout had no coupon, so no order counts for it by coupon.
 */
export function holdoutAttributionSql(w: AttributionWindows, touches: string): string {
  return `
    WITH g AS (
      SELECT id, campaign_id, customer_id, channel, since, ${windowEnd('since', 'channel', w)} AS until FROM (${touches})
    ), sent AS (
      SELECT id, customer_id, sent_at, ${windowEnd('sent_at', 'channel', w)} AS until
      FROM messages WHERE status IN ${inList(WENT_OUT)} AND sent_at IS NOT NULL
        AND customer_id IN (SELECT customer_id FROM g)
    ), ok AS (
      SELECT id, customer_id, placed_at, total, discount_codes FROM orders
      WHERE status = ${sqlLiteral(OrderStatus.confirmed)} AND customer_id IN (SELECT customer_id FROM g)
    ), by_coupon AS (
      SELECT DISTINCT o.id
      FROM (SELECT id, placed_at, upper(trim(unnest(discount_codes))) AS code FROM ok) o
      JOIN coupons k ON k.code = o.code
      JOIN messages m ON m.id = k.message_id AND m.status IN ${inList(WENT_OUT)} AND o.placed_at >= m.sent_at
    )
    SELECT o.id AS order_id, g.id AS touch_id, g.campaign_id, g.customer_id, o.total::DOUBLE AS total, o.placed_at
    FROM ok o JOIN g ON g.customer_id = o.customer_id AND o.placed_at >= g.since AND o.placed_at <= g.until
    WHERE o.id NOT IN (SELECT id FROM by_coupon)
      AND NOT EXISTS (SELECT 1 FROM sent s WHERE s.customer_id = o.customer_id AND s.sent_at >= g.since
                        AND s.sent_at <= o.placed_at AND o.placed_at <= s.until)
    QUALIFY row_number() OVER (PARTITION BY o.id ORDER BY g.since DESC, g.id DESC) = 1`;
}

export interface AttributedOrder {
  order_id: string;
  message_id: string;
  campaign_id: string;
  /** The message's recipient (a coupon can be passed on: the buyer may differ). */
  customer_id: string;
  how: 'coupon' | 'window';
  total: number;
  placed_at: string;
}

/** The orders attributed to one campaign's messages, oldest first. */
export async function attributedOrders(
  db: SqlRunner,
  campaignId: string,
  options: AttributionOptions = {},
): Promise<AttributedOrder[]> {
  const rows = await db.query<AttributedOrder>(
    `SELECT order_id, message_id, campaign_id, customer_id, how, total,
            strftime(placed_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS placed_at
     FROM (${attributionSql(attributionWindows(options), '$1')}) WHERE campaign_id = $1 ORDER BY placed_at, order_id`,
    [campaignId],
  );
  return rows.map((r) => ({ ...r, total: Number(r.total) }));
}

export interface CampaignResults {
  campaign: Pick<Campaign, 'id' | 'name' | 'status' | 'started_at'>;
  windowDays: AttributionWindows;
  /** Customers the campaign considered (every row of its message log). */
  audience: number;
  /** Customers kept back as the holdout. */
  heldOut: number;
  /** Customers the guardrails stopped, by reason (no_consent, missing_address, capped, …). */
  excluded: Record<string, number>;
  /** Messages the provider took (sent or further along), delivered (or further), failed, opened (or clicked), clicked. */
  sent: number;
  delivered: number;
  failed: number;
  opened: number;
  clicked: number;
  /** Recipients who withdrew consent for the message's channel by the unsubscribe link after it. */
  unsubscribed: number;
  /** Distinct customers who were sent a message. */
  recipients: number;
  /** Recipients with at least one attributed order. */
  converted: number;
  orders: number;
  revenue: number;
  revenuePerRecipient: number;
  /**
   * The holdout measured like the recipients: its orders within the channel's window after the
   * moment its message would have gone, unless a coupon or a later message would claim them.
   */
  holdout: { customers: number; converted: number; revenue: number; revenuePerCustomer: number };
  uplift: Uplift;
}

/** One group's customers, those with an attributed order, the orders, and revenue per customer as sums (for Welch). */
export interface ArmSums {
  n: number;
  converted: number;
  orders: number;
  revenue: number;
  sumsq: number;
}

/**
 * The recipients' measures against a holdout measured like them: a breakdown's group, an
 * automation, one of its steps.
 */
export interface ArmMeasures {
  recipients: number;
  converted: number;
  orders: number;
  revenue: number;
  revenuePerRecipient: number;
  /** converted / recipients (0 without recipients). */
  conversionRate: number;
  holdout: {
    customers: number;
    converted: number;
    revenue: number;
    revenuePerCustomer: number;
    conversionRate: number;
  };
}

/** The measures of recipients `t` against holdout `h`. */
export function armMeasures(t: ArmSums, h: ArmSums): ArmMeasures {
  return {
    recipients: t.n,
    converted: t.converted,
    orders: t.orders,
    revenue: t.revenue,
    revenuePerRecipient: t.n > 0 ? t.revenue / t.n : 0,
    conversionRate: t.n > 0 ? t.converted / t.n : 0,
    holdout: {
      customers: h.n,
      converted: h.converted,
      revenue: h.revenue,
      revenuePerCustomer: h.n > 0 ? h.revenue / h.n : 0,
      conversionRate: h.n > 0 ? h.converted / h.n : 0,
    },
  };
}

const num = (x: unknown) => Number(x ?? 0);
const toSums = (r: ArmSums | undefined): ArmSums => ({
  n: num(r?.n),
  converted: num(r?.converted),
  orders: num(r?.orders),
  revenue: num(r?.revenue),
  sumsq: num(r?.sumsq),
});
/** The campaign ids of parameter $1, given as a JSON array. */
const IDS = `from_json($1, '["VARCHAR"]')`;
const sumsSql = `SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE orders > 0)::INTEGER AS converted,
    coalesce(sum(orders), 0)::INTEGER AS orders, coalesce(sum(revenue), 0)::DOUBLE AS revenue,
    coalesce(sum(revenue * revenue), 0)::DOUBLE AS sumsq FROM per`;

/**
 * The recipients of any of the campaigns (a message that went out) with the orders attributed to
 * those campaigns' messages (zero for those who bought nothing).
 */
export async function recipientSums(
  db: SqlRunner,
  campaignIds: readonly string[],
  w: AttributionWindows,
): Promise<ArmSums> {
  const [row] = await db.query<ArmSums>(
    `WITH a AS (${attributionSql(w, IDS, true)}),
     per AS (
       SELECT r.customer_id, count(a.order_id) AS orders, coalesce(sum(a.total), 0) AS revenue
       FROM (SELECT DISTINCT customer_id FROM messages WHERE list_contains(${IDS}, campaign_id)
             AND status IN ${inList(WENT_OUT)}) r
       LEFT JOIN a ON a.customer_id = r.customer_id AND list_contains(${IDS}, a.campaign_id)
       GROUP BY r.customer_id
     )
     ${sumsSql}`,
    [JSON.stringify(campaignIds)],
  );
  return toSums(row);
}

/**
 * The customers of the held-out `touches` (a query on `params`) with the orders holdoutAttributionSql
 * gives them; with `campaignId`, only the orders given to that campaign's touches (an automation step).
 */
export async function holdoutSums(
  db: SqlRunner,
  w: AttributionWindows,
  touches: string,
  params: readonly SqlParam[],
  campaignId?: string,
): Promise<ArmSums> {
  const only = campaignId === undefined ? '' : ` WHERE campaign_id = $${params.length + 1}`;
  const [row] = await db.query<ArmSums>(
    `WITH h AS (SELECT * FROM (${holdoutAttributionSql(w, touches)})${only}),
     per AS (
       SELECT g.customer_id, count(h.order_id) AS orders, coalesce(sum(h.total), 0) AS revenue
       FROM (SELECT DISTINCT customer_id FROM (${touches})) g
       LEFT JOIN h ON h.customer_id = g.customer_id
       GROUP BY g.customer_id
     )
     ${sumsSql}`,
    campaignId === undefined ? [...params] : [...params, campaignId],
  );
  return toSums(row);
}

/** Recipients over the holdout, from each group's sums. */
export const upliftOf = (t: ArmSums, h: ArmSums): Uplift =>
  uplift(
    { customers: t.n, converted: t.converted, revenue: sampleFromSums(t.n, t.revenue, t.sumsq) },
    { customers: h.n, converted: h.converted, revenue: sampleFromSums(h.n, h.revenue, h.sumsq) },
  );

/** A campaign's funnel, attributed revenue and uplift over its holdout. AppError 'not_found' for an unknown id. */
export async function campaignResults(
  db: SqlRunner,
  campaignId: string,
  options: AttributionOptions = {},
): Promise<CampaignResults> {
  const campaign = await findCampaign(db, campaignId);
  const w = attributionWindows(options);
  const m = 'm';
  const [funnel] = await db.query<Record<string, number>>(
    `SELECT count(DISTINCT customer_id)::INTEGER AS audience,
            count(DISTINCT customer_id) FILTER (WHERE status = ${sqlLiteral(UnsentStatus.held_out)})::INTEGER AS held_out,
            count(*) FILTER (WHERE status IN ${inList(WENT_OUT)})::INTEGER AS sent,
            count(*) FILTER (WHERE status IN ${inList(DELIVERED)})::INTEGER AS delivered,
            count(*) FILTER (WHERE status = ${sqlLiteral(MessageStatus.failed)})::INTEGER AS failed,
            count(*) FILTER (WHERE status IN ${inList(OPENED)} OR (status IN ${inList(WENT_OUT)} AND ${trackedSql(m, [ENGAGEMENT_EVENTS.opened, ENGAGEMENT_EVENTS.clicked])}))::INTEGER AS opened,
            count(*) FILTER (WHERE status = ${sqlLiteral(MessageStatus.clicked)} OR (status IN ${inList(WENT_OUT)} AND ${trackedSql(m, [ENGAGEMENT_EVENTS.clicked])}))::INTEGER AS clicked,
            count(DISTINCT customer_id) FILTER (WHERE status IN ${inList(WENT_OUT)})::INTEGER AS recipients
     FROM messages m WHERE campaign_id = $1`,
    [campaignId],
  );
  const reasons = await db.query<{ reason: string; n: number }>(
    `SELECT reason, count(DISTINCT customer_id)::INTEGER AS n FROM messages
     WHERE campaign_id = $1 AND status = ${sqlLiteral(UnsentStatus.skipped)} AND reason IS NOT NULL AND reason <> ${sqlLiteral(SendReason.send)}
     GROUP BY reason ORDER BY reason`,
    [campaignId],
  );
  // Unsubscribed: a withdrawal by the link on the message's channel after it — by this campaign's
  // link when the source names it, else (a plain link) before any later message to them on that
  // channel, which would have carried its own link.
  const [unsub] = await db.query<{ n: number }>(
    `SELECT count(DISTINCT m.customer_id)::INTEGER AS n
     FROM messages m JOIN consent_history h ON h.customer_id = m.customer_id AND h.channel = m.channel
       AND NOT h.granted AND h.stated_at >= m.sent_at
     WHERE m.campaign_id = $1 AND m.status IN ${inList(WENT_OUT)} AND m.sent_at IS NOT NULL
       AND (h.source = $3 OR (h.source = $2 AND NOT EXISTS (
         SELECT 1 FROM messages l WHERE l.customer_id = m.customer_id AND l.channel = m.channel
           AND l.status IN ${inList(WENT_OUT)} AND l.sent_at > m.sent_at AND l.sent_at <= h.stated_at)))`,
    [campaignId, unsubscribeSource(), unsubscribeSource(campaignId)],
  );
  const t = await recipientSums(db, [campaignId], w);
  const h = await holdoutSums(db, w, heldOutTouchesSql('$1'), [campaignId]);
  const excluded: Record<string, number> = {};
  for (const r of reasons) excluded[r.reason] = num(r.n);
  return {
    campaign: { id: campaign.id, name: campaign.name, status: campaign.status, started_at: campaign.started_at },
    windowDays: w,
    audience: num(funnel?.audience),
    heldOut: num(funnel?.held_out),
    excluded,
    sent: num(funnel?.sent),
    delivered: num(funnel?.delivered),
    failed: num(funnel?.failed),
    opened: num(funnel?.opened),
    clicked: num(funnel?.clicked),
    unsubscribed: num(unsub?.n),
    recipients: num(funnel?.recipients),
    converted: t.converted,
    orders: t.orders,
    revenue: t.revenue,
    revenuePerRecipient: t.n > 0 ? t.revenue / t.n : 0,
    holdout: {
      customers: h.n,
      converted: h.converted,
      revenue: h.revenue,
      revenuePerCustomer: h.n > 0 ? h.revenue / h.n : 0,
    },
    uplift: upliftOf(t, h),
  };
}
