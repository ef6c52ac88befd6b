import { minimizeFromStarts, type FitMethod, type Objective, type ValueAndGradient } from './optimize.js';
import { isRepeatData, meanT, toRepeatData, type RepeatData, type RepeatSummary } from './repeat-data.js';
import { digamma, hyp2f1, lbeta, lgamma, logHyp2f1 } from './special.js';

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

export type { RepeatSummary } from './repeat-data.js';

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  customers: number;
  iterations: number;
  converged: boolean;
  /** BFGS, or Nelder–Mead when BFGS did not converge or was not asked for. */
  method: FitMethod;
}

/** Total log-likelihood of the customers under the parameters (−∞ for impossible parameters). */
export function bgnbdLogLikelihood(p: BgNbdParams, rows: readonly RepeatSummary[] | RepeatData): number {
  return betaGeometricLogLikelihood(toRepeatData(rows), [p.r, p.alpha, p.a, p.b], false).value;
}

/**
 * The log-likelihood of BG/NBD (`dropAtFirst` false) or MBG/NBD (true) and its gradient in
 * (r, α, a, b), over compressed histories. Both are Γ(r+x) α^r / Γ(r) · B(a, b+x+k)/B(a, b) ·
 * [(α+T)^−(r+x) + δ · a/(b+x+k−1) · (α+t_x)^−(r+x)] with k = 0 for BG/NBD (δ = 1 only when x > 0)
 * and k = 1, δ = 1 for MBG/NBD, where a customer can leave right after the first purchase.
 * Everything that depends on x alone is computed once per distinct x.
 */
