import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plainCsvHeader } from './plain-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-plain-csv-'));
let n = 0;
const file = (text: string | Buffer) => {
  const path = join(dir, `f${n++}.csv`);
  writeFileSync(path, text);
  return path;
};

describe('plainCsvHeader', () => {
  it('reads the header of LF and CRLF files, without a byte-order mark, names as written', async () => {
    expect(await plainCsvHeader(file('customer, date ,amount\na,2024-01-02,3\n\nb,2024-01-03,4'))).toEqual({
      header: ['customer', ' date ', 'amount'],
      newline: '\n',
    });
    expect(await plainCsvHeader(file('\ufeffcustomer,date\r\na,2024-01-02\r\n'))).toEqual({
      header: ['customer', 'date'],
      newline: '\r\n',
    });
  });

  it('leaves to the streaming reader what readers may split differently', async () => {
    for (const text of [
      'customer,date\n"a,b",2024-01-02\n', // quoted cell
      'customer,date\nb"x,2024-01-02\n', // stray quote
      'customer,date\na\rb,2024-01-02\n', // CR inside an LF file
      'customer,date\r\na,2024-01-02\nb,2024-01-03\r\n', // LF alone in a CRLF file
      'customer,date\r\na,2024-01-02\r\r\n', // CR alone in a CRLF file
      'customer,date\na\u0000,2024-01-02\n', // NUL
      '\ncustomer,date\na,2024-01-02\n', // blank first line: the header is further down
      'customer,date', // a header and nothing else
    ])
      expect(await plainCsvHeader(file(text)), JSON.stringify(text)).toBeUndefined();
  });

  it('checks line endings across its read chunks (4 MiB)', async () => {
    const head = 'customer,date\r\n';
    const row = 'a,2024-01-02\r\n';
    const body = row.repeat(Math.ceil((1 << 22) / row.length) + 1);
    expect((await plainCsvHeader(file(head + body)))?.newline).toBe('\r\n');
    // A CR ending the first chunk and a file going on without its LF.
    const cut = Buffer.from(head + 'x'.repeat((1 << 22) - head.length - 1) + '\rb\r\n');
    expect(await plainCsvHeader(file(cut))).toBeUndefined();
  });
});
