/**
 * @strata/segment-eval — the per-customer backend of the Segment IR: decides one customer's
 * membership from that customer's state, with the SQL backend's semantics (the two are held to
 * the same answers by a differential test), and says when that answer can next change by time
 * alone. Live membership builds on it; percentile ranks among everyone come from SQL cut-offs.
 */
export * from './customer-state.js';
export { type EvaluationContext, type PercentileBounds, type PercentileCutoffs } from './eval-context.js';
export { evaluateCustomer, percentileKey } from './evaluate.js';
export { loadCustomerStates, type LoadOptions } from './load-states.js';
export { addEventNeed, eventNeeds, type EventNeeds } from './event-needs.js';
export { nextChange } from './next-change.js';
export { perCustomerEvaluable, percentileCutoffs, type PercentileCutoffOptions } from './percentiles.js';
