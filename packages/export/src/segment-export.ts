/*
 * A segment's members out as a file: CSV, JSON Lines, Parquet, or an ad platform's custom
 * audience. The store's engine writes the rows to a temporary file in one query (at its own pace,
 * never held open by a slow reader, so the query timeout only ever measures the engine's work);
 * an audience is then made from that file line by line. The file is complete, and its counts
 * known, before its first byte is sent; it is then streamed and removed. Memory stays flat: no
 * step holds more than a line or a read buffer.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError, exportFormats, type ExportFormat } from '@strata/core';
import { IR_VERSION } from '@strata/segment-lang';
import type { SegmentDefinition, SegmentService } from '@strata/segments';
import type { RowRender } from '@strata/sql';
import {
  audienceInputColumns,
  audienceLayouts,
  leftOutBecause,
  type AudienceFormat,
  type AudienceInput,
} from './audience-formats.js';
import { DEFAULT_EXPORT_COLUMNS, exportColumns, parseExportColumns, rowColumnsFor } from './export-columns.js';
import { csvLine } from './row-text.js';

const isAudience = (f: ExportFormat): f is AudienceFormat => f === 'meta' || f === 'google';

/** What an export holds, known before its first byte is sent. */
export interface ExportSummary {
  format: ExportFormat;
  /** The file's columns, in order (an audience's are the platform's). */
  columns: string[];
  /** The evaluation time of the segment. */
  as_of: string;
  /** Customers in the segment. */
  members: number;
  /** Customers in the file. */
  rows: number;
  /** Members not in the file, by reason (ad audiences only; zero otherwise). */
  left_out: { no_consent: number; no_contact: number };
}

export interface ExportRequest {
  format: ExportFormat;
  /** Column names (a list, or comma-separated); plain formats only. Default: DEFAULT_EXPORT_COLUMNS. */
  columns?: string | readonly string[] | undefined;
  asOf?: Date | undefined;
  /**
   * Where the temporary files go (default: the system's temporary folder); the folder of the file
   * it will be moved to makes moveTo a rename.
   */
  tempDir?: string | undefined;
}

export interface PreparedExport {
  readonly summary: ExportSummary;
  readonly contentType: string;
  /** The file's size in bytes. */
  readonly bytes: number;
  /** The file's bytes, read as they are asked for; the file is removed at the end (or when the reader stops). */
  chunks(): AsyncGenerator<Uint8Array>;
  /** Removes the file without reading it. */
  readonly discard: () => Promise<void>;
  /**
   * Puts the file at `path` (owner-only): a rename when the temporary folder is on the same file
   * system (see ExportRequest.tempDir), else a copy. Nothing is at `path` until the file is whole.
   */
  readonly moveTo: (path: string) => Promise<void>;
}

export const contentTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  meta: 'text/csv; charset=utf-8',
  google: 'text/csv; charset=utf-8',
};

/** The file name extension of each format. */
export const fileExtensions: Record<ExportFormat, string> = {
  csv: 'csv',
  jsonl: 'jsonl',
  parquet: 'parquet',
  meta: 'csv',
  google: 'csv',
};

/** How the engine writes each plain format's values (see RowRender). */
const renders: Record<'csv' | 'jsonl' | 'parquet', RowRender> = { csv: 'csv', jsonl: 'json', parquet: 'native' };

/** A segment every profiled customer is in (`strata profiles export`). */
export const everyone: SegmentDefinition = { ir: { version: IR_VERSION, root: { kind: 'and', operands: [] } } };

/**
 * Checks the request and writes the file; `chunks()` then reads it out. Mistakes (a query's
 * diagnostics, an unknown column, a time before the profiles) are thrown before anything is written.
 */
export async function prepareExport(
  segments: SegmentService,
  def: SegmentDefinition,
  request: ExportRequest,
): Promise<PreparedExport> {
  const { format } = request;
  if (!exportFormats.includes(format))
    throw new AppError('invalid', `unknown format "${String(format)}": one of ${exportFormats.join(', ')}`, [
      { field: 'format', message: 'unknown' },
    ]);
  if (isAudience(format) && request.columns !== undefined)
    throw new AppError(
      'invalid',
      `the ${format} format has the platform's own columns (${audienceLayouts[format].header.join(', ')}); leave out the columns`,
      [{ field: 'columns', message: `not used with format ${format}` }],
    );
  const columns = isAudience(format)
    ? audienceInputColumns.map((n) => exportColumns().get(n)!)
    : parseExportColumns(request.columns ?? DEFAULT_EXPORT_COLUMNS);
  const at = await segments.evaluationTime(def, request.asOf);

  const dir = await mkdtemp(join(request.tempDir ?? tmpdir(), 'strata-export-'));
  try {
    const asked = { columns: rowColumnsFor(columns), asOf: at };
    let summary: ExportSummary;
    let path: string;
    if (isAudience(format)) {
      const members = join(dir, 'members.jsonl');
      const count = await segments.writeRows(def, { ...asked, render: 'json' }, { path: members, format: 'jsonl' });
      path = join(dir, `audience.csv`);
      const made = await writeAudience(members, path, format);
      await rm(members);
      summary = {
        format,
        columns: [...audienceLayouts[format].header],
        as_of: at.toISOString(),
        members: count,
        rows: made.rows,
        left_out: made.leftOut,
      };
    } else {
      path = join(dir, `export.${fileExtensions[format]}`);
      const count = await segments.writeRows(def, { ...asked, render: renders[format] }, { path, format });
      summary = {
        format,
        columns: columns.map((c) => c.name),
        as_of: at.toISOString(),
        members: count,
        rows: count,
        left_out: { no_consent: 0, no_contact: 0 },
      };
    }
    const bytes = (await stat(path)).size;
    const discard = () => rm(dir, { recursive: true, force: true });
    const file = path;
    return {
      summary,
      contentType: contentTypes[format],
      bytes,
      discard,
      moveTo: async (to: string) => {
        try {
          await chmod(file, 0o600);
          await rename(file, to).catch(async (e: unknown) => {
            if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
            const partial = `${to}.partial`;
            await copyFile(file, partial);
            await chmod(partial, 0o600);
            await rename(partial, to);
          });
        } finally {
          await discard();
        }
      },
      async *chunks() {
        try {
          for await (const chunk of createReadStream(path)) yield chunk as Uint8Array;
        } finally {
          await discard();
        }
      },
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The lines of a text file, a block of them at a time (reads of 1 MiB). */
async function* lineBlocks(path: string): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop()!;
    yield lines;
  }
  if (rest) yield [rest];
}

/** The audience file made from the members' JSON Lines, a block at a time, counting who is left out and why. */
async function writeAudience(
  membersPath: string,
  audiencePath: string,
  format: AudienceFormat,
): Promise<{ rows: number; leftOut: ExportSummary['left_out'] }> {
  const layout = audienceLayouts[format];
  const leftOut = { no_consent: 0, no_contact: 0 };
  let rows = 0;
  async function* audience(): AsyncGenerator<string> {
    yield csvLine(layout.header);
    for await (const block of lineBlocks(membersPath)) {
      let text = '';
      for (const line of block) {
        if (!line) continue;
        const member = JSON.parse(line) as AudienceInput;
        const reason = leftOutBecause(member);
        if (reason) leftOut[reason]++;
        else {
          rows++;
          text += csvLine(layout.cells(member));
        }
      }
      yield text;
    }
  }
  await pipeline(audience, createWriteStream(audiencePath, { mode: 0o600 }));
  return { rows, leftOut };
}
