import { afterAll, beforeAll } from 'vitest';
import { DuckDbStore } from '@strata/store-duckdb';
import { PostgresRunner } from '@strata/store-postgres';
import { startPostgres, type PostgresServer } from '@strata/testkit';
import { describeSqlRunnerContract, describeStoreContract } from '@strata/testkit/contracts';

/*
 * Every store adapter runs the same contract suites (testkit/src/contracts). An adapter that
 * cannot keep a promise of the port says so here, with the reason.
 */

describeSqlRunnerContract({
  name: 'DuckDbStore (embedded)',
  open: async () => {
    const store = await DuckDbStore.open(':memory:');
    return { runner: store, close: () => store.close() };
  },
});

let pg: PostgresServer | undefined;
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(() => pg?.stop());

describeSqlRunnerContract({
  name: 'PostgresRunner',
  open: () => {
    const runner = new PostgresRunner(pg!.url);
    return Promise.resolve({ runner, close: () => runner.close() });
  },
});

/*
 * The Store port (write, counts, resolveCustomer) has one implementation today: the DuckDB store.
 * store-postgres implements only the SQL runner, so there is no PostgreSQL Store to run it on.
 */
describeStoreContract({
  name: 'DuckDbStore (embedded)',
  open: () => DuckDbStore.open(':memory:'),
});
