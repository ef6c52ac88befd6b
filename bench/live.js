// Live benchmark (issue 17): a server running the live engine over a copy of a store built by
// bench/ingest.js, with every ready segment that saves with its defaults saved, events sent through
// /v1/batch by the real @segment/analytics-node client at a steady rate, and:
//   - the backlog over time (customers waiting in live_pending) and events/s sustained;
//   - event-to-membership-change latency: a cart for a probe customer, from the moment it is handed
//     to the client to the commit of the step that records their entry (the step report's time);
//   - time-based flips: carts dated so that "did add_to_cart … then not order within 1 hour" comes
//     due during the run; lateness = the entry's time − the due time (and its commit − the due time);
//   - a catch-up: 100,000 orders imported through the server (POST /v1/import/orders?path=), and
//     the time until no customer waits any more;
//   - where a step's time goes (LiveEngine's onPhase, reported by the server process).
// Prints tables; record the numbers in docs/benchmarks.md.
//
//   npm run build && node bench/live.js [--customers 1000000] [--rate 2000] [--seconds 60]
//        [--probes 300] [--flips 200] [--catchup-orders 100000] [--drain-timeout 900]
//
// The store bench/out/ingest-N.duckdb is copied to bench/out/live-N.duckdb; the copy is left for a look.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { readySegments, readySegmentText, SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '60' },
    probes: { type: 'string', default: '300' },
    flips: { type: 'string', default: '200' },
    'catchup-orders': { type: 'string', default: '100000' },
    'drain-timeout': { type: 'string', default: '900' },
  },
});
const customers = Number(values.customers);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const probeCount = Number(values.probes);
const flipCount = Number(values.flips);
const catchupOrders = Number(values['catchup-orders']);
const drainTimeoutMs = Number(values['drain-timeout']) * 1000;
const out = join(import.meta.dirname, 'out');
const source = join(out, `ingest-${customers}.duckdb`);
const work = join(out, `live-${customers}.duckdb`);
const fmt = (n) => Math.round(n).toLocaleString('en');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
/** @type {(xs: number[], p: number) => number} */
const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* ---- a copy of the store, the ready segments saved, customers chosen ---- */
if (!existsSync(source))
  throw new Error(`${source} is missing: run node bench/ingest.js --customers ${customers} --skip-api`);
if (existsSync(`${source}.wal`))
  throw new Error(`${source}.wal exists: open and close the store once so it is checkpointed`);
