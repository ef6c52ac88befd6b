import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { csvCell, csvLine, FileSink } from './file-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-sink-'));

describe('csvCell', () => {
  it('quotes only cells with a comma, quote or line break, doubling quotes', () => {
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell("O'Connor")).toBe("O'Connor");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('{"pet":"dog"}')).toBe('"{""pet"":""dog""}"');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
  });

  it('round-trips through a CSV parser', () => {
    const cells = ['id', 'Provence-Alpes-Côte d\'Azur', '{"a":1,"b":"x, y"}', 'say "hi"', ''];
    const [row] = parse(csvLine(cells.map(csvCell)));
    expect(row).toEqual(cells);
  });
});

describe('FileSink', () => {
  it('writes the header and every row across many chunks, multi-byte text intact', async () => {
    const path = join(dir, 'rows.csv');
    const sink = new FileSink(path, 'n,name\n');
    const expected = ['n,name'];
    for (let i = 0; i < 60_000; i++) {
      const line = `${i},Jürgen Müller — Łódź ${'x'.repeat(i % 50)}`;
      expected.push(line);
      sink.row(`${line}\n`);
      if (sink.full) await sink.flush();
    }
    await sink.close();
    expect(sink.rows).toBe(60_000);
    expect(readFileSync(path, 'utf8')).toBe(`${expected.join('\n')}\n`);
  });

  it('reports a write failure instead of losing it', async () => {
    const sink = new FileSink(join(dir, 'no-such-dir', 'x.csv'));
    sink.row('a\n');
    await expect(sink.close()).rejects.toThrow(/ENOENT/);
  });
});
