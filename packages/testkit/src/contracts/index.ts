/**
 * The contract suites every store adapter runs: what a port promises, written once, registered as
 * Vitest tests by each adapter's test file (testkit/test/adapter-contracts.test.ts runs them for
 * DuckDB and PostgreSQL). This entry point imports vitest, which only the repository's dev
 * dependencies provide, so it is apart from the main export the CLI loads (`@strata/testkit/contracts`).
 */
export {
  describeSqlRunnerContract,
  sqlRunnerCases,
  type SqlRunnerCase,
  type SqlRunnerContractOptions,
} from './sql-runner-contract.js';
export { describeStoreContract, storeCases, type StoreCase, type StoreContractOptions } from './store-contract.js';
export type { ContractException, ContractExceptions } from './contract-cases.js';
