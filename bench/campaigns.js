// Campaign benchmark (issue 18) on the demo store built by bench/ingest.js (profiles are computed
// first when the store has none, as of --as-of):
//   - the dry run of a campaign to about half the customers: two saved segments kept by the live
//     engine (`churned` and `one-time-buyers`, overlapping: each person once) minus `unsatisfied`,
//     email consent as imported, frequency caps (2 in 7 days) that bite on the other campaigns'
//     messages this benchmark records, quiet hours 21–9 in each customer's own time zone, a 10%
//     holdout and generated coupons; median of --runs after a warm-up, with each guardrail
//     switched off in turn to show what it costs; then the start (the audience written to the
//     message log);
//   - sending: a campaign to --send customers with email consent (a sample written to a saved
//     segment's members) through the whole send loop (guardrails, coupons, templates with profile
//     traits and recommendations, unsubscribe links, the outcome recorded) to a real SMTP server
//     (smtp-server in a child process on 127.0.0.1, nodemailer's pool of 5 connections) and to the
//     local outbox (files); messages per second.
// Prints tables, with the load average at each measurement; record the numbers in docs/benchmarks.md.
//
//   npm run build && node bench/campaigns.js [--db bench/out/ingest-1000000.duckdb] [--runs 5]
//        [--at 2026-11-02T08:30:00Z] [--send 20000] [--batch 200] [--concurrency 8] [--skip-plan] [--skip-send]
//        [--trace] (statements' time, summed) [--keep] (leave the fixtures and the dry run's campaign)
//
// Everything the benchmark adds to the store (segments, members, messages, campaigns, coupons) is
// removed at the end (unless --keep) and at the start; computed profiles are kept.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fixedClock, LiveSetting } from '@strata/core';
import { CampaignEngine, createCampaign, unsubscribeSecret } from '@strata/campaigns';
import { outboxChannel, smtpChannel } from '@strata/channels';
import { computeProfiles } from '@strata/profiles';
import { SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: join(import.meta.dirname, 'out', 'ingest-1000000.duckdb') },
    'as-of': { type: 'string', default: '2026-11-01T00:00:00Z' },
    at: { type: 'string', default: '2026-11-02T08:30:00Z' },
    runs: { type: 'string', default: '5' },
    send: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
    'skip-plan': { type: 'boolean', default: false },
    'skip-send': { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const at = new Date(values.at);
const PREFIX = 'bench-campaigns-';
const fmt = (n) => Math.round(n).toLocaleString('en');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
/** @type {(xs: number[]) => number} */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const store = await DuckDbStore.open(values.db);
// --trace: every statement's time, summed by its first words, printed after each part.
/** @type {Map<string, { ms: number, n: number }>} */
const traced = new Map();
if (values.trace) {
  /** @typedef {(sql: string, ...rest: unknown[]) => Promise<unknown>} Run */
  const runner = /** @type {{ run: Run, rows: Run }} */ (/** @type {unknown} */ (Reflect.get(store, 'runner')));
  for (const method of /** @type {const} */ (['run', 'rows'])) {
    const inner = runner[method].bind(runner);
    runner[method] = async (sql, ...rest) => {
      const t = performance.now();
      try {
        return await inner(sql, ...rest);
      } finally {
        const key = sql.replace(/\s+/g, ' ').trim().slice(0, 110);
        const e = traced.get(key) ?? { ms: 0, n: 0 };
        e.ms += performance.now() - t;
        e.n++;
        traced.set(key, e);
      }
    };
  }
}
function printTrace(title) {
  if (!values.trace) return;
  const top = [...traced].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15);
  console.log(`\nstatements by time (${title}):`);
  console.table(top.map(([sql, e]) => ({ ms: fmt(e.ms), calls: e.n, sql })));
  traced.clear();
}
const one = (sql, params = []) => store.query(sql, params).then(([row]) => row);

