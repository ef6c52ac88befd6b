// Profile benchmark on a store built by bench/ingest.js: full recompute (traits, RFM, lifecycle,
// model fits) and an incremental update of 1,000 touched customers. Prints a table.
//
//   npm run build && node bench/profiles.js [--db bench/out/ingest-1000000.duckdb] [--as-of 2026-11-01]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Order } from '@strata/core';
import { computeProfiles, updateProfiles } from '@strata/profiles';
import { DuckDbStore } from '@strata/store-duckdb';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: join(import.meta.dirname, 'out', 'ingest-1000000.duckdb') },
    'as-of': { type: 'string', default: '2026-11-01T00:00:00Z' },
    touched: { type: 'string', default: '1000' },
    repeat: { type: 'string', default: '5' },
    'skip-second': { type: 'boolean', default: false },
    'skip-full': { type: 'boolean', default: false },
  },
});
const asOf = new Date(values['as-of']);
const store = await DuckDbStore.open(values.db);
const rows = [];
const counts = await store.counts();
console.error(counts);

const steps = [];
const onStep = (step, ms) => steps.push({ step, ms: Math.round(ms) });
const full = values['skip-full'] ? null : await computeProfiles(store, { asOf, ranBy: 'bench', onStep });
console.error('full recompute, step by step');
console.table(steps);
steps.length = 0;
if (full)
  rows.push({
    what: 'full recompute incl. model fits',
    customers: full.customers.toLocaleString('en'),
    ms: full.durationMs,
  });
const full2 = values['skip-second'] ? null : await computeProfiles(store, { asOf, ranBy: 'bench' });
steps.length = 0;
if (full2)
  rows.push({
    what: 'full recompute (second run, warm)',
    customers: full2.customers.toLocaleString('en'),
    ms: full2.durationMs,
  });

const n = Number(values.touched);
const ids = (await store.query(`SELECT customer_id FROM customer_profile ORDER BY hash(customer_id) LIMIT ${n}`)).map(
  (r) => r.customer_id,
);
const times = [];
for (let i = 0; i < Number(values.repeat); i++) {
  const run = await updateProfiles(store, ids, { asOf, ranBy: 'bench', onStep });
  times.push(run.durationMs);
  if (i === 0) {
    console.error('incremental update, step by step (first run)');
    console.table(steps);
  }
  steps.length = 0;
}
times.sort((a, b) => a - b);

// The same customers, each with a new confirmed order just before the as-of time: their ranked
// measures change, so the rank thresholds are found again and other customers rescored where
// they moved. The bench's orders are removed afterwards (and the profiles recomputed for them).
const placed = new Date(asOf.getTime() - 3_600_000).toISOString();
const [shop] = await store.query(`SELECT id FROM locations ORDER BY id LIMIT 1`);
const withOrders = [];
for (let i = 0; i < Number(values.repeat); i++) {
  await store.write({
    orders: ids.map((customer_id) =>
      Order.parse({
        id: `BENCH-${i}-${String(customer_id)}`,
        customer_id,
        location_id: shop.id,
        placed_at: placed,
        currency: 'EUR',
        total: 25 + (i % 3) * 10,
      }),
    ),
  });
  const run = await updateProfiles(store, ids, { asOf, ranBy: 'bench', onStep });
  withOrders.push(run.durationMs);
  if (i === 0) {
    console.error('incremental update after a new order each, step by step (first run)');
    console.table(steps);
  }
  steps.length = 0;
}
await store.exec(`DELETE FROM orders WHERE id LIKE 'BENCH-%'`);
await updateProfiles(store, ids, { asOf, ranBy: 'bench' });
withOrders.sort((a, b) => a - b);
rows.push({
  what: `incremental update, ${n} touched customers (median of ${times.length})`,
  customers: n.toLocaleString('en'),
  ms: times[Math.floor(times.length / 2)],
});
rows.push({
  what: `incremental update, ${n} touched customers with a new order each (median of ${withOrders.length})`,
  customers: n.toLocaleString('en'),
  ms: withOrders[Math.floor(withOrders.length / 2)],
});
await store.close();
console.table(rows);
