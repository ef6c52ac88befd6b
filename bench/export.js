// Export benchmark on a profiled store (bench/ingest.js, then `strata profiles compute`): the
// largest ready segment with 10 columns as CSV (target: 500,000 rows/s), JSON Lines, Parquet and a
// Meta audience, written to a file as `strata segment export --out` does; then the CSV through a
// `strata serve` process to a reader that takes 4 MiB/s, with the server's memory sampled while
// it sends. Prints a table; record it (and `uptime`) in docs/benchmarks.md.
//
//   npm run build && node bench/export.js [--db bench/out/ingest-1000000.duckdb] [--runs 3]
//     [--formats csv,jsonl,parquet,meta] [--skip-server]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareExport } from '@strata/export';
import { readySegments, readySegmentText, SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: join(import.meta.dirname, 'out', 'ingest-1000000.duckdb') },
    runs: { type: 'string', default: '3' },
    formats: { type: 'string', default: 'csv,jsonl,parquet,meta' },
    'skip-server': { type: 'boolean', default: false },
  },
});
const COLUMNS = 'customer_id,email,phone,first_name,last_name,country,city,total_spent,order_count,last_order_at';
const out = join(import.meta.dirname, 'out');
const fmt = (n) => Math.round(n).toLocaleString('en');
const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);
const rows = [];
console.error(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

/** Resident memory of a process, from /proc (bytes). */
const rssOf = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/** Samples `pid`'s resident memory every 20 ms until stopped; returns the peak. */
function sampleMemory(pid) {
  let peak = rssOf(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssOf(pid));
  };
}

const store = await DuckDbStore.open(values.db);
const segments = new SegmentService(store);

// The largest ready segment (default parameters).
let largest;
for (const r of readySegments) {
  const count = await segments.count({ text: readySegmentText(r) });
  if (!largest || count > largest.count) largest = { id: r.id, text: readySegmentText(r), count };
}
console.error(`largest ready segment: ${largest.id} (${fmt(largest.count)} members): ${largest.text}`);

/** As `strata segment export --out FILE` does on the store file: the engine writes beside FILE, then a rename. */
async function exportToFile(format, columns) {
  const file = join(out, `export-bench.${format === 'meta' ? 'meta.csv' : format}`);
  const before = rssOf(process.pid);
  const stop = sampleMemory(process.pid);
  const t0 = performance.now();
  const prepared = await prepareExport(
    segments,
    { text: largest.text },
    { format, tempDir: out, ...(columns ? { columns } : {}) },
  );
  const written = performance.now();
  await prepared.moveTo(file);
  const seconds = (performance.now() - t0) / 1000;
  const peak = stop();
  rmSync(file, { force: true });
  return {
    seconds,
    rows: prepared.summary.rows,
    bytes: prepared.bytes,
    before,
    peak,
    engineSeconds: (written - t0) / 1000,
  };
}

for (const format of values.formats.split(',')) {
  const columns = format === 'meta' || format === 'google' ? undefined : COLUMNS;
  const runs = [];
  for (let i = 0; i < Number(values.runs); i++) runs.push(await exportToFile(format, columns));
  runs.sort((a, b) => a.seconds - b.seconds);
  const m = runs[Math.floor(runs.length / 2)];
  rows.push({
    what: `${format}, on the store file (median of ${runs.length}; fastest ${runs[0].seconds.toFixed(2)} s)`,
    rows: fmt(m.rows),
    'MiB out': mib(m.bytes),
    seconds: m.seconds.toFixed(2),
    'engine s': m.engineSeconds.toFixed(2),
    'rows per second': fmt(m.rows / m.seconds),
    'RSS before → peak MiB': `${mib(m.before)} → ${mib(m.peak)}`,
  });
  console.error(rows.at(-1));
}
await store.close();

if (!values['skip-server']) {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '..', 'apps', 'cli', 'dist', 'bin.js'), '--db', values.db, 'serve', '--port', '0'],
    {
      env: { ...process.env, STRATA_WRITE_KEY: 'bench', STRATA_API_KEY: 'bench', STRATA_WEBHOOK_SECRET: 'bench' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const url = await new Promise((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (d) => {
        text += d.toString();
        const m = /serving .* on (http:\/\/[0-9.:]+)/.exec(text);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const before = rssOf(child.pid);
    const stopEngine = sampleMemory(child.pid);
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/segments/export`, {
      method: 'POST',
      headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
      body: JSON.stringify({ text: largest.text, format: 'csv', columns: COLUMNS.split(',') }),
    });
    if (!res.ok) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    const firstByte = (performance.now() - t0) / 1000;
    const enginePeak = stopEngine();
    const summary = JSON.parse(res.headers.get('x-strata-export'));
    // A slow reader: 4 MiB a second. The server must not hold what the reader has not taken yet:
    // its memory while sending stays what it was when the file was ready.
    // the server's memory at each tenth of the file sent
    let bytes = 0;
    const tenths = [];
    const timer = setInterval(() => {
      const tenth = Math.floor((bytes / Number(res.headers.get('content-length'))) * 10);
      if (tenths.length <= tenth && tenth < 10) tenths.push(rssOf(child.pid));
    }, 20);
    const started = performance.now();
    for await (const chunk of res.body) {
      bytes += chunk.length;
      const due = (bytes / (4 * 2 ** 20)) * 1000 - (performance.now() - started);
      if (due > 0) await new Promise((r) => setTimeout(r, due));
    }
    clearInterval(timer);
    const seconds = (performance.now() - t0) / 1000;
    rows.push({
      what: `csv through strata serve to a reader taking 4 MiB/s (file ready after ${firstByte.toFixed(2)} s)`,
      rows: fmt(summary.rows),
      'MiB out': mib(bytes),
      seconds: seconds.toFixed(2),
      'engine s': firstByte.toFixed(2),
      'rows per second': fmt(summary.rows / seconds),
      'RSS before → peak MiB': `server ${mib(before)} → ${mib(enginePeak)} writing the file; at each tenth sent: ${tenths.map(mib).join(' ')}`,
    });
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

console.table(rows);
console.error(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
