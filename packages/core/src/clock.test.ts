import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import { fixedClock, ManualClock, parseAsOf, realTimer } from './clock.js';

describe('parseAsOf', () => {
  it('reads a date without a time as the end of that day, so the day itself is counted', () => {
    expect(parseAsOf('1997-09-30').toISOString()).toBe('1997-09-30T23:59:59.999Z');
    expect(parseAsOf('19970930').toISOString()).toBe('1997-09-30T23:59:59.999Z');
  });

  it('keeps a time as given, and reads a time without an offset as UTC', () => {
    expect(parseAsOf('2011-12-10T12:00:00+01:00').toISOString()).toBe('2011-12-10T11:00:00.000Z');
    expect(parseAsOf('2011-12-10T12:00:00').toISOString()).toBe('2011-12-10T12:00:00.000Z');
    expect(parseAsOf('2011-12-10T12:00:00Z').toISOString()).toBe('2011-12-10T12:00:00.000Z');
  });

  it('names the option and the text it could not read', () => {
    expect(() => parseAsOf('2011-02-30', '--as-of')).toThrow('--as-of is not a calendar date: 2011-02-30');
    expect(() => parseAsOf('yesterday', '--as-of')).toThrow(AppError);
    expect(() => parseAsOf('yesterday', '--as-of')).toThrow(/--as-of is not a date or time: yesterday/);
  });
});

describe('fixedClock', () => {
  it('answers the same instant every time', () => {
    const clock = fixedClock('2030-01-02T03:04:05Z');
    expect(clock.now().toISOString()).toBe('2030-01-02T03:04:05.000Z');
    expect(clock.now().getTime()).toBe(clock.now().getTime());
  });
});

describe('ManualClock', () => {
  it('wakes sleepers only once the clock is moved past their time, earliest first', async () => {
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const woke: string[] = [];
    const later = clock.sleepUntil(new Date('2030-01-01T00:10:00Z')).then(() => woke.push('10 min'));
    const sooner = clock.sleepUntil(new Date('2030-01-01T00:01:00Z')).then(() => woke.push('1 min'));
    expect(clock.waiting).toBe(2);
    clock.advance(59_000);
    await Promise.resolve();
    expect(woke).toEqual([]);
    clock.advance(11 * 60_000);
    await Promise.all([later, sooner]);
    expect(woke).toEqual(['1 min', '10 min']);
    expect(clock.now().toISOString()).toBe('2030-01-01T00:11:59.000Z');
    expect(clock.waiting).toBe(0);
  });

  it('ends a sleep at once when its signal aborts, and one already due does not wait', async () => {
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const stop = new AbortController();
    const sleeping = clock.sleepUntil(new Date('2031-01-01T00:00:00Z'), stop.signal);
    stop.abort();
    await sleeping;
    expect(clock.waiting).toBe(0);
    await clock.sleepUntil(new Date('2029-12-31T00:00:00Z'));
  });
});

describe('realTimer', () => {
  it('waits as long as the time is ahead of its clock, even a clock that does not move', async () => {
    const timer = realTimer(fixedClock('2030-01-01T00:00:00Z'));
    const started = performance.now();
    await timer.sleepUntil(new Date('2030-01-01T00:00:00.050Z'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('ends a long wait when its signal aborts', async () => {
    const stop = new AbortController();
    const sleeping = realTimer().sleepUntil(new Date(Date.now() + 3_600_000), stop.signal);
    setTimeout(() => stop.abort(), 10);
    await sleeping;
  });
});
