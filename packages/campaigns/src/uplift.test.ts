import { describe, expect, it } from 'vitest';
import {
  newcombeDifference,
  sampleFromSums,
  sampleSizePerGroup,
  studentTQuantile,
  uplift,
  welchDifference,
  wilson,
} from './uplift.js';

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

describe('Newcombe 1998, method 10 (hybrid score), against the paper’s Table II', () => {
  // [a, m, b, n, difference, lower, upper] as printed in the paper (examples a–f).
  const table: [number, number, number, number, number, number, number][] = [
    [56, 70, 48, 80, 0.2, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.6, 0.1705, 0.809],
    [6, 7, 2, 7, 0.5714, 0.0582, 0.8062],
    [10, 10, 0, 20, 1, 0.6791, 1],
    [5, 56, 0, 29, 0.0893, -0.0381, 0.1926],
    [0, 10, 0, 20, 0, -0.1611, 0.2775],
  ];
  it.each(table)('%i/%i vs %i/%i', (a, m, b, n, d, lo, hi) => {
    const ci = newcombeDifference(a, m, b, n);
    expect(round4(ci.estimate)).toBe(d);
    expect(round4(ci.lower)).toBe(lo);
    expect(round4(ci.upper)).toBe(hi);
  });

  it('Wilson’s interval for 81/263 (Newcombe’s single-proportion example: 0.2553 to 0.3662)', () => {
    const w = wilson(81, 263);
    expect(round4(w.lower)).toBe(0.2553);
    expect(round4(w.upper)).toBe(0.3662);
  });
});

describe('Student’s t and Welch', () => {
  it('matches printed t tables at 0.975', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 4);
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.5706, 4);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281, 4);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.0423, 4);
    expect(studentTQuantile(0.975, 1000)).toBeCloseTo(1.9623, 4);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.2281, 4);
  });

  it('gives the hand-worked Welch interval for 1..5 vs 2,4,..,10', () => {
    // a: mean 3, variance 2.5; b: mean 6, variance 10; se = √(0.5 + 2) = √2.5;
    // df = 2.5² / (0.5²/4 + 2²/4) = 6.25 / 1.0625 = 5.882353 (between the 5 and 6 rows of the table).
    const a = sampleFromSums(5, 15, 55);
    const b = sampleFromSums(5, 30, 220);
    expect(a).toEqual({ n: 5, mean: 3, variance: 2.5 });
    expect(b).toEqual({ n: 5, mean: 6, variance: 10 });
    const w = welchDifference(a, b);
    expect(w.df).toBeCloseTo(5.882353, 6);
    const t = (w.upper - w.estimate) / Math.sqrt(2.5);
    expect(t).toBeGreaterThan(2.4469); // t(0.975, 6)
    expect(t).toBeLessThan(2.5706); // t(0.975, 5)
    expect(w.estimate).toBe(-3);
    expect(w.lower).toBeCloseTo(-3 - t * Math.sqrt(2.5), 10);
    expect(w.lower + w.upper).toBeCloseTo(-6, 10);
  });
});

describe('sample size and verdict', () => {
  it('uses the two-proportion formula (10% vs 5%: 435 per group without continuity correction)', () => {
    expect(Math.ceil(sampleSizePerGroup(0.1, 0.05))).toBe(435);
  });

  it('says significant when the interval excludes zero, and how many more are needed when not', () => {
    const rev = { n: 80, mean: 0, variance: 0 };
    const yes = uplift(
      { customers: 70, converted: 56, revenue: { n: 70, mean: 0, variance: 0 } },
      { customers: 80, converted: 48, revenue: rev },
    );
    expect(yes.verdict).toBe('converted 20.0 points more than the holdout (95% CI 5.2 to 33.4): significant');
    const no = uplift(
      { customers: 90, converted: 9, revenue: { n: 90, mean: 0, variance: 0 } },
      { customers: 10, converted: 0, revenue: { n: 10, mean: 0, variance: 0 } },
    );
    expect(no.significant).toBe(false);
    expect(no.verdict).toMatch(
      /^converted 10\.0 points more than the holdout \(95% CI .*\): not yet significant; about \d+ more recipients needed$/,
    );
  });
});
