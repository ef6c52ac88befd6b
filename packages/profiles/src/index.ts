/**
 * @strata/profiles — customer profiles: per-customer traits, RFM, value tiers, lifecycle stages,
 * replenishment dates and churn risk, computed in set-based SQL inside the store; and the
 * customer-base models (BG/NBD, Gamma-Gamma) that give P(alive) and predicted value.
 */
export * from './profile-config.js';
export * from './traits-sql.js';
export * from './profile-sql.js';
export * from './model-scores.js';
export * from './compute-profiles.js';
export * from './profile-queries.js';
export * from './profile-history.js';
export * from './models/index.js';
