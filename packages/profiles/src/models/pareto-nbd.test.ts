import { describe, expect, it } from 'vitest';
import {
  fitParetoNbd,
  lgamma,
  paretoNbdExpectedPurchases,
  paretoNbdLogLikelihood,
  paretoNbdPAlive,
  type ParetoNbdParams,
  type RepeatSummary,
} from './index.js';
import { cdnowSummary } from '../../test/cdnow.js';

const cdnow = cdnowSummary;
const sig3 = (v: number) => Number(v.toPrecision(3));

/**
 * The customer's likelihood, P(alive) and expected purchases by direct numerical integration
 * over λ ~ Gamma(r, α) and μ ~ Gamma(s, β) (midpoint rule on log λ, log μ), from the model's
 * definition rather than the closed forms: given λ and μ, a customer alive at T made x purchases
 * with probability ∝ λ^x e^−(λ+μ)T, one who died between t_x and T with
 * λ^x μ/(λ+μ) (e^−(λ+μ)t_x − e^−(λ+μ)T); alive, they buy λ/μ (1 − e^−μt) in the next t.
 */
function integrate(p: ParetoNbdParams, c: RepeatSummary, t: number) {
  const n = 1500;
  const lo = -30;
  const hi = 4;
  const du = (hi - lo) / n;
  const grid = (shape: number, rate: number) =>
    Array.from({ length: n }, (_, i) => {
      const u = lo + (i + 0.5) * du;
      const v = Math.exp(u);
      // Gamma density in log space, the Jacobian dλ = λ du included
      return { v, w: Math.exp(shape * Math.log(rate) - lgamma(shape) + shape * u - rate * v) * du };
    });
  const lambdas = grid(p.r, p.alpha);
  const mus = grid(p.s, p.beta);
  let alive = 0;
  let gone = 0;
  let future = 0;
  for (const { v: lambda, w: wl } of lambdas) {
    const lx = wl * lambda ** c.x;
    if (lx === 0) continue;
    for (const { v: mu, w: wm } of mus) {
      const rate = lambda + mu;
      const a = lx * wm * Math.exp(-rate * c.T);
      alive += a;
      gone += ((lx * wm * mu) / rate) * (Math.exp(-rate * c.t_x) - Math.exp(-rate * c.T));
      future += (a * lambda * -Math.expm1(-mu * t)) / mu;
    }
  }
  return { logLikelihood: Math.log(alive + gone), pAlive: alive / (alive + gone), expected: future / (alive + gone) };
}

describe('Pareto/NBD on the CDNOW sample', () => {
  const fit = fitParetoNbd(cdnow);

  it('reproduces the published estimates (Fader, Hardie & Lee 2005 note) to 3 significant digits', () => {
    expect(sig3(fit.params.r)).toBe(0.553);
    expect(sig3(fit.params.alpha)).toBe(10.6);
    expect(fit.params.alpha).toBeCloseTo(10.58, 2);
    expect(sig3(fit.params.s)).toBe(0.606);
    expect(sig3(fit.params.beta)).toBe(11.7);
    expect(fit.params.beta).toBeCloseTo(11.67, 2);
    expect(fit.logLikelihood).toBeCloseTo(-9595.0, 0);
    expect(fit.converged).toBe(true);
    expect(fit.method).toBe('bfgs');
  });

  it('likelihood, P(alive) and expected purchases agree with numerical integration', () => {
    const customers = [
      { x: 2, t_x: 30.43, T: 38.86 },
      { x: 0, t_x: 0, T: 38.86 },
      { x: 26, t_x: 30.86, T: 31 },
      { x: 1, t_x: 1.71, T: 38.86 },
    ];
    // The estimates have α < β; the second set takes the other branch of the ₂F₁ choice.
    for (const p of [fit.params, { r: 0.8, alpha: 15, s: 0.4, beta: 6 }]) {
      for (const c of customers) {
        const check = integrate(p, c, 39);
        expect(paretoNbdLogLikelihood(p, [c])).toBeCloseTo(check.logLikelihood, 4);
        expect(paretoNbdPAlive(p, c)).toBeCloseTo(check.pAlive, 4);
        expect(paretoNbdExpectedPurchases(p, 39, c)).toBeCloseTo(check.expected, 3);
      }
    }
  });

  it('a one-time buyer silent for long is probably gone', () => {
    const p = fit.params;
    const recent = paretoNbdPAlive(p, { x: 0, t_x: 0, T: 4 });
    const longAgo = paretoNbdPAlive(p, { x: 0, t_x: 0, T: 104 });
    expect(recent).toBeLessThan(1);
    expect(longAgo).toBeLessThan(recent);
    expect(longAgo).toBeLessThan(0.5);
  });
});
