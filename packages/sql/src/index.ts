/**
 * @strata/sql — compiles the Segment IR to SQL: first to an SQL IR (plain nodes tagged by kind),
 * then to `{ sql, params }` through a dialect (DuckDB, PostgreSQL). Values are always parameters;
 * names come only from the catalog and the fixed store schema. Executes nothing.
 */
export * from './sql-ir.js';
export * from './query-compiler.js';
export * from './segment-compiler.js';
export * from './segment-explain.js';
export { durationDays } from './segment-values.js';
