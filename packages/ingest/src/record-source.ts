import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { AppError } from '@strata/core';
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { csvRowReader, maxRecordBytes, type CsvRow } from './csv-rows.js';
import { parseJsonText } from './json-text.js';
import type { RowError } from './row-errors.js';

export const InputFormat = { csv: 'csv', jsonl: 'jsonl' } as const;
export type InputFormat = (typeof InputFormat)[keyof typeof InputFormat];

/**
 * A raw record read from a file, before validation; or a row that could not even be read. A record
 * built from several rows or renamed columns (a preset) says where each field came from, so a
 * rejected field is reported on the file's line and column.
 */
export type SourceRecord =
  | {
      line: number;
      value: Record<string, unknown>;
      origin?: (field: string) => { line: number; field: string } | undefined;
    }
  | { line: number; error: RowError };

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

export interface CsvOptions {
  /** Called with the header before any row is read; what it throws ends the read. */
  onHeader?: (header: string[]) => void;
}

/** A CSV row's cells by header name (as given, untrimmed names), or a row that could not be read. */
export type CsvCells = { line: number; cells: string[] } | { line: number; error: RowError };

/**
 * CSV rows with their line numbers, the header handed to `onHeader` first. A row with the wrong
 * number of cells, broken quoting or bytes that are not UTF-8 is reported and skipped, and
 * reading goes on (see csv-rows.ts).
 */
export async function* readCsvRows(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: CsvOptions & { header?: (header: string[]) => void } = {},
): AsyncGenerator<CsvCells> {
  let header: string[] | undefined;
  const reader = csvRowReader();
  for await (const chunk of input) yield* rows(reader.push(chunk));
  yield* rows(reader.end());

  function* rows(read: Generator<CsvRow>): Generator<CsvCells> {
    for (const row of read) {
      if ('error' in row) {
        const { message, column, cell } = row.error;
        if (!header)
          throw new AppError('invalid', `line ${row.line} (the header): ${message}`, [{ line: row.line, message }]);
        const field = cell === undefined ? undefined : header[cell];
        yield {
          line: row.line,
          error: {
            line: row.line,
            message,
            ...(column !== undefined ? { column } : {}),
            ...(field ? { field: field.trim() } : {}),
          },
        };
        continue;
      }
      const { cells, line } = row;
      if (!header) {
        header = cells;
        options.header?.(cells);
        options.onHeader?.(cells.map((h) => h.trim()));
        continue;
      }
      if (cells.length !== header.length) {
        yield {
          line,
          error: { line, message: `expected ${header.length} fields as in the header, found ${cells.length}` },
        };
        continue;
      }
      yield { line, cells };
    }
  }
}

/**
 * Streams CSV records with their line numbers. Header names are the record's field names; dotted
 * names nest; an empty cell is "not given". Bad rows are reported as readCsvRows does.
 */
export async function* readCsv(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: CsvOptions = {},
): AsyncGenerator<SourceRecord> {
  let paths: string[][] = [];
  const rows = readCsvRows(input, { ...options, header: (h) => (paths = h.map((c) => c.trim().split('.'))) });
  for await (const row of rows) {
    if ('error' in row) {
      yield row;
      continue;
    }
    const { cells, line } = row;
    const value: Record<string, unknown> = {};
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      if (cell === '') continue;
      const path = paths[i]!;
      if (path.length === 1) value[path[0]!] = cell;
      else setPath(value, path, cell);
    }
    yield { line, value };
  }
}

/** The header of a CSV file (names trimmed), read before anything else; an empty file has none. */
export async function readCsvHeader(path: string): Promise<string[]> {
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  let header: string[] = [];
  try {
    // the header is handed over before the first row; one row is enough
    for await (const row of readCsvRows(stream, { onHeader: (h) => (header = h) })) if (row) break;
  } finally {
    stream.destroy();
  }
  return header;
}

/** One JSON Lines record from its text (or bytes); a line that is not a JSON object is reported with its position. */
export function jsonLineRecord(text: string | Uint8Array, line: number): SourceRecord {
  const r = parseJsonText(text);
  if (!r.ok) {
    const error: RowError = { line, message: r.message };
    if (r.column !== undefined) error.column = r.column;
    return { line, error };
  }
  const value = r.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line, error: { line, message: 'expected a JSON object' } };
  }
  return { line, value: value as Record<string, unknown> };
}

/**
 * Streams JSON Lines records; a line that is not a JSON object (or not UTF-8, or longer than
 * maxRecordBytes) is reported with its position, and reading goes on with the next line.
 */
