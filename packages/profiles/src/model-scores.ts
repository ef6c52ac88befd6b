import type { LoadColumnType, SqlParam } from '@strata/core';
import { fitBgNbd, expectedPurchasesIfAlive, pAlive, type BgNbdParams } from './models/bgnbd.js';
import { expectedAverageValue, fitGammaGamma, type GammaGammaParams } from './models/gamma-gamma.js';
import { fitSummary } from './models/fit-summary.js';
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
  /** Buyers the models describe, and how many of them the fit used (a seeded sample on large stores). */
  customers: number;
  fittedOn: number;
  bgnbd: {
    params: BgNbdParams;
    logLikelihood: number;
    converged: boolean;
    fit: {
      frequency: { repeats: string; expected: number; actual: number }[];
      chiSquare: number;
      degreesOfFreedom: number;
    };
  } | null;
  gammaGamma: { params: GammaGammaParams; logLikelihood: number; converged: boolean } | null;
}

export const scoreColumns = [
  ['customer_id', 'text'],
  ['p_alive', 'double'],
  ['expected_orders_30d', 'double'],
  ['expected_orders_90d', 'double'],
  ['expected_orders_365d', 'double'],
  ['expected_aov', 'double'],
  ['predicted_clv', 'double'],
] as const satisfies readonly (readonly [string, LoadColumnType])[];

/** Fewer buyers than this and the models are not fitted (their estimates would mean little). */
export const MIN_BUYERS_TO_FIT = 30;
/**
 * Larger stores are fitted on a seeded random sample of this many buyers: the maximum-likelihood
 * estimates of four parameters are already tight at this size, and the fit stays within seconds.
 * Every buyer is scored with the fitted parameters.
 */
export const FIT_SAMPLE = 20_000;

function sample<T>(rows: readonly T[], n: number): T[] {
  if (rows.length <= n) return [...rows];
  // Deterministic (mulberry32, fixed seed) so the same data always gives the same fit.
  let s = 0x9e3779b9;
  const random = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...rows];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

export function fitCustomerModels(inputs: readonly CustomerModelInput[]): FittedCustomerModels | null {
  if (inputs.length < MIN_BUYERS_TO_FIT) return null;
  const sorted = [...inputs].sort((a, b) =>
    a.customer_id < b.customer_id ? -1 : a.customer_id > b.customer_id ? 1 : 0,
  );
  const chosen = sample(sorted, FIT_SAMPLE);
  const bg = fitBgNbd(chosen.map((c) => ({ x: c.x, t_x: c.t_x, T: c.t })));
  const repeaters = chosen
    .filter((c) => c.x > 0 && c.repeat_value !== null && c.repeat_value > 0)
    .map((c) => ({ x: c.x, m: c.repeat_value! }));
  let gg: FittedCustomerModels['gammaGamma'] = null;
  if (repeaters.length >= MIN_BUYERS_TO_FIT) {
    const fit = fitGammaGamma(repeaters);
    // q ≤ 1 has no finite mean spend: the model does not describe this store.
    if (fit.params.q > 1) gg = { params: fit.params, logLikelihood: fit.logLikelihood, converged: fit.converged };
  }
  let bgnbd: FittedCustomerModels['bgnbd'] = null;
  if (Number.isFinite(bg.logLikelihood)) {
    // Goodness of fit on the buyers the model was fitted to: repeat-purchase histogram, expected vs actual.
    const summary = fitSummary(
      bg.params,
      chosen.map((c) => ({ x: c.x, t_x: c.t_x, T: c.t })),
    );
    const round1 = (v: number) => Math.round(v * 10) / 10;
    bgnbd = {
      params: bg.params,
      logLikelihood: bg.logLikelihood,
      converged: bg.converged,
      fit: {
        frequency: summary.frequency.map((f) => ({ ...f, expected: round1(f.expected) })),
        chiSquare: round1(summary.chiSquare),
        degreesOfFreedom: summary.degreesOfFreedom,
      },
    };
  }
  return { timeUnit: 'day', customers: inputs.length, fittedOn: chosen.length, bgnbd, gammaGamma: gg };
}

const round = (v: number) => (Number.isFinite(v) ? Math.round(v * 1e9) / 1e9 : null);

/** P(alive), expected orders, expected order value and discounted lifetime value for each buyer. */
export function* scoreCustomers(
  inputs: readonly CustomerModelInput[],
  model: FittedCustomerModels | null,
  config: ProfileConfig,
): Iterable<readonly SqlParam[]> {
  const bg = model?.bgnbd?.params;
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
    if (!bg) {
      yield [c.customer_id, null, null, null, null, null, null];
      continue;
    }
    const history = { x: c.x, t_x: c.t_x, T: c.t };
    const key = `${c.x} ${c.t}`;
    let numerators = ifAlive.get(key);
    if (!numerators) {
      numerators = Float64Array.from(periods, (t) => expectedPurchasesIfAlive(bg, t, c.x, c.t));
      ifAlive.set(key, numerators);
    }
    const alive = pAlive(bg, history);
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