async function cleanUp() {
  const like = [`${PREFIX}%`];
  await store.exec(`DELETE FROM coupons WHERE campaign_id LIKE $1`, like);
  await store.exec(`DELETE FROM messages WHERE campaign_id LIKE $1`, like);
  await store.exec(`DELETE FROM campaigns WHERE id LIKE $1`, like);
  await store.exec(`DELETE FROM segment_members WHERE segment_id LIKE $1`, like);
  await store.exec(`DELETE FROM segments WHERE id LIKE $1`, like);
  const live = await one(`SELECT value FROM settings WHERE key = $1`, [LiveSetting.segments]);
  if (live) {
    const kept = Object.fromEntries(Object.entries(JSON.parse(live.value)).filter(([id]) => !id.startsWith(PREFIX)));
    await store.exec(`UPDATE settings SET value = $2 WHERE key = $1`, [LiveSetting.segments, JSON.stringify(kept)]);
  }
  const bench = await one(`SELECT value FROM settings WHERE key = $1`, [`${PREFIX}added`]);
  if (bench) for (const key of JSON.parse(bench.value)) await store.exec(`DELETE FROM settings WHERE key = $1`, [key]);
  await store.exec(`DELETE FROM settings WHERE key = $1`, [`${PREFIX}added`]);
}

// ── the store ────────────────────────────────────────────────────────────────────────────────
await cleanUp();
const profiled = await one(
  `SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'customer_profile'`,
);
if (!Number(profiled.n)) {
  log(`no profiles: computing them as of ${values['as-of']} (load ${load()})`);
  const t = performance.now();
  const run = await computeProfiles(store, { asOf: new Date(values['as-of']), ranBy: 'bench' });
  log(`profiles of ${fmt(run.customers)} customers computed in ${fmt(performance.now() - t)} ms`);
}
const clock = fixedClock(at.toISOString());
const segments = new SegmentService(store, { clock });
const facts = await one(`
  SELECT count(*)::INTEGER AS customers,
         count(*) FILTER (WHERE consent_email_granted)::INTEGER AS email_consent,
         count(DISTINCT coalesce(timezone, '(none)'))::INTEGER AS zones,
         count(*) FILTER (WHERE timezone IS NULL)::INTEGER AS no_zone
  FROM customers WHERE merged_into IS NULL`);
log(
  `store: ${values.db}: ${fmt(facts.customers)} customers, ${fmt(facts.email_consent)} with email consent, ` +
    `${fmt(facts.zones)} time zones (${fmt(facts.no_zone)} without one: the store's, UTC)`,
);

/** Saves a segment kept by the live engine: its members evaluated now and written to segment_members. */
async function liveSegment(key, text, members) {
  const id = `${PREFIX}${key}`;
  const saved = await segments.save({ id, name: `${PREFIX}${key}`, text });
  if (members) await store.exec(`INSERT INTO segment_members ${members}`, [id, at.toISOString()]);
  else {
    const def = { segment: id };
    const q = await segments.idsQuery(def, await segments.evaluationTime(def));
    const offset = q.params.length;
    await store.exec(
      `INSERT INTO segment_members SELECT $${offset + 1}, CAST(customer_id AS VARCHAR), $${offset + 2}::TIMESTAMPTZ FROM (${q.sql}) AS m(customer_id)`,
      [...q.params, id, at.toISOString()],
    );
  }
  return saved;
}
/** @param {import('@strata/segments').SavedSegment[]} saved */
async function markLive(saved) {
  const added = [];
  const live = await one(`SELECT value FROM settings WHERE key = $1`, [LiveSetting.segments]);
  const map = {
    .../** @type {Record<string, string>} */ (live ? JSON.parse(String(live.value)) : {}),
    ...Object.fromEntries(saved.map((s) => [s.id, s.updated_at])),
  };
  if (live)
    await store.exec(`UPDATE settings SET value = $2 WHERE key = $1`, [LiveSetting.segments, JSON.stringify(map)]);
  else {
    await store.exec(`INSERT INTO settings VALUES ($1, $2)`, [LiveSetting.segments, JSON.stringify(map)]);
    added.push(LiveSetting.segments);
  }
  if (!(await one(`SELECT 1 AS x FROM settings WHERE key = $1`, [LiveSetting.lastRecompute]))) {
    await store.exec(`INSERT INTO settings VALUES ($1, '{}')`, [LiveSetting.lastRecompute]);
    added.push(LiveSetting.lastRecompute);
  }
  if (added.length) await store.exec(`INSERT INTO settings VALUES ($1, $2)`, [`${PREFIX}added`, JSON.stringify(added)]);
}

