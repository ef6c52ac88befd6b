import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { Entity, StoreWriter } from '@strata/core';
import { formatRowError, importFile, type ImportProgress, type ImportSummary } from '@strata/ingest';
import type { Io } from './context.js';

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
