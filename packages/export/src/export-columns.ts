/*
 * The columns an export can have: the customer's id, every field segments can read (profile
 * traits and customer attributes, from the segment language's catalog), the first and last name
 * split from `name`, and whether each channel's marketing consent is granted. One list, so
 * `--columns` and `?columns=` take the same names.
 */
import { AppError, channels, type Channel } from '@strata/core';
import { closest, defaultCatalog, type FieldCatalog, type FieldType } from '@strata/segment-lang';
import type { RowColumn, RowValue } from '@strata/sql';

export interface ExportColumn {
  readonly name: string;
  readonly type: FieldType;
  readonly description: string;
  /** What the store is asked for. */
  readonly value: RowValue;
}

const consentColumn = (channel: Channel): ExportColumn => ({
  name: `${channel}_consent`,
  type: 'boolean',
  description: `Marketing consent for ${channel} is granted`,
  value: { kind: 'consent', channel },
});

/** Every column an export can have, by name: the id, the name parts, the catalog fields, the consents. */
export function exportColumns(catalog: FieldCatalog = defaultCatalog): ReadonlyMap<string, ExportColumn> {
  const all: ExportColumn[] = [
    { name: 'customer_id', type: 'string', description: "The store's customer id", value: { kind: 'id' } },
    {
      name: 'first_name',
      type: 'string',
      description: 'First word of the name',
      value: { kind: 'namePart', part: 'first' },
    },
    {
      name: 'last_name',
      type: 'string',
      description: 'The name after its first word',
      value: { kind: 'namePart', part: 'last' },
    },
    ...Object.entries(catalog).map(([name, spec]): ExportColumn => ({
      name,
      type: spec.type,
      description: spec.description,
      value: { kind: 'field', field: name },
    })),
    ...channels.map(consentColumn),
  ];
  return new Map(all.map((c) => [c.name, c]));
}

const defaultColumns = exportColumns();

/** The columns of a plain export when none are asked for. */
export const DEFAULT_EXPORT_COLUMNS: readonly string[] = [
  'customer_id',
  'email',
  'phone',
  'first_name',
  'last_name',
  'country',
  'total_spent',
  'order_count',
  'last_order_at',
];

/**
 * The columns named in `names` (a comma-separated list, or a list of names), in that order. An
 * unknown name, a name given twice or an empty list is refused with every mistake named, and a
 * close match suggested.
 */
export function parseExportColumns(names: string | readonly string[], known = defaultColumns): ExportColumn[] {
  const list = (typeof names === 'string' ? names.split(',') : names).map((n) => n.trim());
  if (list.every((n) => n === ''))
    throw new AppError('invalid', 'no columns given: name at least one, e.g. customer_id,email,total_spent', [
      { field: 'columns', message: 'empty' },
    ]);
  const problems: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  const columns: ExportColumn[] = [];
  list.forEach((name, i) => {
    if (name === '') return problems.push({ field: `column ${i + 1}`, message: 'empty column name' });
    if (seen.has(name)) return problems.push({ field: name, message: `"${name}" is given twice` });
    seen.add(name);
    const column = known.get(name);
    if (column) return columns.push(column);
    const near = closest(name, known.keys());
    problems.push({ field: name, message: `unknown column "${name}"${near ? `; did you mean "${near}"?` : ''}` });
  });
  if (problems.length)
    throw new AppError(
      'invalid',
      problems.length === 1
        ? `${problems[0]!.message} (columns are customer_id, first_name, last_name, email_consent, sms_consent, whatsapp_consent and the fields segments read)`
        : `${problems.length} problems with the columns: ${problems.map((p) => p.message).join('; ')}`,
      problems,
    );
  return columns;
}

/** The columns as the store is asked for them. */
export const rowColumnsFor = (columns: readonly ExportColumn[]): RowColumn[] =>
  columns.map((c) => ({ alias: c.name, value: c.value }));