rmSync(work, { force: true });
rmSync(`${work}.wal`, { force: true });
let t0 = performance.now();
copyFileSync(source, work);
log(`copied the store in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const setup = await DuckDbStore.open(work);
const segments = new SegmentService(setup);
const saved = [];
const notSaved = [];
for (const r of readySegments) {
  try {
    saved.push(await segments.save({ name: r.id, description: r.name, text: readySegmentText(r) }));
  } catch (e) {
    notSaved.push(`${r.id}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
log(
  `saved ${saved.length} of ${readySegments.length} ready segments${notSaved.length ? `; not saved: ${notSaved.join('; ')}` : ''}`,
);
const segmentName = new Map(saved.map((s) => [s.id, s.name]));
const abandonedId = saved.find((s) => s.name === 'abandoned-basket')?.id;
const cartNoOrderId = saved.find((s) => s.name === 'behaviour-c-cart-no-order')?.id;
if (!abandonedId) throw new Error('the ready segment abandoned-basket did not save: the flips need it');
const poolSize = Math.min(200_000, Math.floor(customers / 5));
const chosen = (
  await setup.query(
    `SELECT id FROM customers WHERE merged_into IS NULL ORDER BY hash(id || 'bench-live') LIMIT ${poolSize + probeCount + flipCount}`,
  )
).map((r) => String(r.id));
const probes = chosen.slice(0, probeCount);
const flipIds = chosen.slice(probeCount, probeCount + flipCount);
const pool = chosen.slice(probeCount + flipCount);
const skus = (await setup.query('SELECT sku FROM products ORDER BY sku')).map((r) => String(r.sku));
const catchupCustomers = (
  await setup.query(
    `SELECT id FROM customers WHERE merged_into IS NULL ORDER BY hash(id || 'bench-catchup') LIMIT ${catchupOrders}`,
  )
).map((r) => String(r.id));
await setup.close();

/* ---- the server ---- */
const env = { ...process.env, STRATA_WRITE_KEY: 'bench', STRATA_API_KEY: 'bench', STRATA_WEBHOOK_SECRET: 'bench' };
const server = spawn(process.execPath, [join(import.meta.dirname, 'live-server.js'), work], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
/** @typedef {{ at: string, byData: number, byTime: number, reranked: number, wholeSegments: string[], entered: number, exited: number, ms: number }} Step */
/** @type {{ step: Step, phases: [string, number, string | undefined][], t: number }[]} */
const steps = [];
/** @type {{ pending: number, overdue: number, events: number, orders: number, t: number }[]} */
const backlog = [];
const firstChange = new Map(); // customer -> [{ segment, kind, cause, at, t }]
let url;
let ready;
let recompute;
/** @type {(() => void)[]} */
const waiters = [];
const wake = () => waiters.splice(0).forEach((w) => w());
const until = async (test, timeoutMs, what) => {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) {
      log(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
      return false;
    }
    await Promise.race([new Promise((r) => waiters.push(r)), sleep(500)]);
  }
  return true;
};
const watched = new Set([...probes, ...flipIds]);
createInterface({ input: server.stdout }).on('line', (line) => {
  let m;
  try {
    m = JSON.parse(line);
  } catch {
    return log(`server: ${line}`);
  }
  if (m.url) url = m.url;
  else if (m.ready) ready = m;
  else if (m.log) {
    log(`server: ${m.log}`);
    if (m.log.startsWith('live: profiled')) recompute = m;
  } else if (m.step) {
    steps.push(m);
    const r = m.step;
    log(
      `step: ${fmt(r.byData)} by data, ${fmt(r.byTime)} by time, ${fmt(r.reranked)} re-ranked${r.wholeSegments.length ? `, ${r.wholeSegments.length} segments for everyone` : ''}: ${fmt(r.entered)} entered, ${fmt(r.exited)} exited in ${fmt(r.ms)} ms`,
    );
  } else if (m.backlog) backlog.push({ ...m.backlog, t: m.t });
  else if (m.changes) {
    for (const [customer, segment, kind, cause, ref, at] of m.changes) {
      if (!watched.has(customer)) continue;
      const list = firstChange.get(customer) ?? [];
      list.push({ segment, kind, cause, ref, at: Date.parse(at), t: m.t });
      firstChange.set(customer, list);
    }
  } else if (m.error) log(`server sampler: ${m.error}`);
  wake();
});
const serverExit = new Promise((r) => server.once('exit', r));
t0 = performance.now();
await until(() => url !== undefined, 120_000, 'the server');
log(`server on ${url}; waiting for the first recompute (load ${load()})`);
await until(() => ready !== undefined, 3_600_000, 'the first recompute');
const recomputeSeconds = (performance.now() - t0) / 1000;
log(`first recompute done after ${recomputeSeconds.toFixed(1)} s`);
/*
 * The change stream (GET /v1/changes/stream), where the server has it: when each watched
 * customer's entry into the cart segments reached a subscriber.
 */
/** @type {Map<string, number>} */
const streamed = new Map();
const streamAbort = new AbortController();
async function followStream(segmentIds) {
  const q = segmentIds.map((id) => `segment=${encodeURIComponent(id)}`).join('&');
  const res = await fetch(`${url}/v1/changes/stream?${q}`, {
    headers: { authorization: 'Bearer bench' },
    signal: streamAbort.signal,
  }).catch(() => undefined);
  if (!res?.ok || !res.body) return false;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        const t = Date.now();
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          /** @type {{ customer_id: string, segment_id: string, type: string }} */
          const change = JSON.parse(data.slice(6));
          const key = `${change.customer_id} ${change.segment_id}`;
          if (watched.has(change.customer_id) && change.type === 'segment.entered' && !streamed.has(key))
            streamed.set(key, t);
        }
      }
    } catch {
      // the stream ends with the server
    }
  })();
  return true;
}
const latestBacklog = () => /** @type {(typeof backlog)[number]} */ (backlog.at(-1));
await until(() => backlog.length > 0, 60_000, 'a backlog sample');
// What the recompute left to do (re-checks that fell due meanwhile) is taken by the first steps:
// the load starts once one step has run and nobody waits for data.
const stepsAtReady = steps.length;
await until(() => steps.length > stepsAtReady && latestBacklog().pending === 0, 600_000, 'a first step');
const streaming = await followStream([abandonedId, cartNoOrderId].filter((id) => id !== undefined));
log(
  streaming ? 'following the change stream' : 'no change stream on this server: latency to the committed change only',
);

