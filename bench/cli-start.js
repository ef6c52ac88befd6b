// CLI start: how long `strata <command>` takes from start to exit, for commands that open no
// store (--help, fields) and one that does (stats). Median and fastest wall time of --runs runs
// after a warm-up, and the median CPU time (user + system; Linux only) of the process, which a
// busy machine disturbs less than the wall time.
//
//   npm run build && node bench/cli-start.js [--db FILE] [--runs 10] [--cli apps/cli/dist/bin.js] [--baseline OTHER/apps/cli/dist/bin.js]
//
// Without --db a 1,000-customer demo store is made in a temporary folder first. --baseline runs
// another build of the CLI (an older checkout) the same way, interleaved, for a before/after.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    runs: { type: 'string', default: '10' },
    cli: { type: 'string', default: join(import.meta.dirname, '..', 'apps', 'cli', 'dist', 'bin.js') },
    baseline: { type: 'string' },
  },
});
const runs = Number(values.runs);
const clis = [['this build', values.cli], ...(values.baseline ? [['baseline', values.baseline]] : [])];
for (const [, cli] of clis) if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);

const tmp = values.db ? undefined : mkdtempSync(join(tmpdir(), 'strata-cli-start-'));
const db = values.db ?? join(tmp, 'demo.duckdb');
if (tmp) {
  const made = spawnSync(
    process.execPath,
    [values.cli, '--db', db, 'demo', '--customers', '1000', '--end', '2026-11-01'],
    {
      stdio: 'ignore',
    },
  );
  if (made.status !== 0) throw new Error('could not make the demo store');
}

/** CPU seconds of this process's finished children so far (Linux: /proc/self/stat, cutime + cstime). */
function childCpu() {
  if (!existsSync('/proc/self/stat')) return undefined;
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // After ") ": state is field 3 of the full line; cutime and cstime are fields 16 and 17.
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / 100;
}

/** @param {string} cli @param {string[]} args @returns {{ ms: number, cpu: number | undefined }} */
function once(cli, args) {
  const cpu = childCpu();
  const start = performance.now();
  const r = spawnSync(process.execPath, [cli, '--db', db, ...args], { stdio: 'ignore' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`strata ${args.join(' ')} exited with ${r.status}`);
  return { ms, cpu: cpu === undefined ? undefined : childCpu() - cpu };
}

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const commands = [['--help'], ['fields'], ['stats']];
/** @type {string[][]} */
const rows = [];
for (const args of commands) {
  /** @type {Map<string, { ms: number, cpu: number | undefined }[]>} */
  const samples = new Map(clis.map(([name]) => [name, []]));
  // Warm-up (the file cache); a build without the command (an older baseline) sits this one out.
  const present = clis.filter(
    ([, cli]) => spawnSync(process.execPath, [cli, '--db', db, ...args], { stdio: 'ignore' }).status === 0,
  );
  for (let i = 0; i < runs; i++) for (const [name, cli] of present) samples.get(name).push(once(cli, args));
  for (const [name] of clis) {
    const s = samples.get(name);
    if (!s.length) {
      rows.push([`strata ${args.join(' ')}`, name, '—', '—', '—']);
      continue;
    }
    const cpu = s.every((x) => x.cpu !== undefined) ? median(s.map((x) => x.cpu)).toFixed(2) : '—';
    rows.push([
      `strata ${args.join(' ')}`,
      name,
      median(s.map((x) => x.ms)).toFixed(0),
      Math.min(...s.map((x) => x.ms)).toFixed(0),
      cpu,
    ]);
  }
}
if (tmp) rmSync(tmp, { recursive: true, force: true });

const head = ['command', 'cli', 'median ms', 'fastest ms', 'CPU s'];
const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
/** @param {string[]} cells */
const line = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join(' | ')} |`;
console.log(line(head));
console.log(`| ${width.map((w, i) => (i < 2 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`);
for (const r of rows) console.log(line(r));
console.log(`\n${runs} runs each after a warm-up, ${clis.length > 1 ? 'interleaved, ' : ''}on ${db}`);
