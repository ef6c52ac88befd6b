import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { AppError, closest, type Entity, type StoreWriter } from '@strata/core';
import { entityColumns, missingColumnMessage } from '../entity-columns.js';
import { importRecords, unknownColumnsWarning, type ImportOptions, type ImportSummary } from '../importer.js';
import { readCsvRows, statFile, type CsvCells, type SourceRecord } from '../record-source.js';
import { names, type Preset, type PresetMapping } from './preset.js';
import { shopPresets } from './detect.js';
import { derivations, transforms, type Draft } from './transforms.js';

export const PresetSource = { shopify: 'shopify', woocommerce: 'woocommerce', generic: 'generic' } as const;
export type PresetSource = (typeof PresetSource)[keyof typeof PresetSource];
export const presetSources = Object.values(PresetSource);

const presets: Record<Exclude<PresetSource, 'generic'>, readonly Preset[]> = shopPresets;

/** What `--from` (and `--map`, and an entity when one is named) ask for. */
export interface PresetChoice {
  from: PresetSource;
  /** `Column=field,…` (generic). */
  map?: string;
  /** Restricts a shop's presets to one entity, or names the entity of a generic map. */
  entity?: Entity;
}

export type PresetImportOptions = ImportOptions & {
  /** The time of the export (the file's modification time): consent given as yes/no holds as of it. */
  fileTime: string;
  /** How the file is named in messages. */
  fileName: string;
};

interface Rule {
  index: number;
  column: string;
  targets: readonly string[];
  transform?: (cell: string) => unknown;
}

interface Plan {
  preset: Preset;
  rules: Rule[];
  group?: { index: number; column: string };
  mapping: PresetMapping;
  warnings: string[];
}

const invalid = (file: string, message: string) =>
  new AppError('invalid', `${file}: ${message}`, [{ where: file, message }]);

/** The preset for this header: the one whose distinguishing columns it has; one error naming a missing column otherwise. */
export function choosePreset(choice: PresetChoice, header: readonly string[], file: string): Preset {
  if (choice.from === 'generic') {
    if (!choice.map)
      throw invalid(
        file,
        '--from generic needs --map "Column=field,…" (e.g. "Invoice=order_id,CustomerID=customer_id")',
      );
    return genericPreset(choice.map, header, choice.entity, file);
  }
  if (choice.map) throw invalid(file, `--map goes with --from generic; --from ${choice.from} knows its columns`);
  const candidates = presets[choice.from].filter((p) => !choice.entity || p.entity === choice.entity);
  if (!candidates.length)
    throw invalid(file, `--from ${choice.from} reads customers and orders files, not ${choice.entity}`);
  const present = new Set(header);
  const match = candidates.find((p) => p.signature.every((c) => present.has(c)));
  if (match) return match;
  // The layout the header is closest to, and the first of its columns the header lacks.
  const scored = candidates
    .map((p) => ({ p, has: p.signature.filter((c) => present.has(c)).length }))
    .sort((a, b) => b.has - a.has);
  const best = scored[0]!;
  const missing = best.p.signature.find((c) => !present.has(c))!;
  const what =
    best.has === 0
      ? `the header matches no ${candidates.map((p) => p.layout).join(' and no ')}`
      : `not a ${best.p.layout}`;
  throw invalid(file, `${what}: ${missingColumnMessage(missing, `a ${best.p.layout} has it`, header)}`);
}

