import { describe, expect, it } from 'vitest';
import { cumulative, mixSeed, Rng } from './prng.js';

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.uint32());

describe('Rng', () => {
  it('repeats its sequence for the same seed and stream', () => {
    expect(draw(new Rng(42, 7), 50)).toEqual(draw(new Rng(42, 7), 50));
  });

  it('gives unrelated sequences for neighbouring seeds and streams', () => {
    const base = draw(new Rng(42, 7), 50);
    expect(draw(new Rng(43, 7), 50)).not.toEqual(base);
    expect(draw(new Rng(42, 8), 50)).not.toEqual(base);
    const seeds = new Set(Array.from({ length: 10_000 }, (_, i) => mixSeed(1, i)));
    expect(seeds.size).toBeGreaterThan(9_990);
  });

  it('draws uniformly in [0, 1) and integers in range', () => {
    const rng = new Rng(1);
    let sum = 0;
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) {
      const x = rng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
      counts[rng.int(0, 5)]!++;
    }
    expect(sum / 60_000).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(c).toBeGreaterThan(9_500);
  });

  it('picks indexes in proportion to their weights', () => {
    const rng = new Rng(3);
    const weights = cumulative([1, 0, 3]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[rng.weightedIndex(weights)]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeGreaterThan(2.8);
    expect(counts[2]! / counts[0]!).toBeLessThan(3.2);
  });

  it('draws normal, Poisson and Pareto values with the asked-for centre', () => {
    const rng = new Rng(5);
    const n = 50_000;
    let normal = 0;
    let poisson = 0;
    let bigPoisson = 0;
    let paretoBelow2 = 0;
    for (let i = 0; i < n; i++) {
      normal += rng.normal(10, 2);
      poisson += rng.poisson(3);
      bigPoisson += rng.poisson(50);
      if (rng.pareto(1, 2) < 2) paretoBelow2++;
    }
    expect(normal / n).toBeCloseTo(10, 1);
    expect(poisson / n).toBeCloseTo(3, 1);
    expect(bigPoisson / n).toBeCloseTo(50, 0);
    // P(X < 2) = 1 - (1/2)^2 for Pareto(1, 2).
    expect(paretoBelow2 / n).toBeCloseTo(0.75, 1);
  });
});
