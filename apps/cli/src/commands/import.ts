import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { AppError, entities, type Entity, type StoreWriter } from '@strata/core';
import { formatOf, formatRowError, importFile, type ImportProgress, type ImportSummary } from '@strata/ingest';
import { callServer, openTarget, printJson, type GlobalOptions, type Io } from '../context.js';

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

/**
 * Progress: a bar on a terminal; `lines` prints one line per committed batch (for logs and for
 * scripts that watch an import); `auto` is a bar on a terminal and nothing otherwise.
 */
export function progressBar(
  io: Io,
  label: string,
  mode: ProgressMode = 'auto',
): { update: (p: ImportProgress) => void; stop: () => void } {
  if (mode === 'lines') {
    return {
      update: (p) => io.err(`${label.trim()}: ${p.rows} rows read, ${p.rejected} rejected, committed`),
      stop: () => undefined,
    };
  }
  if (mode === 'none' || (mode === 'auto' && !io.interactive))
    return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {rows} rows | {rejected} rejected | {eta_formatted} left`,
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (p) => {
      if (!started) {
        bar.start(Math.max(p.totalBytes, 1), 0, { rows: 0, rejected: 0 });
        started = true;
      }
      bar.update(p.bytes, { rows: p.rows.toLocaleString('en'), rejected: p.rejected });
    },
    stop: () => started && bar.stop(),
  };
}

export interface ImportCommandOptions {
  format?: 'csv' | 'jsonl';
  batchSize?: number;
  progress?: ProgressMode;
}

export async function importOne(
  io: Io,
  writer: StoreWriter,
  entity: Entity,
  file: string,
  opts: ImportCommandOptions,
): Promise<ImportSummary> {
  const bar = progressBar(io, `${entity.padEnd(11)}`, opts.progress);
  try {
    const { progress: _progress, ...importOptions } = opts;
    return await importFile(writer, entity, file, { ...importOptions, onProgress: bar.update });
  } finally {
    bar.stop();
  }
}

export function printSummary(io: Io, file: string, s: ImportSummary, maxErrors = 20): void {
  io.out(
    `${s.entity}: ${s.rows.toLocaleString('en')} rows read — ${s.imported.toLocaleString('en')} imported, ${s.updated.toLocaleString('en')} updated, ` +
      `${s.skipped.toLocaleString('en')} skipped (already stored), ${s.rejected.toLocaleString('en')} rejected (${(s.durationMs / 1000).toFixed(1)} s)`,
  );
  for (const e of s.errors.slice(0, maxErrors)) io.err(formatRowError(basename(file), e));
  const more = s.rejected > 0 ? s.errors.length - Math.min(s.errors.length, maxErrors) : 0;
  if (more > 0 || s.errorsTruncated) io.err(`… and more rejected rows (use --json for the first ${s.errors.length})`);
}

export function registerImport(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('import')
    .description(
      'import a CSV or JSON Lines file; bad rows are reported by line and skipped, good rows kept; re-running is safe',
    )
    .argument('<entity>', `one of: ${entities.join(', ')}`)
    .argument('<file>', 'a .csv, .jsonl or .ndjson file')
    .addOption(
      new Option('--format <format>', 'file format when the extension does not tell').choices(['csv', 'jsonl']),
    )
    .option('--batch-size <n>', 'rows per transaction', (v) => Number.parseInt(v, 10))
    .addOption(
      new Option('--progress <mode>', 'progress display').choices(['auto', 'bar', 'lines', 'none']).default('auto'),
    )
    .action(async (entity: string, file: string, opts: ImportCommandOptions) => {
      if (!(entities as readonly string[]).includes(entity)) {
        throw new AppError('invalid', `unknown entity "${entity}"; one of: ${entities.join(', ')}`);
      }
      const { db, json } = globals();
      if (!existsSync(file)) throw new AppError('not_found', `no such file: ${file}`);
      const target = await openTarget(db);
      let summary: ImportSummary;
      if (target.kind === 'server') {
        const format = opts.format ?? formatOf(file);
        if (!format) throw new AppError('invalid', `cannot tell the format of ${file}: pass --format csv|jsonl`);
        io.err(`the store is served by pid ${target.server.pid}; importing through ${target.server.url}`);
        // The server runs on this machine (it serves 127.0.0.1): it reads the file itself, with the
        // store's own bulk reader where it can.
        const query = new URLSearchParams({ format, path: resolve(file) });
        summary = await callServer<ImportSummary>(target.server, `/v1/import/${entity}?${query.toString()}`, {
          method: 'POST',
        });
      } else {
        try {
          summary = await importOne(io, target.store, entity as Entity, file, opts);
        } finally {
          await target.store.close();
        }
      }
      if (json) printJson(io, summary);
      else printSummary(io, file, summary);
      if (summary.rejected > 0) process.exitCode = 65;
    });
}
