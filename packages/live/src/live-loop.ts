import { realTimer, type Clock, type Timer } from '@strata/core';
import type { LiveEngine, RecomputeReport, StepReport } from './live-engine.js';

export interface LiveLoopOptions {
  /** The longest the loop sleeps between looks at the pending and due lists (new data also wakes it). */
  idleMs?: number;
  /** The UTC hour of the nightly full recompute; null for none. Default 3. */
  recomputeHourUtc?: number | null;
  onStep?: (report: StepReport) => void;
  onRecompute?: (report: RecomputeReport) => void;
  onError?: (error: unknown) => void;
  /** What the loop sleeps on: real time by default; a test hands in a ManualClock. */
  timer?: Timer;
}

/** The next `hour`:00 UTC after `after`. */
export function nextUtcHour(after: Date, hour: number): Date {
  const t = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate(), hour));
  if (t.getTime() <= after.getTime()) t.setUTCDate(t.getUTCDate() + 1);
  return t;
}

/**
 * Runs the live engine in a server: a step whenever data arrives (`notify`) or a re-check comes
 * due, at least every `idleMs`, and the full recompute once a night. One step at a time; `stop`
 * waits for the running one, whose transaction either commits or is rolled back.
 */
export class LiveLoop {
  private stopped = false;
  private running: Promise<void> | undefined;
  private wake = new AbortController();
  private nextRecompute: Date | undefined;
  private readonly idleMs: number;
  private readonly timer: Timer;

  constructor(
    private readonly engine: LiveEngine,
    private readonly clock: Clock,
    private readonly options: LiveLoopOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 1_000;
    this.timer = options.timer ?? realTimer(clock);
  }

  /** Starts the loop: first the recompute if the store has no live state yet. */
  start(): void {
    const hour = this.options.recomputeHourUtc === undefined ? 3 : this.options.recomputeHourUtc;
    if (hour !== null) this.nextRecompute = nextUtcHour(this.clock.now(), hour);
    this.running = this.loop();
  }

  /** New data was accepted: step now rather than at the next look. */
  notify(): void {
    this.wake.abort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.notify();
    await this.running;
  }

  private async loop(): Promise<void> {
    try {
      if (!(await this.engine.initialised())) this.options.onRecompute?.(await this.engine.recompute('start'));
    } catch (e) {
      this.options.onError?.(e);
    }
    while (!this.stopped) {
      // a write accepted from here on wakes the loop after this step (or skips its sleep)
      this.wake = new AbortController();
      let more = false;
      try {
        if (this.nextRecompute && this.clock.now() >= this.nextRecompute) {
          const hour = this.nextRecompute.getUTCHours();
          this.options.onRecompute?.(await this.engine.recompute('schedule'));
          this.nextRecompute = nextUtcHour(this.clock.now(), hour);
        }
        const report = await this.engine.step();
        if (report) this.options.onStep?.(report);
        more = report?.more ?? false;
      } catch (e) {
        this.options.onError?.(e);
      }
      if (this.stopped || more) continue;
      const until = await this.wakeAt();
      // data that arrived during the step woke this controller already: no sleep then
      if (!this.wake.signal.aborted) await this.timer.sleepUntil(until, this.wake.signal);
    }
  }

  /** The next due re-check or recompute, at most idleMs from now. */
  private async wakeAt(): Promise<Date> {
    let due: Date | undefined;
    try {
      due = await this.engine.nextDue();
    } catch {
      due = undefined;
    }
    const now = this.clock.now().getTime();
    const times = [now + this.idleMs, due?.getTime(), this.nextRecompute?.getTime()].filter(
      (t): t is number => t !== undefined,
    );
    return new Date(Math.min(...times));
  }
}
