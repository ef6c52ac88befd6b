/**
 * The contract suites every store and channel adapter runs: what a port promises, written once,
 * registered as Vitest tests by each adapter's test file (testkit/test/adapter-contracts.test.ts
 * runs them for DuckDB and PostgreSQL, packages/channels/test for each channel). This entry point
 * imports vitest, which only the repository's dev dependencies provide, so it is apart from the
 * main export the CLI loads (`@strata/testkit/contracts`).
 */
export {
  describeSqlRunnerContract,
  sqlRunnerCases,
  type SqlRunnerCase,
  type SqlRunnerContractOptions,
} from './sql-runner-contract.js';
export { describeStoreContract, storeCases, type StoreCase, type StoreContractOptions } from './store-contract.js';
export {
  describeMessageSenderContract,
  messageSenderCases,
  type MessageSenderCase,
  type MessageSenderContractOptions,
  type MessageSenderFixture,
  type ProviderAddresses,
} from './message-sender-contract.js';
export type { ContractException, ContractExceptions } from './contract-cases.js';