/** Resolves the preset's columns against the header, or throws one error naming the first required column missing. */
function planFor(preset: Preset, header: readonly string[], file: string, options: PresetImportOptions): Plan {
  const index = new Map(header.map((h, i) => [h, i]));
  for (const req of preset.required) {
    if (names(req).some((c) => index.has(c))) continue;
    const alts = names(req);
    throw invalid(
      file,
      missingColumnMessage(
        alts[0]!,
        `a ${preset.layout} needs it${
          alts.length > 1
            ? ` (or ${alts
                .slice(1)
                .map((a) => `"${a}"`)
                .join(', ')})`
            : ''
        }`,
        header,
      ),
    );
  }
  const rules: Rule[] = [];
  const used = new Set<string>();
  for (const r of preset.columns) {
    const column = names(r.column).find((c) => index.has(c));
    if (column === undefined) continue;
    used.add(column);
    rules.push({
      index: index.get(column)!,
      column,
      targets: names(r.to),
      ...(r.transform ? { transform: transforms[r.transform] } : {}),
    });
  }
  const mapped = rules
    .filter((r) => r.targets.some((t) => !isScratch(t)))
    .map((r) => ({ column: r.column, field: r.targets.filter((t) => !isScratch(t)).join(', ') }));
  const derived = preset.derive
    .filter((d) => d !== 'totalFromLines' || !rules.some((r) => r.targets.includes('total')))
    .filter((d) => d !== 'consentAsOfFile' || rules.some((r) => r.targets.some((t) => t.startsWith('consent.'))))
    .map((d): PresetMapping['derived'][number] => ({ field: derivations[d].field, from: derivations[d].from }));
  if (preset.entity === 'orders') {
    derived.push({ field: 'location_id', from: 'the online shop, for orders with no location' });
    const currency = options.defaults?.currency;
    if (currency)
      derived.push({ field: 'currency', from: `the store currency (${currency}), for orders that give none` });
  }
  const ignored: PresetMapping['ignored'] = [];
  const unknown: { column: string; didYouMean?: string }[] = [];
  const known = [...preset.columns.flatMap((c) => names(c.column)), ...Object.keys(preset.ignored)];
  for (const h of header) {
    if (used.has(h) || h === '') continue;
    const reason = preset.ignored[h];
    if (reason) ignored.push({ column: h, reason });
    else {
      const guess = preset.source === 'generic' ? undefined : closest(h, known);
      unknown.push(guess ? { column: h, didYouMean: guess } : { column: h });
      ignored.push({
        column: h,
        reason: preset.source === 'generic' ? 'not in --map' : `not a column of the ${preset.layout}`,
      });
    }
  }
  const groupColumn = preset.groupBy === undefined ? undefined : names(preset.groupBy).find((c) => index.has(c));
  return {
    preset,
    rules,
    ...(groupColumn !== undefined ? { group: { index: index.get(groupColumn)!, column: groupColumn } } : {}),
    mapping: { from: preset.source, layout: preset.layout, mapped, derived, ignored },
    warnings: preset.source === 'generic' ? [] : unknownColumnsWarning(unknown),
  };
}

const isScratch = (t: string) => t.startsWith('$') || t.startsWith('lines.$');

/** Sets a dotted path; the first value given for a path wins. */
function put(target: Record<string, unknown>, path: string, value: unknown): boolean {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    if (typeof next !== 'object' || next === null) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1]!;
  if (node[last] !== undefined) return false;
  node[last] = value;
  return true;
}

type Origins = Map<string, { line: number; field: string }>;

/** Puts a row's cells into a draft: order fields (or every field) and, for `lines.` targets, the row's line. */
function fill(
  plan: Plan,
  cells: string[],
  line: number,
  d: Draft,
  origins: Origins,
  part: 'record' | 'order' | 'line',
): void {
  const lineNo = d.lines.length;
  let lineDraft: Draft['lines'][number] | undefined;
  for (const r of plan.rules) {
    const cell = cells[r.index];
    if (cell === undefined || cell.trim() === '') continue;
    const value = r.transform ? r.transform(cell) : cell.trim();
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    for (const t of r.targets) {
      const isLine = t.startsWith('lines.');
      if (part === 'order' && isLine) continue;
      if (part === 'line' && !isLine) continue;
      const path = isLine ? t.slice('lines.'.length) : t;
      if (isLine) lineDraft ??= { value: {}, scratch: {} };
      const into = isLine ? lineDraft! : d;
      const origin = { line, field: r.column };
      if (path.startsWith('$')) {
        const key = path.slice(1);
        // `$` values are cells as read (no transform names them)
        if (into.scratch[key] === undefined && typeof value === 'string') into.scratch[key] = value;
        origins.set(isLine ? `lines.${lineNo}.${path}` : path, origin);
      } else if (put(into.value, path, value)) origins.set(isLine ? `lines.${lineNo}.${path}` : path, origin);
    }
  }
  if (lineDraft) d.lines.push(lineDraft);
}

