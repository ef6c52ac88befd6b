// Ingest benchmark: bulk import of the demo store, and events/s through /v1/batch with the real
// @segment/analytics-node client. Prints a table; record the numbers in docs/benchmarks.md.
//
//   npm run build && node bench/ingest.js --customers 1000000 [--events 400000] [--skip-bulk] [--skip-api] [--reuse]
//
// --reuse imports the files already generated in bench/out/demo-N instead of generating them again.
// --batch-size N commits every N records (default: the streaming reader's 50,000, and one
// transaction per stretch of canonical records on the native path).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importFile } from '@strata/ingest';
import { DuckDbStore } from '@strata/store-duckdb';
import { generateDemoStore } from '@strata/testkit';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    events: { type: 'string', default: '300000' },
    clients: { type: 'string', default: '2' },
    round: { type: 'string', default: '10000' },
    'flush-at': { type: 'string', default: '1000' },
    'skip-bulk': { type: 'boolean', default: false },
    'batch-size': { type: 'string' },
    reuse: { type: 'boolean', default: false },
    'skip-api': { type: 'boolean', default: false },
  },
});
const customers = Number(values.customers);
const out = join(import.meta.dirname, 'out');
mkdirSync(out, { recursive: true });
const rows = [];
const fmt = (n) => Math.round(n).toLocaleString('en');

if (!values['skip-bulk']) {
  const dir = join(out, `demo-${customers}`);
  let files;
  if (values.reuse && existsSync(join(dir, 'customers.csv'))) {
    files = Object.fromEntries(
      ['locations', 'products', 'customers', 'orders', 'order_lines', 'events', 'tags'].map((e) => [e, join(dir, `${e}.${e === 'events' ? 'jsonl' : 'csv'}`)]),
    );
  } else {
    const t0 = performance.now();
    const generated = await generateDemoStore({ customers, seed: 42, outDir: dir });
    files = generated.files;
    console.error(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const db = join(out, `ingest-${customers}.duckdb`);
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  const store = await DuckDbStore.open(db);
  let totalRows = 0;
  let totalSeconds = 0;
  for (const entity of ['locations', 'products', 'customers', 'orders', 'order_lines', 'events', 'tags']) {
    const file = files[entity];
    if (!file || !existsSync(file)) continue;
    const s = await importFile(store, entity, file, values['batch-size'] ? { batchSize: Number(values['batch-size']) } : {});
    const seconds = s.durationMs / 1000;
    totalRows += s.rows;
    totalSeconds += seconds;
    rows.push({ what: `bulk import ${entity}`, rows: fmt(s.rows), seconds: seconds.toFixed(1), 'per second': fmt(s.rows / seconds), rejected: s.rejected });
    console.error(rows.at(-1));
  }
  rows.push({ what: 'bulk import, all entities', rows: fmt(totalRows), seconds: totalSeconds.toFixed(1), 'per second': fmt(totalRows / totalSeconds), rejected: '' });
  const counts = await store.counts();
  await store.close();
  console.error(counts);
}

if (!values['skip-api']) {
  const db = join(out, 'segment-api.duckdb');
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  // The server runs in its own process, as `strata serve` does, so the client's work does not count against it.
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'apps', 'cli', 'dist', 'bin.js'), '--db', db, 'serve', '--port', '0'], {
    env: { ...process.env, STRATA_WRITE_KEY: 'bench', STRATA_API_KEY: 'bench', STRATA_WEBHOOK_SECRET: 'bench' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /serving .* on (http:\/\/[0-9.:]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const total = Number(values.events);
  const clients = Number(values.clients);
  const t0 = performance.now();
  // Client processes (the real client is the costlier side: ~16k events/s per process even against
  // a server that does nothing), each sending its share in rounds of `round` events and waiting for
  // them to be delivered, as a busy shop backend would: bounded requests in flight, every call acknowledged.
  const clientScript = join(import.meta.dirname, 'segment-client.js');
  await Promise.all(
    Array.from({ length: clients }, (_, c) =>
      new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [clientScript, url, String(c), String(clients), String(total), values.round, values['flush-at']], { stdio: 'inherit' });
        p.once('exit', (code) => (code === 0 ? resolve(undefined) : reject(new Error(`client ${c} exited with ${code}`))));
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const stats = await (await fetch(`${url}/v1/stats`)).json();
  const stored = stats.counts.events;
  rows.push({ what: `/v1/batch, real Segment client, ${clients} processes`, rows: fmt(stored), seconds: seconds.toFixed(1), 'per second': fmt(stored / seconds), rejected: total - stored });
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

console.table(rows);
