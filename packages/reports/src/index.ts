/**
 * @strata/reports — reports over the store: the store overview, a saved segment's size over time,
 * the overlap between segments, each segment's share of revenue, and movement between RFM segments
 * or lifecycle stages. Each is set-based SQL through the core SqlRunner port (DuckDB's dialect)
 * and answers plain tables that the CLI prints and the dashboard draws.
 */
export * from './report.js';
export { checkedDay, ParameterKind, type ParameterSpec, type RawParameters } from './report-params.js';
export { MAX_OVERLAP_SEGMENTS } from './segment-reports.js';
export { DEFAULT_COHORT_MONTHS } from './overview.js';
export { TransitionDimension, transitionDimensions } from './transitions.js';
export * from './reports.js';
