/**
 * The statistics of a campaign's uplift over its holdout, pure functions with no store: Wilson
 * intervals, Newcombe's interval for a difference of two proportions, Welch's interval for a
 * difference of means (Student's t quantile computed here, no library), the two-proportion
 * sample size, and the plain-words verdict.
 */

/** The 0.975 quantile of the standard normal: a two-sided 95% interval. */
export const Z95 = 1.959963984540054;
/** The 0.8 quantile of the standard normal: 80% power. */
export const Z80 = 0.8416212335729143;

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

/** Wilson's score interval for k successes out of n (Newcombe 1998, method 3). */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (n <= 0) return { estimate: 0, lower: 0, upper: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { estimate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval for p1 − p2 (Newcombe, Statistics in Medicine 1998, 17:873–890,
 * method 10): each proportion's Wilson interval, combined as
 * L = d − √((p1 − l1)² + (u2 − p2)²), U = d + √((u1 − p1)² + (p2 − l2)²).
 */
export function newcombeDifference(k1: number, n1: number, k2: number, n2: number, z = Z95): Interval {
  const a = wilson(k1, n1, z);
  const b = wilson(k2, n2, z);
  const d = a.estimate - b.estimate;
  return {
    estimate: d,
    lower: d - Math.sqrt((a.estimate - a.lower) ** 2 + (b.upper - b.estimate) ** 2),
    upper: d + Math.sqrt((a.upper - a.estimate) ** 2 + (b.estimate - b.lower) ** 2),
  };
}

/** A sample summarised: size, mean and (n − 1) variance. */
export interface Sample {
  n: number;
  mean: number;
  variance: number;
}

/** Size, mean and sample variance from a count, a sum and a sum of squares (what SQL gives). */
export function sampleFromSums(n: number, sum: number, sumOfSquares: number): Sample {
  if (n <= 0) return { n: 0, mean: 0, variance: 0 };
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sumOfSquares - n * mean * mean) / (n - 1)) : 0;
  return { n, mean, variance };
}

/** Welch's interval for mean1 − mean2, with its Welch–Satterthwaite degrees of freedom. */
export function welchDifference(a: Sample, b: Sample, level = 0.95): Interval & { df: number } {
  const va = a.n > 0 ? a.variance / a.n : 0;
  const vb = b.n > 0 ? b.variance / b.n : 0;
  const estimate = a.mean - b.mean;
  const se = Math.sqrt(va + vb);
  if (a.n < 2 || b.n < 2) return { estimate, lower: -Infinity, upper: Infinity, df: NaN };
  if (se === 0) return { estimate, lower: estimate, upper: estimate, df: Infinity };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = studentTQuantile(1 - (1 - level) / 2, df);
  return { estimate, lower: estimate - t * se, upper: estimate + t * se, df };
}

/** ln Γ(x) by Lanczos' approximation (g = 7, nine coefficients). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let s = c[0]!;
  for (let i = 1; i < 9; i++) s += c[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}

/** The continued fraction of the regularised incomplete beta (Lentz's method). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** P(T ≤ t) for Student's t with df degrees of freedom (df may be fractional). */
export function studentTCdf(t: number, df: number): number {
  if (!Number.isFinite(df)) throw new RangeError('degrees of freedom must be finite');
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p quantile of Student's t with df degrees of freedom, by bisection on the CDF (to 1e-12). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`a quantile needs 0 < p < 1, not ${p}`);
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be above 0, not ${df}`);
  let lo = -1e6;
  let hi = 1e6;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Recipients needed in each group to detect p1 vs p2 with a two-sided 5% test at 80% power, by
 * the standard two-proportion formula:
 *   n = ( z₀.₉₇₅ · √(2 · p̄ · (1 − p̄)) + z₀.₈ · √(p1(1 − p1) + p2(1 − p2)) )² / (p1 − p2)²,  p̄ = (p1 + p2) / 2.
 * Infinity when the rates are equal (no difference to detect).
 */
export function sampleSizePerGroup(p1: number, p2: number): number {
  const d = p1 - p2;
  if (d === 0) return Infinity;
  const pBar = (p1 + p2) / 2;
  const top = Z95 * Math.sqrt(2 * pBar * (1 - pBar)) + Z80 * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return (top * top) / (d * d);
}

export interface Uplift {
  /** Difference in conversion rate (recipients − holdout), Newcombe method 10, 95%. */
  conversionRate: Interval;
  /** Difference in revenue per recipient vs per holdout customer, Welch, 95%. */
  revenuePerRecipient: Interval & { df: number };
  significant: boolean;
  /** More customers needed in the audience (at the observed holdout share) for 80% power; null when significant or not estimable. */
  moreRecipientsNeeded: number | null;
  verdict: string;
}

const pts = (x: number) => (x * 100).toFixed(1);

/**
 * The uplift of recipients over the holdout. `treated` and `holdout` are conversions out of
 * customers and each group's revenue per customer as a sample.
 */
export function uplift(
  treated: { customers: number; converted: number; revenue: Sample },
  holdout: { customers: number; converted: number; revenue: Sample },
): Uplift {
  const conversionRate = newcombeDifference(treated.converted, treated.customers, holdout.converted, holdout.customers);
  const revenuePerRecipient = welchDifference(treated.revenue, holdout.revenue);
  if (treated.customers === 0 || holdout.customers === 0) {
    const none = treated.customers === 0 ? 'no recipients yet' : 'no holdout';
    return {
      conversionRate,
      revenuePerRecipient,
      significant: false,
      moreRecipientsNeeded: null,
      verdict: `${none}: nothing to compare`,
    };
  }
  const d = conversionRate.estimate;
  const ci = `(95% CI ${pts(conversionRate.lower)} to ${pts(conversionRate.upper)})`;
  const said =
    d >= 0
      ? `converted ${pts(d)} points more than the holdout ${ci}`
      : `converted ${pts(-d)} points less than the holdout ${ci}`;
  const significant = conversionRate.lower > 0 || conversionRate.upper < 0;
  if (significant)
    return {
      conversionRate,
      revenuePerRecipient,
      significant,
      moreRecipientsNeeded: null,
      verdict: `${said}: significant`,
    };
  const perGroup = sampleSizePerGroup(treated.converted / treated.customers, holdout.converted / holdout.customers);
  if (!Number.isFinite(perGroup))
    return {
      conversionRate,
      revenuePerRecipient,
      significant,
      moreRecipientsNeeded: null,
      verdict: `${said}: no difference seen yet`,
    };
  // The holdout is the smaller group: grow the audience until it holds perGroup customers.
  const share = holdout.customers / (treated.customers + holdout.customers);
  const more = Math.max(0, Math.ceil((perGroup - holdout.customers) / share));
  return {
    conversionRate,
    revenuePerRecipient,
    significant,
    moreRecipientsNeeded: more,
    verdict: `${said}: not yet significant; about ${more} more recipients needed`,
  };
}
