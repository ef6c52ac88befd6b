import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CampaignEngine, createCampaign, holdoutBucket } from '@strata/campaigns';
import { openShop, person, profile, RecordingSender, START, type Shop } from './campaigns-fixture.js';

/*
 * The sending process is SIGKILLed again and again in the middle of a 10,000-recipient campaign
 * against a fake provider that records every request by send id (and, as providers with
 * idempotency keys do, delivers a repeated id once). After the restarts every eligible recipient
 * got exactly one delivery, nobody got two, and the held-out tenth got nothing. Requests repeated
 * after a kill (the engine's 'resend' rule for outcomes a crash left unknown) stay within the
 * messages in flight at each kill.
 */

const child = fileURLToPath(new URL('./fixtures/campaign-send-child.mjs', import.meta.url));
const built = fileURLToPath(new URL('../../campaigns/dist/index.js', import.meta.url));
const RECIPIENTS = 10_000;

let shop: Shop;
let server: Server;
beforeEach(async () => {
  shop = await openShop();
});
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await shop.close();
});

it('delivers exactly once to every eligible recipient when the sender is killed repeatedly', async () => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
  const ids = Array.from({ length: RECIPIENTS }, (_, i) => `k${String(i).padStart(5, '0')}`);
  await shop.store.write({ customers: ids.map((id) => person(id)) });
  await profile(shop);
  await shop.segments.save({ name: 'everyone', text: 'order_count >= 0' });
  await createCampaign(
    shop.store,
    {
      name: 'Crash',
      audience: { include: ['everyone'] },
      message: { channel: 'email', subject: 'Hi', text: 'Hello {{ customer.first_name }}' },
    },
    { clock: shop.clock, id: 'crash' },
  );
  await new CampaignEngine(shop.store, {
    clock: shop.clock,
    segments: shop.segments,
    sender: new RecordingSender(),
  }).start('crash');
  await shop.store.close();

  const requests = new Map<string, number>();
  const delivered = new Map<string, string>();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      const { customer } = JSON.parse(body) as { customer: string };
      requests.set(key, (requests.get(key) ?? 0) + 1);
      if (!delivered.has(key)) delivered.set(key, customer);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ providerId: `p-${key}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/messages`;

  let kills = 0;
  for (let run = 0; run < 30; run++) {
    const p = spawn(process.execPath, [child, shop.path, url, START], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const seen = delivered.size;
    const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
    // Killed once it has delivered another 700–1,300 messages, at a moment unrelated to its batches.
    const target = seen + 700 + ((run * 211) % 600);
    const watch = setInterval(() => {
      if (delivered.size >= target && p.exitCode === null && kills < 12) {
        kills++;
        p.kill('SIGKILL');
      }
    }, 5);
    const code = await exited;
    clearInterval(watch);
    if (code === 0) break;
    if (p.signalCode !== 'SIGKILL') throw new Error(`the sender failed (${code}): ${out}`);
  }
  expect(kills).toBeGreaterThanOrEqual(5);

  const eligible = ids.filter((id) => holdoutBucket('crash', id) >= 0.1);
  const customers = [...delivered.values()];
  expect(customers.length).toBe(eligible.length);
  expect(new Set(customers).size).toBe(customers.length);
  expect(customers.sort()).toEqual(eligible);
  const repeated = [...requests.values()].reduce((s, n) => s + n - 1, 0);
  // At most the calls whose outcomes a kill left uncommitted: 8 in flight, and at most as many
  // answered ones waiting for the next group commit.
  expect(repeated).toBeLessThanOrEqual(kills * 16);

  await shop.reopen();
  const rows = await shop.store.query<{ status: string; n: number }>(
    `SELECT status, count(*)::INTEGER AS n FROM messages GROUP BY 1 ORDER BY 1`,
  );
  expect(rows).toEqual([
    { status: 'held_out', n: RECIPIENTS - eligible.length },
    { status: 'sent', n: eligible.length },
  ]);
  console.log(`campaign crash test: ${kills} kills, ${repeated} repeated requests (deduplicated by send id)`);
}, 600_000);