const t0 = performance.now();
const saved = [
  await liveSegment('churned', 'order_count >= 1 and last_order_at before 30 days ago'),
  await liveSegment('one-time-buyers', 'order_count = 1'),
  await liveSegment('unsatisfied', 'avg_review_rating <= 2'),
];
// The send audience: customers with email consent and an address, a stable sample.
const sendSize = Number(values.send);
saved.push(
  await liveSegment(
    'send',
    'email is set',
    `SELECT $1, id, $2::TIMESTAMPTZ FROM customers WHERE consent_email_granted AND email IS NOT NULL AND merged_into IS NULL
     ORDER BY hash(id) LIMIT ${sendSize}`,
  ),
);
await markLive(saved);
// Other campaigns' messages, by a stable tenth of the customers (as of the plan's time `at`):
// 0–1: two emails in the last 7 days (capped: 2 overall, 2 per channel); 2: an email and an SMS
// (capped overall); 3: one email (not capped: this one is their second); 4: two emails 10 days
// ago (outside the window); the rest none.
const day = 86_400_000;
const ago = (days) => new Date(at.getTime() - days * day).toISOString();
await store.exec(`
  INSERT INTO messages (id, campaign_id, step, customer_id, channel, status, due_at, attempts, sending_at, sent_at, created_at, updated_at)
  SELECT '${PREFIX}old-' || k.n || '-' || c.id, '${PREFIX}earlier-' || k.n, 'main', c.id, k.channel, 'sent', k.t, 1, k.t, k.t, k.t, k.t
  FROM (SELECT id, hash(id) % 10 AS tenth FROM customers WHERE merged_into IS NULL) c
  JOIN (VALUES (0, 1, 'email', TIMESTAMPTZ '${ago(5)}'), (0, 2, 'email', TIMESTAMPTZ '${ago(2)}'),
               (1, 1, 'email', TIMESTAMPTZ '${ago(6)}'), (1, 2, 'email', TIMESTAMPTZ '${ago(1)}'),
               (2, 1, 'email', TIMESTAMPTZ '${ago(3)}'), (2, 2, 'sms', TIMESTAMPTZ '${ago(2)}'),
               (3, 1, 'email', TIMESTAMPTZ '${ago(4)}'),
               (4, 1, 'email', TIMESTAMPTZ '${ago(10)}'), (4, 2, 'email', TIMESTAMPTZ '${ago(11)}')) k(tenth, n, channel, t)
    ON k.tenth = c.tenth`);
const prior = await one(`SELECT count(*)::INTEGER AS n FROM messages WHERE campaign_id LIKE $1`, [
  `${PREFIX}earlier-%`,
]);
const sizes = await store.query(
  `SELECT segment_id, count(*)::INTEGER AS n FROM segment_members WHERE segment_id LIKE $1 GROUP BY 1 ORDER BY 1`,
  [`${PREFIX}%`],
);
log(
  `fixtures in ${fmt(performance.now() - t0)} ms: ${sizes.map((s) => `${s.segment_id.slice(PREFIX.length)} ${fmt(s.n)}`).join(', ')}; ` +
    `${fmt(prior.n)} earlier messages`,
);
traced.clear();

