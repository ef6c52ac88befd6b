import { AppError, OrderStatus, sqlLiteral, type SqlRunner } from '@strata/core';

/*
 * Whether a coupon code has been used, for tills and shops (`GET /v1/coupons/:code`,
 * `POST /v1/coupons/:code/redeem`): the one place that answers it. A code is redeemed by the
 * first of
 *  - a redemption a till or shop reported (coupon_redemptions: one row per code, so two tills
 *    asking at once redeem it once), or
 *  - a confirmed order ingested with the code among its discount codes (compared trimmed and
 *    case-insensitively, as the results' attribution matches them).
 * A code is the shop's to redeem only once it was given to someone (an imported code still in the
 * pool could yet go out in a message).
 */

/** How a code was used: reported by a till or shop, or seen in an ingested order. */
export const RedemptionSource = { reported: 'reported', order: 'order' } as const;
export type RedemptionSource = (typeof RedemptionSource)[keyof typeof RedemptionSource];

export interface CouponRedemptionState {
  at: string;
  order_id: string | null;
  source: RedemptionSource;
}

/** A code as a till sees it: whose, from which campaign, given when, used or not. */
export interface CouponState {
  code: string;
  campaign_id: string;
  campaign_name: string;
  customer_id: string | null;
  message_id: string | null;
  /** When it was given to its customer (null: an imported code not given yet). */
  issued_at: string | null;
  redeemed: boolean;
  /** The first use (null while unused). */
  redemption: CouponRedemptionState | null;
}

/** A code as people type it: trimmed, upper case (codes are stored so). */
export const normaliseCouponCode = (code: string) => code.trim().toUpperCase();

const isoSql = (c: string) => `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ')`;

/** The code's state; not_found naming the code when no campaign has it. */
export async function couponState(db: SqlRunner, code: string): Promise<CouponState> {
  const wanted = normaliseCouponCode(code);
  const [row] = await db.query<{
    code: string;
    campaign_id: string;
    campaign_name: string | null;
    customer_id: string | null;
    message_id: string | null;
    issued_at: string | null;
  }>(
    `SELECT k.code, k.campaign_id, c.name AS campaign_name, k.customer_id, k.message_id, ${isoSql('k.assigned_at')} AS issued_at
     FROM coupons k LEFT JOIN campaigns c ON c.id = k.campaign_id WHERE k.code = $1`,
    [wanted],
  );
  if (!row) throw new AppError('not_found', `no coupon code "${wanted}": no campaign gave or holds it`);
  const uses = await db.query<{ at: string; order_id: string | null; source: RedemptionSource }>(
    `SELECT ${isoSql('redeemed_at')} AS "at", order_id, '${RedemptionSource.reported}' AS source
     FROM coupon_redemptions WHERE code = $1
     UNION ALL
     SELECT ${isoSql('placed_at')}, id, '${RedemptionSource.order}' FROM orders
     WHERE status = ${sqlLiteral(OrderStatus.confirmed)}
       AND list_contains(list_transform(discount_codes, d -> upper(trim(d))), $1)
     ORDER BY 1, 3 DESC, 2
     LIMIT 1`,
    [wanted],
  );
  const first = uses[0];
  return {
    code: row.code,
    campaign_id: row.campaign_id,
    campaign_name: row.campaign_name ?? row.campaign_id,
    customer_id: row.customer_id,
    message_id: row.message_id,
    issued_at: row.issued_at,
    redeemed: first !== undefined,
    redemption: first ? { at: first.at, order_id: first.order_id, source: first.source } : null,
  };
}

const usedWhen = (s: CouponState) =>
  s.redemption
    ? `at ${s.redemption.at}${s.redemption.order_id !== null ? ` by order "${s.redemption.order_id}"` : ' (no order given)'}`
    : '';

/**
 * Marks a code used, once: `conflict` when it was used already (saying when and by which order)
 * or was never given to anyone; `not_found` for an unknown code. Returns its state after.
 */
export async function redeemCoupon(
  db: SqlRunner,
  code: string,
  use: { orderId?: string; at: Date },
): Promise<CouponState> {
  const before = await couponState(db, code);
  const refuse = (s: CouponState) =>
    new AppError('conflict', `coupon "${s.code}" was already redeemed ${usedWhen(s)}`, [
      { field: 'code', message: `already redeemed ${usedWhen(s)}` },
    ]);
  if (before.redeemed) throw refuse(before);
  if (before.issued_at === null)
    throw new AppError(
      'conflict',
      `coupon "${before.code}" has not been given to anyone yet (it waits in campaign "${before.campaign_id}"'s imported codes)`,
      [{ field: 'code', message: 'not given to anyone yet' }],
    );
  const added = await db.query<{ code: string }>(
    `INSERT INTO coupon_redemptions (code, order_id, redeemed_at) VALUES ($1, $2, $3::TIMESTAMPTZ)
     ON CONFLICT DO NOTHING RETURNING code`,
    [before.code, use.orderId ?? null, use.at.toISOString()],
  );
  const after = await couponState(db, before.code);
  // Another till was first (between the read and the write).
  if (!added.length) throw refuse(after);
  return after;
}
