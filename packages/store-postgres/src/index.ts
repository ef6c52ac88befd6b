/**
 * @strata/store-postgres — the core ports on a PostgreSQL server (server mode). So far: the SQL
 * runner that segment queries run on, and copying a store's tables into PostgreSQL.
 */
export { PostgresRunner, insertRows } from './postgres-runner.js';
export { copyTables, toPostgresType } from './copy-tables.js';
