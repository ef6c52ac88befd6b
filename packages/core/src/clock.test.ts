import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import { fixedClock, parseAsOf } from './clock.js';

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