/** Where a derived field came from, for errors: the scratch values it is worked out from. */
const derivedFrom: Record<string, readonly string[]> = {
  status: ['$cancelled_at', '$financial_status', '$status'],
  total: ['$refunded'],
  name: ['$first_name', '$last_name'],
  unit_price: ['$subtotal', '$total'],
  line_discount: ['$total'],
  sku: ['$name'],
};

function originOf(origins: Origins, line: number) {
  return (field: string) => {
    const hit = origins.get(field);
    if (hit) return hit;
    const parts = field.split('.');
    // consent.email.at → the consent column; lines.2.unit_price → the line's own columns
    for (let n = parts.length - 1; n > 0; n--) {
      const prefix = parts.slice(0, n).join('.');
      for (const [k, v] of origins) if (k.startsWith(`${prefix}.`)) return v;
    }
    const head = parts[0] === 'lines' ? `lines.${parts[1]}.` : '';
    const last = parts[parts.length - 1]!;
    for (const s of derivedFrom[last] ?? []) {
      const o = origins.get(`${head}${s}`);
      if (o) return o;
    }
    return { line, field };
  };
}

function toRecord(plan: Plan, d: Draft, origins: Origins, line: number, options: PresetImportOptions): SourceRecord {
  for (const name of plan.preset.derive)
    derivations[name].run(d, { fileTime: options.fileTime, source: `${plan.preset.source} export` });
  if (plan.preset.entity === 'orders') d.value.lines = d.lines.map((l) => l.value);
  return { line, value: d.value, origin: originOf(origins, line) };
}

const emptyDraft = (): Draft => ({ value: {}, scratch: {}, lines: [] });

/**
 * Records from a preset's rows: a record per row (customers), or per order (rows grouped by the
 * preset's column; an order's own fields taken from the first row that has them).
 */
async function* recordsOf(
  plan: Plan,
  rows: AsyncIterator<CsvCells>,
  options: PresetImportOptions,
  counted: { rows: number },
): AsyncGenerator<SourceRecord> {
  const group = plan.group;
  const finished = new Map<string, number>();
  let current: { key: string; line: number; draft: Draft; origins: Origins } | undefined;
  for (let r = await rows.next(); !r.done; r = await rows.next()) {
    const row = r.value;
    counted.rows++;
    if ('error' in row) {
      yield row;
      continue;
    }
    if (!group) {
      const d = emptyDraft();
      const origins: Origins = new Map();
      fill(plan, row.cells, row.line, d, origins, 'record');
      yield toRecord(plan, d, origins, row.line, options);
      continue;
    }
    const key = row.cells[group.index]?.trim() ?? '';
    if (key === '') {
      yield {
        line: row.line,
        error: { line: row.line, field: group.column, message: 'empty: the row names no order' },
      };
      continue;
    }
    if (current?.key !== key) {
      if (current) {
        finished.set(current.key, current.line);
        yield toRecord(plan, current.draft, current.origins, current.line, options);
      }
      const earlier = finished.get(key);
      if (earlier !== undefined) {
        current = undefined;
        yield {
          line: row.line,
          error: {
            line: row.line,
            field: group.column,
            message: `the rows of order "${key}" are not together (its first row is line ${earlier}): sort the file by ${group.column}`,
          },
        };
        continue;
      }
      current = { key, line: row.line, draft: emptyDraft(), origins: new Map() };
    }
    fill(plan, row.cells, row.line, current.draft, current.origins, 'order');
    fill(plan, row.cells, row.line, current.draft, current.origins, 'line');
  }
  if (current) yield toRecord(plan, current.draft, current.origins, current.line, options);
}

/**
 * Imports CSV rows through a preset: the header picks (and is checked against) the preset before
 * any row is read; the summary says what was mapped, derived and ignored.
 */
