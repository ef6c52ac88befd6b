import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { AppError, parseAsOf, type Clock, type Entity } from '@strata/core';
import type { ImportSummary } from '@strata/ingest';
import { printJson, type GlobalOptions, type Io } from '../context.js';

export interface DemoOptions {
  customers: number;
  seed: number;
  keepFiles?: string;
  /** End of the generated history (`--end`); default: now, so the store looks alive the day it is made. */
  end?: string;
}

/** The order that lets every reference resolve on first sight (it would also work in any other). */
const importOrder: readonly Entity[] = [
  'locations',
  'products',
  'customers',
  'orders',
  'order_lines',
  'events',
  'tags',
];

/**
 * Generates a demo store and imports it through the same import path a user's files take.
 */
export async function runDemo(
  io: Io,
  db: string,
  opts: DemoOptions,
  how: { json?: boolean; clock: Clock },
): Promise<Partial<Record<Entity, ImportSummary>>> {
  const json = how.json ?? false;
  if (!Number.isInteger(opts.customers) || opts.customers < 1 || opts.customers > 5_000_000) {
    throw new AppError('invalid', `--customers must be a whole number from 1 to 5,000,000 (got ${opts.customers})`);
  }
  // The history ends now (or at --end): the same seed and end give the same store.
  const end = opts.end ? parseAsOf(opts.end, '--end') : how.clock.now();
  const [{ generateDemoStore }, { DuckDbStore }, { importOne, printSummary }] = await Promise.all([
    import('@strata/testkit'),
    import('@strata/store-duckdb'),
    import('../import-file.js'),
  ]);
  const dir = opts.keepFiles ?? mkdtempSync(join(tmpdir(), 'strata-demo-'));
  try {
    io.err(
      `generating a demo store of ${opts.customers.toLocaleString('en')} customers (seed ${opts.seed}, history ending ${end.toISOString()}) in ${dir}`,
    );
    const generated = await generateDemoStore({ customers: opts.customers, seed: opts.seed, outDir: dir, now: end });
    const store = await DuckDbStore.open(db, { clock: how.clock });
    const summaries: Partial<Record<Entity, ImportSummary>> = {};
    try {
      for (const entity of importOrder) {
        const file = generated.files[entity];
        if (!file) continue;
        const s = await importOne(io, store, entity, file, {});
        summaries[entity] = s;
        if (!json) printSummary(io, file, s);
      }
    } finally {
      await store.close();
    }
    if (json) printJson(io, summaries);
    return summaries;
  } finally {
    if (!opts.keepFiles) rmSync(dir, { recursive: true, force: true });
  }
}

export function registerDemo(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('demo')
    .description('generate a realistic demo store (seeded) and import it into the store')
    .option('--customers <n>', 'number of customers (1,000 to 1,000,000 is typical)', (v) => Number(v), 10_000)
    .option('--seed <n>', 'random seed: the same seed gives the same store', (v) => Number(v), 42)
    .option('--keep-files <dir>', 'write the generated CSV/JSONL files here and keep them')
    .option('--end <time>', 'end of the generated history (default: now); with the seed it makes the store reproducible')
    .action(async (opts: DemoOptions) => {
      const { db, json, clock } = globals();
      await runDemo(io, db, opts, { json, clock });
    });
}
