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
    throw new AppError('invalid', `${what} is not a date or time: ${text} (use YYYY-MM-DD for the end of that day, or ISO 8601 such as 2026-11-30T18:00:00Z)`);
  return at;
}
