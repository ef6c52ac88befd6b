import { createReadStream } from 'node:fs';
import { plainCsvHeader, readCsv, type RowError } from '@strata/ingest';
import {
  dayNumber,
  PurchaseLog,
  summarisePurchaseCsv,
  summariesToHistories,
  type PurchaseCsvColumns,
  type PurchaseHistories,
  type TimeUnit,
} from '@strata/profiles';

export interface PurchaseFileOptions {
  customerColumn: string;
  dateColumn: string;
  amountColumn: string;
  calibrationEnd: string;
  holdoutEnd?: string;
  timeUnit: TimeUnit;
}

/** A purchase CSV read for the models. */
export interface PurchaseFile {
  histories: PurchaseHistories;
  /** Rows that are purchases. */
  purchases: number;
  /** Rows that are not, and the first `MAX_REPORTED_ERRORS` of them by line. */
  rejected: number;
  errors: RowError[];
  /** `columnar`: DuckDB's parallel reader; `rows`: the streaming CSV reader, row by row. */
  reader: 'columnar' | 'rows';
}

export const MAX_REPORTED_ERRORS = 20;

type Checked = { customer: string; date: string; amount: number } | Omit<RowError, 'line'>;

/** One CSV record as a purchase, or what is wrong with it: the rules of both readers. */
function checkPurchase(
  value: Record<string, unknown>,
  options: PurchaseFileOptions,
  parseDay: (date: string) => number = dayNumber,
): Checked {
  const customer = value[options.customerColumn];
  const date = value[options.dateColumn];
  const amount = Number(value[options.amountColumn]);
  if (typeof customer !== 'string' || customer === '')
    return { field: options.customerColumn, message: 'missing customer (check --customer-column)' };
  if (!Number.isFinite(amount))
    return { field: options.amountColumn, message: `not a number: ${String(value[options.amountColumn])}` };
  if (typeof date !== 'string' || Number.isNaN(parseDay(date)))
    return { field: options.dateColumn, message: `not a date: ${String(date)}` };
  return { customer, date, amount };
}

/**
 * Reads a CSV of purchases (one row per purchase). DuckDB's columnar reader takes the files every
 * CSV reader splits the same way, which is most of them; the streaming reader takes the rest, and
 * any file the columnar one refuses or holds a row it cannot judge. Both give the same histories,
 * counts and error reports (the reports always come from the streaming reader).
 */
export async function readPurchaseFile(
  file: string,
  options: PurchaseFileOptions,
  readers: { columnar?: boolean } = {},
): Promise<PurchaseFile> {
  return ((readers.columnar ?? true) && (await readColumnar(file, options))) || readRows(file, options);
}

/** The streaming reader: every row through csv-parse and the checks. */
async function readRows(file: string, options: PurchaseFileOptions): Promise<PurchaseFile> {
  const log = new PurchaseLog();
  const { rejected, errors } = await scanRows(
    file,
    options,
    (p) => log.add(p.customer, p.date, p.amount),
    (d) => log.parseDay(d),
  );
  const summary = log.summarise(options);
  return { histories: summariesToHistories(summary), purchases: log.size, rejected, errors, reader: 'rows' };
}

/**
 * Streams the file's rows: purchases to `onPurchase`, the others counted and the first
 * `MAX_REPORTED_ERRORS` kept. With `stopAtErrors`, stops once that many are kept.
 */
async function scanRows(
  file: string,
  options: PurchaseFileOptions,
  onPurchase: (p: { customer: string; date: string; amount: number }) => void,
  parseDay?: (date: string) => number,
  stopAtErrors = false,
): Promise<{ rejected: number; errors: RowError[]; complete: boolean }> {
  const stream = createReadStream(file);
  const errors: RowError[] = [];
  let rejected = 0;
  try {
    for await (const rec of readCsv(stream)) {
      const checked = 'error' in rec ? rec.error : checkPurchase(rec.value, options, parseDay);
      if ('customer' in checked) {
        onPurchase(checked);
        continue;
      }
      rejected++;
      if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line: rec.line, ...checked });
      if (stopAtErrors && errors.length === MAX_REPORTED_ERRORS) return { rejected, errors, complete: false };
    }
    return { rejected, errors, complete: true };
  } finally {
    stream.destroy();
  }
}

/** The columnar reader, or undefined when the file is for the streaming reader. */
async function readColumnar(file: string, options: PurchaseFileOptions): Promise<PurchaseFile | undefined> {
  const layout = await plainCsvHeader(file);
  const columns = layout && locateColumns(layout.header, options);
  if (!columns) return undefined;
  // The engine is loaded when a file is read, not when the CLI starts (apps/cli/test/start.test.ts).
  const { openScratchDatabase } = await import('@strata/store-duckdb');
  const sql = await openScratchDatabase();
  let summary;
  try {
    summary = await summarisePurchaseCsv(sql, file, columns, options);
  } catch {
    // DuckDB's reader refused the file (a row with too few cells, say): the streaming reader
    // reports why, row by row.
    return undefined;
  } finally {
    await sql.close();
  }
  let rejected = summary.withoutCustomer;
  for (const row of summary.unread) {
    const value = {
      [options.customerColumn]: row.customer,
      [options.dateColumn]: row.date ?? undefined,
      [options.amountColumn]: row.amount ?? undefined,
    };
    // A purchase written in a way SQL does not read (an amount of 1e3, say) goes to the streaming reader.
    if ('customer' in checkPurchase(value, options)) return undefined;
    rejected++;
  }
  const read = { histories: summary.histories, purchases: summary.purchases, rejected, reader: 'columnar' } as const;
  if (rejected === 0) return { ...read, errors: [] };
  // The rows to report, with their lines, as the streaming reader finds them (it stops at the last).
  const first = await scanRows(file, options, () => undefined, undefined, true);
  if (first.complete && first.rejected !== rejected) return undefined;
  return { ...read, errors: first.errors };
}

/**
 * The purchase columns' positions, when the streaming reader would read each of them from that
 * one column: it trims header names and nests dotted ones (`amount.net` would turn `amount` into
 * an object), and of two columns of one name it keeps the last non-empty cell.
 */
function locateColumns(header: readonly string[], options: PurchaseFileOptions): PurchaseCsvColumns | undefined {
  const names = header.map((h) => h.trim());
  const at = (wanted: string) => {
    if (wanted.includes('.') || names.some((n) => n.startsWith(`${wanted}.`))) return -1;
    const i = names.indexOf(wanted);
    return i >= 0 && names.lastIndexOf(wanted) === i ? i : -1;
  };
  const customer = at(options.customerColumn);
  const date = at(options.dateColumn);
  const amount = at(options.amountColumn);
  return customer < 0 || date < 0 || amount < 0 ? undefined : { count: header.length, customer, date, amount };
}
