import {
  emptyWriteCounts,
  toE164,
  type Entity,
  type ImportDefaults,
  type NativeFileImport,
  type NativeRecord,
  type WriteCounts,
} from '@strata/core';
import { csvSpecs, type CsvSpec } from './csv-import-specs.js';
import type { DuckDbRunner } from './duckdb-runner.js';
import { applyEvents } from './entity-writes.js';
import { applyLinks } from './identity-resolution.js';
import { writeKeyed } from './key-indexes.js';
import { csvRawSql, eventsLinksSql, eventsReadSql, eventsStageSql, ident, linesSql } from './native-sql.js';

/** More records needing validation than this, and the file is streamed instead. */
const MAX_NATIVE_OTHERS = 1000;

/**
 * Opens a local file with DuckDB's own parallel reader (JSON Lines events, CSV orders, customers,
 * tags and order lines). Canonical records are written by writeRange without leaving the engine;
 * the others, with their line numbers, are returned for validation by the caller. Undefined when
 * the file is not suited (the reader failed, line numbers cannot be matched, or too many records
 * need validation).
 */
export function openFileImport(
  runner: DuckDbRunner,
  now: () => Date,
  entity: Entity,
  path: string,
  format: 'csv' | 'jsonl',
  defaults: ImportDefaults = {},
): Promise<NativeFileImport | undefined> {
  if (runner.readOnly) return Promise.resolve(undefined);
  if (format === 'csv') {
    const spec = csvSpecs(runner, now, defaults)[entity];
    return spec ? runner.serial(() => openCsvImport(runner, spec, path)) : Promise.resolve(undefined);
  }
  if (entity !== 'events') return Promise.resolve(undefined);
  return runner.serial(() => openEventsImport(runner, now, path));
}

async function openEventsImport(
  runner: DuckDbRunner,
  now: () => Date,
  path: string,
): Promise<NativeFileImport | undefined> {
  if (!(await readBulkRaw(runner, eventsReadSql(path)))) return undefined;
  await runner.run(`CREATE OR REPLACE TEMP TABLE bulk_bad AS SELECT rowid AS r FROM bulk_raw WHERE NOT ok`);
  const records = await runner.count('bulk_raw');
  // A canonical record sharing its message id with one that is not goes with it, so the
  // first of them in the file is still the one kept.
  const slow = await slowRecords(runner, ['message_id']);
  const others = slow.length ? await nativeOthers(runner, path, records, slow) : [];
  return nativeImport(runner, records, others, async (from, to) => {
    // A range never holds a record sent to zod: all of it is written here.
    const total = to - from;
    if (total <= 0) return emptyWriteCounts();
    return writeKeyed(runner, 'events', total, async (mode) => {
      await runner.run(`CREATE OR REPLACE TEMP TABLE stage_links AS ${eventsLinksSql(from, to)}`);
      if ((await runner.count('stage_links')) > 0) await applyLinks(runner, now);
      return applyEvents(runner, `(${eventsStageSql(from, to)})`, total, mode);
    });
  });
}

async function openCsvImport(runner: DuckDbRunner, spec: CsvSpec, path: string): Promise<NativeFileImport | undefined> {
  let header: string[];
  try {
    header = await runner.columnNames(csvRawSql(path));
  } catch {
    return undefined;
  }
  // Columns the entity does not have (or nested ones) are left to the streaming reader's rules.
  if (header.some((h) => !spec.fields.includes(h))) return undefined;
  // Fields the file does not have read as not given. The select list is projections only, so
  // rowids follow the file's order (see eventsReadSql).
  const select = [
    ...header.map(ident),
    ...spec.fields.filter((f) => !header.includes(f)).map((f) => `NULL::VARCHAR AS ${ident(f)}`),
  ];
  const read = `SELECT *, coalesce(${spec.ok}, false) AS ok FROM (${csvRawSql(path, select.join(', '))})`;
  if (!(await readBulkRaw(runner, read))) return undefined;
  for (const f of spec.requireAll ?? []) {
    if ((await runner.count(`bulk_raw WHERE ${ident(f)} IS NULL`)) > 0) return notSuited(runner);
  }
  if (spec.report) await runner.run(`UPDATE bulk_raw SET ok = false WHERE ok AND (${spec.report})`);
  await runner.run(`CREATE OR REPLACE TEMP TABLE bulk_bad AS SELECT rowid AS r FROM bulk_raw WHERE NOT ok`);
  if (spec.phones) await normalisePhones(runner, spec.phones.phone, spec.phones.country);
  for (const d of spec.distinct ?? []) await mapDistinct(runner, d.column, d.map);
  const records = await runner.count('bulk_raw');
  const slow = await slowRecords(runner, spec.key);
  const others = slow.length ? await csvOthers(runner, spec, header, path, records, slow) : [];
  return nativeImport(runner, records, others, (from, to) => {
    const range = `r.rowid >= ${from} AND r.rowid < ${to}`;
    return writeKeyed(runner, spec.table, to - from, async (mode) => {
      await runner.run(spec.stage(range));
      return spec.apply(range, mode);
    });
  });
}

