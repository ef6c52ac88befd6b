import { realTimer, type Clock, type Timer } from '@strata/core';
import type { CampaignEngine, SendStepReport } from '@strata/campaigns';

export interface CampaignLoopOptions {
  /** What the loop sleeps on: real time by default; a test hands in a ManualClock. */
  timer?: Timer;
  /** The longest the loop sleeps before looking for due messages again (a start also wakes it). Default 60 s. */
  idleMs?: number;
  /** The pause after a step that failed, before the next try. Default 5 s. */
  errorDelayMs?: number;
  onStep?: (report: SendStepReport) => void;
  onError?: (error: unknown) => void;
}

/**
 * Runs the campaign send engine inside the server: a step whenever a campaign starts (`notify`)
 * or a queued message falls due (a schedule, quiet hours ending, a retry's backoff), at least
 * every `idleMs`. One step at a time. `stop` aborts the step in flight — its provider calls are
 * cancelled and their messages stay 'sending', to be sent again under the same send id at the next
 * start (the engine's crash rule) — and waits for it to end.
 */
export class CampaignLoop {
  private readonly stopped = new AbortController();
  private wake = new AbortController();
  private running: Promise<void> | undefined;
  private readonly timer: Timer;

  constructor(
    private readonly engine: Pick<CampaignEngine, 'step' | 'nextDue'>,
    private readonly clock: Clock,
    private readonly options: CampaignLoopOptions = {},
  ) {
    this.timer = options.timer ?? realTimer(clock);
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Messages were queued (a campaign started): step now rather than at the next look. */
  notify(): void {
    this.wake.abort();
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    this.notify();
    await this.running;
  }

  private async loop(): Promise<void> {
    const stop = this.stopped.signal;
    while (!stop.aborted) {
      // a start from here on wakes the loop after this step (or skips its sleep)
      this.wake = new AbortController();
      let more = false;
      let failed = false;
      try {
        const report = await this.engine.step(stop);
        if (report) this.options.onStep?.(report);
        more = report?.more ?? false;
      } catch (e) {
        if (stop.aborted) return;
        failed = true;
        this.options.onError?.(e);
      }
      if (stop.aborted || more) continue;
      const until = failed
        ? new Date(this.clock.now().getTime() + (this.options.errorDelayMs ?? 5_000))
        : await this.wakeAt();
      if (!this.wake.signal.aborted) await this.timer.sleepUntil(until, this.wake.signal);
    }
  }

  /** The next due message, at most idleMs from now. */
  private async wakeAt(): Promise<Date> {
    const now = this.clock.now().getTime();
    let due: number | undefined;
    try {
      due = (await this.engine.nextDue())?.getTime();
    } catch {
      due = undefined;
    }
    return new Date(Math.min(now + (this.options.idleMs ?? 60_000), Math.max(due ?? Infinity, now)));
  }
}
