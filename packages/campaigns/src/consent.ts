import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  AppError,
  channels,
  Customer,
  err,
  ok,
  type Channel,
  type Result,
  type SqlRunner,
  type StoreReader,
  type StoreWriter,
} from '@strata/core';

/*
 * Withdrawing consent — the unsubscribe link, an inbound STOP — goes through the store's own
 * consent mechanism: a customer record carrying a newer consent statement, so the customers'
 * consent columns, consent_history and the live engine's pending marks all follow in the one
 * write, and segment conditions and the next send's guardrails see it.
 *
 * An unsubscribe link carries a token signed with HMAC-SHA256 under a secret the store keeps in
 * its settings (made once, at random): whoever holds the link can withdraw that one customer's
 * consent for that one channel, and nothing else.
 */

const SECRET_KEY = 'secret.unsubscribe';

/** The store's unsubscribe signing secret, made (32 random bytes) and kept in settings the first time it is asked for. */
export async function unsubscribeSecret(db: SqlRunner): Promise<string> {
  const read = async () =>
    (await db.query<{ value: string }>(`SELECT value FROM settings WHERE key = $1`, [SECRET_KEY]))[0]?.value;
  const stored = await read();
  if (stored) return stored;
  await db.exec(`INSERT OR IGNORE INTO settings (key, value) VALUES ($1, $2)`, [
    SECRET_KEY,
    randomBytes(32).toString('base64url'),
  ]);
  const made = await read();
  if (!made) throw new AppError('internal', 'the unsubscribe secret could not be stored');
  return made;
}

export interface UnsubscribeClaim {
  customerId: string;
  channel: Channel;
  /** The campaign whose message carried the link, for the record. */
  campaignId?: string;
}

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

/** A token for an unsubscribe link: the claim in base64url JSON, a dot, its HMAC-SHA256. */
export function createUnsubscribeToken(secret: string, claim: UnsubscribeClaim): string {
  const payload = Buffer.from(
    JSON.stringify({ c: claim.customerId, ch: claim.channel, ...(claim.campaignId ? { k: claim.campaignId } : {}) }),
  ).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

export type TokenError = { type: 'malformed' | 'bad_signature'; message: string };

/** Checks a token's signature and reads its claim. A tampered or foreign token is an error value. */
export function verifyUnsubscribeToken(secret: string, token: string): Result<UnsubscribeClaim, TokenError> {
  const [payload, signature, extra] = token.trim().split('.');
  if (!payload || !signature || extra !== undefined)
    return err({ type: 'malformed', message: 'not an unsubscribe token (expected two parts joined by a dot)' });
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return err({ type: 'bad_signature', message: 'the unsubscribe token is not signed by this store' });
  try {
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      c?: unknown;
      ch?: unknown;
      k?: unknown;
    };
    if (typeof body.c !== 'string' || !(channels as readonly unknown[]).includes(body.ch))
      return err({ type: 'malformed', message: 'the unsubscribe token names no customer or channel' });
    return ok({
      customerId: body.c,
      channel: body.ch as Channel,
      ...(typeof body.k === 'string' ? { campaignId: body.k } : {}),
    });
  } catch {
    return err({ type: 'malformed', message: 'the unsubscribe token is not readable' });
  }
}

/** The link and headers an email carries: a one-click unsubscribe (RFC 8058). */
export function unsubscribeHeaders(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

export interface Withdrawal {
  /** The customer: their id, or the email or phone a reply came from (a STOP from a number). */
  customer: { id?: string; email?: string; phone?: string };
  channel: Channel;
  at: Date;
  /** How it was withdrawn, kept in consent_history: `unsubscribe link`, `sms STOP`, … */
  source: string;
}

/**
 * Withdraws a customer's consent for one channel as of `at`. Returns the customer's id; an unknown
 * customer is AppError 'not_found'. Withdrawing twice changes nothing the second time.
 */
export async function withdrawConsent(
  store: StoreWriter & Pick<StoreReader, 'resolveCustomer'>,
  w: Withdrawal,
): Promise<string> {
  const id = await store.resolveCustomer(w.customer);
  if (!id) {
    const who = w.customer.id ?? w.customer.email ?? w.customer.phone ?? '(nobody named)';
    throw new AppError('not_found', `no customer "${who}" to withdraw ${w.channel} consent for`);
  }
  const record = Customer.parse({
    id,
    consent: { [w.channel]: { granted: false, at: w.at.toISOString(), source: w.source } },
  });
  await store.write({ customers: [record] });
  return id;
}
