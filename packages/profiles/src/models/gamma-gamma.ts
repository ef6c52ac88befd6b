import { lgamma } from './special.js';
import { nelderMead } from './nelder-mead.js';

/**
 * Gamma-Gamma spend model (Fader & Hardie 2013): each transaction's value is Gamma(p, ν) with ν
 * Gamma(q, γ) across customers. Fitted on customers with at least one repeat purchase, from x
 * and the mean value m of their repeat transactions. (`v` is the note's γ.)
 */
export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export interface SpendSummary {
  x: number;
  /** Mean value of the customer's x repeat transactions. */
  m: number;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  customers: number;
  converged: boolean;
}

export function gammaGammaLogLikelihood(g: GammaGammaParams, rows: readonly SpendSummary[]): number {
  const { p, q, v } = g;
  if (!(p > 0 && q > 0 && v > 0)) return -Infinity;
  const lgq = lgamma(q);
  const qlogv = q * Math.log(v);
  let total = 0;
  for (const { x, m } of rows) {
    const px = p * x;
    total +=
      lgamma(px + q) -
      lgamma(px) -
      lgq +
      qlogv +
      (px - 1) * Math.log(m) +
      px * Math.log(x) -
      (px + q) * Math.log(x * m + v);
  }
  return total;
}

export function fitGammaGamma(rows: readonly SpendSummary[]): GammaGammaFit {
  const usable = rows.filter((c) => c.x > 0);
  if (usable.length === 0) throw new RangeError('no customers with repeat purchases to fit');
  const bad = usable.find((c) => !(c.m > 0));
  if (bad) throw new RangeError(`mean transaction value must be positive (got ${bad.m})`);
  const meanM = usable.reduce((s, c) => s + c.m, 0) / usable.length;
  const negLL = (w: readonly number[]) =>
    -gammaGammaLogLikelihood({ p: Math.exp(w[0]!), q: Math.exp(w[1]!), v: Math.exp(w[2]!) }, usable);
  let best = nelderMead(negLL, [0, 0, Math.log(meanM)]);
  for (const s of [
    [Math.log(5), Math.log(3), Math.log(meanM * 2)],
    [Math.log(0.5), Math.log(1.5), Math.log(meanM / 2)],
  ]) {
    const r = nelderMead(negLL, s);
    if (r.value < best.value) best = r;
  }
  const polished = nelderMead(negLL, best.x, { step: 0.05 });
  if (polished.value <= best.value) best = polished;
  const [p, q, v] = best.x.map(Math.exp) as [number, number, number];
  return { params: { p, q, v }, logLikelihood: -best.value, customers: usable.length, converged: best.converged };
}

/** E[M | x, m]: the customer's expected average transaction value (population mean when x = 0). */
export function expectedAverageValue(g: GammaGammaParams, c: SpendSummary): number {
  const { p, q, v } = g;
  if (c.x === 0) return (p * v) / (q - 1);
  return (p * (v + c.x * c.m)) / (p * c.x + q - 1);
}
