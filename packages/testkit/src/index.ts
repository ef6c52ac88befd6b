/**
 * @strata/testkit — test support shared by the packages: a seeded, realistic demo-store generator
 * that writes the same CSV/JSON Lines files a user imports (customers, products, shops, orders,
 * order lines, events, tags), from a thousand customers to a million. Contract suites and the
 * scenario runner live here too as they arrive.
 */
export {
  generateDemoStore,
  DEFAULT_DEMO_NOW,
  DEFAULT_DEMO_SEED,
  demoFileNames,
  customerColumns,
  orderColumns,
  orderLineColumns,
  productColumns,
  locationColumns,
  tagColumns,
  type DemoStoreOptions,
  type DemoStoreFiles,
  type DemoStoreStats,
  type DemoStoreProgress,
} from './demo-store.js';
export { describeDemoStore } from './demo-store-report.js';
export { Archetype, archetypes } from './demo-persona.js';
export { Rng, mixSeed, cumulative } from './prng.js';
export { startPostgres, type PostgresServer } from './postgres-server.js';
export { chromiumLaunchOptions } from './chromium.js';
