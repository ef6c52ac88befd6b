import type { LoadColumnType, SqlParam } from '@strata/core';
import type { BgNbdParams } from './models/bgnbd.js';
import { expectedAverageValue, fitGammaGamma, type GammaGammaParams } from './models/gamma-gamma.js';
import {
  fitPurchaseModel,
  toPurchaseModel,
  type PurchaseModel,
  type PurchaseModelKind,
} from './models/purchase-models.js';
import type { ProfileConfig } from './profile-config.js';

/** A buyer's model inputs, in days from their first purchase day (see traits-sql.ts). */
export interface CustomerModelInput {
  customer_id: string;
  /** Repeat purchase days. */
  x: number;
  /** Days from the first to the last purchase day. */
  t_x: number;
  /** Days from the first purchase day to the as-of time. */
  t: number;
  /** Mean value of the repeat purchase days (null without repeats). */
  repeat_value: number | null;
}

export interface FittedCustomerModels {
  timeUnit: 'day';
  /** Buyers the models describe, and how many of them the fit used (all of them since the fits run on distinct histories). */
  customers: number;
  fittedOn: number;
  /** The purchase model (MBG/NBD by default; runs stored before it was chosen have `bgnbd` only). */
  purchaseModel?: {
    model: PurchaseModelKind;
    params: Record<string, number>;
    logLikelihood: number;
    converged: boolean;
  } | null;
  /** Runs of earlier versions: BG/NBD. */
  bgnbd?: { params: BgNbdParams; logLikelihood: number; converged: boolean } | null;
  gammaGamma: { params: GammaGammaParams; logLikelihood: number; converged: boolean } | null;
}

export const scoreColumns = [
  ['customer_id', 'text'],
  ['p_alive', 'double'],
  ['expected_orders_30d', 'double'],
  ['expected_orders_90d', 'double'],
  ['expected_orders_365d', 'double'],
  // Gamma-Gamma's expected spend per purchase *day* (same-day orders are one purchase in the
  // models), so it exceeds the AOV where customers place several orders a day (wholesalers).
  ['expected_aov', 'double'],
  ['predicted_clv', 'double'],
] as const satisfies readonly (readonly [string, LoadColumnType])[];

/** Fewer buyers than this and the models are not fitted (their estimates would mean little). */
export const MIN_BUYERS_TO_FIT = 30;

/**
 * The profile run's purchase model. Compared on holdout periods (docs/profiles.md, Models):
 * Pareto/NBD was the most accurate on CDNOW, BG/NBD on the gift shop, MBG/NBD within 1.4% of
 * the best on every split. MBG/NBD is chosen: unlike BG/NBD a one-time buyer can be gone, and
 * unlike Pareto/NBD its gradients are analytic, so it fits every buyer of a large store in seconds.
 */
export const PROFILE_PURCHASE_MODEL: PurchaseModelKind = 'mbg-nbd';

/**
 * Fits the purchase model and Gamma-Gamma on every buyer: the fits run on the distinct
 * (x, t_x, T) histories and (x, m) pairs with their counts, so their cost follows the number of
 * distinct histories (tens of thousands on a million buyers), not the number of buyers.
 */
export function fitCustomerModels(inputs: readonly CustomerModelInput[]): FittedCustomerModels | null {
  if (inputs.length < MIN_BUYERS_TO_FIT) return null;
  const fit = fitPurchaseModel(
    PROFILE_PURCHASE_MODEL,
    inputs.map((c) => ({ x: c.x, t_x: c.t_x, T: c.t })),
  );
  const repeaters = inputs
    .filter((c) => c.x > 0 && c.repeat_value !== null && c.repeat_value > 0)
    .map((c) => ({ x: c.x, m: c.repeat_value! }));
  let gg: FittedCustomerModels['gammaGamma'] = null;
  if (repeaters.length >= MIN_BUYERS_TO_FIT) {
    const g = fitGammaGamma(repeaters);
    // q ≤ 1 has no finite mean spend: the model does not describe this store.
    if (g.params.q > 1) gg = { params: g.params, logLikelihood: g.logLikelihood, converged: g.converged };
  }
  const purchaseModel = Number.isFinite(fit.logLikelihood)
    ? { model: fit.model, params: { ...fit.params }, logLikelihood: fit.logLikelihood, converged: fit.converged }
    : null;
  return { timeUnit: 'day', customers: inputs.length, fittedOn: inputs.length, purchaseModel, gammaGamma: gg };
}

/** The stored purchase model of a run, of this version or an earlier one (BG/NBD). */
function storedPurchaseModel(model: FittedCustomerModels | null): PurchaseModel | null {
  if (model?.purchaseModel) return toPurchaseModel(model.purchaseModel.model, model.purchaseModel.params);
  if (model?.bgnbd) return toPurchaseModel('bg-nbd', { ...model.bgnbd.params });
  return null;
}

const round = (v: number) => (Number.isFinite(v) ? Math.round(v * 1e9) / 1e9 : null);

/** P(alive), expected orders, expected order value and discounted lifetime value for each buyer. */
export function* scoreCustomers(
  inputs: readonly CustomerModelInput[],
  model: FittedCustomerModels | null,
  config: ProfileConfig,
): Iterable<readonly SqlParam[]> {
  const purchases = storedPurchaseModel(model);
  const gg = model?.gammaGamma?.params;
  // The periods asked for: 30, 90 and 365 days, and each month of the lifetime-value horizon.
  const periods = [
    ...new Set([30, 90, 365, ...Array.from({ length: config.clvHorizonMonths }, (_, m) => 30 * (m + 1))]),
  ];
  const slot = new Map(periods.map((t, i) => [t, i]));
  // Expected purchases if alive depend on x and T only (not t_x): computed once per (x, T) pair,
  // tens of thousands of pairs on a store of a million buyers.
  const ifAlive = new Map<string, Float64Array>();
  for (const c of inputs) {
    if (!purchases) {
      yield [c.customer_id, null, null, null, null, null, null];
      continue;
    }
    const history = { x: c.x, t_x: c.t_x, T: c.t };
    const key = `${c.x} ${c.t}`;
    let numerators = ifAlive.get(key);
    if (!numerators) {
      numerators = Float64Array.from(periods, (t) => purchases.expectedPurchasesIfAlive(t, c.x, c.t));
      ifAlive.set(key, numerators);
    }
    const alive = purchases.pAlive(history);
    const expectedIn = (days: number) => numerators[slot.get(days)!]! * alive;
    const aov = gg ? expectedAverageValue(gg, { x: c.x, m: c.repeat_value ?? 0 }) : Number.NaN;
    let clv = Number.NaN;
    if (gg) {
      clv = 0;
      let previous = 0;
      for (let month = 1; month <= config.clvHorizonMonths; month++) {
        const cumulative = expectedIn(30 * month);
        clv += ((cumulative - previous) * aov) / (1 + config.monthlyDiscountRate) ** month;
        previous = cumulative;
      }
    }
    yield [
      c.customer_id,
      round(alive),
      round(expectedIn(30)),
      round(expectedIn(90)),
      round(expectedIn(365)),
      round(aov),
      round(clv),
    ];
  }
}
