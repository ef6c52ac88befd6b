import { AppError } from '@strata/core';
import { withBackend, type Backend } from './backend.js';
import type { SegmentChoice } from './backend-port.js';
import type { GlobalOptions, Io } from './context.js';

/*
 * What segment commands share: how a segment is named on the command line, and running on the
 * store or through its server with a query's mistakes shown under the query. The segment library
 * and the language are loaded when a command runs, not when the CLI starts.
 */

export const collect = (v: string, all: string[]) => [...all, v];

export function params(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq < 1) throw new AppError('invalid', `--param takes name=value, got "${p}"`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/** How a command names its segment: a query, `--ready <id>` with `--param`s, or `--saved <name>`. */
export interface SegmentOptions {
  ready?: string;
  saved?: string;
  param: string[];
}

/** The segment a command is about; a ready segment becomes its query text with the parameters filled in. */
export async function segmentChoice(query: string | undefined, opts: SegmentOptions): Promise<SegmentChoice> {
  const given = [query !== undefined, opts.ready !== undefined, opts.saved !== undefined].filter(Boolean).length;
  if (given !== 1) throw new AppError('invalid', 'give one of: a query, --ready <id> or --saved <name>');
  if (opts.param.length && !opts.ready) throw new AppError('invalid', '--param goes with --ready <id>');
  if (opts.saved !== undefined) return { segment: opts.saved };
  if (opts.ready !== undefined) {
    const { readySegments, readySegmentText } = await import('@strata/segments');
    const ready = readySegments.find((r) => r.id === opts.ready);
    if (!ready) throw new AppError('not_found', `no ready segment "${opts.ready}" (see \`strata segment list\`)`);
    return { text: readySegmentText(ready, params(opts.param)) };
  }
  return { text: query! };
}

/**
 * Runs a segment command on the store or through its server; a query with mistakes is shown
 * with a caret under each, whichever of the two answered.
 */
export async function onBackend<T>(io: Io, g: GlobalOptions, fn: (b: Backend) => Promise<T>): Promise<T> {
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
