// The shop backend of bench/live.js: sends events with the real @segment/analytics-node client at a
// steady rate, and reports on stdout (JSON lines) the moment each probe and flip event was handed
// to the client. The plan (a JSON file written by bench/live.js):
//   { url, rate, seconds, skus, pool: [ids]           product views and carts, at `rate` per second
//     probes: [ids]                                    one cart each, spread evenly over the run
//     flips: [{ id, at }] }                            one cart each, dated `at`, sent at the start
//
//   node bench/live-client.js <plan.json>
import { readFileSync } from 'node:fs';
import { Analytics } from '@segment/analytics-node';

/** @type {{ url: string, rate: number, seconds: number, skus: string[], pool: string[], probes: string[], flips: { id: string, at: string }[] }} */
const plan = JSON.parse(readFileSync(/** @type {string} */ (process.argv[2]), 'utf8'));
const analytics = new Analytics({
  writeKey: 'bench',
  host: plan.url,
  flushAt: 100,
  flushInterval: 20,
  maxRetries: 3,
  httpRequestTimeout: 120_000,
});
let failures = 0;
analytics.on('error', () => failures++);
const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
let n = 0;
const sku = () => plan.skus[Math.floor(Math.random() * plan.skus.length)];
const cart = (userId, timestamp) =>
  analytics.track({
    userId,
    event: 'Product Added',
    messageId: `live-${process.pid}-${n++}`,
    timestamp,
    properties: { sku: sku(), quantity: 1 },
  });

for (const f of plan.flips) cart(f.id, new Date(f.at));
emit({ flipsSent: plan.flips.length, t: Date.now() });

const start = Date.now();
const end = start + plan.seconds * 1000;
let sent = 0;
let probe = 0;
const probeEveryMs = (plan.seconds * 1000) / Math.max(1, plan.probes.length);
while (Date.now() < end) {
  const now = Date.now();
  const due = Math.floor(((now - start) / 1000) * plan.rate);
  for (; sent < due; sent++) {
    const userId = plan.pool[Math.floor(Math.random() * plan.pool.length)];
    if (sent % 3 === 0) cart(userId, new Date(now));
    else
      analytics.track({
        userId,
        event: 'Product Viewed',
        messageId: `live-${process.pid}-${n++}`,
        timestamp: new Date(now),
        properties: { sku: sku() },
      });
  }
  while (probe < plan.probes.length && now - start >= probe * probeEveryMs) {
    const id = plan.probes[probe++];
    const t = Date.now();
    cart(id, new Date(t));
    emit({ probe: id, t });
  }
  await new Promise((r) => setTimeout(r, 5));
}
emit({ loadEnded: true, sent, probes: probe, t: Date.now() });
await analytics.closeAndFlush({ timeout: 600_000 });
emit({ flushed: true, failures, t: Date.now() });
