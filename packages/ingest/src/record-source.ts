import { createReadStream } from 'node:fs';
import { AppError } from '@strata/core';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse as parseCsv, type CsvError } from 'csv-parse';
import type { RowError } from './row-errors.js';

export const InputFormat = { csv: 'csv', jsonl: 'jsonl' } as const;
export type InputFormat = (typeof InputFormat)[keyof typeof InputFormat];

/** A raw record read from a file, before validation; or a row that could not even be read. */
export type SourceRecord = { line: number; value: Record<string, unknown> } | { line: number; error: RowError };

export function formatOf(path: string): InputFormat | undefined {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  return undefined;
}

/** Sets a value at a dotted path (`consent.email.granted`) so flat CSV columns become nested records. */
function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    let next = node[key];
    if (typeof next !== 'object' || next === null) {
      next = {};
      node[key] = next;
    }
    node = next as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** A record from CSV cells by header name: dotted names nest, empty cells are left out. */
export function csvRecord(cells: Record<string, string>): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const [name, cell] of Object.entries(cells)) {
    if (cell === '') continue;
    const path = name.trim().split('.');
    if (path.length === 1) value[path[0]!] = cell;
    else setPath(value, path, cell);
  }
  return value;
}

/**
 * Streams CSV records with their line numbers. Header names are the record's field names; dotted
 * names nest; an empty cell is "not given". A row with the wrong number of cells or broken quoting
 * is reported and skipped, and reading goes on.
 */
export async function* readCsv(input: Readable): AsyncGenerator<SourceRecord> {
  const skipped: SourceRecord[] = [];
  const parser = input.pipe(
    parseCsv({
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => {
        if (err) {
          const line = (err as CsvError & { lines?: number }).lines ?? 0;
          skipped.push({
            line,
            error: { line, message: err.message.replace(/^Invalid Record Length: |, got \d+ on line \d+$/g, '') },
          });
        }
        return undefined;
      },
    }),
  );
  let header: string[][] | undefined;
  let width = 0;
  for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    while (skipped.length) yield skipped.shift()!;
    const { record, info } = rec;
    if (!header) {
      header = record.map((h) => h.trim().split('.'));
      width = record.length;
      continue;
    }
    if (record.length !== width) {
      yield {
        line: info.lines,
        error: { line: info.lines, message: `expected ${width} fields as in the header, found ${record.length}` },
      };
      continue;
    }
    const value: Record<string, unknown> = {};
    for (let i = 0; i < width; i++) {
      const cell = record[i]!;
      if (cell === '') continue;
      const path = header[i]!;
      if (path.length === 1) value[path[0]!] = cell;
      else setPath(value, path, cell);
    }
    yield { line: info.lines, value };
  }
  while (skipped.length) yield skipped.shift()!;
}

/** One JSON Lines record from its text; a line that is not a JSON object is reported with its position. */
export function jsonLineRecord(text: string, line: number): SourceRecord {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { line, error: { line, message: 'expected a JSON object' } };
    }
    return { line, value: value as Record<string, unknown> };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(message);
    const error: RowError = { line, message: `not valid JSON: ${message}` };
    if (pos) error.column = Number(pos[1]) + 1;
    return { line, error };
  }
}

/** Streams JSON Lines records; a line that is not a JSON object is reported with its position. */
export async function* readJsonl(input: Readable): AsyncGenerator<SourceRecord> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    yield jsonLineRecord(text, n);
  }
}

export async function openSource(
  path: string,
  format: InputFormat,
): Promise<{ records: AsyncGenerator<SourceRecord>; totalBytes: number; bytesRead: () => number }> {
  const file = await stat(path);
  // A directory, a device (/dev/zero) or a pipe is refused before anything reads it.
  if (!file.isFile()) throw new AppError('invalid', `${path} is not a regular file`, [{ where: path, message: 'not a regular file' }]);
  const { size } = file;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  return {
    records: format === 'csv' ? readCsv(stream) : readJsonl(stream),
    totalBytes: size,
    bytesRead: () => stream.bytesRead,
  };
}
