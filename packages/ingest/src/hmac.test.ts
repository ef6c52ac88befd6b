import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signHmacSha256, verifyHmacSha256 } from './hmac.js';

// RFC 4231, test case 2.
const RFC_KEY = 'Jefe';
const RFC_DATA = 'what do ya want for nothing?';
const RFC_HEX = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';

const secret = 'shpss_0123456789abcdef';
const body = '{"id":820982911946154508,"email":"jon@example.com","total_price":"403.00"}';

describe('signHmacSha256', () => {
  it('matches the RFC 4231 test vector, in hex and base64', () => {
    expect(signHmacSha256(RFC_DATA, RFC_KEY, 'hex')).toBe(RFC_HEX);
    expect(signHmacSha256(RFC_DATA, RFC_KEY)).toBe(Buffer.from(RFC_HEX, 'hex').toString('base64'));
  });

  it('signs the same bytes the same whether given as a string or as bytes', () => {
    expect(signHmacSha256(new TextEncoder().encode(body), secret)).toBe(signHmacSha256(body, secret));
  });

  it('refuses an empty secret', () => {
    expect(() => signHmacSha256(body, '')).toThrow(/empty secret/);
  });
});

describe('verifyHmacSha256', () => {
  const header = signHmacSha256(body, secret);

  it('accepts the signature of the exact body (a Shopify-style base64 header)', () => {
    expect(header).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(verifyHmacSha256(body, secret, header)).toBe(true);
    expect(verifyHmacSha256(Buffer.from(body), secret, header)).toBe(true);
    expect(verifyHmacSha256(body, secret, ` ${header} `)).toBe(true);
  });

  it('accepts hex signatures in hex mode, in either case', () => {
    const hex = signHmacSha256(body, secret, 'hex');
    expect(verifyHmacSha256(body, secret, hex, 'hex')).toBe(true);
    expect(verifyHmacSha256(body, secret, hex.toUpperCase(), 'hex')).toBe(true);
    expect(verifyHmacSha256(body, secret, header, 'hex')).toBe(false);
    expect(verifyHmacSha256(body, secret, hex)).toBe(false);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyHmacSha256(body, 'another-secret', header)).toBe(false);
  });

  it('rejects a tampered body, even a re-serialised one with the same JSON value', () => {
    expect(verifyHmacSha256(body.replace('403.00', '4.03'), secret, header)).toBe(false);
    const spaced = '{ "total_price": "403.00" }';
    expect(verifyHmacSha256(JSON.stringify(JSON.parse(spaced)), secret, signHmacSha256(spaced, secret))).toBe(false);
    expect(verifyHmacSha256(`${body}\n`, secret, header)).toBe(false);
  });

  it('rejects a missing or empty header', () => {
    expect(verifyHmacSha256(body, secret, undefined)).toBe(false);
    expect(verifyHmacSha256(body, secret, '')).toBe(false);
    expect(verifyHmacSha256(body, secret, '   ')).toBe(false);
  });

  it('rejects signatures of the wrong length without throwing', () => {
    const bytes = Buffer.from(header, 'base64');
    expect(verifyHmacSha256(body, secret, bytes.subarray(0, 31).toString('base64'))).toBe(false);
    expect(verifyHmacSha256(body, secret, Buffer.concat([bytes, Buffer.from([0])]).toString('base64'))).toBe(false);
    expect(verifyHmacSha256(body, secret, 'AA==')).toBe(false);
    expect(verifyHmacSha256(body, secret, signHmacSha256(body, secret, 'hex').slice(0, -2), 'hex')).toBe(false);
    expect(verifyHmacSha256(body, secret, `${signHmacSha256(body, secret, 'hex')}0`, 'hex')).toBe(false);
  });

  it('rejects headers with characters outside the encoding, which Buffer.from would skip', () => {
    expect(verifyHmacSha256(body, secret, `${header.slice(0, 20)}!${header.slice(20)}`)).toBe(false);
    expect(verifyHmacSha256(body, secret, `sha256=${signHmacSha256(body, secret, 'hex')}`, 'hex')).toBe(false);
  });

  it('accepts nothing when no secret is configured, not even a signature made with the empty key', () => {
    const emptyKeySignature = createHmac('sha256', '').update(body).digest('base64');
    expect(verifyHmacSha256(body, '', emptyKeySignature)).toBe(false);
    expect(verifyHmacSha256(body, '', header)).toBe(false);
  });
});
