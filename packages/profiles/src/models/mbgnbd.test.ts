import { describe, expect, it } from 'vitest';
import {
  expectedPurchases,
  fitMbgNbd,
  lgamma,
  mbgnbdExpectedPurchases,
  mbgnbdLogLikelihood,
  mbgnbdPAlive,
  pAlive,
  type BgNbdParams,
  type RepeatSummary,
} from './index.js';
import { cdnowSummary } from '../../test/cdnow.js';

const cdnow = cdnowSummary;
const sig3 = (v: number) => Number(v.toPrecision(3));

/**
 * BG/NBD and MBG/NBD by numerical integration over λ ~ Gamma(r, α) (midpoint rule on log λ) and
 * p ~ Beta(a, b) (midpoint rule on p^a), from the story rather than the closed forms: after each
 * purchase (after the first too, under MBG/NBD) the customer leaves with probability p; alive,
 * they buy (1 − e^−λpt)/p in the next t.
 */
function integrate(m: BgNbdParams, c: RepeatSummary, t: number, dropAtFirst: boolean) {
  const n = 1200;
  const lo = -30;
  const hi = 4;
  const du = (hi - lo) / n;
  const lambdas = Array.from({ length: n }, (_, i) => {
    const u = lo + (i + 0.5) * du;
    const v = Math.exp(u);
    return { v, w: Math.exp(m.r * Math.log(m.alpha) - lgamma(m.r) + m.r * u - m.alpha * v) * du };
  });
  const lbetaAB = lgamma(m.a) + lgamma(m.b) - lgamma(m.a + m.b);
  // p = u^(1/a) takes the p^(a−1) singularity at 0 out of the Beta density
  const ps = Array.from({ length: n }, (_, i) => {
    const v = ((i + 0.5) / n) ** (1 / m.a);
    return { v, w: Math.exp((m.b - 1) * Math.log(1 - v) - lbetaAB) / m.a / n };
  });
  const tosses = c.x + (dropAtFirst ? 1 : 0);
  let alive = 0;
  let gone = 0;
  let future = 0;
  for (const { v: lambda, w: wl } of lambdas) {
    const lx = wl * lambda ** c.x;
    for (const { v: p, w: wp } of ps) {
      const a = lx * wp * Math.exp(-lambda * c.T) * (1 - p) ** tosses;
      alive += a;
      if (tosses > 0) gone += lx * wp * Math.exp(-lambda * c.t_x) * (1 - p) ** (tosses - 1) * p;
      future += (a * -Math.expm1(-lambda * p * t)) / p;
    }
  }
  return { logLikelihood: Math.log(alive + gone), pAlive: alive / (alive + gone), expected: future / (alive + gone) };
}

describe('MBG/NBD on the CDNOW sample', () => {
  const fit = fitMbgNbd(cdnow);

  it('reproduces the estimates of the lifetimes library (ModifiedBetaGeoFitter) on the same file', () => {
    expect(sig3(fit.params.r)).toBe(0.525);
    expect(sig3(fit.params.alpha)).toBe(6.18);
    expect(sig3(fit.params.a)).toBe(0.891);
    expect(sig3(fit.params.b)).toBe(1.61);
    expect(fit.converged).toBe(true);
  });

  it('likelihood, P(alive) and expected purchases agree with numerical integration', () => {
    for (const c of [
      { x: 2, t_x: 30.43, T: 38.86 },
      { x: 0, t_x: 0, T: 38.86 },
      { x: 7, t_x: 29.43, T: 35.29 },
    ]) {
      const check = integrate(fit.params, c, 39, true);
      expect(mbgnbdLogLikelihood(fit.params, [c])).toBeCloseTo(check.logLikelihood, 3);
      expect(mbgnbdPAlive(fit.params, c)).toBeCloseTo(check.pAlive, 3);
      expect(mbgnbdExpectedPurchases(fit.params, 39, c)).toBeCloseTo(check.expected, 3);
      // the same check holds BG/NBD's closed forms to their own story
      const bg = { r: 0.243, alpha: 4.41, a: 0.793, b: 2.43 };
      const checkBg = integrate(bg, c, 39, false);
      expect(pAlive(bg, c)).toBeCloseTo(checkBg.pAlive, 3);
      expect(expectedPurchases(bg, 39, c)).toBeCloseTo(checkBg.expected, 3);
    }
  });

  it('a one-time buyer can be gone, more likely the longer they have been silent', () => {
    const recent = mbgnbdPAlive(fit.params, { x: 0, t_x: 0, T: 4 });
    const longAgo = mbgnbdPAlive(fit.params, { x: 0, t_x: 0, T: 104 });
    expect(recent).toBeLessThan(1);
    expect(longAgo).toBeLessThan(recent);
  });
});