const secret = await unsubscribeSecret(store);
const message = {
  channel: 'email',
  subject: '{{ customer.first_name | default: "Hello" }}, 15% off your next order',
  text: [
    'Hello {{ customer.first_name | default: "there" }},',
    'It has been {{ profile.days_since_last_order | default: "a while" }} days. Your code {{ coupon }} gives you 15% off.',
    '{% for p in recommendations %}- {{ p.name }} ({{ p.price }})',
    '{% endfor %}Unsubscribe: {{ unsubscribe_url }}',
  ].join('\n'),
  html: [
    '<p>Hello {{ customer.first_name | default: "there" }},</p>',
    '<p>Your code <strong>{{ coupon }}</strong> gives you 15% off.</p>',
    '<ul>{% for p in recommendations %}<li>{{ p.name }}</li>{% endfor %}</ul>',
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
  ].join('\n'),
};
const noSender = {
  channels: ['email'],
  send: () => Promise.resolve({ ok: true, providerId: 'none' }),
  close: () => Promise.resolve(),
};

// ── the dry run ──────────────────────────────────────────────────────────────────────────────
if (!values['skip-plan']) {
  const campaign = await createCampaign(
    store,
    {
      name: 'Bench: win back',
      audience: { include: [`${PREFIX}churned`, `${PREFIX}one-time-buyers`], exclude: [`${PREFIX}unsatisfied`] },
      message,
      coupons: { source: 'generated', prefix: 'BACK-' },
    },
    { clock, id: `${PREFIX}plan` },
  );
  /** @type {[string, import('@strata/campaigns').GuardrailConfigInput][]} */
  const variants = [
    ['all guardrails', {}],
    ['without caps', { caps: null }],
    ['without quiet hours', { quietHours: null }],
    ['without caps and quiet hours', { caps: null, quietHours: null }],
  ];
  const rows = [];
  let plan;
  for (const [name, guardrails] of variants) {
    const engine = new CampaignEngine(store, { clock, segments, sender: noSender, guardrails });
    const before = load();
    let result = await engine.plan(campaign.id); // warm-up
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      result = await engine.plan(campaign.id);
      ms.push(performance.now() - t);
    }
    plan ??= result;
    const c = result.counts;
    rows.push({
      'dry run': name,
      'median ms': fmt(median(ms)),
      'min–max ms': `${fmt(Math.min(...ms))}–${fmt(Math.max(...ms))}`,
      audience: fmt(result.audience),
      send: fmt(c.send),
      'quiet hours': fmt(c.quiet_hours),
      capped: fmt(c.capped),
      'held out': fmt(c.held_out),
      'no consent': fmt(c.no_consent),
      'no address': fmt(c.missing_address),
      excluded: fmt(c.excluded),
      load: `${before} → ${load()}`,
    });
    log(`${name}: median ${fmt(median(ms))} ms of ${runs} (${ms.map(fmt).join(', ')})`);
  }
  const engine = new CampaignEngine(store, { clock, segments, sender: noSender });
  const before = load();
  const t = performance.now();
  const started = await engine.start(campaign.id);
  const startMs = performance.now() - t;
  await engine.pause(campaign.id);
  console.log(
    `\nDry run at ${at.toISOString()} of a campaign to ${PREFIX}churned + ${PREFIX}one-time-buyers − ${PREFIX}unsatisfied ` +
      `(coupons needed: ${fmt(plan.coupons?.needed ?? 0)}), median of ${runs} after a warm-up:`,
  );
  console.table(rows);
  console.log(
    `start (audience written to the message log): ${fmt(started.queued)} messages queued in ${fmt(startMs)} ms (load ${before} → ${load()})`,
  );
  printTrace('dry runs and start');
  await store.exec(`DELETE FROM messages WHERE campaign_id = $1`, [campaign.id]);
  if (values.keep) await store.exec(`UPDATE campaigns SET status = 'draft' WHERE id = $1`, [campaign.id]);
}

// ── sending ──────────────────────────────────────────────────────────────────────────────────
async function startSmtpSink() {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'smtp-sink.js')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  /** @type {() => Promise<{ port: number, received: number, bytes: number, recipients: number }>} */
  const next = () => new Promise((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));
  const { port } = await next();
  return {
    port,
    async stop() {
      const answer = next();
      child.stdin.write('stop\n');
      const counts = await answer;
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      return counts;
    },
  };
}

