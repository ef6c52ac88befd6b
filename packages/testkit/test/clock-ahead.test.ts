/**
 * `npm test` runs the suite twice: as is, and with every Node process's wall clock moved two
 * years ahead (`npm run test:clock-ahead`, through scripts/shift-clock.js). This checks
 * that the second run really is ahead, in the test process and in the processes tests start
 * (the CLI and server tests spawn `node`), so a test that reads today's date cannot pass by luck.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const DAY = 86_400_000;
const shiftDays = Number(process.env.STRATA_TEST_CLOCK_SHIFT_DAYS ?? 0);
/** The real time: the performance clock is not moved by the shift. */
const realNow = () => performance.timeOrigin + performance.now();
/** Whole days, with -0 read as 0. */
const days = (ms: number) => Math.round(ms / DAY) + 0;

describe('the clock of the test run', () => {
  it(shiftDays ? `is ${shiftDays} days ahead here and in child processes` : 'is the real clock', () => {
    expect(days(Date.now() - realNow())).toBe(shiftDays);
    expect(days(new Date().getTime() - realNow())).toBe(shiftDays);
    const child = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(Date.now() - (performance.timeOrigin + performance.now())))']).toString());
    expect(days(child)).toBe(shiftDays);
    if (process.env.npm_lifecycle_event === 'test:clock-ahead') expect(shiftDays).toBeGreaterThanOrEqual(730);
  });
});
