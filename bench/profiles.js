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

/**
 * Runs `run` `times` times (after `before` each time), prints the first run's steps under
 * `label`, and adds a row with the median duration (customers: as given, else the run's).
 */
async function measure(label, customers, times, run, before = async () => {}) {
  const ms = [];
  for (let i = 0; i < times; i++) {
    await before(i);
    steps.length = 0;
    const result = await run();
    customers ??= result.customers;
    ms.push(result.durationMs);
    if (i === 0) {
      console.error(`${label}, step by step (first run)`);
      console.table(steps);
    }
  }
  ms.sort((a, b) => a - b);
  rows.push({
    what: times > 1 ? `${label} (median of ${times})` : label,
    customers: customers.toLocaleString('en'),
    ms: ms[Math.floor(ms.length / 2)],
  });
}

const full = () => computeProfiles(store, { asOf, ranBy: 'bench', onStep });
if (!values['skip-full']) await measure('full recompute incl. model fits', null, 1, full);
if (!values['skip-second']) await measure('full recompute (second run, warm)', null, 1, full);

const n = Number(values.touched);
const repeat = Number(values.repeat);
const ids = (await store.query(`SELECT customer_id FROM customer_profile ORDER BY hash(customer_id) LIMIT ${n}`)).map(
  (r) => r.customer_id,
);
const update = () => updateProfiles(store, ids, { asOf, ranBy: 'bench', onStep });
await measure(`incremental update, ${n} touched customers`, n, repeat, update);

// The same customers, each with a new confirmed order just before the as-of time: their ranked
// measures change, so the rank thresholds are found again and other customers rescored where
// they moved. The bench's orders are removed afterwards (and the profiles recomputed for them).
const placed = new Date(asOf.getTime() - 3_600_000).toISOString();
const [shop] = await store.query(`SELECT id FROM locations ORDER BY id LIMIT 1`);
const newOrders = (i) =>
  store.write({
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
await measure(`incremental update, ${n} touched customers with a new order each`, n, repeat, update, newOrders);
await store.exec(`DELETE FROM orders WHERE id LIKE 'BENCH-%'`);
await updateProfiles(store, ids, { asOf, ranBy: 'bench' });
await store.close();
console.table(rows);
