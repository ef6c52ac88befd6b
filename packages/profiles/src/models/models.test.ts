import { describe, expect, it } from 'vitest';
import {
  expectedAverageValue,
  expectedPurchases,
  expectedPurchasesUnconditional,
  fitBgNbd,
  fitGammaGamma,
  fitSummary,
  logHyp2f1,
  lgamma,
  pAlive,
  probabilityOfRepeats,
  summariseTransactions,
  type BgNbdParams,
  type RepeatSummary,
} from './index.js';
import { cdnowCsv, cdnowSummary } from '../../test/cdnow.js';

const csv = cdnowCsv;
const sig3 = (v: number) => Number(v.toPrecision(3));

describe('special functions', () => {
  it('lgamma matches known values', () => {
    expect(lgamma(1)).toBeCloseTo(0, 12);
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 10);
    // Stirling's series, accurate to ~1e-10 at this size
    const x = 1000.5;
    expect(lgamma(x)).toBeCloseTo(
      (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3),
      8,
    );
  });

  it('hyp2f1 agrees with closed forms and does not overflow', () => {
    // 2F1(1, 1; 2; z) = −ln(1 − z)/z
    expect(Math.exp(logHyp2f1(1, 1, 2, 0.5))).toBeCloseTo(-Math.log(0.5) / 0.5, 12);
    // 2F1(a, b; b; z) = (1 − z)^(−a)
    expect(logHyp2f1(3.5, 2, 2, 0.9)).toBeCloseTo(-3.5 * Math.log(0.1), 9);
    // huge parameters: finite in log space where the plain series would overflow
    const big = logHyp2f1(800, 900, 1700.5, 0.95);
    expect(Number.isFinite(big)).toBe(true);
    expect(big).toBeGreaterThan(700);
  });
});

describe('BG/NBD on the CDNOW sample', () => {
  const fit = fitBgNbd(cdnowSummary);

  it('reproduces the published estimates (Fader, Hardie & Lee 2005) to 3 significant digits', () => {
    expect(sig3(fit.params.r)).toBe(0.243);
    expect(sig3(fit.params.alpha)).toBe(4.41);
    expect(sig3(fit.params.a)).toBe(0.793);
    expect(sig3(fit.params.b)).toBe(2.43);
    expect(fit.logLikelihood).toBeCloseTo(-9582.43, 1);
    expect(fit.converged).toBe(true);
  });

  it('reproduces the published conditional expectation for the example customer', () => {
    // x = 2, t_x = 30.43, T = 38.86: 1.226 purchases expected in the next 39 weeks (paper, section 5)
    expect(sig3(expectedPurchases(fit.params, 39, { x: 2, t_x: 30.43, T: 38.86 }))).toBe(1.23);
    expect(expectedPurchases(fit.params, 39, { x: 2, t_x: 30.43, T: 38.86 })).toBeCloseTo(1.226, 3);
  });

  it('P(alive) agrees with an independent computation by numerical integration', () => {
    // P(alive) = E[(1−p)^x] / E[(1−p)^x + δ p (1−p)^(x−1) ((α+T)/(α+t_x))^(r+x)] over p ~ Beta(a, b),
    // integrated with the midpoint rule instead of the closed form.
    const { r, alpha, a, b } = fit.params;
    const check = (c: RepeatSummary) => {
      let alive = 0;
      let dropped = 0;
      const n = 200_000;
      for (let i = 0; i < n; i++) {
        const p = (i + 0.5) / n;
        const w = Math.exp((a - 1) * Math.log(p) + (b - 1) * Math.log(1 - p));
        alive += w * (1 - p) ** c.x;
        dropped += w * p * (1 - p) ** (c.x - 1) * ((alpha + c.T) / (alpha + c.t_x)) ** (r + c.x);
      }
      return alive / (alive + dropped);
    };
    for (const c of [
      { x: 2, t_x: 30.43, T: 38.86 },
      { x: 1, t_x: 1.71, T: 38.86 },
      { x: 7, t_x: 29.43, T: 35.29 },
    ]) {
      expect(pAlive(fit.params, c)).toBeCloseTo(check(c), 3);
    }
    expect(pAlive(fit.params, { x: 0, t_x: 0, T: 38.86 })).toBe(1);
  });

  it('the same estimates come from the raw transaction log (same-day purchases merged, weeks)', () => {
    const rows = csv('cdnowElog.csv').map(([, sampleId, date, , sales]) => ({
      customer: sampleId!,
      date: date!,
      amount: Number(sales),
    }));
    const summary = summariseTransactions(rows, {
      calibrationEnd: '1997-09-30',
      holdoutEnd: '1998-06-30',
      timeUnit: 'week',
    });
    expect(summary).toHaveLength(2357);
    const c1516 = summary.find((c) => c.customer === '1516')!;
    expect(c1516).toMatchObject({ x: 26 });
    const fromLog = fitBgNbd(summary);
    expect(sig3(fromLog.params.r)).toBe(0.243);
    expect(sig3(fromLog.params.alpha)).toBe(4.41);
    expect(sig3(fromLog.params.a)).toBe(0.793);
    expect(sig3(fromLog.params.b)).toBe(2.43);
    // Exact day/7 times: −9582.4292 (the rounded summary file gives −9582.4256).
    expect(fromLog.logLikelihood).toBeCloseTo(-9582.429, 2);

    const s = fitSummary(fromLog.params, summary, 39);
    expect(s.frequency.map((f) => f.actual)).toEqual([1411, 439, 214, 100, 62, 38, 29, 64]);
    expect(s.frequency.reduce((t, f) => t + f.expected, 0)).toBeCloseTo(2357, 6);
    // Calibration vs holdout: the model tracks the actual holdout purchases per frequency group.
    for (const g of s.holdout!) expect(Math.abs(g.predicted - g.actual)).toBeLessThan(0.5 + 0.15 * g.actual);
  });

  it('unconditional expectations and count probabilities are consistent', () => {
    const p = fit.params;
    let mean = 0;
    let total = 0;
    for (let n = 0; n < 200; n++) {
      const pn = probabilityOfRepeats(p, 39, n);
      total += pn;
      mean += n * pn;
    }
    expect(total).toBeCloseTo(1, 6);
    expect(mean).toBeCloseTo(expectedPurchasesUnconditional(p, 39), 4);
  });
});

