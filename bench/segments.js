// Segment benchmark on a profiled store: the stacked segment of the issue through the compiler,
// the same segment written by hand over the raw tables, every ready segment's count evaluated ad
// hoc (the builder's live count; target ≤ 300 ms each at 1M) and, on a store the live engine keeps
// (bench/live.js leaves one: bench/out/live-N.duckdb, the ready segments saved under their ids),
// each saved segment's count read from the membership store (target ≤ 10 ms each).
//
//   npm run build && node bench/segments.js [--db bench/out/ingest-1000000.duckdb] [--runs 7] [--as-of TIME]
//
// Segments are evaluated as of the profiles' as-of time unless --as-of says otherwise; the
// hand-written SQL counts from the same time.
import { join } from 'node:path';
import { parseAsOf } from '@strata/core';
import { parseArgs } from 'node:util';
import { memberCount } from '@strata/membership';
import { readySegments, readySegmentText, SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: join(import.meta.dirname, 'out', 'ingest-1000000.duckdb') },
    runs: { type: 'string', default: '7' },
    'as-of': { type: 'string' },
  },
});
const store = await DuckDbStore.open(values.db);
const segments = new SegmentService(store);
const runs = Number(values.runs);

async function median(fn) {
  await fn(); // warm up
  const t = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    result = await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { ms: t[Math.floor(t.length / 2)], result };
}

const stacked =
  'total_spent in top 10% and order_count >= 2 and last_order_at before 60 days ago and bought category "Coffee" ' +
  'and did add_to_cart within last 7 days then not order';
const now = await segments.evaluationTime(
  { text: stacked },
  values['as-of'] ? parseAsOf(values['as-of'], '--as-of') : undefined,
);
const rawSql = `
WITH buyers AS (
  SELECT o.customer_id, sum(o.total) AS spent, count(*) AS orders, max(o.placed_at) AS last_order
  FROM orders o WHERE o.status = 'confirmed' AND o.placed_at <= $1::TIMESTAMPTZ GROUP BY o.customer_id
),
-- the live buyers are ranked by spend (a money measure ranks buyers only, as the compiled segment does)
ranked AS (
  SELECT b.customer_id, b.spent, b.orders, b.last_order,
         rank() OVER (ORDER BY b.spent DESC) AS r, count(*) OVER () AS n
  FROM buyers b JOIN customers c ON c.id = b.customer_id WHERE c.merged_into IS NULL
)
SELECT count(*) AS count FROM ranked
WHERE (r - 1) * 100 < 10 * n AND orders >= 2 AND last_order < $1::TIMESTAMPTZ - INTERVAL 60 DAY
  AND customer_id IN (SELECT o.customer_id FROM orders o JOIN order_lines li ON li.order_id = o.id JOIN products p ON p.sku = li.sku
                      WHERE o.status = 'confirmed' AND lower(p.category) = 'coffee')
  AND customer_id IN (SELECT e.customer_id FROM events e WHERE e.type = 'add_to_cart' AND e.occurred_at >= $1::TIMESTAMPTZ - INTERVAL 7 DAY AND e.occurred_at <= $1::TIMESTAMPTZ
                      AND NOT EXISTS (SELECT 1 FROM orders o2 WHERE o2.customer_id = e.customer_id AND o2.status = 'confirmed' AND o2.placed_at > e.occurred_at AND o2.placed_at <= $1::TIMESTAMPTZ))`;

const rows = [];
const compiled = await median(() => segments.count({ text: stacked }, now));
rows.push({
  segment: 'stacked (compiled, reads customer_profile)',
  members: compiled.result,
  'median ms': compiled.ms.toFixed(1),
});
const raw = await median(async () => Number((await store.query(rawSql, [now.toISOString()]))[0].count));
rows.push({
  segment: 'stacked (hand-written SQL over raw tables)',
  members: raw.result,
  'median ms': raw.ms.toFixed(1),
});
rows.push({ segment: 'compiled ÷ raw', members: '', 'median ms': (compiled.ms / raw.ms).toFixed(3) });
const saved = new Map((await segments.list()).map((s) => [s.name, s]));
const adHocMs = [];
const storedMs = [];
for (const r of readySegments) {
  const m = await median(() => segments.count({ text: readySegmentText(r) }, now));
  const row = { segment: `ready: ${r.id}`, members: m.result, 'median ms': m.ms.toFixed(1) };
  adHocMs.push([r.id, m.ms]);
  const s = saved.get(r.id);
  if (s) {
    // memberCount answers the API (the latest daily size); the count of segment_members checks it
    const stored = await median(() => memberCount(store, s.id));
    const counted = await median(async () =>
      Number((await store.query('SELECT count(*) AS n FROM segment_members WHERE segment_id = $1', [s.id]))[0].n),
    );
    storedMs.push([r.id, stored.ms, counted.ms]);
    Object.assign(row, {
      'stored members': stored.result === counted.result ? stored.result : `${stored.result} ≠ ${counted.result}`,
      'memberCount ms': stored.ms.toFixed(2),
      'count(*) ms': counted.ms.toFixed(2),
    });
  }
  rows.push(row);
}
await store.close();
console.table(rows);
const slow = adHocMs.filter(([, ms]) => ms > 300);
console.log(
  `ad hoc counts over 300 ms: ${slow.length} of ${adHocMs.length}${slow.length ? ` (${slow.map(([id, ms]) => `${id} ${Math.round(ms)} ms`).join(', ')})` : ''}`,
);
if (storedMs.length) {
  const over = storedMs.filter(([, ms]) => ms > 10);
  console.log(
    `stored counts (memberCount): ${storedMs.length} saved segments, slowest ${Math.max(...storedMs.map(([, ms]) => ms)).toFixed(2)} ms; over 10 ms: ${over.length}${over.length ? ` (${over.map(([id, ms]) => `${id} ${ms.toFixed(1)} ms`).join(', ')})` : ''}; count(*) of segment_members: slowest ${Math.max(...storedMs.map(([, , ms]) => ms)).toFixed(2)} ms`,
  );
} else
  console.log(
    'no saved segments with the ready segments’ ids here: run bench/live.js and pass --db bench/out/live-N.duckdb for the stored counts',
  );
