import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxRecordBytes } from './csv-rows.js';
import { readCsv, readJsonl, type SourceRecord } from './record-source.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
/** The input in chunks of the given sizes (cycled), as a stream would cut it. */
function* chunked(input: Buffer, sizes: readonly number[] = [input.length || 1]): Generator<Buffer> {
  for (let at = 0, k = 0; at < input.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    yield input.subarray(at, at + n);
    at += n;
  }
}
async function all(records: AsyncIterable<SourceRecord>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const r of records)
    out.push('error' in r ? { line: r.line, error: r.error } : { line: r.line, ...r.value });
  return out;
}
const csv = (input: Buffer, sizes?: readonly number[]) => all(readCsv(chunked(input, sizes)));

describe('readCsv', () => {
  it('reports an unclosed quote on the line it opened on and reads every line after it', async () => {
    expect(await csv(bytes('id,name\nc1,Ann\nc2,"Bob\nc3,Cy\nc4,Dee\n'))).toEqual([
      { line: 2, id: 'c1', name: 'Ann' },
      {
        line: 3,
        error: {
          line: 3,
          message: 'a quote opened on this line is never closed: the lines after it were read as new rows',
        },
      },
      { line: 4, id: 'c3', name: 'Cy' },
      { line: 5, id: 'c4', name: 'Dee' },
    ]);
  });

  it('reports a quote broken inside a row on its line and goes on with the next', async () => {
    expect(await csv(bytes('id,name\nc1,"Ann"x\nc2,Bob\nc3,5" screen\nc4,"multi\nline"\nc5,Eve\n'))).toEqual([
      { line: 2, error: { line: 2, message: expect.stringContaining('text after the closing quote') } },
      { line: 3, id: 'c2', name: 'Bob' },
      { line: 4, error: { line: 4, message: expect.stringContaining('a quote inside an unquoted value') } },
      { line: 5, id: 'c4', name: 'multi\nline' },
      { line: 7, id: 'c5', name: 'Eve' },
    ]);
  });

  it('gives up on a quote left open for more than maxRecordBytes, then reads on', async () => {
    const filler = Array.from({ length: Math.ceil((maxRecordBytes * 1.5) / 12) }, (_, i) => `f${i},filler\n`).join('');
    const rows = await csv(bytes('id,name\nc1,"open\n', filler, 'last,row\n'), [65_536]);
    expect(rows[0]).toEqual({
      line: 2,
      error: {
        line: 2,
        message: `a quote opened on this line is not closed within ${maxRecordBytes.toLocaleString('en')} bytes: the lines after it were read as new rows`,
      },
    });
    expect(rows[1]).toEqual({ line: 3, id: 'f0', name: 'filler' });
    expect(rows.at(-1)).toEqual({ line: rows.length + 1, id: 'last', name: 'row' });
  });

  it('reports bytes that are not UTF-8 with line, column and field, and keeps the rows around them', async () => {
    expect(
      await csv(bytes('\ufeffid,name\nc1,Müller\nc2,B', [0xff], 'ob\nc3,"two\nli', [0xc3, 0x28], 'nes"\nc4,Zoë\n')),
    ).toEqual([
      { line: 2, id: 'c1', name: 'Müller' },
      {
        line: 3,
        error: { line: 3, column: 5, field: 'name', message: 'not valid UTF-8 (byte 0xFF): save the file as UTF-8' },
      },
      {
        line: 5,
        error: { line: 5, column: 3, field: 'name', message: 'not valid UTF-8 (byte 0xC3): save the file as UTF-8' },
      },
      { line: 6, id: 'c4', name: 'Zoë' },
    ]);
  });

  it('refuses a UTF-16 file and a header that cannot be read, as a whole', async () => {
    await expect(csv(bytes([0xff, 0xfe], 'i\0d\0'))).rejects.toThrow('the file is UTF-16 text: save it as UTF-8');
    await expect(csv(bytes('id,"name\nc1,x\n'))).rejects.toThrow(
      'line 1 (the header): a quote opened on this line is never closed',
    );
  });

  it('reads the same rows however the input is cut into chunks', async () => {
    const cell = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r', 'é', '😀') }),
      fc.constantFrom('', '"', '""', '"x', 'x"', '\ud800'),
    );
    const row = fc.array(cell, { minLength: 1, maxLength: 4 }).map((cells) => cells.join(','));
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        async (rows, sizes) => {
          const input = bytes(['h1,h2', ...rows].join('\n'));
          expect(await csv(input, sizes)).toEqual(await csv(input));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('readJsonl', () => {
  it('reports a line that is not UTF-8, or too long, by its line and column and reads on', async () => {
    const long = `{"a":"${'x'.repeat(maxRecordBytes)}"}`;
    const input = bytes('\ufeff{"a":1}\r\n{"b":"', [0xe2, 0x82], '"}\n', long, '\n\n{"c":3}');
    expect(await all(readJsonl(chunked(input, [4096])))).toEqual([
      { line: 1, a: 1 },
      { line: 2, error: { line: 2, column: 7, message: 'not valid UTF-8 (byte 0xE2)' } },
      { line: 3, error: { line: 3, message: `the line is longer than ${maxRecordBytes.toLocaleString('en')} bytes` } },
      { line: 5, c: 3 },
    ]);
  });

  it('reads the same records however the input is cut into chunks', async () => {
    const line = fc.oneof(
      fc.json().map((j) => Buffer.from(j)),
      fc.constantFrom(Buffer.from('{"a":"é😀"}'), Buffer.from('\r'), Buffer.from([0x7b, 0xff, 0x7d]), Buffer.from('')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        async (lines, sizes) => {
          const input = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
          expect(await all(readJsonl(chunked(input, sizes)))).toEqual(await all(readJsonl(chunked(input))));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses JSON nested beyond reason before parsing it', async () => {
    const input = bytes('{"a":', '['.repeat(100_000), ']'.repeat(100_000), '}\n{"ok":true}\n');
    expect(await all(readJsonl(chunked(input)))).toEqual([
      { line: 1, error: { line: 1, column: 261, message: 'nested more than 256 levels deep' } },
      { line: 2, ok: true },
    ]);
  });
});
