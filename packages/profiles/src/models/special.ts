/*
 * Special functions for the customer-base models, written for the log space the likelihoods live
 * in: Gamma only ever appears as lgamma, and the Gauss hypergeometric function is summed with a
 * running scale so its terms cannot overflow even when r + x and b + x are in the hundreds.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos, g = 7; ~15 significant digits). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

export function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

export function logSumExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/**
 * log ₂F₁(a, b; c; z) for a, b, c > 0 and 0 ≤ z < 1, by its power series. Terms are kept relative
 * to a running scale (renormalised whenever the partial sum passes 1e100), so the result is exact
 * in log space where the plain sum would overflow. Stops when a term no longer changes the sum
 * and the terms are shrinking; throws if it has not converged after `maxTerms`.
 */
export function logHyp2f1(a: number, b: number, c: number, z: number, maxTerms = 1_000_000): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1 needs 0 <= z < 1, got ${z}`);
  if (z === 0) return 0;
  let logScale = 0;
  let term = 1;
  let sum = 1;
  for (let k = 0; k < maxTerms; k++) {
    const ratio = (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
    term *= ratio;
    sum += term;
    if (sum > 1e100) {
      logScale += Math.log(sum);
      term /= sum;
      sum = 1;
    }
    if (ratio < 1 && term < sum * 1e-16) return logScale + Math.log(sum);
  }
  throw new Error(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge in ${maxTerms} terms`);
}

/** ψ(x) = d/dx log Γ(x) for x > 0: recurrence up to x ≥ 6, then the asymptotic series (~1e-13). */
export function digamma(x: number): number {
  let shift = 0;
  while (x < 6) {
    shift -= 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  return (
    shift +
    Math.log(x) -
    0.5 / x -
    inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132)))))
  );
}

/** log(e^a − e^b) for a ≥ b (−∞ when they are equal). */
export function logDiffExp(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (!(a > b)) return -Infinity;
  return a + Math.log(-Math.expm1(b - a));
}

/**
 * ₂F₁(a, b; c; z) by its plain power series, for c ≤ 0 (non-integer) where terms change sign and
 * the log-space sum cannot be used; the values met there (BG/NBD with a + b + x < 1) are modest.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, maxTerms = 1_000_000): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1 needs 0 <= z < 1, got ${z}`);
  let term = 1;
  let sum = 1;
  for (let k = 0; k < maxTerms; k++) {
    const ratio = (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
    term *= ratio;
    sum += term;
    if (Math.abs(ratio) < 1 && Math.abs(term) < Math.abs(sum) * 1e-16) return sum;
  }
  throw new Error(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge in ${maxTerms} terms`);
}
