/*
 * Input is UTF-8. Bytes that are not are reported where they are (line, column, the byte), never
 * decoded into U+FFFD and stored as if the sender had written that.
 */
import { isUtf8 } from 'node:buffer';

/** Where a byte sequence stops being UTF-8: its offset and the byte found there. */
export interface Utf8Fault {
  offset: number;
  byte: number;
}

/**
 * The first byte that does not start a well-formed UTF-8 sequence (Unicode table 3-7: no overlong
 * forms, no encoded surrogates, nothing above U+10FFFF, no cut-off sequence); undefined when all is
 * UTF-8. The check is native; the walk to find the place runs only on bytes that fail it.
 */
export function utf8Fault(bytes: Uint8Array): Utf8Fault | undefined {
  if (isUtf8(bytes)) return undefined;
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    // continuation bytes after the lead byte, and the range the first of them must fall in
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c === 0xe0) [n, lo] = [2, 0xa0];
    else if (c === 0xed) [n, hi] = [2, 0x9f];
    else if (c >= 0xe1 && c <= 0xef) n = 2;
    else if (c === 0xf0) [n, lo] = [3, 0x90];
    else if (c === 0xf4) [n, hi] = [3, 0x8f];
    else if (c >= 0xf1 && c <= 0xf3) n = 3;
    else return { offset: i, byte: c };
    for (let k = 1; k <= n; k++) {
      const d = bytes[i + k];
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (d === undefined || d < min || d > max) return { offset: i, byte: c };
    }
    i += n + 1;
  }
  return undefined;
}

/** Where a fault is: line (counted from `firstLine`) and column in characters, as an editor shows them, and the byte as 0xFF. */
export function locateUtf8Fault(
  bytes: Uint8Array,
  fault: Utf8Fault,
  firstLine = 1,
): { line: number; column: number; byte: string } {
  let line = firstLine;
  let lineStart = 0;
  for (let i = 0; i < fault.offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const before = Buffer.from(bytes.buffer, bytes.byteOffset + lineStart, fault.offset - lineStart).toString('utf8');
  return { line, column: before.length + 1, byte: `0x${fault.byte.toString(16).toUpperCase().padStart(2, '0')}` };
}
