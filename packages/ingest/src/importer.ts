import {
  AppError,
  entitySchemas,
  isNativeFileImporter,
  isOrderLookup,
  type Entity,
  type EntityRows,
  type ImportDefaults,
  type NativeFileImport,
  type StoreWriter,
  type WriteCounts,
} from '@strata/core';
import { checkHeader } from './entity-columns.js';
import { exportOf } from './presets/detect.js';
import { readCsvHeader } from './record-source.js';
import type { PresetMapping } from './presets/preset.js';
import {
  csvRecord,
  formatOf,
  jsonLineRecord,
  openSource,
  type InputFormat,
  type SourceRecord,
} from './record-source.js';
import { toRowErrors, type RowError } from './row-errors.js';
import { basename } from 'node:path';

export interface ImportProgress {
  rows: number;
  rejected: number;
  bytes: number;
  totalBytes: number;
}

export interface ImportOptions {
  /** Rows written per transaction. Larger is faster; each batch is all-or-nothing. */
  batchSize?: number;
  /** How many rejected rows to keep in detail (all are counted). */
  maxErrorDetails?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Read the file in JavaScript even when the store has its own reader (for tests and comparisons). */
  streamOnly?: boolean;
  /** The store's settings that fill in what records leave out (an order's currency). */
  defaults?: ImportDefaults;
  /**
   * Order lines whose order is not in the store: `keep` stores them (their order may come in a
   * later file) and reports them, `reject` refuses them. Default `keep`.
   */
  orphanLines?: OrphanLines;
}

export const OrphanLines = { keep: 'keep', reject: 'reject' } as const;
export type OrphanLines = (typeof OrphanLines)[keyof typeof OrphanLines];

/** One reason rows were rejected: how many, and the first few of their lines. */
export interface ImportReason {
  field?: string;
  /** The reason; with quoted values left out when it stands for more than one row. */
  message: string;
  count: number;
  lines: number[];
}

export interface ImportSummary {
  entity: Entity;
  /** Data rows read (header and blank lines not counted). */
  rows: number;
  imported: number;
  updated: number;
  /** Rows already stored exactly as sent. */
  skipped: number;
  rejected: number;
  errors: RowError[];
  /** True when more rows were rejected than `errors` lists. */
  errorsTruncated: boolean;
  /** The rejections grouped by reason (field and message), in the order first met. */
  reasons: ImportReason[];
  /** Said once about the whole file: columns that were ignored, order lines kept before their order. */
  warnings: string[];
  /** Order lines whose order was not in the store when they were read (kept or rejected). */
  orphanLines?: { count: number; lines: number[]; kept: boolean };
  /** What a preset (`--from`) or `--map` did with the file's columns. */
  mapping?: PresetMapping;
  durationMs: number;
}

/** How many line numbers a reason keeps. */
const REASON_LINES = 5;
/** How many distinct reasons a summary keeps (the rest are still counted as rejected). */
const MAX_REASONS = 100;

const DEFAULT_BATCH = 50_000;
/** Records validated between two turns of the event loop (~30 ms of work). */
const YIELD_EVERY = 2000;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const emptySummary = (entity: Entity, rows: number): ImportSummary => ({
  entity,
  rows,
  imported: 0,
  updated: 0,
  skipped: 0,
  rejected: 0,
  errors: [],
  errorsTruncated: false,
  reasons: [],
  warnings: [],
  durationMs: 0,
});

/** A message standing for many rows: the quoted values that differ from row to row left out. */
const generalMessage = (message: string) => message.replace(/"(?:[^"\\]|\\.)*"/g, '"…"');