/** Reads a file into temp table bulk_raw; false (nothing left behind) when DuckDB's reader fails. */
async function readBulkRaw(runner: DuckDbRunner, select: string): Promise<boolean> {
  try {
    await runner.run(`CREATE OR REPLACE TEMP TABLE bulk_raw AS ${select}`);
    return true;
  } catch {
    await dropBulkTables(runner);
    return false;
  }
}

/** The file goes to the streaming reader instead: the bulk tables are dropped. */
async function notSuited(runner: DuckDbRunner): Promise<undefined> {
  await dropBulkTables(runner);
  return undefined;
}

/**
 * The import over the bulk tables, each range written and the tables dropped in their turn on the
 * connection; undefined (not suited) when the records for zod could not be matched to lines.
 */
function nativeImport(
  runner: DuckDbRunner,
  records: number,
  others: NativeRecord[] | undefined,
  writeRange: (from: number, to: number) => Promise<WriteCounts>,
): Promise<NativeFileImport | undefined> {
  if (!others) return notSuited(runner);
  return Promise.resolve({
    records,
    others,
    writeRange: (from, to) => runner.serial(() => writeRange(from, to)),
    close: () => runner.serial(() => dropBulkTables(runner)),
  });
}

/** The CSV records sent to zod with their line numbers and given cells; undefined when lines cannot be matched. */
async function csvOthers(
  runner: DuckDbRunner,
  spec: CsvSpec,
  header: readonly string[],
  path: string,
  records: number,
  slow: readonly number[],
): Promise<NativeRecord[] | undefined> {
  const lines = await nativeLines(runner, path, records, slow, 1);
  if (!lines) return undefined;
  await runner.loadTable(
    'bulk_wanted',
    [['idx', 'integer']],
    slow.map((r) => [r]),
  );
  const rows = await runner.rows<Record<string, string | null>>(
    `SELECT b.rowid AS __idx, ${spec.fields.map(ident).join(', ')} FROM bulk_raw b JOIN bulk_wanted w ON w.idx = b.rowid ORDER BY 1`,
  );
  await runner.run('DROP TABLE IF EXISTS bulk_wanted');
  return rows.map((r, k) => {
    const cells: Record<string, string> = {};
    for (const f of spec.fields) {
      const cell = r[f];
      if (header.includes(f) && cell !== null && cell !== undefined) cells[f] = cell;
    }
    return { index: Number(r.__idx), line: lines[k]!, cells };
  });
}

/**
 * Phone numbers go through the same libphonenumber rules as the schemas, once per distinct
 * (number, default country), into bulk_phones (p, c, e = the E.164 form); a number those rules
 * refuse sends its record to zod, which rejects it with the usual message.
 */
async function normalisePhones(runner: DuckDbRunner, phone: string, country: string): Promise<void> {
  const pairs = await runner.rows<{ p: string; c: string | null }>(
    `SELECT DISTINCT ${ident(phone)} AS p, ${country} AS c FROM bulk_raw WHERE ${ident(phone)} IS NOT NULL AND rowid NOT IN (SELECT r FROM bulk_bad)`,
  );
  await runner.loadTable(
    'bulk_phones',
    [
      ['p', 'text'],
      ['c', 'text'],
      ['e', 'text'],
    ],
    pairs.map((x) => [x.p, x.c, toE164(x.p, x.c ?? undefined) ?? null]),
  );
  await runner.run(`
    INSERT INTO bulk_bad SELECT r.rowid FROM bulk_raw r JOIN bulk_phones b ON b.p = r.${ident(phone)} AND b.c IS NOT DISTINCT FROM ${country}
    WHERE b.e IS NULL`);
}

/**
 * Decides a column once per distinct value into bulk_map_<column> (v_in, v_out); values `map`
 * leaves undefined send their records to zod.
 */
async function mapDistinct(
  runner: DuckDbRunner,
  column: string,
  map: (value: string) => string | null | undefined,
): Promise<void> {
  const values = await runner.rows<{ v: string }>(
    `SELECT DISTINCT ${ident(column)} AS v FROM bulk_raw WHERE ${ident(column)} IS NOT NULL AND rowid NOT IN (SELECT r FROM bulk_bad)`,
  );
  const table = `bulk_map_${column}`;
  const mapped = values.map((x) => [x.v, map(x.v)] as const);
  await runner.loadTable(
    table,
    [
      ['v_in', 'text'],
      ['v_out', 'text'],
      ['ok', 'boolean'],
    ],
    mapped.map(([v, out]) => [v, out ?? null, out !== undefined]),
  );
  await runner.run(
    `INSERT INTO bulk_bad SELECT r.rowid FROM bulk_raw r JOIN ${table} m ON m.v_in = r.${ident(column)} WHERE NOT m.ok`,
  );
}

