import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { Entity, ImportDefaults, StoreWriter } from '@strata/core';
import {
  formatRowError,
  importFile,
  importPresetFile,
  type ImportProgress,
  type ImportSummary,
  type OrphanLines,
  type PresetSource,
} from '@strata/ingest';
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
  /** A shop's export (`--from shopify`), or `generic` with `map`. */
  from?: PresetSource;
  map?: string;
  orphanLines?: OrphanLines;
}

/** Imports a local file into a store: as an entity's file, or through a preset (`--from`). */
export async function importOne(
  io: Io,
  writer: StoreWriter,
  entity: Entity | undefined,
  file: string,
  opts: ImportCommandOptions,
  defaults: ImportDefaults = {},
): Promise<ImportSummary> {
  const bar = progressBar(io, `${(entity ?? opts.from ?? 'import').padEnd(11)}`, opts.progress);
  try {
    const { progress: _progress, from, map, ...importOptions } = opts;
    const options = { ...importOptions, defaults, onProgress: bar.update };
    if (from)
      return await importPresetFile(
        writer,
        { from, ...(map ? { map } : {}), ...(entity ? { entity } : {}) },
        file,
        options,
      );
    return await importFile(writer, entity!, file, options);
  } finally {
    bar.stop();
  }
}

export function printSummary(io: Io, file: string, s: ImportSummary, maxReasons = 20): void {
  const n = (x: number) => x.toLocaleString('en');
  const counts = `${n(s.imported)} imported, ${n(s.updated)} updated, ${n(s.skipped)} skipped (already stored), ${n(s.rejected)} rejected (${(s.durationMs / 1000).toFixed(1)} s)`;
  const m = s.mapping;
  if (m) io.out(`${m.layout}: ${n(m.rows ?? s.rows)} rows → ${n(s.rows)} ${s.entity} — ${counts}`);
  else io.out(`${s.entity}: ${n(s.rows)} rows read — ${counts}`);
  if (m) {
    io.out(`  mapped:  ${m.mapped.map((x) => `${x.column} → ${x.field}`).join('; ')}`);
    if (m.derived.length) io.out(`  derived: ${m.derived.map((x) => `${x.field} from ${x.from}`).join('; ')}`);
    const byReason = new Map<string, string[]>();
    for (const i of m.ignored) byReason.set(i.reason, [...(byReason.get(i.reason) ?? []), i.column]);
    if (byReason.size)
      io.out(`  ignored: ${[...byReason].map(([reason, cols]) => `${cols.join(', ')} (${reason})`).join('; ')}`);
  }
  const name = basename(file);
  for (const w of s.warnings) io.err(`${name}: warning: ${w}`);
  // Each reason once: a single row as file:line, more as a count with their first lines.
  for (const r of s.reasons.slice(0, maxReasons)) {
    if (r.count === 1) {
      const e = s.errors.find((x) => x.line === r.lines[0] && x.field === r.field) ?? {
        line: r.lines[0]!,
        message: r.message,
        ...(r.field !== undefined ? { field: r.field } : {}),
      };
      io.err(formatRowError(name, e));
    } else {
      const where = r.field !== undefined ? `field "${r.field}": ` : '';
      io.err(
        `${name}: ${where}${r.message} — ${n(r.count)} rows (lines ${r.lines.join(', ')}${r.count > r.lines.length ? ', …' : ''})`,
      );
    }
  }
  if (s.reasons.length > maxReasons) io.err(`… and ${s.reasons.length - maxReasons} more reasons (use --json)`);
}
