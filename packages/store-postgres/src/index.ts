/**
 * @strata/store-postgres — the core SQL port on a PostgreSQL server, and copying a store's tables
 * into PostgreSQL: what the differential segment tests need. Not a store Strata runs on yet (no
 * Store port, no migrations, no profile engine).
 */
export { PostgresRunner, insertRows } from './postgres-runner.js';
export { copyTables, toPostgresType } from './copy-tables.js';