function countReason(summary: ImportSummary, e: RowError): void {
  const message = generalMessage(e.message);
  let reason = summary.reasons.find((r) => r.field === e.field && generalMessage(r.message) === message);
  if (!reason) {
    if (summary.reasons.length >= MAX_REASONS) return;
    reason = { ...(e.field !== undefined ? { field: e.field } : {}), message: e.message, count: 0, lines: [] };
    summary.reasons.push(reason);
  } else if (reason.message !== message && reason.message !== e.message) reason.message = message;
  reason.count++;
  if (reason.lines.length < REASON_LINES && !reason.lines.includes(e.line)) reason.lines.push(e.line);
}

function countOrphans(summary: ImportSummary, lines: readonly number[], kept: boolean): void {
  if (!lines.length) return;
  const o = (summary.orphanLines ??= { count: 0, lines: [], kept });
  o.count += lines.length;
  for (const l of lines) if (o.lines.length < REASON_LINES) o.lines.push(l);
}

/** Adds a part's summary (a run of records validated apart) to the whole. */
function addSummary(summary: ImportSummary, part: ImportSummary, maxErrors: number): void {
  addWritten(summary, { inserted: part.imported, updated: part.updated, unchanged: part.skipped });
  summary.rejected += part.rejected;
  keepErrors(summary, part.errors, maxErrors, false);
  summary.errorsTruncated ||= part.errorsTruncated;
  for (const r of part.reasons) {
    const mine = summary.reasons.find(
      (m) => m.field === r.field && generalMessage(m.message) === generalMessage(r.message),
    );
    if (mine) {
      if (mine.message !== r.message) mine.message = generalMessage(r.message);
      mine.count += r.count;
      for (const l of r.lines) if (mine.lines.length < REASON_LINES) mine.lines.push(l);
    } else if (summary.reasons.length < MAX_REASONS) summary.reasons.push({ ...r, lines: [...r.lines] });
  }
  if (part.orphanLines) {
    countOrphans(summary, part.orphanLines.lines, part.orphanLines.kept);
    summary.orphanLines!.count += part.orphanLines.count - part.orphanLines.lines.length;
  }
}

function addWritten(summary: ImportSummary, c: WriteCounts | undefined): void {
  if (!c) return;
  summary.imported += c.inserted;
  summary.updated += c.updated;
  summary.skipped += c.unchanged;
}

/** Keeps error details up to `max`; beyond it only notes that some were left out. Each is counted under its reason. */
function keepErrors(summary: ImportSummary, errors: readonly RowError[], max: number, count = true): void {
  for (const e of errors) {
    if (count) countReason(summary, e);
    if (summary.errors.length < max) summary.errors.push(e);
    else summary.errorsTruncated = true;
  }
}

/**
 * Validates records and writes them in batches, one transaction each, with the next batch parsed
 * while the previous one is written. Bad rows are reported and the good ones kept. Re-running the
 * same input changes nothing, so an import killed half-way is finished by running it again.
 */
