import type { Clock, Timer } from '@strata/core';

/**
 * Wakes the readers of segment_changes (change streams, the webhook dispatcher) when new changes
 * have committed, so they neither busy-loop nor wait out a whole poll. Whoever commits changes
 * calls `notify()` after the commit; readers still poll at their own pace, so a change written
 * without a notification (another writer, a missed call) is read at the next poll.
 *
 * `close()` is the shutdown: every wait ends at once and `signal` aborts, so streams end their
 * responses and workers stop.
 */
export class ChangeFeed {
  private version = 0;
  private readonly waiters = new Set<() => void>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly clock: Clock,
    private readonly timer: Timer,
  ) {}

  /** Aborted once the feed is closed (the server shuts down). */
  get signal(): AbortSignal {
    return this.stopping.signal;
  }

  /** A mark to hand to `wait`: a notification after it has been taken is never missed. */
  get mark(): number {
    return this.version;
  }

  /** New changes have committed. */
  notify(): void {
    this.version++;
    this.wakeAll();
  }

  close(): void {
    this.stopping.abort();
    this.wakeAll();
  }

  /**
   * Resolves at the first of: a notification after `mark` (at once if there was one), `ms` of the
   * clock's time, the feed closing, or `signal` aborting.
   */
  async wait(ms: number, mark: number, signal?: AbortSignal): Promise<void> {
    if (this.version !== mark || this.stopping.signal.aborted || signal?.aborted) return;
    const done = new AbortController();
    const stop = AbortSignal.any([done.signal, this.stopping.signal, ...(signal ? [signal] : [])]);
    let wake = () => {};
    try {
      await new Promise<void>((resolve) => {
        wake = resolve;
        this.waiters.add(wake);
        stop.addEventListener('abort', wake, { once: true });
        void this.timer.sleepUntil(new Date(this.clock.now().getTime() + ms), stop).then(wake);
      });
    } finally {
      this.waiters.delete(wake);
      stop.removeEventListener('abort', wake);
      // ends the sleep still pending, if the wait ended another way
      done.abort();
    }
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
