/*
 * CSV rows from bytes, with their line numbers. csv-parse reads the cells; this module decides
 * where it may start reading, so that one broken row costs that row and nothing after it:
 *
 * - The bytes are cut into blocks at line ends outside quotes (an even number of quote characters
 *   since the block began), and csv-parse reads each block. A quote that stays open for more than
 *   maxRecordBytes, or up to the end of the file, is reported on the line it opened on, and reading
 *   goes on from the next line: an unclosed quote no longer swallows the rest of the file.
 * - A row csv-parse refuses (a stray quote, text after a closing quote) is reported on its first
 *   line, and reading goes on from the line after it.
 * - A block that is not UTF-8 is read cell by cell: a row holding bytes that are not UTF-8 is
 *   reported with the line, column and cell, not stored with U+FFFD in their place.
 */
import { isUtf8 } from 'node:buffer';
import { CsvError, parse } from 'csv-parse/sync';
import { AppError } from '@strata/core';
import { locateUtf8Fault, utf8Fault } from './utf8.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** The longest row read: beyond it a quote left open is reported, and the memory it may take is bounded. */
export const maxRecordBytes = 1024 * 1024;
/** How far the reader looks for a block end before handing a block to csv-parse (bounds the work redone after an error). */
const blockBytes = 64 * 1024;

export type CsvRow =
  { line: number; cells: string[] } | { line: number; error: { message: string; column?: number; cell?: number } };

/** What csv-parse's refusal means, in the words of someone fixing the file. */
function csvErrorMessage(e: CsvError): string {
  switch (e.code) {
    case 'INVALID_OPENING_QUOTE':
      return 'a quote inside an unquoted value: quote the whole value and double the quotes in it ("5"" screen")';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'text after the closing quote of a quoted value: double a quote that belongs to the value ("say ""hi""")';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quote opened on this line is never closed';
    default:
      return `not readable as CSV (${e.code})`;
  }
}

/**
 * Reads CSV rows, each with the line it starts on, from chunks of bytes given one by one (see the
 * module comment for how broken rows are handled). Synchronous, so that a caller streaming a file
 * awaits once per chunk, not once per row.
 */
export function csvRowReader(): { push(chunk: Uint8Array | string): Generator<CsvRow>; end(): Generator<CsvRow> } {
  let pending: Buffer = Buffer.alloc(0);
  let line = 1; // the line pending[0] is on
  let scanned = 0; // bytes of pending scanned for quotes and line ends
  let odd = false; // an odd number of quotes in pending[0, scanned)
  let lastEven = 0; // just after the last line end in pending[0, scanned) outside quotes
  let lines = 0; // line ends in pending[0, scanned)
  let linesAtEven = 0; // line ends in pending[0, lastEven)
  let discarding = false; // dropping the rest of an overlong line
  let start = true;

  const restartAt = (offset: number, atLine: number) => {
    pending = pending.subarray(offset);
    line = atLine;
    scanned = lastEven = lines = linesAtEven = 0;
    odd = false;
  };
  const scan = (until: number) => {
    for (let i = scanned; i < until; i++) {
      const c = pending[i]!;
      if (c === QUOTE) odd = !odd;
      else if (c === LF) {
        lines++;
        if (!odd) {
          lastEven = i + 1;
          linesAtEven = lines;
        }
      }
    }
    scanned = until;
  };

  function* drain(final: boolean): Generator<CsvRow> {
    for (;;) {
      while (lastEven === 0 && scanned < pending.length) scan(Math.min(pending.length, scanned + blockBytes));
      if (final && !odd && scanned === pending.length && pending.length > 0) {
        // the last line, with or without a line end
        lastEven = pending.length;
        linesAtEven = lines;
      }
      if (lastEven > 0) {
        const restart = yield* readBlock(pending.subarray(0, lastEven), line);
        if (restart) {
          restartAt(restart.offset, restart.line);
          continue;
        }
        // pending[lastEven, scanned) was scanned already and keeps its quote state (the cut is outside quotes)
        pending = pending.subarray(lastEven);
        scanned -= lastEven;
        lines -= linesAtEven;
        line += linesAtEven;
        lastEven = linesAtEven = 0;
        continue;
      }
      if (pending.length === 0 || (!final && pending.length <= maxRecordBytes)) return;
      // A quote opened on `line` and not closed within maxRecordBytes (or the file ended first),
      // or one line longer than that: report it and read on from the next line.
      yield {
        line,
        error: {
          message: odd
            ? final
              ? 'a quote opened on this line is never closed: the lines after it were read as new rows'
              : `a quote opened on this line is not closed within ${maxRecordBytes.toLocaleString('en')} bytes: the lines after it were read as new rows`
            : `the row is longer than ${maxRecordBytes.toLocaleString('en')} bytes`,
        },
      };
      const end = pending.indexOf(LF);
      if (end === -1) {
        discarding = !final;
        restartAt(pending.length, line + 1);
        return;
      }
      restartAt(end + 1, line + 1);
    }
  }

  return {
    *push(chunk) {
      let bytes =
        typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (start && bytes.length > 0) {
        start = false;
        if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
          throw new AppError('invalid', 'the file is UTF-16 text: save it as UTF-8 (in Excel: "CSV UTF-8")');
        if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      }
      if (discarding) {
        const end = bytes.indexOf(LF);
        if (end === -1) return;
        bytes = bytes.subarray(end + 1);
        discarding = false;
      }
      pending = pending.length ? Buffer.concat([pending, bytes]) : bytes;
      yield* drain(false);
    },
    *end() {
      yield* drain(true);
    },
  };
}

