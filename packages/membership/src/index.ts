/**
 * @strata/membership — the membership store: saved segments' current members, every entry and
 * exit with a stable id and a seq, daily sizes; and reads of history and of a customer's segments now
 * or in the past.
 */
export * from './membership-store.js';
export * from './membership-queries.js';
