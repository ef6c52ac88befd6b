// Automations benchmark (issue 19): --customers customers (default 100,000) of the demo store built
// by bench/ingest.js put something in their basket within one hour of test-clock time, and the
// ready abandoned-cart playbook runs for them on the real engines, in one process, over a copy of
// the store: the live engine records each customer entering "Abandoned basket" an hour after the
// cart (a time-based flip), the automation engine starts their run and queues the reminder, the
// campaigns' send engine decides it (consent, caps, quiet hours) and writes it to the local outbox
// (files); a day later, the coupon step. The test clock moves in --tick steps (default 60 s) through
// the hour of carts, the hour of reminders and the hour of coupons a day later; after each move the
// engines run until nothing more is due, so a step is late only by what the engines leave undone.
//
// Prints, in test-clock time: how late each step was queued after it fell due (the reminder is due
// an hour after the cart, the coupon 25 hours after), how late each message was sent after its due
// time (quiet hours move a message's due time to the end of the customer's quiet hours; those are
// counted apart), and what was decided; and in real time: how long the engines took for each hour
// of test-clock time, which is whether they keep up when the clock runs at its own pace (≤ 3,600 s
// for an hour).
//
//   npm run build && node bench/automations.js [--db bench/out/ingest-100000.duckdb]
//        [--customers 100000] [--tick 60] [--start 2026-11-02T09:00:00Z] [--keep]
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AutomationEngine, installPlaybook } from '@strata/automations';
import { CampaignEngine } from '@strata/campaigns';
import { outboxChannel } from '@strata/channels';
import { Event, ManualClock } from '@strata/core';
import { LiveEngine } from '@strata/live';
import { SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: join(import.meta.dirname, 'out', 'ingest-100000.duckdb') },
    customers: { type: 'string', default: '100000' },
    tick: { type: 'string', default: '60' },
    start: { type: 'string', default: '2026-11-02T09:00:00Z' },
    keep: { type: 'boolean', default: false },
  },
});
const HOUR = 3_600_000;
const wanted = Number(values.customers);
const tickMs = Number(values.tick) * 1000;
const start = new Date(values.start).getTime();
const fmt = (n) => Math.round(n).toLocaleString('en');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const iso = (ms) => new Date(ms).toISOString();

const work = join(import.meta.dirname, 'out', 'automations-work.duckdb');
rmSync(work, { force: true });
rmSync(`${work}.wal`, { force: true });
copyFileSync(values.db, work);
const outbox = mkdtempSync(join(tmpdir(), 'strata-bench-outbox-'));
const clock = new ManualClock(iso(start - HOUR));
const store = await DuckDbStore.open(work, { clock });
const segments = new SegmentService(store, { clock });
const one = (sql, params = []) => store.query(sql, params).then(([row]) => row);

// The carts: `wanted` customers (the same ones for the same store), spread evenly over the hour.
const picked = await store.query(
  `SELECT id FROM customers WHERE merged_into IS NULL ORDER BY hash(id), id LIMIT ${wanted}`,
);
const carts = picked.map((r, i) => ({ customer: String(r.id), at: start + Math.floor((i * HOUR) / picked.length) }));
const facts = await one(
  `SELECT count(*)::INTEGER AS customers, count(*) FILTER (WHERE consent_email_granted)::INTEGER AS consent
   FROM customers WHERE merged_into IS NULL`,
);
log(
  `store ${values.db}: ${fmt(facts.customers)} customers (${fmt(facts.consent)} with email consent); ` +
    `${fmt(carts.length)} carts from ${iso(start)} to ${iso(start + HOUR)}; load ${load()}`,
);

const sender = outboxChannel({ dir: outbox, from: 'Bench shop <news@shop.example>' }, { clock });
const live = new LiveEngine(store, { clock, segments });
const sends = new CampaignEngine(store, { clock, segments, sender });
const automations = new AutomationEngine(store, { clock, timer: clock, segments, sends, batchSize: 500 });
const playbook = await installPlaybook(store, 'abandoned-cart', {
  segments,
  clock,
  shopName: 'Bench shop',
  id: 'bench-cart',
});
let t = performance.now();
const recompute = await live.recompute('bench');
log(`live state set up (profiles and the playbook's segment for everyone) in ${fmt(performance.now() - t)} ms`);
void recompute;

/** Real milliseconds the engines spent, per test-clock hour after `start`. */
const realByHour = new Map();
const counts = { liveSteps: 0, entered: 0, automationSteps: 0, sendSteps: 0 };
let written = 0;

/** Writes the carts that have happened by now, then runs the engines until nothing more is due. */
async function settle() {
  const now = clock.now().getTime();
  const began = performance.now();
  const due = [];
  while (written < carts.length && carts[written].at <= now) due.push(carts[written++]);
  for (let i = 0; i < due.length; i += 5000)
    await store.write({
      events: due.slice(i, i + 5000).map((c) =>
        Event.parse({
          message_id: `bench-cart-${c.customer}`,
          customer_id: c.customer,
          type: 'add_to_cart',
          occurred_at: iso(c.at),
          properties: { sku: 'BENCH-1', name: 'Bench teapot', price: 24 },
        }),
      ),
    });
  for (;;) {
    let more = false;
    for (;;) {
      const r = await live.step();
      if (!r) break;
      counts.liveSteps++;
      counts.entered += r.entered;
      more ||= r.entered > 0;
      if (!r.more) break;
    }
    for (;;) {
      const r = await automations.step();
      if (!r) break;
      counts.automationSteps++;
      counts.sendSteps += r.sends.length;
      if (!r.more) break;
    }
    if (!more) break;
  }
  const hour = Math.floor((now - start) / HOUR);
  realByHour.set(hour, (realByHour.get(hour) ?? 0) + performance.now() - began);
}

