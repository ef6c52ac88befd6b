import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitGammaGamma, fitPurchaseModel, purchaseModelKinds, toRepeatData, type SpendGroup } from '@strata/profiles';
import { run } from '@strata/cli';
import { readPurchaseFile, type PurchaseFile, type PurchaseFileOptions } from '../src/purchase-file.js';
import { captureIo } from './helpers.js';

const elog = new URL('../../../../shared/data/cdnow/cdnowElog.csv', import.meta.url).pathname;
const cdnow: PurchaseFileOptions = {
  customerColumn: 'sampleid',
  dateColumn: 'date',
  amountColumn: 'sales',
  calibrationEnd: '19970930',
  holdoutEnd: '19980630',
  timeUnit: 'week',
};
const plain: PurchaseFileOptions = {
  customerColumn: 'customer',
  dateColumn: 'date',
  amountColumn: 'amount',
  calibrationEnd: '2200-01-01',
  timeUnit: 'day',
};

const dir = mkdtempSync(join(tmpdir(), 'strata-models-reader-'));
let files = 0;
function csv(text: string): string {
  const path = join(dir, `purchases-${files++}.csv`);
  writeFileSync(path, text);
  return path;
}

/** Both readers on one file; the columnar one must have read it (not handed it on). */
async function bothReaders(file: string, options: PurchaseFileOptions) {
  const columnar = await readPurchaseFile(file, options);
  const rows = await readPurchaseFile(file, options, { columnar: false });
  expect(rows.reader).toBe('rows');
  return { columnar, rows };
}

/** The repeat buyers one by one: (x, m) in order, so that groups split by a last-bit difference still compare. */
const buyers = (spend: readonly SpendGroup[]) => spend.flatMap((g) => Array.from({ length: g.customers }, () => g));

/**
 * Same purchases, customers, histories and reports. Values are summed exactly in SQL and in
 * floating point row by row, so mean repeat values may differ in their last bit.
 */
function expectSameReading(a: PurchaseFile, b: PurchaseFile) {
  expect([a.purchases, a.rejected, a.histories.customers]).toEqual([b.purchases, b.rejected, b.histories.customers]);
  expect(a.errors).toEqual(b.errors);
  expect(a.histories.histories).toEqual(b.histories.histories);
  const [sa, sb] = [buyers(a.histories.spend), buyers(b.histories.spend)];
  expect(sa.map((s) => s.x)).toEqual(sb.map((s) => s.x));
  sa.forEach((s, i) => expect(Math.abs(s.m - sb[i]!.m)).toBeLessThanOrEqual(Math.abs(sb[i]!.m) * 1e-12));
}

