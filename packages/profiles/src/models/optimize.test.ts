import { describe, expect, it } from 'vitest';
import {
  betaGeometricLogLikelihood,
  bfgs,
  bgnbdLogLikelihood,
  fitBgNbd,
  fitGammaGamma,
  fitMbgNbd,
  toRepeatData,
} from './index.js';
import { cdnowCsv, cdnowSummary } from '../../test/cdnow.js';

const csv = cdnowCsv;
const cdnow = cdnowSummary;
const spend = csv('cdnow_customers_summary_with_transactions.csv').map(([, x, , , zbar]) => ({
  x: Number(x),
  m: Number(zbar),
}));

describe('fitting on compressed histories', () => {
  it('the weighted likelihood of distinct histories equals the sum over customers', () => {
    // Tiling the panel 3 times triples every weight: same distinct histories, 3× the likelihood.
    const tiled = [...cdnow, ...cdnow, ...cdnow];
    const data = toRepeatData(tiled);
    expect(data.customers).toBe(3 * cdnow.length);
    expect(data.x.length).toBeLessThan(cdnow.length);
    const p = { r: 0.3, alpha: 5, a: 0.7, b: 2 };
    const oneByOne = cdnow.reduce((s, c) => s + bgnbdLogLikelihood(p, [c]), 0);
    expect(bgnbdLogLikelihood(p, data)).toBeCloseTo(3 * oneByOne, 6);
    expect(fitBgNbd(tiled).params.r).toBeCloseTo(fitBgNbd(cdnow).params.r, 6);
  });

  it('the analytic gradients match central differences (BG/NBD and MBG/NBD)', () => {
    const data = toRepeatData(cdnow);
    const at = [0.3, 5, 0.7, 2];
    for (const dropAtFirst of [false, true]) {
      const { gradient } = betaGeometricLogLikelihood(data, at, dropAtFirst);
      at.forEach((v, i) => {
        const h = v * 1e-6;
        const up = at.map((w, j) => (j === i ? w + h : w));
        const down = at.map((w, j) => (j === i ? w - h : w));
        const numeric =
          (betaGeometricLogLikelihood(data, up, dropAtFirst).value -
            betaGeometricLogLikelihood(data, down, dropAtFirst).value) /
          (2 * h);
        expect(gradient[i]).toBeCloseTo(numeric, 2);
      });
    }
  });

  it('BFGS and Nelder–Mead reach the same optimum', () => {
    for (const fit of [fitBgNbd, fitMbgNbd]) {
      const quasiNewton = fit(cdnow);
      const simplex = fit(cdnow, { method: 'nelder-mead' });
      expect(quasiNewton.method).toBe('bfgs');
      expect(simplex.method).toBe('nelder-mead');
      expect(quasiNewton.logLikelihood).toBeCloseTo(simplex.logLikelihood, 5);
      for (const k of ['r', 'alpha', 'a', 'b'] as const)
        expect(quasiNewton.params[k] / simplex.params[k]).toBeCloseTo(1, 5);
      // tens of gradient steps where the simplex needs hundreds
      expect(quasiNewton.iterations * 5).toBeLessThan(simplex.iterations);
    }
    const gg = fitGammaGamma(spend);
    const ggSimplex = fitGammaGamma(spend, { method: 'nelder-mead' });
    expect(gg.method).toBe('bfgs');
    expect(gg.logLikelihood).toBeCloseTo(ggSimplex.logLikelihood, 5);
    for (const k of ['p', 'q', 'v'] as const) expect(gg.params[k] / ggSimplex.params[k]).toBeCloseTo(1, 4);
  });

  it('BFGS minimises a known quadratic exactly and reports a start it cannot use', () => {
    const f = (x: readonly number[]) => ({
      value: (x[0]! - 3) ** 2 + 10 * (x[1]! + 1) ** 2 + x[0]! * x[1]!,
      gradient: [2 * (x[0]! - 3) + x[1]!, 20 * (x[1]! + 1) + x[0]!],
    });
    const r = bfgs(f, [0, 0]);
    // ∇ = 0: 2x + y = 6, x + 20y = −20
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(140 / 39, 6);
    expect(r.x[1]).toBeCloseTo(-46 / 39, 6);
    expect(bfgs(() => ({ value: Infinity, gradient: [0] }), [0]).converged).toBe(false);
  });
});