export async function importRecords<K extends Entity>(
  writer: StoreWriter,
  entity: K,
  records: AsyncIterable<SourceRecord> | Iterable<SourceRecord>,
  options: ImportOptions & { bytesRead?: () => number; totalBytes?: number } = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const schema = entitySchemas[entity];
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const maxErrors = options.maxErrorDetails ?? 1000;
  const summary = emptySummary(entity, 0);
  const lineNumbers = entity === 'order_lines' ? new Map<string, number>() : undefined;
  // Order lines are checked against the orders in the store, batch by batch, when the store can tell.
  const orderLookup = entity === 'order_lines' && isOrderLookup(writer) ? writer : undefined;
  const keepOrphans = (options.orphanLines ?? 'keep') === 'keep';
  const currency = entity === 'orders' ? options.defaults?.currency : undefined;

  let batch: EntityRows[K][] = [];
  let batchLines: number[] = [];
  let inFlight: Promise<void> | undefined;
  // A failed write is kept and raised at the next await, never left as an unhandled rejection.
  let failure: { error: unknown } | undefined;
  const settle = async () => {
    if (inFlight) await inFlight;
    if (failure) throw failure.error;
  };
  const progress = () =>
    options.onProgress?.({
      rows: summary.rows,
      rejected: summary.rejected,
      bytes: options.bytesRead?.() ?? 0,
      totalBytes: options.totalBytes ?? 0,
    });
  const flush = async () => {
    let rows = batch;
    const lines = batchLines;
    batch = [];
    batchLines = [];
    await settle();
    if (orderLookup && rows.length)
      rows = (await checkOrders(rows as EntityRows['order_lines'][], lines)) as EntityRows[K][];
    if (rows.length === 0) return;
    inFlight = writer.write({ [entity]: rows }).then(
      (counts) => {
        addWritten(summary, counts[entity]);
        progress();
      },
      (error: unknown) => {
        failure = { error };
      },
    );
  };
  const reject = (errors: RowError[]) => {
    summary.rejected++;
    keepErrors(summary, errors, maxErrors);
  };
  /** The lines whose order the store holds; the others counted, and kept or rejected. */
  const checkOrders = async (rows: EntityRows['order_lines'][], lines: number[]) => {
    const found = await orderLookup!.findOrderIds([...new Set(rows.map((r) => r.order_id))]);
    const orphans: number[] = [];
    const kept = rows.filter((r, i) => {
      if (found.has(r.order_id)) return true;
      orphans.push(lines[i]!);
      if (!keepOrphans)
        reject([{ line: lines[i]!, field: 'order_id', message: `order "${r.order_id}" is not in the store` }]);
      return keepOrphans;
    });
    countOrphans(summary, orphans, keepOrphans);
    return kept;
  };

  for await (const rec of records) {
    summary.rows++;
    // Parsed records arrive in synchronous runs (a stream chunk holds thousands): let the server
    // answer its other requests between every few thousand of them.
    if (summary.rows % YIELD_EVERY === 0) await yieldToEventLoop();
    if ('error' in rec) {
      reject([rec.error]);
      continue;
    }
    const value = currency !== undefined && isBlank(rec.value.currency) ? { ...rec.value, currency } : rec.value;
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const errors = toRowErrors(rec.line, parsed.error);
      const origin = rec.origin;
      reject(
        origin
          ? errors.map((e) => {
              const o = e.field === undefined ? undefined : origin(e.field);
              return o ? { ...e, line: o.line, field: o.field } : e;
            })
          : errors,
      );
      continue;
    }
    const row = parsed.data;
    if (lineNumbers) {
      // Lines without a number are numbered in file order within their order, across batches.
      const line = row as EntityRows['order_lines'];
      const n = line.line_no ?? (lineNumbers.get(line.order_id) ?? 0) + 1;
      lineNumbers.set(line.order_id, n);
      line.line_no = n;
    }
    batch.push(row);
    batchLines.push(rec.line);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await settle();
  return finish(summary, started);
}