describe('strata models fit reads purchases columnar (DuckDB), as the streaming reader does', () => {
  it('CDNOW: the same histories, parameters and Gamma-Gamma fit as row by row', async () => {
    const { columnar, rows } = await bothReaders(elog, cdnow);
    expect(columnar.reader).toBe('columnar');
    expectSameReading(columnar, rows);
    expect([columnar.purchases, columnar.histories.customers]).toEqual([6919, 2357]);
    for (const kind of purchaseModelKinds) {
      const [a, b] = [columnar, rows].map((r) => fitPurchaseModel(kind, toRepeatData(r.histories.histories)));
      expect(a!.params).toEqual(b!.params);
    }
    const [ga, gb] = [columnar, rows].map((r) => fitGammaGamma(r.histories.spend).params);
    for (const k of ['p', 'q', 'v'] as const) expect(ga![k].toPrecision(6)).toBe(gb![k].toPrecision(6));

    // CRLF line endings read the same.
    const crlf = csv(readFileSync(elog, 'utf8').replaceAll('\n', '\r\n'));
    const windows = await readPurchaseFile(crlf, cdnow);
    expect(windows.reader).toBe('columnar');
    expect(windows.histories).toEqual(columnar.histories);
  });

  it('reads every date and amount as dayNumber and Number do, and reports the rows they refuse by line', async () => {
    const lines = ['order,customer,date,amount'];
    const pad = (v: number, n = 2) => String(v).padStart(n, '0');
    const amounts = ['12', '12.5', '-3.25', '0.000001', '007', '123456789012.123456', '0', '19.99'];
    const suffixes = ['', 'T10:00:00Z', 'T23:59:59-05:00', ' 10:00', 'x'];
    let k = 0;
    const add = (date: string, amount = amounts[k % amounts.length]!) => {
      lines.push(`o${k},c${k % 997},${date},${amount}`);
      k++;
    };
    // Every day of some years (leap, not leap, century), in both forms, some with a time after it.
    for (const year of [1899, 1900, 1970, 2000, 2023, 2024, 2100]) {
      for (let d = Date.UTC(year, 0, 1); d < Date.UTC(year + 1, 0, 1); d += 86_400_000) {
        const t = new Date(d);
        const [y, m, day] = [pad(t.getUTCFullYear(), 4), pad(t.getUTCMonth() + 1), pad(t.getUTCDate())];
        add(`${y}-${m}-${day}${suffixes[k % suffixes.length]}`);
        add(`${y}${m}${day}`);
      }
    }
    // The ends of every month of two centuries, written as if every month had 28 to 31 days, and
    // months 0 and 13.
    for (let year = 1890; year <= 2110; year++)
      for (let month = 0; month <= 13; month++)
        for (const day of [0, 1, 28, 29, 30, 31, 32]) add(`${pad(year, 4)}${pad(month)}${pad(day)}`);
    // Amounts and dates that are not: reported, and the rest read.
    for (const bad of ['abc', '', '-', '12.5.1', 'NaN', '1e999']) add('2024-03-01', bad);
    for (const bad of ['', 'soon', '2024/03/01', '24-03-01']) add(bad);
    const file = csv(`${lines.join('\n')}\n`);
    const { columnar, rows } = await bothReaders(file, plain);
    expect(columnar.reader).toBe('columnar');
    expectSameReading(columnar, rows);
    expect(columnar.rejected).toBeGreaterThan(5000);
    expect(columnar.errors).toHaveLength(20);
    // The first month-end row, after the header and the 5,114 days of the seven years.
    expect(columnar.errors[0]).toEqual({ line: 5116, field: 'date', message: 'not a date: 18900000' });
  });

  it('hands files and rows it cannot judge to the streaming reader', async () => {
    const cases = [
      'customer,date,amount\na,2024-01-02,1e3\n', // an amount SQL does not read but Number does
      'customer,date,amount\na,0099-01-02,10\n', // a year Date.UTC puts in the 1900s
      'customer,date,amount\na, 2024-01-02,10\n', // a date after white space
      'customer,date,amount\n"a",2024-01-02,10\n', // quotes
      'customer,date,amount\na,2024-01-02\n', // a row short of a cell
      'customer,date,amount,amount\na,2024-01-02,10,\n', // two columns of one name
      'customer,date,amount.net\na,2024-01-02,10\n', // a nested column
    ];
    for (const text of cases) {
      const options = { ...plain, calibrationEnd: '2024-12-31' };
      const read = await readPurchaseFile(csv(text), options);
      expect(read.reader, text).toBe('rows');
    }
  });

  it('a malformed row is still reported with its line, and the good rows kept', async () => {
    const file = csv(
      'customer,date,amount\na,2024-01-02,10\nb,2024-01-05\na,2024-02-01,abc\nb,2024-01-09,3\n' +
        ',2024-01-09,3\n'.repeat(25),
    );
    const io = captureIo();
    expect(
      await run(['--json', 'models', 'fit', file, '--calibration-end', '2024-03-01', '--model', 'mbg-nbd'], io),
    ).toBe(0);
    const name = file.split('/').pop()!;
    expect(io.stderr.slice(0, 3)).toEqual([
      `${name}:3: expected 3 fields as in the header, found 2`,
      `${name}:4: field "amount": not a number: abc`,
      `${name}:6: field "customer": missing customer (check --customer-column)`,
    ]);
    expect(io.stderr).toHaveLength(20);
    const out = JSON.parse(io.stdout.join('\n')) as { purchases: number; rejected: number; customers: number };
    expect(out).toMatchObject({ purchases: 2, rejected: 27, customers: 2 });

    // Without the short row the file is read columnar: the same reports.
    const columnarFile = csv(readFileSync(file, 'utf8').replace('b,2024-01-05\n', ''));
    const { columnar, rows } = await bothReaders(columnarFile, { ...plain, calibrationEnd: '2024-03-01' });
    expect(columnar.reader).toBe('columnar');
    expectSameReading(columnar, rows);
    expect(columnar.errors[0]).toEqual({ line: 3, field: 'amount', message: 'not a number: abc' });
    expect(columnar.rejected).toBe(26);
  });
});