/**
 * The records that go to zod, in file order: those not in canonical form (bulk_bad) and those
 * sharing their key with one of them. More than MAX_NATIVE_OTHERS returns MAX_NATIVE_OTHERS + 1.
 */
async function slowRecords(runner: DuckDbRunner, key: readonly string[]): Promise<number[]> {
  if ((await runner.count('bulk_bad')) === 0) return [];
  const k = key.map((c) => `r.${ident(c)}`).join(', ');
  const rows = await runner.rows<{ r: number }>(`
    SELECT r FROM bulk_bad
    UNION
    SELECT r.rowid FROM bulk_raw r
    WHERE (${k}) IN (SELECT (${k}) FROM bulk_raw r JOIN bulk_bad b ON b.r = r.rowid)
    ORDER BY 1 LIMIT ${MAX_NATIVE_OTHERS + 1}`);
  return rows.map((x) => Number(x.r));
}

async function dropBulkTables(runner: DuckDbRunner): Promise<void> {
  // the per-column maps are ordinary tables (loaded through the appender): found by name
  const maps = await runner.rows<{ t: string }>(
    `SELECT table_name AS t FROM duckdb_tables() WHERE starts_with(table_name, 'bulk_map_')`,
  );
  for (const t of ['bulk_raw', 'bulk_bad', 'bulk_phones', 'bulk_lines', 'bulk_wanted', ...maps.map((m) => m.t)])
    await runner.run(`DROP TABLE IF EXISTS ${ident(t)}`);
}

/**
 * The line numbers of the given records, or undefined when records and lines cannot be matched
 * exactly (a quoted cell spanning lines, say). `headerLines` lines come before the first record.
 */
async function nativeLines(
  runner: DuckDbRunner,
  path: string,
  records: number,
  indexes: readonly number[],
  headerLines: number,
): Promise<number[] | undefined> {
  const texts = await nativeLineTexts(
    runner,
    path,
    records + headerLines,
    indexes.map((i) => i + headerLines),
  );
  return texts?.map((t) => t.line);
}

/** The text and line number of the given records (JSON Lines), or undefined when they cannot be matched exactly. */
async function nativeOthers(
  runner: DuckDbRunner,
  path: string,
  records: number,
  indexes: readonly number[],
): Promise<NativeRecord[] | undefined> {
  const texts = await nativeLineTexts(runner, path, records, indexes);
  return texts?.map((t, k) => ({ index: indexes[k]!, line: t.line, text: t.text }));
}

/**
 * Line number and text of the k-th non-blank lines (k in `indexes`, ascending), reading the file
 * line by line with DuckDB; undefined when the file does not have exactly `filled` non-blank lines.
 */
async function nativeLineTexts(
  runner: DuckDbRunner,
  path: string,
  filled: number,
  indexes: readonly number[],
): Promise<{ line: number; text: string }[] | undefined> {
  if (indexes.length > MAX_NATIVE_OTHERS) return undefined;
  try {
    await runner.run(`CREATE OR REPLACE TEMP TABLE bulk_lines AS ${linesSql(path)}`);
  } catch {
    return undefined;
  }
  try {
    const c = await runner.one(
      `SELECT count(*) AS lines, count(*) FILTER (WHERE j IS NOT NULL AND trim(j, ' \t\r') <> '') AS filled FROM bulk_lines`,
    );
    // Readers skip blank lines; the k-th record is on the k-th line with text on it.
    if (Number(c.filled) !== filled) return undefined;
    await runner.loadTable(
      'bulk_wanted',
      [['idx', 'integer']],
      indexes.map((r) => [r]),
    );
    const sql =
      Number(c.lines) === filled
        ? `SELECT w.idx, l.rowid + 1 AS line, l.j AS text FROM bulk_wanted w JOIN bulk_lines l ON l.rowid = w.idx`
        : `WITH filled AS (SELECT rowid + 1 AS line, j, row_number() OVER (ORDER BY rowid) - 1 AS rec FROM bulk_lines WHERE j IS NOT NULL AND trim(j, ' \t\r') <> '')
           SELECT w.idx, f.line, f.j AS text FROM bulk_wanted w JOIN filled f ON f.rec = w.idx`;
    const rows = await runner.rows<{ idx: number; line: number; text: string }>(`${sql} ORDER BY 1`);
    return rows.length === indexes.length ? rows.map((r) => ({ line: Number(r.line), text: r.text })) : undefined;
  } finally {
    await runner.run('DROP TABLE IF EXISTS bulk_lines');
    await runner.run('DROP TABLE IF EXISTS bulk_wanted');
  }
}