function finish(summary: ImportSummary, started: number): ImportSummary {
  const o = summary.orphanLines;
  if (o?.kept)
    summary.warnings.push(
      `${o.count.toLocaleString('en')} order ${o.count === 1 ? 'line names an order' : 'lines name orders'} not in the store (line${o.count === 1 ? '' : 's'} ${o.lines.join(', ')}${o.count > o.lines.length ? ', …' : ''}): kept until the order arrives (--orphan-lines reject refuses them)`,
    );
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

export async function importFile(
  writer: StoreWriter,
  entity: Entity,
  path: string,
  options: ImportOptions & { format?: InputFormat } = {},
): Promise<ImportSummary> {
  const format = options.format ?? formatOf(path);
  if (!format) {
    throw new AppError(
      'invalid',
      `cannot tell the format of ${path}: name it .csv, .jsonl or .ndjson, or pass --format`,
      [{ where: path, message: 'unknown format' }],
    );
  }
  const source = await openSource(path, format);
  const warnings: string[] = [];
  if (format === 'csv') {
    // The header is checked before any row is read: a missing column is one message, not one per row.
    const header = await readCsvHeader(path);
    warnings.push(...checkFileHeader(entity, header, basename(path), options.defaults));
  }
  const withWarnings = (summary: ImportSummary) => {
    summary.warnings.unshift(...warnings);
    return summary;
  };
  if (!options.streamOnly && isNativeFileImporter(writer)) {
    const native = await writer.openFileImport(entity, path, format, options.defaults);
    if (native) {
      await source.records.return(undefined);
      try {
        return withWarnings(await importNative(writer, entity, native, { ...options, totalBytes: source.totalBytes }));
      } finally {
        await native.close();
      }
    }
  }
  return withWarnings(
    await importRecords(writer, entity, source.records, {
      ...options,
      bytesRead: source.bytesRead,
      totalBytes: source.totalBytes,
    }),
  );
}

/**
 * Checks a CSV file's header before any row is read: throws one AppError naming the missing
 * column (and the shop export the file is, if it is one); returns the warnings about columns no
 * field takes.
 */
export function checkFileHeader(entity: Entity, header: string[], name: string, defaults?: ImportDefaults): string[] {
  const check = checkHeader(entity, header, defaults);
  if (check.error) {
    const shop = exportOf(header);
    const hint = shop ? `; it is a ${shop.layout}: import it with --from ${shop.source}` : '';
    throw new AppError('invalid', `${name}: ${check.error}${hint}`, [{ where: name, message: check.error }]);
  }
  return unknownColumnsWarning(check.unknown);
}

/** The warning listing columns that no field takes, with the field each may have meant. */
export function unknownColumnsWarning(unknown: readonly { column: string; didYouMean?: string }[]): string[] {
  if (!unknown.length) return [];
  const list = unknown.map((u) => `"${u.column}"${u.didYouMean ? ` (did you mean "${u.didYouMean}"?)` : ''}`);
  return [
    `ignored ${unknown.length === 1 ? 'a column' : `${unknown.length} columns`} that no field takes: ${list.join(', ')}`,
  ];
}

/**
 * The store's own reader took the file: canonical records are written by the store in ranges, and
 * the records between them that need validation go through the schemas, in file order, so the
 * result is the same as streaming the file record by record.
 */
async function importNative(
  writer: StoreWriter,
  entity: Entity,
  native: NativeFileImport,
  options: ImportOptions & { totalBytes: number },
): Promise<ImportSummary> {
  const started = performance.now();
  const summary = emptySummary(entity, native.records);
  const maxErrors = options.maxErrorDetails ?? 1000;
  const progress = (done: number) =>
    options.onProgress?.({
      rows: done,
      rejected: summary.rejected,
      bytes: Math.round((options.totalBytes * done) / Math.max(1, native.records)),
      totalBytes: options.totalBytes,
    });
  const others = native.others;
  let pos = 0;
  let i = 0;
  while (pos < native.records) {
    const next = i < others.length ? others[i]!.index : native.records;
    // One transaction per range, or per `batchSize` records when one is asked for.
    while (pos < next) {
      const end = Math.min(next, pos + (options.batchSize ?? Number.POSITIVE_INFINITY));
      addWritten(summary, await native.writeRange(pos, end));
      pos = end;
      progress(pos);
    }
    const run: SourceRecord[] = [];
    while (i < others.length && others[i]!.index === pos) {
      const o = others[i]!;
      run.push('text' in o ? jsonLineRecord(o.text, o.line) : { line: o.line, value: csvRecord(o.cells) });
      i++;
      pos++;
    }
    if (run.length) {
      const s = await importRecords(writer, entity, run, {
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
        ...(options.defaults ? { defaults: options.defaults } : {}),
        ...(options.orphanLines ? { orphanLines: options.orphanLines } : {}),
        maxErrorDetails: maxErrors,
      });
      addSummary(summary, s, maxErrors);
      progress(pos);
    }
  }
  return finish(summary, started);
}
