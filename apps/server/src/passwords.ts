import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppError } from '@strata/core';

/**
 * Staff passwords, kept as scrypt hashes (memory-hard: each guess costs 128·N·r bytes of memory
 * as well as time, which is what makes graphics cards and ASICs poor at guessing). Node's own
 * scrypt, so there is nothing to download or compile at install time.
 *
 * The default cost is OWASP's recommendation for scrypt (Password Storage Cheat Sheet): N = 2^17,
 * r = 8, p = 1, i.e. 128 MiB per hash. The parameters are stored with each hash, so raising them
 * later leaves older hashes readable.
 */
export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/** scrypt needs 128·N·r bytes; Node refuses over `maxmem`, so it is set from the cost with room to spare. */
const optionsOf = (cost: ScryptCost): ScryptOptions => ({ ...cost, maxmem: 128 * cost.N * cost.r * 2 });

/**
 * Hashes run at most this many at a time, the rest wait their turn: each holds 128·N·r bytes
 * (128 MiB at the default cost), so logins sent all at once from many addresses (each address's
 * failures are limited, see login-limiter.ts) cannot make the server hold that many times over.
 */
const MAX_CONCURRENT_HASHES = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function derive(password: string, salt: Buffer, cost: ScryptCost, length: number): Promise<Buffer> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await scryptOnce(password, salt, cost, length);
  } finally {
    // the turn passes straight to the next in line (running stays counted for it)
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function scryptOnce(password: string, salt: Buffer, cost: ScryptCost, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, length, optionsOf(cost), (e, key) => (e ? reject(e) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash` (salt and hash base64url). */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, cost, KEY_LENGTH);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Whether `password` is the one `stored` was made from; the comparison takes the same time whatever matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  const [kind, N, r, p, salt, hash] = parts;
  if (parts.length !== 6 || kind !== 'scrypt' || !salt || !hash)
    throw new AppError('internal', 'a staff password hash in the store is not in the form scrypt$N$r$p$salt$hash');
  const expected = Buffer.from(hash, 'base64url');
  const got = await derive(
    password,
    Buffer.from(salt, 'base64url'),
    { N: Number(N), r: Number(r), p: Number(p) },
    expected.length,
  );
  return timingSafeEqual(got, expected);
}
