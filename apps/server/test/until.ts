import { expect, vi } from 'vitest';

/**
 * Waits (real time, polling every 50 ms) until `check` holds, for work a server does in its own
 * loops: vitest's waitFor, with the thing waited for named in the failure.
 */
export const until = (what: string, check: () => Promise<boolean> | boolean, ms = 60_000) =>
  vi.waitFor(async () => expect(await check(), `waiting for ${what}`).toBe(true), { timeout: ms, interval: 50 });
