import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, type SqlRunner } from '@strata/core';

/*
 * The tokens in links that reach customers (a tracked content link, a content view's dwell
 * beacon, a questionnaire, an email's open pixel and rewritten links): a small JSON claim, base64url, a dot, and its HMAC-SHA256 under the
 * store's link secret. Whoever holds a link can do what it names for the one customer it names,
 * and nothing else. The purpose is signed with the claim, so a token made for one purpose is
 * refused for another.
 */

/** What a token is for; part of what is signed. */
export const TokenPurpose = {
  content: 'content',
  view: 'view',
  questionnaire: 'questionnaire',
  /** An email's open pixel (`/o/`). */
  email_open: 'email_open',
  /** A link in an email, rewritten through the server (`/c/`). */
  email_click: 'email_click',
} as const;
export type TokenPurpose = (typeof TokenPurpose)[keyof typeof TokenPurpose];

const SECRET_SETTING = 'secret.links';

/**
 * The store's link signing secret: 32 random bytes, made and kept in its settings the first time
 * it is asked for (two processes asking at once keep the first one made). Links made by the CLI
 * on the store file and by the server are signed alike.
 */
export async function linkSecret(db: SqlRunner): Promise<string> {
  const read = async () =>
    (await db.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [SECRET_SETTING]))[0]?.value;
  const stored = await read();
  if (stored) return stored;
  await db.exec('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    SECRET_SETTING,
    randomBytes(32).toString('base64url'),
  ]);
  const made = await read();
  if (!made) throw new AppError('internal', 'the link signing secret could not be stored');
  return made;
}

const signature = (secret: string, purpose: TokenPurpose, payload: string) =>
  createHmac('sha256', secret).update(`${purpose}.${payload}`).digest();

/** A token carrying `claim` (a JSON object) for `purpose`. */
export function signToken(secret: string, purpose: TokenPurpose, claim: Record<string, unknown>): string {
  const payload = Buffer.from(JSON.stringify(claim), 'utf8').toString('base64url');
  return `${payload}.${signature(secret, purpose, payload).toString('base64url')}`;
}

/**
 * The claim of a token signed with `secret` for `purpose`; undefined for anything else (not a
 * token, tampered, another store's, another purpose). Callers answer all of those alike, so a
 * guesser learns nothing.
 */
export function readToken(secret: string, purpose: TokenPurpose, token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const [payload, given] = parts as [string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]{43}$/.test(given)) return undefined;
  const expected = signature(secret, purpose, payload);
  const actual = Buffer.from(given, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  try {
    const claim: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return claim && typeof claim === 'object' && !Array.isArray(claim) ? (claim as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where links start: the `public_url` setting, else `fallback` (the server's own address, or the
 * address `strata serve` takes by default) with a warning that customers may not reach it.
 */
export interface LinkBase {
  baseUrl: string;
  warning?: string;
}

export function linkBase(configured: string | undefined, fallback: string): LinkBase {
  if (configured) return { baseUrl: configured };
  return {
    baseUrl: fallback,
    warning: `public_url is not set, so the link starts with ${fallback}, which customers may not reach: set the address they reach this server at with \`strata config set public_url https://…\``,
  };
}
