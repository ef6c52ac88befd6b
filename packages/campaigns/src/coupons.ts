import { randomBytes } from 'node:crypto';
import { AppError, type ErrorDetail, OrderStatus, sqlLiteral, type SqlRunner } from '@strata/core';
import { COUPON_ALPHABET, CouponSource, type CampaignCoupons } from './campaign-definition.js';

/*
 * Per-recipient coupon codes: generated (cryptographically random, from an alphabet without
 * look-alike characters) or taken from a list the shop system made. A code is given to a message
 * in the transaction that marks it sending, so only messages that go out use codes, and a retried
 * message keeps its code. The coupons table holds who got which code (code and message both
 * unique); an order naming the code in its discount codes is matched back to the message.
 */

/** One random code: `prefix` and `length` characters of COUPON_ALPHABET (no modulo bias). */
export function generateCouponCode(
  prefix: string,
  length: number,
  random: (n: number) => Buffer = randomBytes,
): string {
  const n = COUPON_ALPHABET.length;
  const limit = 256 - (256 % n);
  let code = '';
  while (code.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < limit && code.length < length) code += COUPON_ALPHABET[byte % n];
    }
  }
  return prefix + code;
}

const CODE = /^[A-Z0-9_-]{3,64}$/;

export interface CouponImport {
  added: number;
  /** Codes already stored (for this campaign or another): not added again. */
  existing: number;
  /** Lines that are not codes, by line number (1-based). */
  rejected: ErrorDetail[];
}

/** Adds codes made elsewhere to a campaign's pool (trimmed, upper-cased; bad lines reported, good ones kept). */
export async function importCoupons(
  db: SqlRunner,
  campaignId: string,
  codes: readonly string[],
  at: Date,
): Promise<CouponImport> {
  const rejected: ErrorDetail[] = [];
  const good = new Set<string>();
  codes.forEach((raw, i) => {
    const code = raw.trim().toUpperCase();
    if (code === '') return;
    if (CODE.test(code)) good.add(code);
    else
      rejected.push({
        line: i + 1,
        field: 'code',
        message: `not a coupon code: "${raw}" (3–64 letters, digits, - or _)`,
      });
  });
  const [before] = await db.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM coupons WHERE campaign_id = $1`, [
    campaignId,
  ]);
  // Not INSERT OR IGNORE: DuckDB 1.5 takes the NULL message ids of such rows as clashing on the
  // UNIQUE column and keeps one row; stored codes are left out by an anti-join instead.
  await db.exec(
    `INSERT INTO coupons (code, campaign_id, source, added_at)
     SELECT code, $2, '${CouponSource.imported}', $3::TIMESTAMPTZ
     FROM (SELECT DISTINCT unnest(from_json($1, '["VARCHAR"]')) AS code) n
     WHERE NOT EXISTS (SELECT 1 FROM coupons k WHERE k.code = n.code)`,
    [JSON.stringify([...good]), campaignId, at.toISOString()],
  );
  const [after] = await db.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM coupons WHERE campaign_id = $1`, [
    campaignId,
  ]);
  const added = Number(after?.n ?? 0) - Number(before?.n ?? 0);
  return { added, existing: good.size - added, rejected };
}

