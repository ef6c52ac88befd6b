import { expectedPurchasesIfAlive, fitBgNbd, pAlive, type BgNbdParams, type RepeatSummary } from './bgnbd.js';
import { fitMbgNbd, mbgnbdExpectedPurchasesIfAlive, mbgnbdPAlive } from './mbgnbd.js';
import type { FitMethod } from './optimize.js';
import {
  fitParetoNbd,
  paretoNbdExpectedPurchasesIfAlive,
  paretoNbdPAlive,
  type ParetoNbdParams,
} from './pareto-nbd.js';
import { toCheckedRepeatData } from './bgnbd.js';
import { customersOf, type RepeatData, type Weighted } from './repeat-data.js';

/** The purchase-count models, by the names the CLI and the profile configuration use. */
export const PurchaseModelKind = { bgNbd: 'bg-nbd', mbgNbd: 'mbg-nbd', paretoNbd: 'pareto-nbd' } as const;
export type PurchaseModelKind = (typeof PurchaseModelKind)[keyof typeof PurchaseModelKind];
export const purchaseModelKinds = Object.values(PurchaseModelKind);

export const purchaseModelNames: Record<PurchaseModelKind, string> = {
  'bg-nbd': 'BG/NBD',
  'mbg-nbd': 'MBG/NBD',
  'pareto-nbd': 'Pareto/NBD',
};

/** The parameters under the names of each model's paper. */
export const purchaseModelParameters: Record<PurchaseModelKind, readonly string[]> = {
  'bg-nbd': ['r', 'alpha', 'a', 'b'],
  'mbg-nbd': ['r', 'alpha', 'a', 'b'],
  'pareto-nbd': ['r', 'alpha', 's', 'beta'],
};

/** A model with its parameters: what the scoring needs, whichever model it is. */
export interface PurchaseModel {
  model: PurchaseModelKind;
  params: Readonly<Record<string, number>>;
  pAlive(c: RepeatSummary): number;
  /** Expected purchases in the next t of a customer alive at T; depends on x and T only. */
  expectedPurchasesIfAlive(t: number, x: number, T: number): number;
  /** E[Y(t) | x, t_x, T]. */
  expectedPurchases(t: number, c: RepeatSummary): number;
}

export interface PurchaseModelFit extends PurchaseModel {
  logLikelihood: number;
  customers: number;
  iterations: number;
  converged: boolean;
  method: FitMethod;
}

/** A model from stored parameters (a profile run's, say); throws naming a missing parameter. */
export function toPurchaseModel(model: PurchaseModelKind, params: Readonly<Record<string, number>>): PurchaseModel {
  for (const name of purchaseModelParameters[model])
    if (!(params[name]! > 0)) throw new RangeError(`${purchaseModelNames[model]} needs a positive ${name}`);
  const both = (
    alive: (c: RepeatSummary) => number,
    ifAlive: (t: number, x: number, T: number) => number,
  ): PurchaseModel => ({
    model,
    params,
    pAlive: alive,
    expectedPurchasesIfAlive: ifAlive,
    expectedPurchases: (t, c) => ifAlive(t, c.x, c.T) * alive(c),
  });
  if (model === 'pareto-nbd') {
    const p = params as unknown as ParetoNbdParams;
    return both(
      (c) => paretoNbdPAlive(p, c),
      (t, x, T) => paretoNbdExpectedPurchasesIfAlive(p, t, x, T),
    );
  }
  const p = params as unknown as BgNbdParams;
  if (model === 'mbg-nbd')
    return both(
      (c) => mbgnbdPAlive(p, c),
      (t, x, T) => mbgnbdExpectedPurchasesIfAlive(p, t, x, T),
    );
  return both(
    (c) => pAlive(p, c),
    (t, x, T) => expectedPurchasesIfAlive(p, t, x, T),
  );
}

const fitters = { 'bg-nbd': fitBgNbd, 'mbg-nbd': fitMbgNbd, 'pareto-nbd': fitParetoNbd } as const;

export function fitPurchaseModel(
  model: PurchaseModelKind,
  rows: readonly RepeatSummary[] | RepeatData,
  options: { method?: FitMethod } = {},
): PurchaseModelFit {
  const fit = fitters[model](toCheckedRepeatData(rows), options);
  const params = fit.params as unknown as Record<string, number>;
  return {
    ...toPurchaseModel(model, params),
    logLikelihood: fit.logLikelihood,
    customers: fit.customers,
    iterations: fit.iterations,
    converged: fit.converged,
    method: fit.method,
  };
}

export interface HoldoutAccuracy {
  model: PurchaseModelKind;
  customers: number;
  predicted: number;
  actual: number;
  /** Mean absolute error per customer of predicted vs actual holdout purchases. */
  meanAbsoluteError: number;
  rootMeanSquareError: number;
  /** Bayesian information criterion of the calibration fit (lower is better). */
  bic: number;
}

/**
 * How well each fitted model predicts every customer's purchases in the holdout period. The
 * expectations are computed once per distinct history.
 */
export function holdoutAccuracy(
  fit: PurchaseModelFit,
  rows: readonly Weighted<RepeatSummary & { holdoutCount: number }>[],
  holdoutLength: number,
): HoldoutAccuracy {
  const expected = perHistory((c) => fit.expectedPurchases(holdoutLength, c));
  let customers = 0;
  let predicted = 0;
  let actual = 0;
  let absolute = 0;
  let squared = 0;
  for (const c of rows) {
    const e = expected(c);
    const w = customersOf(c);
    customers += w;
    predicted += w * e;
    actual += w * c.holdoutCount;
    absolute += w * Math.abs(e - c.holdoutCount);
    squared += w * (e - c.holdoutCount) ** 2;
  }
  const n = customers || 1;
  return {
    model: fit.model,
    customers,
    predicted,
    actual,
    meanAbsoluteError: absolute / n,
    rootMeanSquareError: Math.sqrt(squared / n),
    bic: 4 * Math.log(fit.customers) - 2 * fit.logLikelihood,
  };
}

/** `f` computed once per distinct (x, t_x, T): customers share histories by the thousand. */
export function perHistory(f: (c: RepeatSummary) => number): (c: RepeatSummary) => number {
  const byX = new Map<number, Map<number, Map<number, number>>>();
  return (c) => {
    let byT = byX.get(c.x);
    if (!byT) byX.set(c.x, (byT = new Map<number, Map<number, number>>()));
    let byTx = byT.get(c.T);
    if (!byTx) byT.set(c.T, (byTx = new Map<number, number>()));
    let v = byTx.get(c.t_x);
    if (v === undefined) byTx.set(c.t_x, (v = f(c)));
    return v;
  };
}
