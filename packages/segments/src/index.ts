/**
 * @strata/segments — evaluating segments against a store (count, members, explain), the store's
 * saved segments, and the library of ready segments. Runs SQL only through the core SqlRunner port.
 */
export * from './library.js';
export * from './segment-service.js';
