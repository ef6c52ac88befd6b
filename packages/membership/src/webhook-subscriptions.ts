import { createHmac, randomBytes } from 'node:crypto';
import { AppError, type SqlRunner } from '@strata/core';
import { latestChangeSeq } from './membership-queries.js';

/**
 * Outgoing webhook subscriptions: a URL that receives segment changes (of every segment, or of
 * the segments named), signed with a secret made here and shown once, when the subscription is
 * made. The secret is kept in the store as it is: signing needs it.
 *
 * A subscription's deliveries (webhook_deliveries) are batches of changes by seq range. A row is
 * pending while `next_attempt_at` is set; it is removed once delivered (the subscription's
 * `after_seq` then records how far delivery has come); a delivery given up after the last
 * attempt stays with `next_attempt_at` null and its last error, and counts as failed.
 */

export interface WebhookSubscription {
  id: string;
  url: string;
  /** The segment ids it follows; null: every segment. */
  segments: string[] | null;
  created_at: string;
  /** Every change up to this seq has been delivered (or was recorded before the subscription). */
  delivered_through: number;
}

export interface NewWebhookSubscription extends WebhookSubscription {
  /** The HMAC-SHA256 key of the X-Strata-Signature header; this is the only time it is shown. */
  secret: string;
}

export interface WebhookSubscriptionStatus extends WebhookSubscription {
  /** The delivery being tried, if one is waiting for a retry or is due. */
  pending: {
    first_seq: number;
    last_seq: number;
    attempts: number;
    next_attempt_at: string;
    last_error: string | null;
  } | null;
  /** Deliveries given up after the last attempt. */
  failed: number;
}

/** The signature header's value for a body: `sha256=` and the hex HMAC-SHA256 of the raw body. */
export function signWebhookBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('invalid', `url is not a URL: ${url}`, [{ field: 'url', message: 'not a URL' }]);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new AppError('invalid', `url must be http or https, not ${parsed.protocol}`, [
      { field: 'url', message: 'not http(s)' },
    ]);
  return parsed.toString();
}

/**
 * A new subscription. It receives the changes recorded from now on; earlier ones are in each
 * segment's history. Every segment named must be saved.
 */
export async function createWebhookSubscription(
  db: SqlRunner,
  request: { url: string; segments?: readonly string[] | undefined },
  now: Date,
): Promise<NewWebhookSubscription> {
  const url = checkedUrl(request.url);
  const segments = request.segments ? [...new Set(request.segments)] : null;
  if (segments?.length) {
    const known = new Set(
      (
        await db.query<{ id: string }>(
          `SELECT id FROM segments WHERE id IN (${segments.map((_, i) => `$${i + 1}`).join(', ')})`,
          segments,
        )
      ).map((r) => r.id),
    );
    const unknown = segments.filter((s) => !known.has(s));
    if (unknown.length)
      throw new AppError(
        'invalid',
        `no saved segment ${unknown.map((s) => `"${s}"`).join(', ')}`,
        unknown.map((s) => ({ field: 'segments', message: `no saved segment "${s}"` })),
      );
  }
  const subscription: NewWebhookSubscription = {
    id: `whs_${randomBytes(12).toString('hex')}`,
    url,
    segments,
    created_at: now.toISOString(),
    delivered_through: 0,
    secret: `whsec_${randomBytes(32).toString('base64url')}`,
  };
  await db.transaction(async (tx) => {
    subscription.delivered_through = await latestChangeSeq(tx);
    await tx.exec(
      `INSERT INTO webhook_subscriptions (id, url, secret, segments, after_seq, created_at)
       VALUES ($1, $2, $3, $4, $5, CAST($6 AS TIMESTAMPTZ))`,
      [
        subscription.id,
        url,
        subscription.secret,
        segments ? JSON.stringify(segments) : null,
        subscription.delivered_through,
        subscription.created_at,
      ],
    );
  });
  return subscription;
}

interface SubscriptionRow {
  id: string;
  url: string;
  secret: string;
  segments: string | null;
  after_seq: number;
  created_at: string;
}

const toSubscription = (r: Omit<SubscriptionRow, 'secret'>): WebhookSubscription => ({
  id: r.id,
  url: r.url,
  segments: r.segments === null ? null : (JSON.parse(r.segments) as string[]),
  created_at: r.created_at,
  delivered_through: Number(r.after_seq),
});

/** Subscriptions with their secrets, for the dispatcher. */
export async function findWebhookSubscriptions(db: SqlRunner): Promise<(WebhookSubscription & { secret: string })[]> {
  const rows = await db.query<SubscriptionRow>(
    'SELECT id, url, secret, CAST(segments AS VARCHAR) AS segments, after_seq, created_at FROM webhook_subscriptions ORDER BY created_at, id',
  );
  return rows.map((r) => ({ ...toSubscription(r), secret: r.secret }));
}

/** Every subscription, without its secret, with the state of its deliveries. */
export async function listWebhookSubscriptions(db: SqlRunner): Promise<WebhookSubscriptionStatus[]> {
  const rows = await db.query<
    Omit<SubscriptionRow, 'secret'> & {
      failed: number;
      first_seq: number | null;
      last_seq: number | null;
      attempts: number | null;
      next_attempt_at: string | null;
      last_error: string | null;
    }
  >(
    `SELECT s.id, s.url, CAST(s.segments AS VARCHAR) AS segments, s.after_seq, s.created_at,
       (SELECT count(*) FROM webhook_deliveries f
        WHERE f.subscription_id = s.id AND f.delivered_at IS NULL AND f.next_attempt_at IS NULL) AS failed,
       p.seq AS first_seq, p.last_seq, p.attempts, p.next_attempt_at, p.last_error
     FROM webhook_subscriptions s
     LEFT JOIN webhook_deliveries p ON p.subscription_id = s.id AND p.next_attempt_at IS NOT NULL
     ORDER BY s.created_at, s.id`,
  );
  return rows.map((r) => ({
    ...toSubscription(r),
    pending:
      r.first_seq === null || r.next_attempt_at === null
        ? null
        : {
            first_seq: Number(r.first_seq),
            last_seq: Number(r.last_seq),
            attempts: Number(r.attempts),
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
          },
    failed: Number(r.failed),
  }));
}

/** Removes a subscription and its deliveries: nothing more is sent to it. */
export async function deleteWebhookSubscription(db: SqlRunner, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.query<{ n: number }>('SELECT count(*) AS n FROM webhook_subscriptions WHERE id = $1', [id]);
    if (!Number(row?.n)) throw new AppError('not_found', `no webhook subscription "${id}"`);
    await tx.exec('DELETE FROM webhook_deliveries WHERE subscription_id = $1', [id]);
    await tx.exec('DELETE FROM webhook_subscriptions WHERE id = $1', [id]);
  });
}