/**
 * Reads one block (complete rows) with csv-parse. Returns where to read on when a row was refused:
 * that row is reported on its first line and reading goes on from the line after it.
 */
function* readBlock(block: Buffer, firstLine: number): Generator<CsvRow, { offset: number; line: number } | undefined> {
  const utf8 = isUtf8(block);
  const rows: { cells: (string | Uint8Array)[]; bytes: number }[] = [];
  let refused: unknown;
  try {
    parse(block, {
      // Not UTF-8: cells as bytes, checked one by one below.
      encoding: utf8 ? 'utf8' : null,
      bom: false,
      // Lines end where the blocks are cut (a lone carriage return is text), whatever a block starts with.
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (cells: (string | Uint8Array)[], info) => {
        rows.push({ cells, bytes: info.bytes });
        return null;
      },
    });
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    refused = e;
  }
  // Lines are counted here, by line feeds (csv-parse counts a carriage return as a line too).
  let end = 0; // where the last row read ended
  let at = firstLine; // the line `end` is on
  const skipBlankLines = () => {
    while (block[end] === LF || (block[end] === CR && block[end + 1] === LF)) {
      end += block[end] === CR ? 2 : 1;
      at++;
    }
  };
  for (const row of rows) {
    skipBlankLines();
    const line = at;
    for (let i = block.indexOf(LF, end); i !== -1 && i < row.bytes; i = block.indexOf(LF, i + 1)) at++;
    if (utf8) yield { line, cells: row.cells as string[] };
    else yield decodeRow(block, end, row, line, firstLine);
    end = row.bytes;
  }
  if (!refused) return undefined;
  // The refused row starts after the blank lines following the last row read.
  skipBlankLines();
  yield { line: at, error: { message: csvErrorMessage(refused as CsvError) } };
  const lineEnd = block.indexOf(LF, end);
  return { offset: lineEnd === -1 ? block.length : lineEnd + 1, line: at + 1 };
}

/** A row read as bytes: its cells as text, or the first place that is not UTF-8 (line and column in the file). */
function decodeRow(
  block: Buffer,
  start: number,
  row: { cells: (string | Uint8Array)[]; bytes: number },
  line: number,
  firstLine: number,
): CsvRow {
  const cells = row.cells as Uint8Array[];
  const bad = cells.findIndex((c) => !isUtf8(c));
  if (bad === -1)
    return { line, cells: cells.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('utf8')) };
  const fault = utf8Fault(block.subarray(start, row.bytes))!;
  const at = locateUtf8Fault(block, { offset: start + fault.offset, byte: fault.byte }, firstLine);
  return {
    line: at.line,
    error: { message: `not valid UTF-8 (byte ${at.byte}): save the file as UTF-8`, column: at.column, cell: bad },
  };
}
