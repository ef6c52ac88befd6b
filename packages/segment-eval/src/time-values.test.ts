import { describe, expect, it } from 'vitest';
import { addInterval, parseTimestampText, wholeDaysBetween } from './time-values.js';

const ms = (iso: string) => new Date(iso).getTime();
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

describe('times as the SQL backend computes them', () => {
  it('calendar months and years clamp the day to the month end and keep the time of day', () => {
    expect(iso(addInterval(ms('2024-03-31T10:00:00Z'), -1, 'month'))).toBe('2024-02-29T10:00:00.000Z');
    expect(iso(addInterval(ms('2024-01-31T10:00:00Z'), 1, 'month'))).toBe('2024-02-29T10:00:00.000Z');
    expect(iso(addInterval(ms('2024-02-29T10:00:00Z'), 1, 'year'))).toBe('2025-02-28T10:00:00.000Z');
    expect(iso(addInterval(ms('2026-01-15T00:00:00Z'), -14, 'month'))).toBe('2024-11-15T00:00:00.000Z');
    expect(iso(addInterval(ms('2026-03-31T09:30:00Z'), -2, 'week'))).toBe('2026-03-17T09:30:00.000Z');
  });

  it('reads timestamps in text as SQL casts them: a day is its UTC midnight, no offset is UTC', () => {
    expect(iso(parseTimestampText('2026-03-18'))).toBe('2026-03-18T00:00:00.000Z');
    expect(iso(parseTimestampText('2026-03-18 17:05'))).toBe('2026-03-18T17:05:00.000Z');
    expect(iso(parseTimestampText('2026-03-18T17:05:09.25+02:00'))).toBe('2026-03-18T15:05:09.250Z');
    expect(parseTimestampText('2026-02-30')).toBeUndefined();
    expect(parseTimestampText('next tuesday')).toBeUndefined();
  });

  it('counts whole days since a time as floor((epoch(now) - epoch(t)) / 86400)', () => {
    const t = ms('2026-01-20T18:45:00.123Z');
    expect(wholeDaysBetween(t, t + 61 * 86_400_000 - 1)).toBe(60);
    expect(wholeDaysBetween(t, t + 61 * 86_400_000)).toBe(61);
    expect(wholeDaysBetween(t, t - 1)).toBe(-1);
  });
});
