/**
 * @strata/automations — playbooks that run themselves: a trigger (a customer enters or leaves a
 * saved segment, read from the membership change log after a durable cursor; an event or order
 * arrives; a date trait comes round), then steps for each customer (send through the campaigns'
 * guardrails and send engine, wait for a time or until a local hour or weekday, branch on a
 * segment condition, tag, issue a coupon, exit), re-entry rules and a goal that ends a run. Each customer's place is kept
 * in the store, so a restart resumes where it stopped. Ready playbooks install with one call.
 * Tag rules make a tag follow a saved segment, with its history.
 */
export * from './automation-definition.js';
export * from './trigger-sources.js';
export * from './wait-until.js';
export * from './coupon-step.js';
export * from './automation-store.js';
export * from './automation-engine.js';
export * from './playbooks/index.js';
export * from './automation-results.js';
export * from './tag-rules.js';
