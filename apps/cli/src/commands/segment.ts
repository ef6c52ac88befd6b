import type { Command } from 'commander';
import { AppError, parseAsOf } from '@strata/core';
import { formatDiagnostic } from '@strata/segment-lang';
import {
  readySegments,
  readySegmentText,
  SegmentQueryError,
  SegmentService,
  type SavedSegment,
  type SegmentExplanation,
} from '@strata/segments';
import { readServerFile } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import { callServer, printJson, type GlobalOptions, type Io } from '../context.js';

interface EvalOptions {
  count?: boolean;
  csv?: boolean;
  limit: number;
  ready?: string;
  param: string[];
  asOf?: string;
}

const AS_OF_HELP = "evaluate as of this time; a date means the end of that day (default: the profiles' as-of time)";
const asOfOf = (v: string | undefined) => (v ? parseAsOf(v, '--as-of') : undefined);

const collect = (v: string, all: string[]) => [...all, v];

function params(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq < 1) throw new AppError('invalid', `--param takes name=value, got "${p}"`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/** Shows each diagnostic with a caret under the characters at fault. */
function printQueryError(io: Io, e: SegmentQueryError): void {
  for (const d of e.diagnostics) io.err(formatDiagnostic(e.text, d));
}

function printExplanation(io: Io, x: SegmentExplanation): void {
  io.out(`${x.customer}: ${x.matched ? 'IN the segment' : 'NOT in the segment'}`);
  for (const l of x.lines)
    io.out(`${'  '.repeat(l.depth + 1)}${l.matched ? '✓' : '✗'} ${l.condition}${l.because ? `   (${l.because})` : ''}`);
}

async function withService<T>(g: GlobalOptions, fn: (s: SegmentService) => Promise<T>): Promise<T> {
  const store = await DuckDbStore.open(g.db);
  try {
    return await fn(new SegmentService(store, { clock: g.clock }));
  } finally {
    await store.close();
  }
}

export function registerSegment(program: Command, io: Io, globals: () => GlobalOptions): void {
  const segment = program.command('segment').description('evaluate, explain and list segments');

  segment
    .command('eval')
    .description('count or list the customers a segment query matches')
    .argument('[query]', "segment query, e.g. 'total_spent in top 10% and last_order_at before 60 days ago'")
    .option('--ready <id>', 'a ready segment instead of a query (see `strata segment list`)')
    .option('--param <name=value>', 'a ready segment parameter (repeatable)', collect, [])
    .option('--count', 'print only the number of members')
    .option('--csv', 'print members as CSV (customer_id)')
    .option('--limit <n>', 'members to print (0 = all)', (v) => Number.parseInt(v, 10), 0)
    .option('--as-of <time>', AS_OF_HELP)
    .action(async (query: string | undefined, opts: EvalOptions) => {
      const g = globals();
      const { db, json } = g;
      const asOf = asOfOf(opts.asOf);
      let text: string;
      if (opts.ready) {
        const ready = readySegments.find((r) => r.id === opts.ready);
        if (!ready) throw new AppError('not_found', `no ready segment "${opts.ready}" (see \`strata segment list\`)`);
        text = readySegmentText(ready, params(opts.param));
      } else if (query) text = query;
      else throw new AppError('invalid', 'give a query or --ready <id>');
      try {
        const server = await openServerOnly(db);
        let count: number;
        let members: string[] = [];
        let evaluatedAt: string;
        if (server) {
          const limit = opts.count ? 1 : opts.limit || 100_000;
          const r = await callServer<{ count: number; members: string[]; as_of: string }>(server, '/v1/segments/preview', {
            method: 'POST',
            body: JSON.stringify({ text, limit, ...(asOf ? { as_of: asOf.toISOString() } : {}) }),
            headers: { 'content-type': 'application/json' },
          });
          count = r.count;
          members = r.members;
          evaluatedAt = r.as_of;
        } else {
          ({ count, members, evaluatedAt } = await withService(g, async (s) => {
            const at = await s.evaluationTime({ text }, asOf);
            const n = await s.count({ text }, at);
            const ids: string[] = [];
            if (!opts.count) {
              for await (const id of s.allMembers({ text }, { asOf: at })) {
                ids.push(id);
                if (opts.limit && ids.length >= opts.limit) break;
              }
            }
            return { count: n, members: ids, evaluatedAt: at.toISOString() };
          }));
        }
        if (opts.count) return json ? printJson(io, { count }) : io.out(String(count));
        if (json) return printJson(io, { query: text, as_of: evaluatedAt, count, members });
        if (opts.csv) {
          io.out('customer_id');
          for (const m of members) io.out(m);
          return;
        }
        io.out(`${count.toLocaleString('en')} customers match as of ${evaluatedAt}: ${text}`);
        for (const m of members.slice(0, opts.limit || 20)) io.out(`  ${m}`);
        if (count > (opts.limit || 20)) io.out(`  … (--csv or --limit 0 for all)`);
      } catch (e) {
        if (e instanceof SegmentQueryError) printQueryError(io, e);
        throw e;
      }
    });

  segment
    .command('explain')
    .description('show, condition by condition, why a customer is or is not in a segment')
    .argument('<query>', 'segment query')
    .argument('<customer>', 'customer id')
    .option('--as-of <time>', AS_OF_HELP)
    .action(async (query: string, customer: string, opts: { asOf?: string }) => {
      const g = globals();
      const { db, json } = g;
      const asOf = asOfOf(opts.asOf);
      try {
        const server = await openServerOnly(db);
        const x = server
          ? (
              await callServer<{ explain: SegmentExplanation }>(server, '/v1/segments/preview', {
                method: 'POST',
                body: JSON.stringify({ text: query, customer, limit: 1, ...(asOf ? { as_of: asOf.toISOString() } : {}) }),
                headers: { 'content-type': 'application/json' },
              })
            ).explain
          : await withService(g, (s) => s.explain({ text: query }, customer, asOf));
        if (json) printJson(io, x);
        else printExplanation(io, x);
      } catch (e) {
        if (e instanceof SegmentQueryError) printQueryError(io, e);
        throw e;
      }
    });

  segment
    .command('list')
    .description('list saved segments and the ready segments')
    .action(async () => {
      const g = globals();
      const { db, json } = g;
      const server = await openServerOnly(db);
      const saved: SavedSegment[] = server
        ? (await callServer<{ saved: SavedSegment[] }>(server, '/v1/segments')).saved
        : await withService(g, (s) => s.list());
      if (json) return printJson(io, { saved, ready: readySegments });
      io.out('Saved segments:');
      if (!saved.length) io.out('  (none yet: `strata segment save <name> <query>`)');
      for (const s of saved) io.out(`  ${s.name}  —  ${s.text}`);
      io.out('Ready segments (strata segment eval --ready <id> [--param name=value]):');
      for (const r of readySegments)
        io.out(
          `  ${r.id.padEnd(32)} ${r.name}${r.params.length ? `  [${r.params.map((p) => `${p.name}=${p.default}`).join(', ')}]` : ''}`,
        );
    });

  segment
    .command('save')
    .description('save a segment under a name')
    .argument('<name>')
    .argument('<query>')
    .option('--description <text>', 'what the segment is for', '')
    .action(async (name: string, query: string, opts: { description: string }) => {
      const g = globals();
      const { db, json } = g;
      try {
        const server = await openServerOnly(db);
        const s = server
          ? await callServer<SavedSegment>(server, '/v1/segments', {
              method: 'POST',
              body: JSON.stringify({ name, text: query, description: opts.description }),
              headers: { 'content-type': 'application/json' },
            })
          : await withService(g, (svc) => svc.save({ name, text: query, description: opts.description }));
        if (json) printJson(io, s);
        else io.out(`saved "${s.name}" (${s.id})`);
      } catch (e) {
        if (e instanceof SegmentQueryError) printQueryError(io, e);
        throw e;
      }
    });
}

function openServerOnly(db: string) {
  return Promise.resolve(readServerFile(db));
}