if (!values['skip-send']) {
  const sendAt = new Date(at.getTime() + 3.5 * 3_600_000); // 12:00 UTC: outside quiet hours in Europe
  const sendClock = fixedClock(sendAt.toISOString());
  const outboxDir = join(import.meta.dirname, 'out', `campaigns-outbox-${process.pid}`);
  const sinks = [
    {
      name: 'SMTP (smtp-server, child process, 127.0.0.1)',
      open: async () => {
        const sink = await startSmtpSink();
        const sender = smtpChannel({ host: '127.0.0.1', port: sink.port, from: 'Bench shop <news@shop.example>' });
        return {
          sender,
          finish: async () => {
            await sender.close();
            const got = await sink.stop();
            return `${fmt(got.received)} received by the server (${fmt(got.recipients)} recipients, ${(got.bytes / 1e6).toFixed(1)} MB)`;
          },
        };
      },
    },
    {
      name: 'outbox (files)',
      open: () => {
        const sender = outboxChannel({ dir: outboxDir, from: 'Bench shop <news@shop.example>' });
        return Promise.resolve({
          sender,
          finish: async () => {
            const files = await one(`SELECT count(*)::INTEGER AS n FROM glob($1)`, [join(outboxDir, 'email', '*.eml')]);
            rmSync(outboxDir, { recursive: true, force: true });
            return `${fmt(files.n)} .eml files written (and as many .json)`;
          },
        });
      },
    },
  ];
  const rows = [];
  for (const [i, { name, open }] of sinks.entries()) {
    const id = `${PREFIX}send-${i}`;
    await createCampaign(
      store,
      {
        name: `Bench: send ${i}`,
        audience: { include: [`${PREFIX}send`] },
        message,
        coupons: { source: 'generated', prefix: 'SEND-' },
      },
      { clock: sendClock, id },
    );
    const { sender, finish } = await open();
    const engine = new CampaignEngine(store, {
      clock: sendClock,
      segments,
      sender,
      batchSize: Number(values.batch),
      concurrency: Number(values.concurrency),
      unsubscribe: { baseUrl: 'http://127.0.0.1:8080/u', secret },
    });
    const before = load();
    let t = performance.now();
    const { queued } = await engine.start(id);
    const startMs = performance.now() - t;
    t = performance.now();
    const decided = {};
    let sent = 0;
    let failed = 0;
    let steps = 0;
    for (let report; (report = await engine.step()); steps++) {
      sent += report.sent;
      failed += report.failed + report.retrying;
      for (const [k, v] of Object.entries(report.decided)) decided[k] = (decided[k] ?? 0) + v;
      if (steps % 20 === 0) log(`${name}: ${fmt(sent)} sent after ${fmt(performance.now() - t)} ms`);
    }
    const ms = performance.now() - t;
    const check = await finish();
    rows.push({
      to: name,
      audience: fmt(queued),
      sent: fmt(sent),
      'not sent': Object.entries(decided)
        .filter(([k]) => k !== 'send')
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', '),
      failed: fmt(failed),
      steps,
      'start ms': fmt(startMs),
      'send s': (ms / 1000).toFixed(1),
      'messages/s': fmt((sent / ms) * 1000),
      load: `${before} → ${load()}`,
    });
    log(`${name}: ${check}`);
    printTrace(`sending to ${name}`);
    await store.exec(`DELETE FROM coupons WHERE campaign_id = $1`, [id]);
    await store.exec(`DELETE FROM messages WHERE campaign_id = $1`, [id]);
  }
  console.log(
    `\nSending at ${sendAt.toISOString()} (batch ${values.batch}, ${values.concurrency} provider calls at once, coupons, unsubscribe links, recommendations):`,
  );
  console.table(rows);
}

if (!values.keep) await cleanUp();
await store.close();
