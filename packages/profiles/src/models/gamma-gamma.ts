import { minimizeFromStarts, type FitMethod, type Objective, type ValueAndGradient } from './optimize.js';
import { customersOf, type Weighted } from './repeat-data.js';
import { digamma, lgamma } from './special.js';

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
  method: FitMethod;
}

/**
 * Repeat buyers as distinct (x, m) with counts, grouped by x, with what does not depend on the
 * parameters precomputed: per row x·m; per group the weight, Σ log m and Σ log x.
 */
interface SpendData {
  xm: Float64Array;
  weight: Float64Array;
  groups: { x: number; start: number; end: number; weight: number; sumLogM: number; sumLogX: number }[];
  customers: number;
}

function toSpendData(rows: readonly Weighted<SpendSummary>[]): SpendData {
  // Distinct (x, m) with their counts: a tiled or rounded panel repeats them many times.
  const byX = new Map<number, Map<number, number>>();
  let customers = 0;
  for (const c of rows) {
    let ms = byX.get(c.x);
    if (!ms) byX.set(c.x, (ms = new Map<number, number>()));
    ms.set(c.m, (ms.get(c.m) ?? 0) + customersOf(c));
    customers += customersOf(c);
  }
  let distinct = 0;
  for (const ms of byX.values()) distinct += ms.size;
  const xm = new Float64Array(distinct);
  const weight = new Float64Array(distinct);
  const groups: SpendData['groups'] = [];
  let i = 0;
  for (const x of [...byX.keys()].sort((a, b) => a - b)) {
    const start = i;
    let sumLogM = 0;
    let n = 0;
    for (const [m, count] of byX.get(x)!) {
      xm[i] = x * m;
      weight[i++] = count;
      sumLogM += count * Math.log(m);
      n += count;
    }
    groups.push({ x, start, end: i, weight: n, sumLogM, sumLogX: n * Math.log(x) });
  }
  return { xm, weight, groups, customers };
}

/**
 * Σ log[Γ(px+q) / (Γ(px) Γ(q)) · v^q m^(px−1) x^(px) / (xm+v)^(px+q)] and its gradient in (p, q, v).
 * Per customer only log(xm + v) and 1/(xm + v) depend on the parameters.
 */
function spendLogLikelihood(data: SpendData, [p, q, v]: readonly number[]): ValueAndGradient {
  if (!(p! > 0 && q! > 0 && v! > 0)) return { value: -Infinity, gradient: [NaN, NaN, NaN] };
  const lgq = lgamma(q!);
  const psiQ = digamma(q!);
  const logV = Math.log(v!);
  const { xm, weight } = data;
  let value = 0;
  let dp = 0;
  let dq = 0;
  let dv = 0;
  for (const g of data.groups) {
    const px = p! * g.x;
    const lgPxQ = lgamma(px + q!);
    const psiPxQ = digamma(px + q!);
    let sumLog = 0;
    let sumInv = 0;
    for (let i = g.start; i < g.end; i++) {
      const s = xm[i]! + v!;
      const w = weight[i]!;
      sumLog += w * Math.log(s);
      sumInv += w / s;
    }
    const n = g.weight;
    value += n * (lgPxQ - lgamma(px) - lgq + q! * logV) + (px - 1) * g.sumLogM + px * g.sumLogX - (px + q!) * sumLog;
    dp += g.x * (n * (psiPxQ - digamma(px)) + g.sumLogM + g.sumLogX - sumLog);
    dq += n * (psiPxQ - psiQ + logV) - sumLog;
    dv += (n * q!) / v! - (px + q!) * sumInv;
  }
  return { value, gradient: [dp, dq, dv] };
}

export function gammaGammaLogLikelihood(g: GammaGammaParams, rows: readonly Weighted<SpendSummary>[]): number {
  return spendLogLikelihood(toSpendData(rows), [g.p, g.q, g.v]).value;
}

/**
 * Maximum likelihood by BFGS on the log-parameters (Nelder–Mead as fallback, or when asked for).
 * Rows may stand for several customers each (`customers`).
 */
export function fitGammaGamma(
  rows: readonly Weighted<SpendSummary>[],
  options: { method?: FitMethod } = {},
): GammaGammaFit {
  const usable = rows.filter((c) => c.x > 0);
  if (usable.length === 0) throw new RangeError('no customers with repeat purchases to fit');
  const bad = usable.find((c) => !(c.m > 0));
  if (bad) throw new RangeError(`mean transaction value must be positive (got ${bad.m})`);
  const data = toSpendData(usable);
  const meanM = usable.reduce((s, c) => s + customersOf(c) * c.m, 0) / data.customers;
  const objective: Objective = {
    valueAndGradient: (w) => {
      const params = w.map(Math.exp);
      const { value, gradient } = spendLogLikelihood(data, params);
      return { value: -value / data.customers, gradient: gradient.map((g, i) => (-g * params[i]!) / data.customers) };
    },
    value: (w) => -spendLogLikelihood(data, w.map(Math.exp)).value / data.customers,
  };
  const best = minimizeFromStarts(
    objective,
    [
      [0, 0, Math.log(meanM)],
      [Math.log(5), Math.log(3), Math.log(meanM * 2)],
      [Math.log(0.5), Math.log(1.5), Math.log(meanM / 2)],
    ],
    options.method,
  );
  const [p, q, v] = best.x.map(Math.exp) as [number, number, number];
  return {
    params: { p, q, v },
    logLikelihood: -best.value * data.customers,
    customers: data.customers,
    converged: best.converged,
    method: best.method,
  };
}

/** E[M | x, m]: the customer's expected average transaction value (population mean when x = 0). */
export function expectedAverageValue(g: GammaGammaParams, c: SpendSummary): number {
  const { p, q, v } = g;
  if (c.x === 0) return (p * v) / (q - 1);
  return (p * (v + c.x * c.m)) / (p * c.x + q - 1);
}
