import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.js';

const cheap = { N: 2 ** 12, r: 8, p: 1 };

describe('password hashes', () => {
  it('keep their scrypt parameters and salt, and only the same password matches', async () => {
    const a = await hashPassword('correct horse battery staple', cheap);
    const b = await hashPassword('correct horse battery staple', cheap);
    expect(a).toMatch(/^scrypt\$4096\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    // a fresh salt each time: the same password never gives the same hash
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery staple', a)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', a)).toBe(false);
    // a hash made with other parameters is read with its own
    const stronger = await hashPassword('x'.repeat(12), { N: 2 ** 13, r: 8, p: 2 });
    expect(stronger.startsWith('scrypt$8192$8$2$')).toBe(true);
    expect(await verifyPassword('x'.repeat(12), stronger)).toBe(true);
  });

  it('none is lost or stuck in the queue when many are asked for at once', async () => {
    const hashes = await Promise.all(Array.from({ length: 7 }, (_, i) => hashPassword(`password number ${i}`, cheap)));
    const checks = await Promise.all(hashes.map((h, i) => verifyPassword(`password number ${i}`, h)));
    expect(checks).toEqual(Array(7).fill(true));
  });

  it('names a stored hash it cannot read', async () => {
    await expect(verifyPassword('x', 'sha1$abc')).rejects.toThrow('not in the form scrypt$N$r$p$salt$hash');
  });
});
