// Campaign planning benchmark (issue 18): the dry run of a campaign to a large audience on a
// synthetic store — N customers (time zones across the world, 90% with email consent, some
// without an address), two live-kept saved segments overlapping to about half the customers, an
// exclusion segment, and recent messages of other campaigns for the frequency cap. Times the
// dry run (audience dedup, consent, address, holdout, quiet hours, caps), and the start (the
// audience written to the message log). Prints a table.
//
//   npm run build && node bench/campaigns-plan.js [--customers 1000000]
//
// The store is made in bench/out/campaigns-N.duckdb and removed afterwards.
import { mkdirSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fixedClock } from '@strata/core';
import { CampaignEngine, createCampaign } from '@strata/campaigns';
import { SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '1000000' } } });
const n = Number(values.customers);
mkdirSync('bench/out', { recursive: true });
const path = `bench/out/campaigns-${n}.duckdb`;
rmSync(path, { force: true });
const at = '2026-03-02T10:00:00.000Z';
const clock = fixedClock(at);
const store = await DuckDbStore.open(path, { clock });
const zones = [
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'America/Los_Angeles',
  'Asia/Tokyo',
  'Australia/Sydney',
];
const t0 = performance.now();
await store.exec(`
  INSERT INTO customers (id, email, phone, name, timezone, created_at, consent_email_granted, consent_email_at, consent_email_source, is_stub)
  SELECT 'c' || lpad(i::VARCHAR, 8, '0'),
         CASE WHEN i % 50 = 1 THEN NULL ELSE 'c' || i || '@example.com' END,
         NULL, 'Customer ' || i,
         ([${zones.map((z) => `'${z}'`).join(', ')}])[1 + i % ${zones.length}],
         TIMESTAMPTZ '2025-01-01', i % 10 <> 0, TIMESTAMPTZ '2025-01-01', 'checkout', false
  FROM range(${n}) t(i)`);
const segments = new SegmentService(store, { clock });
// Saved segments kept by the live engine: their members are read from segment_members.
const saved = [];
for (const [name, text] of [
  ['half-a', 'order_count >= 1'],
  ['half-b', 'order_count >= 2'],
  ['staff', 'city = "Staffhausen"'],
]) {
  const id = `seg-${name}`;
  await store.exec(
    `INSERT INTO segments VALUES ($1, $2, '', $3, '{"root":{"kind":"and","operands":[]}}', $4::TIMESTAMPTZ, $4::TIMESTAMPTZ)`,
    [id, name, text, at],
  );
  saved.push(id);
}
const members = (id, where) =>
  store.exec(
    `INSERT INTO segment_members SELECT $1, 'c' || lpad(i::VARCHAR, 8, '0'), $2::TIMESTAMPTZ FROM range(${n}) t(i) WHERE ${where}`,
    [id, at],
  );
await members('seg-half-a', 'i % 4 = 0'); // overlapping: the union is half the customers
await members('seg-half-b', 'i % 4 IN (0, 1)');
await members('seg-staff', 'i % 1000 = 8');
const list = await segments.list();
await store.exec(`INSERT INTO settings VALUES ('live.segments', $1), ('live.last_recompute', '{}')`, [
  JSON.stringify(Object.fromEntries(list.map((s) => [s.id, s.updated_at]))),
]);
// Other campaigns' messages this week: one or two for a fifth of the customers.
await store.exec(`
  INSERT INTO messages (id, campaign_id, step, customer_id, channel, status, due_at, attempts, sending_at, sent_at, created_at, updated_at)
  SELECT 'old-' || i || '-' || k, 'earlier', 'main', 'c' || lpad(i::VARCHAR, 8, '0'), 'email', 'sent', t, 1, t, t, t, t
  FROM range(0, ${n}, 5) r(i), range(1 + (i % 2)::INTEGER) s(k), (SELECT TIMESTAMPTZ '2026-02-28 12:00:00+00' AS t)`);
const built = performance.now() - t0;

const campaign = await createCampaign(
  store,
  {
    name: 'Bench',
    audience: { include: ['half-a', 'half-b'], exclude: ['staff'] },
    message: { channel: 'email', subject: 'Hi {{ customer.first_name }}', text: 'Code {{ coupon }}' },
    coupons: { source: 'generated', prefix: 'B-' },
  },
  { clock, id: 'bench' },
);
const engine = new CampaignEngine(store, {
  clock,
  segments,
  sender: {
    channels: ['email'],
    send: () => Promise.resolve({ ok: true, providerId: 'x' }),
    close: () => Promise.resolve(),
  },
});
const rows = [];
for (let run = 1; run <= 3; run++) {
  const t = performance.now();
  const plan = await engine.plan(campaign.id);
  rows.push({ step: `dry run ${run}`, ms: Math.round(performance.now() - t), audience: plan.audience, ...plan.counts });
}
const t = performance.now();
const started = await engine.start(campaign.id);
rows.push({ step: 'start (log the audience)', ms: Math.round(performance.now() - t), audience: started.queued });
console.log(`store: ${n.toLocaleString('en')} customers built in ${Math.round(built)} ms`);
console.table(rows);
await store.close();
rmSync(path, { force: true });
rmSync(`${path}.wal`, { force: true });
