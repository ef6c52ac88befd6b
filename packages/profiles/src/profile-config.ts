import { z } from 'zod';
import { AppError, type ConfigName } from '@strata/core';

/**
 * The thresholds behind the named traits. Every default is written down in docs/profiles.md; a
 * store changes them in settings, and a profile run records the values it used.
 */
export const ProfileConfig = z.object({
  /** Lifecycle: a repeat buyer with no confirmed order in this many days is churned. */
  churnDays: z.number().int().positive().default(30),
  /** Lifecycle: no confirmed order in this many days is dormant. */
  dormantDays: z.number().int().positive().default(180),
  /** Lifecycle: a first-time buyer stays "new" this many days after the first order. */
  newDays: z.number().int().positive().default(30),
  /** Lifecycle: a repeat buyer with at least this many orders who is within their cycle is loyal. */
  loyalMinOrders: z.number().int().positive().default(4),
  /** Lifecycle: days since the last order above this multiple of the usual interval is a skipped cycle. */
  skippedCycleFactor: z.number().positive().default(1.5),
  /** Lifecycle: ... and above this multiple, at risk. */
  atRiskFactor: z.number().positive().default(2.5),
  /** Value tier: spend percentile (0–1) from which a buyer is high value, and medium value. */
  highValuePercentile: z.number().min(0).max(1).default(0.8),
  mediumValuePercentile: z.number().min(0).max(1).default(0.5),
  /** Frequency tier: confirmed orders in the last 365 days for heavy and medium buyers. */
  heavyOrdersPerYear: z.number().int().positive().default(12),
  mediumOrdersPerYear: z.number().int().positive().default(4),
  /** Trend follower: bought within this many days of the product's launch. */
  trendDays: z.number().int().positive().default(30),
  /** A cart with no order within this many minutes of its last addition is abandoned. */
  cartAbandonMinutes: z.number().int().positive().default(60),
  /** Page views or chat messages further apart than this start a new visit or chat session. */
  sessionGapMinutes: z.number().int().positive().default(30),
  /** Predicted lifetime value: horizon in months and monthly discount rate. */
  clvHorizonMonths: z.number().int().positive().default(12),
  monthlyDiscountRate: z.number().min(0).max(1).default(0.01),
  /** Churn-risk band: P(alive) below this is high risk, at or above the second is low risk. */
  highRiskPAlive: z.number().min(0).max(1).default(0.3),
  lowRiskPAlive: z.number().min(0).max(1).default(0.7),
});
export type ProfileConfig = z.infer<typeof ProfileConfig>;
export const defaultProfileConfig: ProfileConfig = ProfileConfig.parse({});

/** The store settings (@strata/core configSettings) that set a threshold here, by the threshold each sets. */
export const profileSettings = {
  lifecycle_churn_days: 'churnDays',
  lifecycle_dormant_days: 'dormantDays',
  lifecycle_new_days: 'newDays',
  lifecycle_loyal_orders: 'loyalMinOrders',
  value_tier_high: 'highValuePercentile',
  value_tier_medium: 'mediumValuePercentile',
} as const satisfies Partial<Record<ConfigName, keyof ProfileConfig>>;

/**
 * The thresholds the store's settings give (`GET /v1/config`'s answer, or the CLI's readConfig),
 * each unset one its default. A medium value tier above the high one is refused by name.
 */
export function profileConfigFrom(settings: Readonly<Record<string, string>>): ProfileConfig {
  const given: Record<string, number> = {};
  for (const [name, field] of Object.entries(profileSettings)) {
    const v = settings[name];
    if (v !== undefined) given[field] = Number(v);
  }
  const config = ProfileConfig.parse(given);
  if (config.mediumValuePercentile > config.highValuePercentile)
    throw new AppError(
      'invalid',
      `value_tier_medium (${config.mediumValuePercentile}) is above value_tier_high (${config.highValuePercentile}): lower it, or raise value_tier_high`,
      [{ field: 'value_tier_medium', message: 'above value_tier_high' }],
    );
  return config;
}