/** Codes a campaign can still give: imported ones not yet given (generated codes never run out). */
export async function couponsLeft(db: SqlRunner, campaignId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM coupons WHERE campaign_id = $1 AND message_id IS NULL`,
    [campaignId],
  );
  return Number(row?.n ?? 0);
}

/**
 * Gives a code to every message in `table` (columns id, customer_id) of campaign `campaignId` that
 * has none, inside the caller's transaction. Returns the ids of messages left without one (an
 * imported pool ran out).
 */
export async function assignCoupons(
  tx: SqlRunner,
  campaignId: string,
  coupons: CampaignCoupons,
  table: string,
  at: Date,
): Promise<string[]> {
  const lacking = async () =>
    (
      await tx.query<{ id: string; customer_id: string }>(
        `SELECT t.id, t.customer_id FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM coupons k WHERE k.message_id = t.id) ORDER BY t.id`,
      )
    ).map((r) => ({ id: r.id, customer_id: r.customer_id }));
  if (coupons.source === CouponSource.imported) {
    await tx.exec(
      `UPDATE coupons SET customer_id = g.customer_id, message_id = g.id, assigned_at = $2::TIMESTAMPTZ
       FROM (
         SELECT w.id, w.customer_id, f.code FROM
           (SELECT t.id, t.customer_id, row_number() OVER (ORDER BY t.id) AS n FROM ${table} t
            WHERE NOT EXISTS (SELECT 1 FROM coupons k WHERE k.message_id = t.id)) w
           JOIN (SELECT code, row_number() OVER (ORDER BY added_at, code) AS n FROM coupons
                 WHERE campaign_id = $1 AND message_id IS NULL) f ON f.n = w.n
       ) g
       WHERE coupons.code = g.code`,
      [campaignId, at.toISOString()],
    );
    return (await lacking()).map((m) => m.id);
  }
  // Generated: a clash with a stored code (about one in 10^11 per code at 8 characters) is
  // ignored by the insert and that message simply gets another code on the next round.
  for (let round = 0; round < 5; round++) {
    const todo = await lacking();
    if (!todo.length) return [];
    const rows = todo.map((m) => ({
      code: generateCouponCode(coupons.prefix, coupons.length),
      message_id: m.id,
      customer_id: m.customer_id,
    }));
    await tx.exec(
      `INSERT OR IGNORE INTO coupons (code, campaign_id, source, customer_id, message_id, added_at, assigned_at)
       SELECT r.code, $2, '${CouponSource.generated}', r.customer_id, r.message_id, $3::TIMESTAMPTZ, $3::TIMESTAMPTZ
       FROM (SELECT unnest(from_json($1, '[{"code":"VARCHAR","message_id":"VARCHAR","customer_id":"VARCHAR"}]')) AS r)`,
      [JSON.stringify(rows), campaignId, at.toISOString()],
    );
  }
  const left = await lacking();
  if (left.length)
    throw new AppError('internal', `could not generate unique coupon codes for ${left.length} message(s)`);
  return [];
}

/** The code a message carries, by message id. */
export async function couponsOf(db: SqlRunner, messageIds: readonly string[]): Promise<Map<string, string>> {
  if (!messageIds.length) return new Map();
  const rows = await db.query<{ message_id: string; code: string }>(
    `SELECT message_id, code FROM coupons WHERE message_id IN (SELECT unnest(from_json($1, '["VARCHAR"]')))`,
    [JSON.stringify(messageIds)],
  );
  return new Map(rows.map((r) => [r.message_id, r.code]));
}

export interface CouponRedemption {
  code: string;
  /** Who the code was given to, and in which message. */
  customer_id: string;
  message_id: string;
  order_id: string;
  /** Who placed the order (a code can be passed on). */
  order_customer_id: string;
  placed_at: string;
}

/** Orders that used a campaign's codes (confirmed orders, codes compared case-insensitively), matched to their messages. */
export async function couponRedemptions(db: SqlRunner, campaignId: string): Promise<CouponRedemption[]> {
  return db.query<CouponRedemption>(
    `SELECT k.code, k.customer_id, k.message_id, o.id AS order_id, o.customer_id AS order_customer_id,
            strftime(o.placed_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS placed_at
     FROM coupons k
     JOIN (SELECT id, customer_id, placed_at, upper(trim(unnest(discount_codes))) AS code FROM orders
           WHERE status = ${sqlLiteral(OrderStatus.confirmed)}) o ON o.code = k.code
     WHERE k.campaign_id = $1 AND k.message_id IS NOT NULL
     ORDER BY o.placed_at, o.id`,
    [campaignId],
  );
}
