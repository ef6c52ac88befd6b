import { describe, expect, it } from 'vitest';
import { Rng } from './prng.js';
import { isoTime, localTime, promotionsBetween, weekdayOf } from './demo-time.js';

/** Local wall-clock "HH:MM" and weekday of an instant, from the platform's time-zone database. */
function wallClock(t: number, timeZone: string): { time: string; weekday: string } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', weekday: 'short', hourCycle: 'h23' }).formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return { time: `${get('hour')}:${get('minute')}`, weekday: get('weekday') };
}

describe('isoTime', () => {
  it('formats like Date#toISOString', () => {
    const rng = new Rng(9);
    for (let i = 0; i < 20_000; i++) {
      const t = Math.floor(rng.between(Date.UTC(2019, 0, 1), Date.UTC(2030, 0, 1)));
      expect(isoTime(t)).toBe(new Date(t).toISOString());
    }
    expect(isoTime(Date.UTC(2024, 1, 29, 23, 59, 59, 999))).toBe('2024-02-29T23:59:59.999Z');
  });
});

describe('localTime', () => {
  it('puts 10:00 local at 10:00 on the wall clock in winter and summer, in Berlin and London', () => {
    for (const [offset, zone] of [[1, 'Europe/Berlin'], [0, 'Europe/London'], [1, 'Europe/Madrid']] as const) {
      for (let day = Date.UTC(2025, 0, 1); day < Date.UTC(2026, 0, 1); day += 86_400_000) {
        expect(wallClock(localTime(offset, day, 10 * 60), zone).time).toBe('10:00');
      }
    }
  });

  it('names weekdays as Date#getUTCDay does', () => {
    for (let day = Date.UTC(2025, 5, 1); day < Date.UTC(2025, 5, 15); day += 86_400_000) {
      expect(weekdayOf(day)).toBe(new Date(day).getUTCDay());
    }
  });
});

describe('promotionsBetween', () => {
  it('dates Black Friday on the Friday after the fourth Thursday of November', () => {
    const bf = promotionsBetween(Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1)).find((p) => p.code === 'BLACKFRIDAY25')!;
    expect(new Date(bf.from).toISOString().slice(0, 10)).toBe('2025-11-28');
  });
});
