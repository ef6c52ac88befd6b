/**
 * @strata/campaigns — reaching customers: campaign definitions (audience from saved segments,
 * Liquid templates, per-customer schedules, coupons), the guardrails every send goes through
 * (consent, address, holdout, quiet hours, frequency caps: one decision, in SQL), the dry run, the
 * send engine (a send id recorded before the provider is called, retries with backoff), coupon
 * codes matched to orders, and consent withdrawal with signed unsubscribe tokens. Delivery is
 * the messaging port's (core's MessageSender); adapters live elsewhere.
 */
export * from './campaign-definition.js';
export * from './campaign-store.js';
export * from './guardrails.js';
export * from './schedule.js';
export * from './audience.js';
export * from './plan.js';
export * from './template.js';
export * from './template-variables.js';
export * from './compose.js';
export * from './coupons.js';
export * from './coupon-redemption.js';
export * from './consent.js';
export * from './send-id.js';
export * from './send-engine.js';
export * from './standing-campaign.js';
export * from './message-log.js';
export * from './delivery-reports.js';
export * from './ready-campaigns.js';
export * from './uplift.js';
export * from './results.js';
export * from './results-breakdown.js';
