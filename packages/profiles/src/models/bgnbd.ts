import { lbeta, lgamma, logHyp2f1, logSumExp } from './special.js';
import { nelderMead } from './nelder-mead.js';

/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"). While alive a
 * customer buys as a Poisson process whose rate is Gamma(r, α) across customers; after each
 * purchase they drop out with probability p, Beta(a, b) across customers.
 */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** One customer: x repeat purchases, the last at t_x, observed for T (time from the first purchase). */
export interface RepeatSummary {
  x: number;
  t_x: number;
  T: number;
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  customers: number;
  iterations: number;
  converged: boolean;
}

/** Total log-likelihood of the customers under the parameters (−∞ for impossible parameters). */
export function bgnbdLogLikelihood(p: BgNbdParams, rows: readonly RepeatSummary[]): number {
  const { r, alpha, a, b } = p;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return -Infinity;
  // Terms that depend only on x are computed once per distinct x: lgamma is the costly part.
  const byX = new Map<number, { common: number; dropTerm: number }>();
  const logAlpha = Math.log(alpha);
  const lbetaAB = lbeta(a, b);
  let total = 0;
  for (const { x, t_x, T } of rows) {
    let k = byX.get(x);
    if (!k) {
      k = {
        // log[Γ(r+x) α^r / Γ(r)] + log[B(a, b+x) / B(a, b)]
        common: lgamma(r + x) - lgamma(r) + r * logAlpha + lbeta(a, b + x) - lbetaAB,
        // log[B(a+1, b+x−1) / B(a, b+x)] = log a − log(b+x−1) for x > 0
        dropTerm: x > 0 ? Math.log(a) - Math.log(b + x - 1) : -Infinity,
      };
      byX.set(x, k);
    }
    const stillAlive = -(r + x) * Math.log(alpha + T);
    const droppedAtLast = k.dropTerm - (r + x) * Math.log(alpha + t_x);
    total += k.common + logSumExp(stillAlive, droppedAtLast);
  }
  return total;
}

/** Validates inputs: whole x ≥ 0, 0 ≤ t_x ≤ T, t_x = 0 when x = 0. */
export function checkRepeatSummaries(rows: readonly RepeatSummary[]): string[] {
  const errors: string[] = [];
  rows.forEach((c, i) => {
    if (!Number.isInteger(c.x) || c.x < 0) errors.push(`row ${i}: x must be a whole number >= 0 (got ${c.x})`);
    else if (!(c.T >= 0) || !(c.t_x >= 0) || c.t_x > c.T + 1e-9)
      errors.push(`row ${i}: need 0 <= t_x <= T (got t_x=${c.t_x}, T=${c.T})`);
    else if (c.x === 0 && c.t_x !== 0) errors.push(`row ${i}: t_x must be 0 when x = 0`);
  });
  return errors;
}

/**
 * Maximum likelihood by Nelder–Mead on the log-parameters, restarted from several points and
 * once more from the best, so a flat region or a poor start cannot end the search early.
 */
export function fitBgNbd(rows: readonly RepeatSummary[]): BgNbdFit {
  if (rows.length === 0) throw new RangeError('no customers to fit');
  const errors = checkRepeatSummaries(rows);
  if (errors.length) throw new RangeError(errors.slice(0, 5).join('; '));
  const meanT = rows.reduce((s, c) => s + c.T, 0) / rows.length || 1;
  const negLL = (v: readonly number[]) =>
    -bgnbdLogLikelihood({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) }, rows);
  const starts = [
    [0, Math.log(meanT / 10), 0, 0],
    [Math.log(0.25), Math.log(meanT / 5), Math.log(0.8), Math.log(2.5)],
    [Math.log(2), Math.log(meanT), Math.log(0.5), Math.log(5)],
  ];
  let best = nelderMead(negLL, starts[0]!);
  for (const s of starts.slice(1)) {
    const r = nelderMead(negLL, s);
    if (r.value < best.value) best = r;
  }
  const polished = nelderMead(negLL, best.x, { step: 0.05 });
  if (polished.value <= best.value) best = { ...polished, iterations: best.iterations + polished.iterations };
  const [r, alpha, a, b] = best.x.map(Math.exp) as [number, number, number, number];
  return {
    params: { r, alpha, a, b },
    logLikelihood: -best.value,
    customers: rows.length,
    iterations: best.iterations,
    converged: best.converged,
  };
}

/** P(alive | x, t_x, T): the probability the customer has not dropped out. */
export function pAlive(p: BgNbdParams, c: RepeatSummary): number {
  if (c.x === 0) return 1;
  const logRatio =
    Math.log(p.a) - Math.log(p.b + c.x - 1) + (p.r + c.x) * (Math.log(p.alpha + c.T) - Math.log(p.alpha + c.t_x));
  return 1 / (1 + Math.exp(logRatio));
}

/** E[X(t)]: expected purchases in a period of length t for a new customer (eq. 9). */
export function expectedPurchasesUnconditional(p: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + t);
  const h = Math.exp(r * Math.log(alpha / (alpha + t)) + logHyp2f1(r, b, a + b - 1, z));
  return ((a + b - 1) / (a - 1)) * (1 - h);
}

/**
 * The part of E[Y(t) | x, t_x, T] that does not depend on t_x: the expected purchases of a
 * customer known to be alive. It holds the costly hypergeometric term, so callers scoring many
 * customers can share it between those with the same x and T.
 */
export function expectedPurchasesIfAlive(p: BgNbdParams, t: number, x: number, T: number): number {
  const { r, alpha, a, b } = p;
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const logH = (r + x) * Math.log((alpha + T) / (alpha + T + t)) + logHyp2f1(r + x, b + x, a + b + x - 1, z);
  return ((a + b + x - 1) / (a - 1)) * -Math.expm1(logH);
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next t, given the customer's history (eq. 10). */
export function expectedPurchases(p: BgNbdParams, t: number, c: RepeatSummary): number {
  // pAlive is exactly 1 for a customer without repeat purchases
  return expectedPurchasesIfAlive(p, t, c.x, c.T) * pAlive(p, c);
}

/** P(X(t) = n): the probability a new customer makes exactly n repeat purchases in t (eq. 8). */
export function probabilityOfRepeats(p: BgNbdParams, t: number, n: number): number {
  const { r, alpha, a, b } = p;
  const logA = Math.log(alpha / (alpha + t));
  const logZ = Math.log(t / (alpha + t));
  const first = lbeta(a, b + n) - lbeta(a, b) + lgamma(r + n) - lgamma(r) - lgamma(n + 1) + r * logA + n * logZ;
  let value = Math.exp(first);
  if (n > 0) {
    let partial = 0;
    for (let j = 0; j < n; j++) partial += Math.exp(lgamma(r + j) - lgamma(r) - lgamma(j + 1) + r * logA + j * logZ);
    value += Math.exp(lbeta(a + 1, b + n - 1) - lbeta(a, b)) * (1 - partial);
  }
  return value;
}
