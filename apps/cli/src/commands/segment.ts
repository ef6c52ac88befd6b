import type { Command } from 'commander';
import type { SegmentExplanation } from '@strata/api';
import { AppError, parseAsOf } from '@strata/core';
import { withBackend, type Backend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';

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

function printExplanation(io: Io, x: SegmentExplanation): void {
  io.out(`${x.customer}: ${x.matched ? 'IN the segment' : 'NOT in the segment'}`);
  for (const l of x.lines)
    io.out(`${'  '.repeat(l.depth + 1)}${l.matched ? '✓' : '✗'} ${l.condition}${l.because ? `   (${l.because})` : ''}`);
  io.out(`  (as of ${x.asOf})`);
}

/**
 * Runs a segment command on the store or through its server; a query with mistakes is shown
 * with a caret under each, whichever of the two answered.
 */
async function onBackend<T>(io: Io, g: GlobalOptions, fn: (b: Backend) => Promise<T>): Promise<T> {
  try {
    return await withBackend(io, g, fn);
  } catch (e) {
    const [{ SegmentQueryError }, { formatDiagnostic }] = await Promise.all([
      import('@strata/segments'),
      import('@strata/segment-lang'),
    ]);
    if (e instanceof SegmentQueryError) for (const d of e.diagnostics) io.err(formatDiagnostic(e.text, d));
    throw e;
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
      let text: string;
      if (opts.ready) {
        const { readySegments, readySegmentText } = await import('@strata/segments');
        const ready = readySegments.find((r) => r.id === opts.ready);
        if (!ready) throw new AppError('not_found', `no ready segment "${opts.ready}" (see \`strata segment list\`)`);
        text = readySegmentText(ready, params(opts.param));
      } else if (query) text = query;
      else throw new AppError('invalid', 'give a query or --ready <id>');
      const asOf = asOfOf(opts.asOf);
      const { count, members, asOf: evaluatedAt, warnings } = await onBackend(io, g, (b) =>
        b.evalSegment(text, { ...(asOf ? { asOf } : {}), limit: opts.limit, countOnly: Boolean(opts.count) }),
      );
      if (g.json) return printJson(io, opts.count ? { count, warnings } : { query: text, as_of: evaluatedAt, count, members, warnings });
      // On stderr, so the count or the CSV on stdout stays clean.
      if (warnings.length) {
        const { formatDiagnostic } = await import('@strata/segment-lang');
        for (const w of warnings) io.err(formatDiagnostic(text, w));
      }
      if (opts.count) return io.out(String(count));
      if (opts.csv) {
        io.out('customer_id');
        for (const m of members) io.out(m);
        return;
      }
      io.out(`${count.toLocaleString('en')} customers match as of ${evaluatedAt}: ${text}`);
      for (const m of members.slice(0, opts.limit || 20)) io.out(`  ${m}`);
      if (count > (opts.limit || 20)) io.out(`  … (--csv or --limit 0 for all)`);
    });

  segment
    .command('explain')
    .description('show, condition by condition, why a customer is or is not in a segment')
    .argument('<query>', 'segment query')
    .argument('<customer>', 'customer id')
    .option('--as-of <time>', AS_OF_HELP)
    .action(async (query: string, customer: string, opts: { asOf?: string }) => {
      const g = globals();
      const x = await onBackend(io, g, (b) => b.explainSegment(query, customer, asOfOf(opts.asOf)));
      if (g.json) printJson(io, x);
      else printExplanation(io, x);
    });

  segment
    .command('list')
    .description('list saved segments and the ready segments')
    .action(async () => {
      const g = globals();
      const saved = await onBackend(io, g, (b) => b.listSegments());
      const { readySegments } = await import('@strata/segments');
      if (g.json) return printJson(io, { saved, ready: readySegments });
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
      const s = await onBackend(io, g, (b) => b.saveSegment({ name, text: query, description: opts.description }));
      if (g.json) printJson(io, s);
      else io.out(`saved "${s.name}" (${s.id})`);
    });
}