/* ---- the steady load, probes and flips ---- */
const loadAtStart = load();
const runStart = Date.now();
const firstDue = runStart + 20_000;
const lastDue = runStart + (seconds + 60) * 1000;
const flips = flipIds.map((id, i) => {
  const due = firstDue + Math.round(((lastDue - firstDue) * i) / Math.max(1, flipIds.length - 1));
  return { id, due, at: new Date(due - 3_600_000).toISOString() };
});
const planFile = join(out, `live-plan-${customers}.json`);
writeFileSync(
  planFile,
  JSON.stringify({ url, rate, seconds, skus, pool, probes, flips: flips.map(({ id, at }) => ({ id, at })) }),
);
const probeSent = new Map();
let loadEnded;
let flushed;
let flipsSentAt;
const client = spawn(process.execPath, [join(import.meta.dirname, 'live-client.js'), planFile], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
createInterface({ input: client.stdout }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.probe) probeSent.set(m.probe, m.t);
  else if (m.flipsSent !== undefined) flipsSentAt = m.t;
  else if (m.loadEnded) loadEnded = m;
  else if (m.flushed) flushed = m;
  wake();
});
const clientExit = new Promise((r) => client.once('exit', r));
log(
  `load: ${rate} events/s for ${seconds} s over ${fmt(pool.length)} customers, ${probes.length} probes, ${flips.length} flips due from +20 s to +${seconds + 60} s`,
);
const loads = [];
const progress = setInterval(() => {
  loads.push({ t: Date.now(), load: loadavg()[0] });
  const b = latestBacklog();
  log(
    `pending ${fmt(b.pending)}, overdue ${fmt(b.overdue)}, events ${fmt(b.events)}, steps ${steps.length}, load ${load()}`,
  );
}, 5_000);
await clientExit;
const loadAtEnd = load();
/** @type {(t: number) => (typeof backlog)[number]} */
const eventsAt = (t) => backlog.filter((b) => b.t <= t).at(-1) ?? /** @type {(typeof backlog)[number]} */ (backlog[0]);
const loadStart = flipsSentAt ?? runStart;
const loadEnd = loadEnded?.t ?? Date.now();
const flushedAt = flushed?.t ?? Date.now();
// Drained: the first sample after the last event was acknowledged with nobody waiting.
await until(() => backlog.some((b) => b.t > flushedAt && b.pending === 0), drainTimeoutMs, 'the backlog to drain');
const drained = backlog.find((b) => b.t > flushedAt && b.pending === 0);
const drainEnd = drained?.t ?? Date.now();
await until(
  () =>
    Date.now() > lastDue + 120_000 || flips.every((f) => firstChange.get(f.id)?.some((c) => c.segment === abandonedId)),
  drainTimeoutMs,
  'the last flip',
);
const afterLoad = eventsAt(Date.now());
const accepted = afterLoad.events - eventsAt(loadStart).events;

