/**
 * @strata/store-duckdb — the embedded default store: the core ports on one DuckDB file, with
 * versioned migrations, atomic batches and identity resolution in set-based SQL.
 */
export { DuckDbStore, guestCustomerId, type OpenOptions } from './duckdb-store.js';
export { migrations, type Migration } from './migrations.js';
export { eventPropertyChecks } from './native-sql.js';
export { openScratchDatabase, type ScratchDatabase } from './scratch-database.js';
