import {
  AppError,
  entitySchemas,
  isNativeFileImporter,
  type Entity,
  type EntityRows,
  type NativeFileImport,
  type StoreWriter,
  type WriteCounts,
} from '@strata/core';
import {
  csvRecord,
  formatOf,
  jsonLineRecord,
  openSource,
  type InputFormat,
  type SourceRecord,
} from './record-source.js';
import { toRowErrors, type RowError } from './row-errors.js';

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
  durationMs: number;
}

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
  durationMs: 0,
});

function addWritten(summary: ImportSummary, c: WriteCounts | undefined): void {
  if (!c) return;
  summary.imported += c.inserted;
  summary.updated += c.updated;
  summary.skipped += c.unchanged;
}

/** Keeps error details up to `max`; beyond it only notes that some were left out. */
function keepErrors(summary: ImportSummary, errors: readonly RowError[], max: number): void {
  for (const e of errors) {
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

  let batch: EntityRows[K][] = [];
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
    const rows = batch;
    batch = [];
    await settle();
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

  for await (const rec of records) {
    summary.rows++;
    // Parsed records arrive in synchronous runs (a stream chunk holds thousands): let the server
    // answer its other requests between every few thousand of them.
    if (summary.rows % YIELD_EVERY === 0) await yieldToEventLoop();
    if ('error' in rec) {
      reject([rec.error]);
      continue;
    }
    const parsed = schema.safeParse(rec.value);
    if (!parsed.success) {
      reject(toRowErrors(rec.line, parsed.error));
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
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await settle();
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}

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
  let source: Awaited<ReturnType<typeof openSource>>;
  try {
    source = await openSource(path, format);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new AppError('not_found', `no such file: ${path}`, [{ where: path, message: 'not found' }]);
    if (code === 'EACCES' || code === 'EPERM')
      throw new AppError('unauthorized', `not allowed to read ${path}`, [{ where: path, message: 'permission denied' }]);
    throw e;
  }
  if (!options.streamOnly && isNativeFileImporter(writer)) {
    const native = await writer.openFileImport(entity, path, format);
    if (native) {
      await source.records.return(undefined);
      try {
        return await importNative(writer, entity, native, { ...options, totalBytes: source.totalBytes });
      } finally {
        await native.close();
      }
    }
  }
  return importRecords(writer, entity, source.records, {
    ...options,
    bytesRead: source.bytesRead,
    totalBytes: source.totalBytes,
  });
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
        maxErrorDetails: maxErrors,
      });
      addWritten(summary, { inserted: s.imported, updated: s.updated, unchanged: s.skipped });
      summary.rejected += s.rejected;
      keepErrors(summary, s.errors, maxErrors);
      summary.errorsTruncated ||= s.errorsTruncated;
      progress(pos);
    }
  }
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}