/* ---- the catch-up: 100,000 orders imported through the server ---- */
let catchup;
if (catchupOrders > 0) {
  const file = join(out, `live-catchup-${customers}.csv`);
  const now = Date.now();
  const rows = catchupCustomers.map(
    (c, i) =>
      `LIVE-${now}-${i},${c},WEB,${new Date(now - Math.floor(Math.random() * 3_600_000)).toISOString()},confirmed,EUR,${(10 + (i % 90) + 0.5).toFixed(2)}`,
  );
  writeFileSync(file, `id,customer_id,location_id,placed_at,status,currency,total\n${rows.join('\n')}\n`);
  const stepsBefore = steps.length;
  const started = Date.now();
  const loadBefore = load();
  const res = await fetch(`${url}/v1/import/orders?format=csv&path=${encodeURIComponent(file)}`, {
    method: 'POST',
    headers: { authorization: 'Bearer bench' },
  });
  const summary = await res.json();
  const imported = Date.now();
  log(
    `catch-up import: ${res.status} ${JSON.stringify(summary).slice(0, 200)} in ${((imported - started) / 1000).toFixed(1)} s`,
  );
  const ok = await until(() => backlog.some((b) => b.t > imported && b.pending === 0), drainTimeoutMs, 'the catch-up');
  const current = backlog.find((b) => b.t > imported && b.pending === 0);
  const during = steps.slice(stepsBefore).filter((s) => s.t <= (current?.t ?? Date.now()));
  catchup = {
    ok: res.ok,
    importSeconds: (imported - started) / 1000,
    currentSeconds: ((current?.t ?? Date.now()) - started) / 1000,
    current: ok,
    waiting: latestBacklog().pending,
    steps: during.length,
    stepMs: during.map((s) => s.step.ms),
    customers: during.reduce((a, s) => a + s.step.byData, 0),
    load: `${loadBefore} → ${load()}`,
  };
  rmSync(file, { force: true });
}
clearInterval(progress);
streamAbort.abort();
server.kill('SIGTERM');
await serverExit;
rmSync(planFile, { force: true });

/* ---- results ---- */
const probeLatency = [];
const probeSampled = [];
const probeStreamed = [];
/** @type {Record<string, number>} */
const probeCauses = {};
let probesWithout = 0;
const stepCommit = new Map(steps.map((s) => [Date.parse(s.step.at), s.t]));
for (const [id, sent] of probeSent) {
  const streamedAt = streamed.get(`${id} ${cartNoOrderId}`);
  if (streamedAt !== undefined) probeStreamed.push(streamedAt - sent);
  // the step that took the cart: its cause is "time" when the cart was dated after the step's own time
  const c = firstChange.get(id)?.find((x) => (x.cause === 'event' || x.cause === 'time') && x.t >= sent);
  if (!c) {
    probesWithout++;
    continue;
  }
  probeCauses[c.cause] = (probeCauses[c.cause] ?? 0) + 1;
  probeLatency.push((stepCommit.get(c.at) ?? c.t) - sent);
  probeSampled.push(c.t - sent);
}
const flipLate = [];
const flipCommitLate = [];
const flipStreamed = [];
/** @type {Record<string, number>} */
const flipCauses = {};
let flipsWithout = 0;
for (const f of flips) {
  const streamedAt = streamed.get(`${f.id} ${abandonedId}`);
  if (streamedAt !== undefined) flipStreamed.push(streamedAt - f.due);
  const c = firstChange.get(f.id)?.find((x) => x.segment === abandonedId && x.kind === 'entered');
  if (!c) {
    flipsWithout++;
    continue;
  }
  flipCauses[c.cause] = (flipCauses[c.cause] ?? 0) + 1;
  flipLate.push(c.at - f.due);
  flipCommitLate.push((stepCommit.get(c.at) ?? c.t) - f.due);
}
const inLoad = backlog.filter((b) => b.t >= loadStart && b.t <= loadEnd);
/** @type {(k: number) => typeof backlog} */
const third = (k) => inLoad.slice(Math.floor((k * inLoad.length) / 3), Math.floor(((k + 1) * inLoad.length) / 3));
/** @type {(xs: typeof backlog) => number} */
const meanPending = (xs) => (xs.length ? xs.reduce((a, b) => a + b.pending, 0) / xs.length : NaN);
const loadSteps = steps.filter((s) => s.t >= loadStart && s.t <= drainEnd);
const rateAccepted = (eventsAt(loadEnd).events - eventsAt(loadStart).events) / ((loadEnd - loadStart) / 1000);
const stepCustomers = loadSteps.reduce((a, s) => a + s.step.byData + s.step.byTime, 0);
const stepSeconds = loadSteps.reduce((a, s) => a + s.step.ms, 0) / 1000;
const bounded = meanPending(third(2)) <= Math.max(2 * meanPending(third(0)), 5000);
const ms = (x) => (Number.isFinite(x) ? `${fmt(x)} ms` : 'n/a');

