// Ingest benchmark: bulk import of the demo store, and events/s through /v1/batch with the real
// @segment/analytics-node client. Prints a table; record the numbers in docs/benchmarks.md.
//
//   npm run build && node bench/ingest.js --customers 1000000 [--events 400000] [--skip-bulk]
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Analytics } from '@segment/analytics-node';
import { importFile } from '@strata/ingest';
import { startServer } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import { generateDemoStore } from '@strata/testkit';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    events: { type: 'string', default: '300000' },
    clients: { type: 'string', default: '4' },
    'flush-at': { type: 'string', default: '200' },
    'skip-bulk': { type: 'boolean', default: false },
    'batch-size': { type: 'string', default: '100000' },
  },
});
const customers = Number(values.customers);
const out = join(import.meta.dirname, 'out');
mkdirSync(out, { recursive: true });
const rows = [];
const fmt = (n) => Math.round(n).toLocaleString('en');

if (!values['skip-bulk']) {
  const dir = join(out, `demo-${customers}`);
  let files;
  const t0 = performance.now();
  const generated = await generateDemoStore({ customers, seed: 42, outDir: dir });
  files = generated.files;
  const genSeconds = (performance.now() - t0) / 1000;
  console.error(`generated in ${genSeconds.toFixed(1)} s`);
  const db = join(out, `ingest-${customers}.duckdb`);
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  const store = await DuckDbStore.open(db);
  let totalRows = 0;
  let totalSeconds = 0;
  for (const entity of ['locations', 'products', 'customers', 'orders', 'order_lines', 'events', 'tags']) {
    const file = files[entity];
    if (!file || !existsSync(file)) continue;
    const s = await importFile(store, entity, file, { batchSize: Number(values['batch-size']) });
    const seconds = s.durationMs / 1000;
    totalRows += s.rows;
    totalSeconds += seconds;
    rows.push({ what: `bulk import ${entity}`, rows: fmt(s.rows), seconds: seconds.toFixed(1), 'per second': fmt(s.rows / seconds), rejected: s.rejected });
    console.error(rows.at(-1));
  }
  rows.push({ what: 'bulk import, all entities', rows: fmt(totalRows), seconds: totalSeconds.toFixed(1), 'per second': fmt(totalRows / totalSeconds), rejected: '' });
  const counts = await store.counts();
  await store.close();
  console.error(counts);
}

{
  const db = join(out, 'segment-api.duckdb');
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  const server = await startServer({ dbPath: db, port: 0, keys: { writeKey: 'bench', apiKey: 'bench', webhookSecret: 'bench' } });
  const total = Number(values.events);
  const clients = Number(values.clients);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const analytics = new Analytics({ writeKey: 'bench', host: server.url, flushAt: Number(values['flush-at']), flushInterval: 50, maxRetries: 3 });
      const errors = [];
      analytics.on('error', (e) => errors.push(e));
      const base = Date.parse('2026-10-01T00:00:00Z');
      for (let i = c; i < total; i += clients) {
        analytics.track({
          userId: `c${i % 50000}`,
          event: i % 3 === 0 ? 'Product Viewed' : 'Product Added',
          messageId: `bench-${i}`,
          timestamp: new Date(base + i * 1000),
          properties: { sku: `SKU-${i % 500}`, quantity: 1 },
        });
        // Let the client's own timers and sockets run, as a real app's event loop would.
        if (i % 2000 < clients) await new Promise((r) => setImmediate(r));
      }
      await analytics.closeAndFlush({ timeout: 600_000 });
      if (errors.length) console.error(`client ${c}: ${errors.length} errors`, errors[0]);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const stored = (await server.store.counts()).events;
  rows.push({ what: `/v1/batch, real Segment client ×${clients}`, rows: fmt(stored), seconds: seconds.toFixed(1), 'per second': fmt(stored / seconds), rejected: total - stored });
  await server.close();
}

console.table(rows);
