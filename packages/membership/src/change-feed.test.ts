import { describe, expect, it } from 'vitest';
import { ManualClock } from '@strata/core';
import { ChangeFeed } from './change-feed.js';

/** Whether the wait has ended, once whatever could end it has run. */
const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  // every promise job queued so far has run by the next turn of the event loop
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('ChangeFeed', () => {
  it('wakes a reader at a notification, including one sent after the reader took its mark', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const feed = new ChangeFeed(clock, clock);
    const mark = feed.mark;
    // a change committed while the reader was still reading: its wait ends at once
    feed.notify();
    expect(await settled(feed.wait(60_000, mark))).toBe(true);
    const waiting = feed.wait(60_000, feed.mark);
    expect(await settled(waiting)).toBe(false);
    feed.notify();
    expect(await settled(waiting)).toBe(true);
    expect(clock.waiting).toBe(0);
  });

  it('ends a wait when the clock reaches its end, and every wait at close', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const feed = new ChangeFeed(clock, clock);
    const polling = feed.wait(1000, feed.mark);
    clock.advance(999);
    expect(await settled(polling)).toBe(false);
    clock.advance(1);
    expect(await settled(polling)).toBe(true);
    const a = feed.wait(60_000, feed.mark);
    const b = feed.wait(60_000, feed.mark);
    feed.close();
    expect(await settled(Promise.all([a, b]).then(() => undefined))).toBe(true);
    expect(feed.signal.aborted).toBe(true);
    expect(await settled(feed.wait(60_000, feed.mark))).toBe(true);
    expect(clock.waiting).toBe(0);
  });
});
