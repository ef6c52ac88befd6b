import type { BgNbdFit, RepeatSummary } from './bgnbd.js';
import { logParameterObjective, toCheckedRepeatData } from './bgnbd.js';
import { minimizeFromStarts, type FitMethod, type ValueAndGradient } from './optimize.js';
import { meanT, type RepeatData } from './repeat-data.js';
import { lgamma, logDiffExp, logHyp2f1, logSumExp } from './special.js';

/**
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987). While alive a customer buys as a Poisson
 * process with rate λ ~ Gamma(r, α); their lifetime is exponential with rate μ ~ Gamma(s, β),
 * starting at the first purchase, so a customer can be gone before buying again. The likelihood
 * follows Fader, Hardie & Lee (2005), "A Note on Implementing the Pareto/NBD Model".
 */
export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

export type ParetoNbdFit = Omit<BgNbdFit, 'params'> & { params: ParetoNbdParams };

/**
 * The two parts of a customer's log-likelihood, without the constant
 * log[Γ(r+x) α^r β^s / Γ(r)]: `alive`, the customer still alive at T, and `gone`, the customer
 * died between t_x and T (FHL 2005, eq. 2 and 3: A₀ with the ₂F₁ argument below 1 by taking
 * the larger of α and β, which makes the series converge). `term` is memoised per x: customers
 * with the same x share their t_x and T values by the hundred, and the series is the cost.
 */
function partsFor(p: ParetoNbdParams, x: number) {
  const { r, alpha, s, beta } = p;
  const rsx = r + s + x;
  const [larger, b2] = alpha >= beta ? [alpha, s + 1] : [beta, r + x];
  const gap = Math.abs(alpha - beta);
  const seen = new Map<number, number>();
  const term = (t: number) => {
    let v = seen.get(t);
    if (v === undefined) {
      v = logHyp2f1(rsx, b2, rsx + 1, gap / (larger + t), 100_000) - rsx * Math.log(larger + t);
      seen.set(t, v);
    }
    return v;
  };
  const logShare = Math.log(s) - Math.log(rsx);
  return (t_x: number, T: number) => ({
    alive: -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T),
    gone: logShare + logDiffExp(term(t_x), term(T)),
  });
}

function logParts(p: ParetoNbdParams, x: number, t_x: number, T: number): { alive: number; gone: number } {
  return partsFor(p, x)(t_x, T);
}

/** Total log-likelihood of the customers (−∞ for impossible parameters or a series that fails). */
export function paretoNbdLogLikelihood(p: ParetoNbdParams, rows: readonly RepeatSummary[] | RepeatData): number {
  return paretoLogLikelihood(toCheckedRepeatData(rows), p);
}

function paretoLogLikelihood(data: RepeatData, p: ParetoNbdParams): number {
  const { r, alpha, s, beta } = p;
  if (!(r > 0 && alpha > 0 && s > 0 && beta > 0)) return -Infinity;
  const constant = -lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  let total = 0;
  try {
    for (const g of data.groups) {
      total += g.weight * (lgamma(r + g.x) + constant);
      const parts = partsFor(p, g.x);
      for (let i = g.start; i < g.end; i++) {
        const { alive, gone } = parts(data.t_x[i]!, data.T[i]!);
        total += data.weight[i]! * logSumExp(alive, gone);
      }
    }
  } catch {
    // The series did not converge (α and β extremely far apart): not a candidate optimum.
    return -Infinity;
  }
  return total;
}

/**
 * Maximum likelihood by BFGS on the log-parameters. The gradient is by central differences: the
 * analytic derivatives of ₂F₁ in its parameters are series of their own, and on compressed
 * histories the eight extra evaluations per gradient are cheap.
 */
export function fitParetoNbd(
  rows: readonly RepeatSummary[] | RepeatData,
  options: { method?: FitMethod } = {},
): ParetoNbdFit {
  const data = toCheckedRepeatData(rows);
  const m = meanT(data);
  const ll = (v: readonly number[]) => paretoLogLikelihood(data, { r: v[0]!, alpha: v[1]!, s: v[2]!, beta: v[3]! });
  const objective = logParameterObjective(data, (params) => centralDifferences(ll, params));
  const best = minimizeFromStarts(
    objective,
    [
      [0, Math.log(m / 4), 0, Math.log(m / 4)],
      [Math.log(0.5), Math.log(m / 10), Math.log(0.5), Math.log(m / 3)],
      [Math.log(2), Math.log(m), Math.log(2), Math.log(m)],
    ],
    options.method,
  );
  const [r, alpha, s, beta] = best.x.map(Math.exp) as [number, number, number, number];
  return {
    params: { r, alpha, s, beta },
    logLikelihood: -best.value * data.customers,
    customers: data.customers,
    iterations: best.iterations,
    converged: best.converged,
    method: best.method,
  };
}

/** Value and gradient by central differences in relative steps of each (positive) parameter. */
function centralDifferences(f: (v: readonly number[]) => number, params: readonly number[]): ValueAndGradient {
  const value = f(params);
  const gradient = params.map((v, i) => {
    const h = v * 1e-5;
    const up = params.slice();
    const down = params.slice();
    up[i] = v + h;
    down[i] = v - h;
    return (f(up) - f(down)) / (2 * h);
  });
  return { value, gradient };
}

/** P(alive | x, t_x, T) (FHL 2005, eq. 11): below 1 even for a customer who never came back. */
export function paretoNbdPAlive(p: ParetoNbdParams, c: RepeatSummary): number {
  const { alive, gone } = logParts(p, c.x, c.t_x, c.T);
  return Math.exp(alive - logSumExp(alive, gone));
}

/** Expected purchases in the next t of a customer known to be alive at T (x and T only). */
export function paretoNbdExpectedPurchasesIfAlive(p: ParetoNbdParams, t: number, x: number, T: number): number {
  const { r, alpha, s, beta } = p;
  if (t <= 0) return 0;
  const logRatio = Math.log((beta + T) / (beta + T + t));
  // (β+T)/(s−1) · [1 − ((β+T)/(β+T+t))^(s−1)], which tends to (β+T)·log((β+T+t)/(β+T)) at s = 1
  const lifetime = Math.abs(s - 1) < 1e-10 ? -logRatio : -Math.expm1((s - 1) * logRatio) / (s - 1);
  return ((r + x) / (alpha + T)) * (beta + T) * lifetime;
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next t, given the history (FHL 2005, eq. 12). */
export function paretoNbdExpectedPurchases(p: ParetoNbdParams, t: number, c: RepeatSummary): number {
  return paretoNbdExpectedPurchasesIfAlive(p, t, c.x, c.T) * paretoNbdPAlive(p, c);
}