export async function importWithPreset(
  writer: StoreWriter,
  choice: PresetChoice,
  readRows: (onHeader: (header: string[]) => void) => AsyncIterable<CsvCells>,
  options: PresetImportOptions,
): Promise<ImportSummary> {
  let plan: Plan | undefined;
  const rows = readRows((header) => {
    plan = planFor(choosePreset(choice, header, options.fileName), header, options.fileName, options);
  })[Symbol.asyncIterator]();
  // The header comes with the first row (or the end of the file).
  const first = await rows.next();
  if (!plan) throw invalid(options.fileName, 'the file is empty: it has no header');
  const chosen = plan;
  const counted = { rows: 0 };
  const replay: AsyncIterator<CsvCells> = {
    next: (() => {
      let pending: IteratorResult<CsvCells> | undefined = first;
      return () => {
        if (pending) {
          const p = pending;
          pending = undefined;
          return Promise.resolve(p);
        }
        return rows.next();
      };
    })(),
  };
  const summary = await importRecords(
    writer,
    chosen.preset.entity,
    recordsOf(chosen, replay, options, counted),
    options,
  );
  summary.mapping = { ...chosen.mapping, rows: counted.rows };
  summary.warnings.unshift(...chosen.warnings);
  return summary;
}

/* ---------- --from generic --map ---------- */

const orderFields = [
  'id',
  'customer_id',
  'customer_email',
  'customer_phone',
  'customer_country',
  'location_id',
  'placed_at',
  'status',
  'currency',
  'total',
  'discount_total',
  'discount_codes',
];
const lineFields = ['sku', 'quantity', 'unit_price', 'line_discount'];
/** Names a map may use for a field: `order_id` for an order's id, a line's fields with or without `lines.`. */
const orderTargets: Record<string, string> = {
  ...Object.fromEntries(orderFields.map((f) => [f, f])),
  order_id: 'id',
  ...Object.fromEntries(
    lineFields.flatMap((f) => [
      [f, `lines.${f}`],
      [`lines.${f}`, `lines.${f}`],
    ]),
  ),
};
const customerTargets = (): Record<string, string> => ({
  ...Object.fromEntries(entityColumns('customers').known.map((f) => [f, f])),
  customer_id: 'id',
  first_name: '$first_name',
  last_name: '$last_name',
});

/** A preset from `--map 'Invoice=order_id,CustomerID=customer_id,…'`. */
function genericPreset(map: string, header: readonly string[], entity: Entity | undefined, file: string): Preset {
  const pairs = map
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.lastIndexOf('=');
      if (eq <= 0 || eq === p.length - 1) throw invalid(file, `--map: "${p}" is not Column=field`);
      return { column: p.slice(0, eq).trim(), field: p.slice(eq + 1).trim() };
    });
  if (!pairs.length) throw invalid(file, '--map names no column');
  const asOrders =
    entity === undefined
      ? pairs.some((p) => p.field in orderTargets && !(p.field in customerTargets()))
      : entity === 'orders';
  if (entity !== undefined && entity !== 'orders' && entity !== 'customers')
    throw invalid(file, `--from generic reads customers and orders files, not ${entity}`);
  const targets = asOrders ? orderTargets : customerTargets();
  const columns = pairs.map(({ column, field }) => {
    const to = targets[field];
    if (to === undefined) {
      const guess = closest(field, Object.keys(targets));
      throw invalid(
        file,
        `--map: ${asOrders ? 'orders have' : 'customers have'} no field "${field}"${guess ? `; did you mean "${guess}"?` : ''}`,
      );
    }
    if (!header.includes(column)) throw invalid(file, missingColumnMessage(column, '--map names it', header));
    return { column, to };
  });
  const idColumn = columns.find((c) => c.to === 'id')?.column;
  if (!idColumn)
    throw invalid(
      file,
      `--map must name the column of the ${asOrders ? "order's id (…=order_id)" : "customer's id (…=id)"}`,
    );
  return {
    source: 'generic',
    layout: `file mapped with --map`,
    entity: asOrders ? 'orders' : 'customers',
    signature: [],
    required: [],
    columns,
    ...(asOrders ? { groupBy: idColumn } : {}),
    derive: asOrders ? ['totalFromLines'] : ['fullName', 'consentAsOfFile'],
    ignored: {},
  };
}

/**
 * A local file through a preset. Consent given as yes/no holds as of the file's modification
 * time (when the shop exported it), so importing the same file again changes nothing.
 */
export async function importPresetFile(
  writer: StoreWriter,
  choice: PresetChoice,
  path: string,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const file = await statFile(path);
  return importWithPreset(writer, choice, (onHeader) => readCsvRows(createReadStream(path), { onHeader }), {
    ...options,
    fileTime: file.mtime.toISOString(),
    fileName: basename(path),
  });
}