export function betaGeometricLogLikelihood(
  data: RepeatData,
  [r, alpha, a, b]: readonly number[],
  dropAtFirst: boolean,
): ValueAndGradient {
  if (!(r! > 0 && alpha! > 0 && a! > 0 && b! > 0)) return { value: -Infinity, gradient: [NaN, NaN, NaN, NaN] };
  const k = dropAtFirst ? 1 : 0;
  const logAlpha = Math.log(alpha!);
  const lgR = lgamma(r!);
  const psiR = digamma(r!);
  const lgB = lgamma(b!);
  const psiB = digamma(b!);
  const lgAB = lgamma(a! + b!);
  const psiAB = digamma(a! + b!);
  // log(α + t) and 1/(α + t) for each distinct time t, shared by the rows.
  const logTime = new Float64Array(data.times.length);
  const invTime = new Float64Array(data.times.length);
  for (let j = 0; j < data.times.length; j++) {
    logTime[j] = Math.log(alpha! + data.times[j]!);
    invTime[j] = 1 / (alpha! + data.times[j]!);
  }
  const { weight: rowWeight, tIndex, txIndex } = data;
  let value = 0;
  let dr = 0;
  let dAlpha = 0;
  let da = 0;
  let db = 0;
  for (const g of data.groups) {
    const x = g.x;
    const rx = r! + x;
    const bx = b! + x + k;
    const abx = a! + b! + x + k;
    const lgABX = lgamma(abx);
    const psiABX = digamma(abx);
    // log[Γ(r+x) α^r / Γ(r)] + log[B(a, b+x+k) / B(a, b)], and its derivatives
    value += g.weight * (lgamma(rx) - lgR + r! * logAlpha + lgamma(bx) - lgABX - lgB + lgAB);
    dr += g.weight * (digamma(rx) - psiR + logAlpha);
    dAlpha += (g.weight * r!) / alpha!;
    da += g.weight * (psiAB - psiABX);
    db += g.weight * (digamma(bx) - psiABX - psiB + psiAB);
    // Per row: log[(α+T)^−(r+x) + δ · a/(b+x+k−1) · (α+t_x)^−(r+x)] = still alive + log(1 + e^d),
    // d the log-ratio of the dropped-at-last-purchase term to the still-alive one. Sums over the
    // group's rows of w·log(α+T) etc.; the factors that are the same for the group applied after.
    let sumSoftplus = 0;
    let sumLogT = 0;
    let sumLog = 0;
    let sumInv = 0;
    let sumDropped = 0;
    if (!(dropAtFirst || x > 0)) {
      for (let i = g.start; i < g.end; i++) {
        const w = rowWeight[i]!;
        sumLog += w * logTime[tIndex[i]!]!;
        sumInv += w * invTime[tIndex[i]!]!;
      }
      value -= rx * sumLog;
      dr -= sumLog;
      dAlpha -= rx * sumInv;
      continue;
    }
    const dropTerm = Math.log(a!) - Math.log(bx - 1);
    for (let i = g.start; i < g.end; i++) {
      const w = rowWeight[i]!;
      const ti = tIndex[i]!;
      const txi = txIndex[i]!;
      const logT = logTime[ti]!;
      const logTx = logTime[txi]!;
      const d = dropTerm - rx * (logTx - logT);
      // log(1 + e^d) and e^d / (1 + e^d), without overflow for large d
      let softplus: number;
      let dropped: number;
      if (d > 0) {
        const e = Math.exp(-d);
        softplus = d + Math.log1p(e);
        dropped = 1 / (1 + e);
      } else {
        const e = Math.exp(d);
        softplus = Math.log1p(e);
        dropped = e / (1 + e);
      }
      const alive = 1 - dropped;
      sumSoftplus += w * softplus;
      sumLog += w * (alive * logT + dropped * logTx);
      sumInv += w * (alive * invTime[ti]! + dropped * invTime[txi]!);
      sumDropped += w * dropped;
      sumLogT += w * logT;
    }
    // the still-alive term, −(r+x)·log(α+T), summed over the rows
    value += sumSoftplus - rx * sumLogT;
    dr -= sumLog;
    dAlpha -= rx * sumInv;
    da += sumDropped / a!;
    db -= sumDropped / (bx - 1);
  }
  return { value, gradient: [dr, dAlpha, da, db] };
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

/** Checks raw rows (compressed data was checked when built) and compresses them. */
export function toCheckedRepeatData(rows: readonly RepeatSummary[] | RepeatData): RepeatData {
  if (!isRepeatData(rows)) {
    const errors = checkRepeatSummaries(rows);
    if (errors.length) throw new RangeError(errors.slice(0, 5).join('; '));
  }
  const data = toRepeatData(rows);
  if (data.customers === 0) throw new RangeError('no customers to fit');
  return data;
}

/**
 * The objective the fits minimise: the mean negative log-likelihood per customer in the
 * log-parameters (so every parameter stays positive), with its gradient by the chain rule.
 */
export function logParameterObjective(
  data: RepeatData,
  logLikelihood: (params: readonly number[]) => ValueAndGradient,
): Objective {
  const valueAndGradient = (v: readonly number[]): ValueAndGradient => {
    const params = v.map(Math.exp);
    const { value, gradient } = logLikelihood(params);
    return {
      value: -value / data.customers,
      gradient: gradient.map((g, i) => (-g * params[i]!) / data.customers),
    };
  };
  return { valueAndGradient, value: (v) => valueAndGradient(v).value };
}

/**
 * Maximum likelihood on the compressed histories: BFGS with analytic gradients from three
 * starting points, Nelder–Mead if none of them converges (or when asked for, to check BFGS).
 */
export function fitBgNbd(rows: readonly RepeatSummary[] | RepeatData, options: { method?: FitMethod } = {}): BgNbdFit {
  return fitBetaGeometric(rows, false, options);
}

/**
 * The fit BG/NBD and MBG/NBD share (same parameters, same starting points); `modified` is
 * MBG/NBD's drop-out chance at the first purchase too.
 */
export function fitBetaGeometric(rows: readonly RepeatSummary[] | RepeatData, modified: boolean, options: { method?: FitMethod } = {}): BgNbdFit {
  const data = toCheckedRepeatData(rows);
  const m = meanT(data);
  const objective = logParameterObjective(data, (params) => betaGeometricLogLikelihood(data, params, modified));
  const best = minimizeFromStarts(
    objective,
    [
      [0, Math.log(m / 10), 0, 0],
      [Math.log(0.25), Math.log(m / 5), Math.log(0.8), Math.log(2.5)],
      [Math.log(2), Math.log(m), Math.log(0.5), Math.log(5)],
    ],
    options.method,
  );
  const [r, alpha, a, b] = best.x.map(Math.exp) as [number, number, number, number];
  return {
    params: { r, alpha, a, b },
    logLikelihood: -best.value * data.customers,
    customers: data.customers,
    iterations: best.iterations,
    converged: best.converged,
    method: best.method,
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
  const logScale = (r + x) * Math.log((alpha + T) / (alpha + T + t));
  const c = a + b + x - 1;
  // With c ≤ 0 (a + b < 1 happens on real stores) the series has terms of both signs.
  const oneMinusH =
    c > 0 ? -Math.expm1(logScale + logHyp2f1(r + x, b + x, c, z)) : 1 - Math.exp(logScale) * hyp2f1(r + x, b + x, c, z);
  return (c / (a - 1)) * oneMinusH;
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
