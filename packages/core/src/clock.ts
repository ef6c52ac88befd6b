import { AppError } from './app-error.js';

/**
 * The one source of "now". Everything that measures time (profile runs, segment evaluation,
 * the demo store's timeline, server stamps) takes a Clock, so tests move time by handing in
 * another one instead of depending on today's date.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that always answers the same instant (tests, reproducible runs). */
export function fixedClock(at: Date | string): Clock {
  const t = new Date(at).getTime();
  if (!Number.isFinite(t)) throw new AppError('invalid', `not a time: ${String(at)}`);
  return { now: () => new Date(t) };
}

const DATE_ONLY = /^(\d{4})-?(\d{2})-?(\d{2})$/;

/**
 * An "as of" time as a user writes it. A date without a time means the END of that day (UTC):
 * `--as-of 1997-09-30` counts that day's orders, as `models fit --calibration-end 1997-09-30`
 * does. A time without an offset is read as UTC, like every time Strata imports.
 * `what` names the option or field in the error message.
 */
export function parseAsOf(text: string, what = 'as_of'): Date {
  const trimmed = text.trim();
  const day = DATE_ONLY.exec(trimmed);
  if (day) {
    const [, y, m, d] = day;
    const end = new Date(`${y}-${m}-${d}T23:59:59.999Z`);
    if (Number.isNaN(end.getTime()) || end.toISOString().slice(0, 10) !== `${y}-${m}-${d}`)
      throw new AppError('invalid', `${what} is not a calendar date: ${text}`);
    return end;
  }
  const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(trimmed) ? trimmed : `${trimmed}Z`;
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(trimmed) ? new Date(withZone) : new Date(NaN);
  if (Number.isNaN(at.getTime()))
    throw new AppError(
      'invalid',
      `${what} is not a date or time: ${text} (use YYYY-MM-DD for the end of that day, or ISO 8601 such as 2026-11-30T18:00:00Z)`,
    );
  return at;
}

/**
 * Waiting on a Clock's time. Work that wakes up later (webhook retries, re-checks that fall due)
 * asks a Timer rather than calling setTimeout, so a test hands in a ManualClock and moves time
 * with `advance` instead of waiting for it.
 */
export interface Timer {
  /**
   * Resolves once `at` has come by this timer's clock, or at once when `signal` aborts (it never
   * rejects: the caller looks at its own signal to tell the two apart).
   */
  sleepUntil(at: Date, signal?: AbortSignal): Promise<void>;
}

/** Work taken in steps, each saying whether more is waiting, with the time its next work falls due. */
export interface SteppedWork {
  step(signal?: AbortSignal): Promise<{ readonly more?: boolean } | undefined>;
  nextDue(): Promise<Date | undefined>;
}

/**
 * Steps `work` until `signal` aborts: again at once while a step says more is waiting, otherwise
 * after sleeping until its next due time, but never longer than `pollMs` (to notice work that
 * arrived without a due time).
 */
export async function stepUntilAborted(
  work: SteppedWork,
  clock: Clock,
  timer: Timer,
  pollMs: number,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    if ((await work.step(signal))?.more) continue;
    const now = clock.now().getTime();
    const due = (await work.nextDue())?.getTime() ?? Infinity;
    await timer.sleepUntil(new Date(Math.min(Math.max(due, now), now + pollMs)), signal);
  }
}

/** setTimeout's longest delay (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * A Timer on real time: it waits as long as `at` is ahead of `clock` when asked. A clock that is
 * not the system's (a fixed one, one shifted ahead) still sees its waits end after that long.
 */
export function realTimer(clock: Clock = systemClock): Timer {
  return {
    sleepUntil: (at, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        let left = at.getTime() - clock.now().getTime();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const step = () => {
          if (left <= 0) return done();
          const wait = Math.min(left, MAX_TIMEOUT_MS);
          left -= wait;
          timer = setTimeout(step, wait);
        };
        signal?.addEventListener('abort', done, { once: true });
        step();
      }),
  };
}

/**
 * A clock that moves only when told (tests): `advance` and `set` wake every sleeper whose time
 * has come, in the order of their times.
 */
export class ManualClock implements Clock, Timer {
  private t: number;
  private readonly sleepers = new Set<{ at: number; wake: () => void }>();

  constructor(start: Date | string) {
    this.t = new Date(start).getTime();
    if (!Number.isFinite(this.t)) throw new AppError('invalid', `not a time: ${String(start)}`);
  }

  now(): Date {
    return new Date(this.t);
  }

  /** How many waits are pending (a test can tell that a worker has gone to sleep). */
  get waiting(): number {
    return this.sleepers.size;
  }

  advance(ms: number): void {
    this.set(new Date(this.t + ms));
  }

  set(at: Date | string): void {
    this.t = new Date(at).getTime();
    const due = [...this.sleepers].filter((s) => s.at <= this.t).sort((a, b) => a.at - b.at);
    for (const s of due) s.wake();
  }

  sleepUntil(at: Date, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted || at.getTime() <= this.t) return resolve();
      const sleeper = {
        at: at.getTime(),
        wake: () => {
          this.sleepers.delete(sleeper);
          signal?.removeEventListener('abort', sleeper.wake);
          resolve();
        },
      };
      this.sleepers.add(sleeper);
      signal?.addEventListener('abort', sleeper.wake, { once: true });
    });
  }
}
