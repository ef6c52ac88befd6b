// Reports benchmark on a profiled store built by bench/ingest.js (and profiled by bench/profiles.js):
// the time of every report (`strata report …`), median of --runs after one warm-up. Target: each
// ≤ 1 s at 1,000,000 customers. Prints a table.
//
//   npm run build && node bench/reports.js [--db bench/out/reports-1000000.duckdb] [--runs 5] [--segments 8]
//
// Work on a copy of the store: the first run prepares it (once, not timed) with what the reports
// read and an ingest store lacks — eight saved segments whose membership the live engine would
// have kept (a week of daily updates, about 10% of each segment's members out on each day before
// the last, recorded as entries and exits), and a second full profile run 30 days after the
// store's own, so the profile history holds two runs for the transitions.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fixedClock } from '@strata/core';
import { recordMembership } from '@strata/membership';
import { computeProfiles, recordProfileHistory } from '@strata/profiles';
import { runReport } from '@strata/reports';
import { SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: join(import.meta.dirname, 'out', 'reports-1000000.duckdb') },
    runs: { type: 'string', default: '5' },
    // how many of the segments below to prepare (each costs eight membership updates of everyone)
    segments: { type: 'string', default: '8' },
    // only these reports (comma-separated names)
    only: { type: 'string' },
  },
});
const store = await DuckDbStore.open(values.db);
const runs = Number(values.runs);
const DAY = 86_400_000;
const day = (t) => new Date(t).toISOString().slice(0, 10);

const [first] = await store.query(
  `SELECT as_of FROM profile_runs WHERE status = 'complete' AND kind = 'full' ORDER BY as_of LIMIT 1`,
);
if (!first) throw new Error(`${values.db} has no profiles: run bench/profiles.js on it first`);
const firstAsOf = new Date(first.as_of);
const secondAsOf = new Date(firstAsOf.getTime() + 30 * DAY);
const segments = new SegmentService(store, { clock: fixedClock(firstAsOf) });

const definitions = [
  ['high value', 'value_tier = "high"'],
  ['loyal', 'lifecycle_stage = "loyal"'],
  ['at risk', 'lifecycle_stage in ["at_risk", "skipped_cycle"]'],
  ['champions', 'rfm_segment = "Champions"'],
  ['germany', 'country = "DE"'],
  ['frequent', 'order_count >= 5'],
  ['new buyers', 'lifecycle_stage = "new"'],
  ['big spenders', 'total_spent in top 10%'],
];

async function prepare() {
  const prep = performance.now();
  const have = new Set((await segments.list()).map((s) => s.name));
  const wanted = definitions.slice(0, Number(values.segments)).filter(([name]) => !have.has(name));
  if (wanted.length) {
    for (const [name, text] of wanted) {
      const saved = await segments.save({ name, text });
      const { sql, params } = await segments.idsQuery({ segment: saved.id }, firstAsOf);
      for (let k = 7; k >= 0; k--) {
        // each day before the last, a different ~10% of the members are out
        const members = k === 0 ? sql : `SELECT * FROM (${sql}) m(id) WHERE hash(id || '${k}') % 10 <> 0`;
        await store.transaction((tx) =>
          recordMembership(tx, {
            segmentId: saved.id,
            scope: 'all',
            members,
            params,
            at: new Date(firstAsOf.getTime() - k * DAY - DAY / 2).toISOString(),
            cause: 'recompute',
          }),
        );
      }
    }
    console.error(`saved ${wanted.length} segments with a week of membership history`);
  }
  const [h] = await store.query('SELECT count(DISTINCT as_of)::INTEGER AS runs FROM profile_history');
  if (Number(h.runs) === 0) {
    await store.transaction((tx) => recordProfileHistory(tx, firstAsOf.toISOString()));
    await computeProfiles(store, { asOf: secondAsOf, ranBy: 'bench' });
    console.error(`second full profile run as of ${secondAsOf.toISOString()}`);
  }
  console.error(`prepared in ${((performance.now() - prep) / 1000).toFixed(1)} s`);
}

await prepare();
const clock = fixedClock(secondAsOf);
const cases = [
  ['overview', {}],
  ['overview', { from: day(firstAsOf.getTime() - 365 * DAY), to: day(firstAsOf) }],
  ['overview', { segment: 'high value' }],
  ['segment-sizes', { segment: 'at risk', from: day(firstAsOf.getTime() - 10 * DAY), to: day(firstAsOf) }],
  ['overlap', {}],
  ['revenue-share', {}],
  ['transitions', { by: 'rfm', from: day(firstAsOf), to: day(secondAsOf) }],
  ['transitions', { by: 'lifecycle', from: day(firstAsOf), to: day(secondAsOf) }],
];

const rows = [];
const steps = [];
const only = values.only?.split(',');
for (const [name, params] of cases.filter(([name]) => !only || only.includes(name))) {
  const t = [];
  let report;
  for (let i = 0; i <= runs; i++) {
    const s = performance.now();
    const queries = [];
    const onQuery = (sql, ms) =>
      queries.push({ query: sql.replace(/\s+/g, ' ').trim().slice(0, 70), ms: Math.round(ms) });
    report = await runReport(store, name, params, { clock, timeoutMs: 120_000, onQuery });
    // where the time goes: the queries of the last run of the first case (the overview over all time)
    if (i === runs && steps.length === 0) steps.push(...queries);
    if (i > 0) t.push(performance.now() - s); // the first is the warm-up
  }
  t.sort((a, b) => a - b);
  rows.push({
    report: name,
    parameters: Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
    tables: report.tables.length,
    rows: report.tables.reduce((a, x) => a + x.rows.length, 0),
    'median ms': Math.round(t[Math.floor(t.length / 2)]),
    'max ms': Math.round(t[t.length - 1]),
  });
}
const [counts] = await store.query(
  `SELECT (SELECT count(*) FROM customers)::INTEGER AS customers, (SELECT count(*) FROM orders)::INTEGER AS orders,
          (SELECT count(*) FROM order_lines)::INTEGER AS lines, (SELECT count(*) FROM segment_members)::INTEGER AS members,
          (SELECT count(*) FROM profile_history)::INTEGER AS history`,
);
console.error(counts);
await store.close();
console.table(rows);
console.table(steps);
