import type { Command } from 'commander';
import { AppError } from '@strata/core';
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
}

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

async function withService<T>(db: string, fn: (s: SegmentService) => Promise<T>): Promise<T> {
  const store = await DuckDbStore.open(db);
  try {
    return await fn(new SegmentService(store));
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
    .action(async (query: string | undefined, opts: EvalOptions) => {
      const { db, json } = globals();
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
        if (server) {
          const limit = opts.count ? 1 : opts.limit || 100_000;
          const r = await callServer<{ count: number; members: string[] }>(server, '/v1/segments/preview', {
            method: 'POST',
            body: JSON.stringify({ text, limit }),
            headers: { 'content-type': 'application/json' },
          });
          count = r.count;
          members = r.members;
        } else {
          ({ count, members } = await withService(db, async (s) => {
            const at = new Date();
            const n = await s.count({ text }, at);
            const ids: string[] = [];
            if (!opts.count) {
              for await (const id of s.allMembers({ text })) {
                ids.push(id);
                if (opts.limit && ids.length >= opts.limit) break;
              }
            }
            return { count: n, members: ids };
          }));
        }
        if (opts.count) return json ? printJson(io, { count }) : io.out(String(count));
        if (json) return printJson(io, { query: text, count, members });
        if (opts.csv) {
          io.out('customer_id');
          for (const m of members) io.out(m);
          return;
        }
        io.out(`${count.toLocaleString('en')} customers match: ${text}`);
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
    .action(async (query: string, customer: string) => {
      const { db, json } = globals();
      try {
        const server = await openServerOnly(db);
        const x = server
          ? (
              await callServer<{ explain: SegmentExplanation }>(server, '/v1/segments/preview', {
                method: 'POST',
                body: JSON.stringify({ text: query, customer, limit: 1 }),
                headers: { 'content-type': 'application/json' },
              })
            ).explain
          : await withService(db, (s) => s.explain({ text: query }, customer));
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
      const { db, json } = globals();
      const server = await openServerOnly(db);
      const saved: SavedSegment[] = server
        ? (await callServer<{ saved: SavedSegment[] }>(server, '/v1/segments')).saved
        : await withService(db, (s) => s.list());
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
      const { db, json } = globals();
      try {
        const server = await openServerOnly(db);
        const s = server
          ? await callServer<SavedSegment>(server, '/v1/segments', {
              method: 'POST',
              body: JSON.stringify({ name, text: query, description: opts.description }),
              headers: { 'content-type': 'application/json' },
            })
          : await withService(db, (svc) => svc.save({ name, text: query, description: opts.description }));
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