export async function* readJsonl(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): AsyncGenerator<SourceRecord> {
  const lines = jsonLines();
  const record = (l: JsonLine): SourceRecord | undefined => {
    if ('tooLong' in l) {
      const message = `the line is longer than ${maxRecordBytes.toLocaleString('en')} bytes`;
      return { line: l.line, error: { line: l.line, message } };
    }
    return isBlank(l.text) ? undefined : jsonLineRecord(l.text, l.line);
  };
  // Lines are split synchronously, chunk by chunk: one await per record, as with readline.
  for await (const chunk of input) {
    for (const l of lines.push(chunk)) {
      const r = record(l);
      if (r) yield r;
    }
  }
  for (const l of lines.end()) {
    const r = record(l);
    if (r) yield r;
  }
}

const isBlank = (t: string | Uint8Array) =>
  typeof t === 'string' ? t.trim() === '' : t.every((b) => b === 0x20 || b === 0x09 || b === 0x0d);

type JsonLine = { line: number; text: string | Uint8Array } | { line: number; tooLong: true };

/**
 * The lines of a byte stream without their line ends, numbered from 1: as text where a chunk's
 * whole lines are UTF-8 (one check and one decode per chunk), as bytes where they are not (checked
 * line by line when parsed). A line longer than maxRecordBytes is not held in memory but reported
 * as too long. A UTF-8 byte order mark is skipped.
 */
function jsonLines(): { push(chunk: Uint8Array | string): Generator<JsonLine>; end(): Generator<JsonLine> } {
  let parts: Buffer[] = []; // the start of a line that goes on in the next chunk
  let held = 0;
  let tooLong = false;
  let line = 0;
  let start = true;
  const withoutCr = <T extends string | Uint8Array>(t: T): T =>
    (typeof t === 'string' ? t.endsWith('\r') : t[t.length - 1] === 0x0d) ? (t.slice(0, -1) as T) : t;
  const finish = (last: Buffer): JsonLine => {
    line++;
    const long = tooLong || held + last.length > maxRecordBytes;
    const bytes = long ? undefined : parts.length ? Buffer.concat([...parts, last]) : last;
    parts = [];
    held = 0;
    tooLong = false;
    return bytes ? { line, text: withoutCr(bytes) } : { line, tooLong: true };
  };
  return {
    *push(chunk) {
      let bytes =
        typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (start && bytes.length > 0) {
        start = false;
        if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      }
      const first = bytes.indexOf(0x0a);
      if (first !== -1) {
        yield finish(bytes.subarray(0, first));
        const last = bytes.lastIndexOf(0x0a);
        const whole = bytes.subarray(first + 1, last + 1);
        if (isUtf8(whole)) {
          const lines = whole.toString('utf8').split('\n');
          lines.pop(); // after the last line end
          for (const text of lines) {
            line++;
            // a line of more than maxRecordBytes / 3 characters may be more than maxRecordBytes bytes
            if (text.length > maxRecordBytes / 3 && Buffer.byteLength(text) > maxRecordBytes)
              yield { line, tooLong: true };
            else yield { line, text: withoutCr(text) };
          }
        } else {
          for (let from = 0, nl = whole.indexOf(0x0a); nl !== -1; from = nl + 1, nl = whole.indexOf(0x0a, from))
            yield finish(whole.subarray(from, nl));
        }
        bytes = bytes.subarray(last + 1);
      }
      if (tooLong || held + bytes.length > maxRecordBytes) {
        tooLong = true;
        parts = [];
        held = 0;
      } else if (bytes.length) {
        parts.push(bytes);
        held += bytes.length;
      }
    },
    *end() {
      if (held > 0 || tooLong) yield finish(Buffer.alloc(0));
    },
  };
}

/** A file to import: refused as a whole when it is missing, not readable, or not a regular file (a directory, /dev/zero, a pipe). */
export async function statFile(path: string): Promise<Stats> {
  let file: Stats;
  try {
    file = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new AppError('not_found', `no such file: ${path}`, [{ where: path, message: 'not found' }]);
    if (code === 'EACCES' || code === 'EPERM')
      throw new AppError('unauthorized', `not allowed to read ${path}`, [
        { where: path, message: 'permission denied' },
      ]);
    throw e;
  }
  if (!file.isFile())
    throw new AppError('invalid', `${path} is not a regular file`, [{ where: path, message: 'not a regular file' }]);
  return file;
}

export async function openSource(
  path: string,
  format: InputFormat,
): Promise<{ records: AsyncGenerator<SourceRecord>; totalBytes: number; bytesRead: () => number }> {
  // A missing or unreadable file, a directory, a device (/dev/zero) or a pipe is refused before anything reads it.
  const { size } = await statFile(path);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  return {
    records: format === 'csv' ? readCsv(stream) : readJsonl(stream),
    totalBytes: size,
    bytesRead: () => stream.bytesRead,
  };
}