console.log(
  `\nLive benchmark, ${fmt(customers)} customers, ${saved.length} saved segments (${notSaved.length} ready segments did not save), first recompute ${recomputeSeconds.toFixed(1)} s`,
);
console.log(
  `load average (1, 5, 15 min): ${loadAtStart} at the start of the load, ${loadAtEnd} at its end${catchup ? `, ${catchup.load} over the catch-up` : ''}`,
);
const table = [
  {
    what: 'events sent (client)',
    measured: `${fmt(loadEnded?.sent ?? 0)} in ${((loadEnd - loadStart) / 1000).toFixed(1)} s, ${flushed?.failures ?? '?'} failures`,
    target: '',
    met: '',
  },
  {
    what: 'events accepted per second during the load',
    measured: fmt(rateAccepted),
    target: `≥ ${fmt(rate)}`,
    met: rateAccepted >= rate * 0.98 ? 'met' : 'missed',
  },
  { what: 'events accepted in all (load + flips)', measured: fmt(accepted), target: '', met: '' },
  {
    what: 'backlog: customers waiting, mean of each third of the load',
    measured: [0, 1, 2].map((k) => fmt(meanPending(third(k)))).join(' → '),
    target: 'bounded',
    met: bounded ? 'met' : 'missed (grows)',
  },
  {
    what: 'backlog: most customers waiting',
    measured: fmt(Math.max(0, ...inLoad.map((b) => b.pending))),
    target: '',
    met: '',
  },
  {
    what: 'backlog drained after the last event was acknowledged',
    measured: drained ? `${((drained.t - flushedAt) / 1000).toFixed(1)} s` : `not within ${drainTimeoutMs / 1000} s`,
    target: '',
    met: '',
  },
  {
    what: 'steps during the load and drain',
    measured: `${loadSteps.length}, ${fmt(
      pct(
        loadSteps.map((s) => s.step.ms),
        50,
      ),
    )} ms median, ${fmt(Math.max(0, ...loadSteps.map((s) => s.step.ms)))} ms max`,
    target: '',
    met: '',
  },
  {
    what: 'customers re-evaluated per second of step time',
    measured: fmt(stepCustomers / stepSeconds),
    target: '',
    met: '',
  },
  { what: 'event → membership change, p50 (send to commit)', measured: ms(pct(probeLatency, 50)), target: '', met: '' },
  {
    what: 'event → membership change, p99',
    measured: ms(pct(probeLatency, 99)),
    target: '≤ 100 ms',
    met: pct(probeLatency, 99) <= 100 ? 'met' : 'missed',
  },
  { what: 'event → membership change, max', measured: ms(Math.max(...probeLatency)), target: '', met: '' },
  {
    what: 'event → change reaches a change-stream subscriber, p50 / p99 / max',
    measured: streaming ? [50, 99, 100].map((p) => ms(pct(probeStreamed, p))).join(' / ') : 'no stream',
    target: '',
    met: '',
  },
  {
    what: 'probes with a change seen (by cause)',
    measured: `${probeLatency.length} of ${probeSent.size} ${JSON.stringify(probeCauses)}${probesWithout ? ` (${probesWithout} without)` : ''}`,
    target: '',
    met: '',
  },
  { what: 'time-based flip: entry time − due, p50', measured: ms(pct(flipLate, 50)), target: '', met: '' },
  {
    what: 'time-based flip: entry time − due, p99',
    measured: ms(pct(flipLate, 99)),
    target: '≤ 1,000 ms',
    met: pct(flipLate, 99) <= 1000 ? 'met' : 'missed',
  },
  {
    what: 'time-based flip: entry time − due, max',
    measured: ms(Math.max(...flipLate)),
    target: '≤ 1,000 ms',
    met: Math.max(...flipLate) <= 1000 ? 'met' : 'missed',
  },
  {
    what: 'time-based flip: commit − due, p50 / p99 / max',
    measured: [50, 99, 100].map((p) => ms(pct(flipCommitLate, p))).join(' / '),
    target: '',
    met: '',
  },
  {
    what: 'time-based flip: reaches a change-stream subscriber − due, p50 / p99 / max',
    measured: streaming ? [50, 99, 100].map((p) => ms(pct(flipStreamed, p))).join(' / ') : 'no stream',
    target: '',
    met: '',
  },
  {
    what: 'flips seen (by cause)',
    measured: `${flipLate.length} of ${flips.length} ${JSON.stringify(flipCauses)}${flipsWithout ? `, ${flipsWithout} without` : ''}`,
    target: '',
    met: '',
  },
];
if (catchup)
  table.push(
    {
      what: `catch-up: import of ${fmt(catchupOrders)} orders through the server`,
      measured: `${catchup.importSeconds.toFixed(1)} s`,
      target: '',
      met: '',
    },
    {
      what: catchup.current
        ? 'catch-up: from the import until nobody waits'
        : 'catch-up: not current when the bench stopped waiting',
      measured: `${catchup.currentSeconds.toFixed(1)} s: ${catchup.steps} steps (median ${fmt(pct(catchup.stepMs, 50))} ms), ${fmt(catchup.customers)} customers re-evaluated${catchup.current ? '' : `, ${fmt(catchup.waiting)} still waiting`}`,
      target: '',
      met: catchup.ok ? '' : 'import failed',
    },
  );
