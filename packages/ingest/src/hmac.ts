/*
 * HMAC-SHA256 webhook signatures (Shopify's X-Shopify-Hmac-Sha256 is base64; many others use hex).
 * The signature covers the raw request bytes: verify before parsing, never over re-serialised JSON.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type HmacEncoding = 'base64' | 'hex';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** The HMAC-SHA256 of `rawBody` under `secret`, as a header value. Throws on an empty secret. */
export function signHmacSha256(
  rawBody: string | Uint8Array,
  secret: string,
  encoding: HmacEncoding = 'base64',
): string {
  if (secret === '') throw new Error('refusing to sign with an empty secret');
  return createHmac('sha256', secret).update(rawBody).digest(encoding);
}

/**
 * True when `headerValue` is the HMAC-SHA256 of `rawBody` under `secret`. False for a missing or
 * malformed header, a signature of the wrong length and an empty secret (a missing configuration
 * must not accept everything). The comparison takes the same time wherever the bytes differ.
 */
export function verifyHmacSha256(
  rawBody: string | Uint8Array,
  secret: string,
  headerValue: string | undefined,
  encoding: HmacEncoding = 'base64',
): boolean {
  if (secret === '' || headerValue === undefined) return false;
  const given = headerValue.trim();
  // Buffer.from silently skips characters it cannot decode: check the form first, so junk is refused.
  if (!(encoding === 'hex' ? HEX : BASE64).test(given)) return false;
  const received = Buffer.from(given, encoding);
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  // timingSafeEqual throws on unequal lengths; the length of a SHA-256 MAC is no secret.
  if (received.length !== expected.length) return false;
  return timingSafeEqual(received, expected);
}
