import { open } from 'node:fs/promises';

/** A CSV file with nothing for two readers to disagree on (see `plainCsvHeader`). */
export interface PlainCsv {
  /** The header's cells as written (`readCsv` trims them and nests dotted names). */
  header: string[];
  /** The line ending, the same on every line. */
  newline: '\n' | '\r\n';
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;
const CHUNK = 1 << 22;

/**
 * The header of a CSV file that any CSV reader splits exactly as `readCsv` does, or undefined.
 * Such a file has no quote character (so no quoted cell, stray quote or quoted line break), no NUL
 * byte, a header on its first line, and one line ending throughout: LF, or CRLF with no CR or LF
 * on its own. Its records are then its non-blank lines, and its cells what lies between commas —
 * so a columnar reader (DuckDB's) can take it in place of the streaming one.
 */
export async function plainCsvHeader(path: string): Promise<PlainCsv | undefined> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let header: string[] | undefined;
    let newline: PlainCsv['newline'] = '\n';
    let previous = -1;
    for (let first = true; ; first = false) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      if (chunk.includes(QUOTE) || chunk.includes(NUL)) return undefined;
      if (first) {
        const bom = chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
        const end = chunk.indexOf(LF);
        // A header longer than a chunk, or a file that is only a header, is left to readCsv.
        if (end < 0) return undefined;
        if (chunk[end - 1] === CR) newline = '\r\n';
        const text = chunk.toString('utf8', bom, newline === '\r\n' ? end - 1 : end);
        if (text === '') return undefined;
        header = text.split(',');
      }
      if (!consistentLineEnds(chunk, newline, previous)) return undefined;
      previous = chunk[bytesRead - 1]!;
    }
    if (newline === '\r\n' && previous === CR) return undefined;
    return header && { header, newline };
  } finally {
    await file.close();
  }
}

/** No CR in an LF file; in a CRLF file every CR is followed by LF and every LF preceded by CR. */
function consistentLineEnds(chunk: Buffer, newline: PlainCsv['newline'], previous: number): boolean {
  if (newline === '\n') return !chunk.includes(CR);
  if (previous === CR && chunk[0] !== LF) return false;
  for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) {
    if ((i === 0 ? previous : chunk[i - 1]) !== CR) return false;
  }
  for (let i = chunk.indexOf(CR); i >= 0; i = chunk.indexOf(CR, i + 1)) {
    // A CR ending the chunk is checked by the next chunk's first LF (or the end of the file).
    if (i + 1 < chunk.length && chunk[i + 1] !== LF) return false;
  }
  return true;
}