describe('Gamma-Gamma on the CDNOW sample', () => {
  const rows = csv('cdnow_customers_summary_with_transactions.csv').map(([, x, , , zbar]) => ({
    x: Number(x),
    m: Number(zbar),
  }));
  const fit = fitGammaGamma(rows);

  it('reproduces the published estimates (Fader & Hardie 2013 note) to 3 significant digits', () => {
    expect(fit.customers).toBe(946);
    expect(sig3(fit.params.p)).toBe(6.25);
    expect(sig3(fit.params.q)).toBe(3.74);
    expect(sig3(fit.params.v)).toBe(15.4);
  });

  it('expected average value shrinks a customer towards the population mean', () => {
    const population = expectedAverageValue(fit.params, { x: 0, m: 0 });
    expect(population).toBeCloseTo((fit.params.p * fit.params.v) / (fit.params.q - 1), 9);
    const high = expectedAverageValue(fit.params, { x: 1, m: 100 });
    expect(high).toBeLessThan(100);
    expect(high).toBeGreaterThan(population);
    // more evidence, less shrinkage
    expect(expectedAverageValue(fit.params, { x: 20, m: 100 })).toBeGreaterThan(high);
  });
});

/* ---- recovery of known parameters from simulated data ---- */

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function gammaSample(random: () => number, shape: number, rate: number): number {
  // Marsaglia–Tsang, with the shape < 1 boost.
  if (shape < 1) return gammaSample(random, shape + 1, rate) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      const u1 = random();
      const u2 = random();
      x = Math.sqrt(-2 * Math.log(u1 || 1e-300)) * Math.cos(2 * Math.PI * u2);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}
function betaSample(random: () => number, a: number, b: number): number {
  const x = gammaSample(random, a, 1);
  return x / (x + gammaSample(random, b, 1));
}

function simulateBgNbd(p: BgNbdParams, n: number, T: number, seed: number): RepeatSummary[] {
  const random = rng(seed);
  return Array.from({ length: n }, () => {
    const lambda = gammaSample(random, p.r, p.alpha);
    const drop = betaSample(random, p.a, p.b);
    let t = 0;
    let x = 0;
    let last = 0;
    for (;;) {
      t += -Math.log(1 - random()) / lambda;
      if (t > T) break;
      x++;
      last = t;
      if (random() < drop) break;
    }
    return { x, t_x: last, T };
  });
}

describe('parameter recovery from simulated data', () => {
  it('recovers BG/NBD parameters', () => {
    const truth = { r: 0.8, alpha: 20, a: 0.6, b: 3 };
    const fit = fitBgNbd(simulateBgNbd(truth, 8000, 200, 11));
    expect(fit.params.r).toBeGreaterThan(truth.r * 0.8);
    expect(fit.params.r).toBeLessThan(truth.r * 1.25);
    expect(fit.params.alpha).toBeGreaterThan(truth.alpha * 0.75);
    expect(fit.params.alpha).toBeLessThan(truth.alpha * 1.33);
    expect(fit.params.a).toBeGreaterThan(truth.a * 0.6);
    expect(fit.params.a).toBeLessThan(truth.a * 1.6);
    expect(fit.params.b).toBeGreaterThan(truth.b * 0.5);
    expect(fit.params.b).toBeLessThan(truth.b * 2);
  });

  it('recovers Gamma-Gamma parameters', () => {
    const truth = { p: 4, q: 3, v: 20 };
    const random = rng(5);
    const rows = Array.from({ length: 5000 }, () => {
      const x = 1 + Math.floor(random() * 8);
      const nu = gammaSample(random, truth.q, truth.v);
      let sum = 0;
      for (let i = 0; i < x; i++) sum += gammaSample(random, truth.p, nu);
      return { x, m: sum / x };
    });
    const fit = fitGammaGamma(rows);
    expect(fit.params.p).toBeGreaterThan(truth.p * 0.85);
    expect(fit.params.p).toBeLessThan(truth.p * 1.18);
    expect(fit.params.q).toBeGreaterThan(truth.q * 0.8);
    expect(fit.params.q).toBeLessThan(truth.q * 1.25);
    expect(fit.params.v).toBeGreaterThan(truth.v * 0.7);
    expect(fit.params.v).toBeLessThan(truth.v * 1.4);
  });
});

describe('bad input', () => {
  it('is refused with a reason, not fitted', () => {
    expect(() => fitBgNbd([])).toThrow(/no customers/);
    expect(() => fitBgNbd([{ x: 1, t_x: 5, T: 3 }])).toThrow(/t_x <= T/);
    expect(() => fitBgNbd([{ x: 1.5, t_x: 1, T: 3 }])).toThrow(/whole number/);
    expect(() => fitGammaGamma([{ x: 2, m: -3 }])).toThrow(/positive/);
    expect(() =>
      summariseTransactions([{ customer: 'a', date: '1997-02-30', amount: 1 }], { calibrationEnd: '1997-09-30' }),
    ).toThrow(/not a date/);
  });
});
