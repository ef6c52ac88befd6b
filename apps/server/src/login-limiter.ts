import type { Clock } from '@strata/core';

/**
 * Failed logins, counted per email and per client address over a sliding window: past the limit,
 * a login is answered 429 (with Retry-After) before its password is even checked, until the
 * oldest failure in the window is older than the window. Kept in memory: a restart forgets them.
 */
export interface LoginLimits {
  /** Failed logins for one email within the window (default 5). */
  perEmail: number;
  /** Failed logins from one address within the window, whatever the emails (default 20: an office shares one). */
  perAddress: number;
  /** Default 15 minutes. */
  windowMs: number;
}
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perEmail: 5, perAddress: 20, windowMs: 15 * 60_000 };
/** Past this many tracked emails and addresses, the oldest are forgotten (a flood of made-up emails cannot fill memory). */
const MAX_TRACKED = 50_000;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly clock: Clock,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {}

  /** Seconds until a login for `email` from `address` may be tried again; 0: it may now. */
  retryAfter(email: string, address: string): number {
    const now = this.clock.now().getTime();
    const wait = (key: string, limit: number) => {
      const times = this.recent(key, now);
      return times.length >= limit ? times[times.length - limit]! + this.limits.windowMs - now : 0;
    };
    const ms = Math.max(
      wait(`email:${email}`, this.limits.perEmail),
      wait(`address:${address}`, this.limits.perAddress),
    );
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  failed(email: string, address: string): void {
    const now = this.clock.now().getTime();
    for (const key of [`email:${email}`, `address:${address}`]) {
      const times = this.recent(key, now);
      times.push(now);
      this.failures.delete(key);
      this.failures.set(key, times);
    }
    while (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
  }

  /** A right password: the email's failures are forgotten (its address's are not). */
  succeeded(email: string): void {
    this.failures.delete(`email:${email}`);
  }

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((t) => now - t < this.limits.windowMs);
    if (times.length) this.failures.set(key, times);
    else this.failures.delete(key);
    return times;
  }
}
