import {
  betaGeometricLogLikelihood,
  fitBetaGeometric,
  toCheckedRepeatData,
  type BgNbdFit,
  type BgNbdParams,
  type RepeatSummary,
} from './bgnbd.js';
import type { FitMethod } from './optimize.js';
import type { RepeatData } from './repeat-data.js';
import { logHyp2f1 } from './special.js';

/**
 * MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD where the coin that decides whether a
 * customer leaves is also tossed right after the first purchase, so one-time buyers can be gone.
 * Same parameters as BG/NBD (r, α for the purchase rate, a, b for the drop-out probability).
 */
export type MbgNbdParams = BgNbdParams;
export type MbgNbdFit = BgNbdFit;

export function mbgnbdLogLikelihood(p: MbgNbdParams, rows: readonly RepeatSummary[] | RepeatData): number {
  return betaGeometricLogLikelihood(toCheckedRepeatData(rows), [p.r, p.alpha, p.a, p.b], true).value;
}

/** Maximum likelihood by BFGS with analytic gradients (Nelder–Mead as fallback, or when asked for). */
export function fitMbgNbd(
  rows: readonly RepeatSummary[] | RepeatData,
  options: { method?: FitMethod } = {},
): MbgNbdFit {
  return fitBetaGeometric(rows, true, options);
}

/** P(alive | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)), for every x including 0. */
export function mbgnbdPAlive(p: MbgNbdParams, c: RepeatSummary): number {
  const logRatio =
    Math.log(p.a) - Math.log(p.b + c.x) + (p.r + c.x) * (Math.log(p.alpha + c.T) - Math.log(p.alpha + c.t_x));
  return 1 / (1 + Math.exp(logRatio));
}

/** Expected purchases in the next t of a customer known to be alive at T (x and T only). */
export function mbgnbdExpectedPurchasesIfAlive(p: MbgNbdParams, t: number, x: number, T: number): number {
  const { r, alpha, a, b } = p;
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const logH = (r + x) * Math.log((alpha + T) / (alpha + T + t)) + logHyp2f1(r + x, b + x + 1, a + b + x, z);
  return ((a + b + x) / (a - 1)) * -Math.expm1(logH);
}

/** E[Y(t) | x, t_x, T] (Batislam et al. 2007, eq. 11). */
export function mbgnbdExpectedPurchases(p: MbgNbdParams, t: number, c: RepeatSummary): number {
  return mbgnbdExpectedPurchasesIfAlive(p, t, c.x, c.T) * mbgnbdPAlive(p, c);
}