/** Moves the clock in ticks from now to `until`, settling after each move. */
async function tickTo(until) {
  let ticks = 0;
  let began = performance.now();
  while (clock.now().getTime() < until) {
    clock.set(new Date(Math.min(until, clock.now().getTime() + tickMs)));
    await settle();
    if (++ticks % 15 === 0) {
      log(
        `test clock ${clock.now().toISOString().slice(11, 16)}: 15 ticks in ${fmt(performance.now() - began)} ms; ` +
          `carts ${fmt(written)}, entries ${fmt(counts.entered)}, live steps ${fmt(counts.liveSteps)}, ` +
          `automation steps ${fmt(counts.automationSteps)}, send steps ${fmt(counts.sendSteps)}; load ${load()}`,
      );
      began = performance.now();
    }
  }
}

t = performance.now();
clock.set(new Date(start));
await settle();
await tickTo(start + 2 * HOUR + 5 * 60_000); // carts, then the reminders an hour after each
log(`hours 0-2 (carts and reminders) in ${fmt(performance.now() - t)} ms of real time; load ${load()}`);
clock.set(new Date(start + 24 * HOUR));
await settle();
t = performance.now();
await tickTo(start + 25 * HOUR + 5 * 60_000); // the coupons, a day after each reminder
await tickTo(start + 26 * HOUR);
log(`hours 24-26 (coupons) in ${fmt(performance.now() - t)} ms of real time; load ${load()}`);

// ── what happened, in test-clock time ───────────────────────────────────────────────────────────
await store.loadTable(
  'bench_carts_in',
  [
    ['customer_id', 'text'],
    ['cart_at', 'text'],
  ],
  carts.map((c) => [c.customer, iso(c.at)]),
);
const lateness = await store.query(
  `WITH m AS (
     SELECT m.step, m.status, m.reason, m.created_at, m.due_at, m.sent_at,
            c.cart_at::TIMESTAMPTZ + (CASE WHEN m.step = 'reminder' THEN INTERVAL 1 HOUR ELSE INTERVAL 25 HOUR END) AS step_due
     FROM messages m JOIN bench_carts_in c ON c.customer_id = m.customer_id
     WHERE m.campaign_id LIKE '%bench-cart%')
   SELECT step, count(*)::INTEGER AS queued,
          count(*) FILTER (WHERE status IN ('sent', 'delivered'))::INTEGER AS sent,
          quantile_cont(epoch(created_at - step_due), 0.5) AS queue_p50,
          quantile_cont(epoch(created_at - step_due), 0.99) AS queue_p99,
          max(epoch(created_at - step_due)) AS queue_max,
          count(*) FILTER (WHERE due_at > step_due + INTERVAL 1 MINUTE AND sent_at IS NOT NULL)::INTEGER AS deferred,
          quantile_cont(epoch(sent_at - due_at), 0.5) FILTER (WHERE sent_at IS NOT NULL) AS send_p50,
          quantile_cont(epoch(sent_at - due_at), 0.99) FILTER (WHERE sent_at IS NOT NULL) AS send_p99,
          max(epoch(sent_at - due_at)) FILTER (WHERE sent_at IS NOT NULL) AS send_max
   FROM m GROUP BY step ORDER BY step DESC`,
);
const reasons = await store.query(
  `SELECT step, status, coalesce(reason, '') AS reason, count(*)::INTEGER AS n FROM messages
   WHERE campaign_id LIKE '%bench-cart%' GROUP BY ALL ORDER BY step DESC, n DESC`,
);
const runs = await store.query(
  `SELECT status, count(*)::INTEGER AS n FROM automation_runs WHERE automation_id = $1 GROUP BY ALL ORDER BY n DESC`,
  [playbook.id],
);
const s = (x) => (x === null || x === undefined ? '' : `${Number(x).toFixed(1)} s`);
console.log(
  `\nabandoned-cart playbook, ${fmt(carts.length)} carts within an hour, test clock moved in ${values.tick} s ticks`,
);
console.table(
  lateness.map((r) => ({
    step: r.step,
    queued: fmt(r.queued),
    sent: fmt(r.sent),
    'queued after due p50': s(r.queue_p50),
    p99: s(r.queue_p99),
    max: s(r.queue_max),
    'deferred (quiet hours)': fmt(r.deferred),
    'sent after its due time p50': s(r.send_p50),
    'p99 ': s(r.send_p99),
    'max ': s(r.send_max),
  })),
);
console.table(reasons.map((r) => ({ step: r.step, status: r.status, reason: r.reason, messages: fmt(r.n) })));
console.table(runs.map((r) => ({ run: r.status, runs: fmt(r.n) })));
console.log('real time the engines took, per hour of test-clock time (≤ 3,600 s keeps pace):');
console.table([...realByHour].map(([h, ms]) => ({ hour: `${h}-${h + 1}`, 'real seconds': (ms / 1000).toFixed(1) })));
console.log(
  `live steps ${fmt(counts.liveSteps)} (entries ${fmt(counts.entered)}), automation steps ${fmt(counts.automationSteps)}, ` +
    `send steps ${fmt(counts.sendSteps)}; load ${load()}`,
);
await store.close();
rmSync(outbox, { recursive: true, force: true });
if (!values.keep) {
  rmSync(work, { force: true });
  rmSync(`${work}.wal`, { force: true });
}
