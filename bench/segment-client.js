// One client process of bench/ingest.js: sends its share of track calls with the real
// @segment/analytics-node client.  node segment-client.js <url> <index> <processes> <total> <round> <flushAt>
import { Analytics } from '@segment/analytics-node';

const [url, index, processes, total, round, flushAt] = process.argv.slice(2);
const [c, n, all, per] = [Number(index), Number(processes), Number(total), Number(round)];
const base = Date.parse('2026-10-01T00:00:00Z');
let failures = 0;
for (let start = c * per; start < all; start += n * per) {
  const analytics = new Analytics({ writeKey: 'bench', host: url, flushAt: Number(flushAt), flushInterval: 20, maxRetries: 3, httpRequestTimeout: 60_000 });
  analytics.on('error', () => failures++);
  for (let i = start; i < Math.min(start + per, all); i++) {
    analytics.track({
      userId: `c${i % 50000}`,
      event: i % 3 === 0 ? 'Product Viewed' : 'Product Added',
      messageId: `bench-${i}`,
      timestamp: new Date(base + i * 1000),
      properties: { sku: `SKU-${i % 500}`, quantity: 1 },
    });
  }
  await analytics.closeAndFlush({ timeout: 600_000 });
}
if (failures) {
  console.error(`client ${c}: ${failures} delivery failures`);
  process.exit(1);
}