console.table(table);

// The backlog over time, every 5 s from the start of the load.
const series = [];
const seriesEnd = Date.now();
const every = Math.max(5000, Math.ceil((seriesEnd - loadStart) / 30 / 5000) * 5000);
for (let t = loadStart; t <= seriesEnd; t += every) {
  const b = eventsAt(t);
  const l = loads.filter((x) => x.t <= t).at(-1);
  series.push({
    's from start': Math.round((t - loadStart) / 1000),
    'customers waiting': fmt(b.pending),
    're-checks overdue': fmt(b.overdue),
    'events stored': fmt(b.events),
    'load (1 min)': l ? l.load.toFixed(2) : '',
  });
}
console.table(series);

// Where the steps' time went (the load and drain), phase by phase, and the ten costliest segments.
const phaseTotals = new Map();
const segmentTotals = new Map();
for (const s of loadSteps)
  for (const [phase, msOf, segment] of s.phases) {
    phaseTotals.set(phase, (phaseTotals.get(phase) ?? 0) + msOf);
    if (segment) {
      const k = segmentName.get(segment) ?? segment;
      const e = segmentTotals.get(k) ?? { evaluate: 0, record: 0 };
      e[phase] += msOf;
      segmentTotals.set(k, e);
    }
  }
const stepMs = loadSteps.reduce((a, s) => a + s.step.ms, 0);
console.table(
  [...phaseTotals].map(([phase, total]) => ({
    phase,
    'ms per step': (total / loadSteps.length).toFixed(1),
    'share of step time': `${((100 * total) / stepMs).toFixed(1)}%`,
  })),
);
console.table(
  [...segmentTotals]
    .sort((a, b) => b[1].evaluate + b[1].record - (a[1].evaluate + a[1].record))
    .slice(0, 10)
    .map(([segment, e]) => ({
      segment,
      'evaluate ms per step': (e.evaluate / loadSteps.length).toFixed(1),
      'record ms per step': (e.record / loadSteps.length).toFixed(1),
    })),
);
if (recompute?.phases?.length) {
  const r = new Map();
  for (const [phase, msOf] of recompute.phases) r.set(phase, (r.get(phase) ?? 0) + msOf);
  console.log('first recompute, by phase (ms):', Object.fromEntries([...r].map(([k, v]) => [k, Math.round(v)])));
}
