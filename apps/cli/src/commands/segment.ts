import type { Command } from 'commander';
import type { SegmentExplanation } from '@strata/api';
import { AppError, parseAsOf } from '@strata/core';
import type { SegmentChoice } from '../backend-port.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';
import { collect, onBackend, params, segmentChoice, type SegmentOptions } from '../segment-choice.js';
import { registerSegmentExport } from './export.js';

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

function printExplanation(io: Io, x: SegmentExplanation): void {
  io.out(`${x.customer}: ${x.matched ? 'IN the segment' : 'NOT in the segment'}`);
  for (const l of x.lines) {
    const notes = [l.because, l.cutoff].filter(Boolean).join('; ');
    io.out(`${'  '.repeat(l.depth + 1)}${l.matched ? '✓' : '✗'} ${l.condition}${notes ? `   (${notes})` : ''}`);
  }
  io.out(`  (as of ${x.asOf})`);
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
    .usage('[options] <query> <customer>  |  --ready <id> <customer>  |  --saved <name> <customer>')
    .argument('<query-or-customer>', 'segment query (or, with --ready/--saved, the customer id)')
    .argument('[customer]', 'customer id')
    .option('--ready <id>', 'a ready segment instead of a query')
    .option('--param <name=value>', 'a ready segment parameter (repeatable)', collect, [])
    .option('--saved <name>', 'a saved segment (name or id) instead of a query')
    .option('--as-of <time>', AS_OF_HELP)
    .action(async (first: string, second: string | undefined, opts: SegmentOptions & { asOf?: string }) => {
      const g = globals();
      const named = opts.ready !== undefined || opts.saved !== undefined;
      if (named === (second !== undefined))
        throw new AppError(
          'invalid',
          named ? 'give only the customer id after --ready/--saved' : 'give a query and a customer id',
        );
      const choice = await segmentChoice(named ? undefined : first, opts);
      const x = await onBackend(io, g, (b) => b.explainSegment(choice, named ? first : second!, asOfOf(opts.asOf)));
      if (g.json) printJson(io, x);
      else printExplanation(io, x);
    });

  segment
    .command('list')
    .description('list saved segments and the ready segments')
    .option('--counts', "with each segment's number of members (as of the profiles)")
    .action(async (opts: { counts?: boolean }) => {
      const g = globals();
      const { readySegments, readySegmentText } = await import('@strata/segments');
      const { saved, counts } = await onBackend(io, g, async (b) => {
        const saved = await b.listSegments();
        const counts = new Map<string, number | string>();
        if (opts.counts) {
          const count = async (key: string, choice: SegmentChoice) => {
            try {
              counts.set(key, await b.countSegment(choice));
            } catch (e) {
              // No profiles yet is the same for every segment: said once, as the command's error.
              if (e instanceof AppError && e.kind === 'not_found' && /profile/.test(e.message)) throw e;
              counts.set(key, e instanceof Error ? e.message : String(e));
            }
          };
          for (const s of saved) await count(`saved:${s.id}`, { segment: s.id });
          for (const r of readySegments) await count(`ready:${r.id}`, { text: readySegmentText(r) });
        }
        return { saved, counts };
      });
      const countOf = (key: string) => (opts.counts ? { count: counts.get(key) ?? null } : {});
      if (g.json)
        return printJson(io, {
          saved: saved.map((s) => ({ ...s, ...countOf(`saved:${s.id}`) })),
          ready: readySegments.map((r) => ({ ...r, ...countOf(`ready:${r.id}`) })),
        });
      const shown = (key: string) => {
        if (!opts.counts) return '';
        const n = counts.get(key);
        return typeof n === 'number' ? `${n.toLocaleString('en').padStart(10)}  ` : `${'?'.padStart(10)}  `;
      };
      io.out('Saved segments:');
      if (!saved.length) io.out('  (none yet: `strata segment save <name> <query>`)');
      for (const s of saved) io.out(`  ${shown(`saved:${s.id}`)}${s.name}  —  ${s.text}`);
      io.out('Ready segments (strata segment eval --ready <id> [--param name=value]):');
      for (const r of readySegments)
        io.out(
          `  ${shown(`ready:${r.id}`)}${r.id.padEnd(32)} ${r.name}${r.params.length ? `  [${r.params.map((p) => `${p.name}=${p.default}`).join(', ')}]` : ''}`,
        );
      const failed = [...counts.entries()].filter(([, n]) => typeof n === 'string');
      for (const [key, message] of failed) io.err(`could not count ${key.replace(/^\w+:/, '')}: ${String(message)}`);
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

  registerSegmentExport(segment, io, globals);
}
