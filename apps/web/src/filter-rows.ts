import {
  defaultCatalog,
  hasErrors,
  lookup,
  operatorsFor,
  parseAst,
  printAst,
  quote,
  type Expr,
  type FieldType,
} from '@strata/segment-lang';

/*
 * The segment query as stacked filter rows: one group of conditions joined by `and` or `or`, each
 * a row (field, operator, value) or a group one level down. Text → rows goes through the language's
 * own parser (`parseAst`) and printer (`printAst`), rows → text writes the query the same parser
 * reads back; a query the rows cannot show (events, purchases, `not`, deeper nesting) is said so,
 * and the text stays the only editor of it.
 */

export interface FilterRow {
  kind: 'row';
  field: string;
  /** A comparison operator of the language (`>=`, `before`, …), `in top` / `in bottom` (percentiles) or `is true`. */
  op: string;
  /** The value as the language writes it (`60 days ago`, `10%`, `["DE", "FR"]`); text values unquoted. */
  value: string;
}

export interface FilterGroup {
  kind: 'group';
  join: 'and' | 'or';
  items: (FilterRow | FilterGroup)[];
}

export type RowsResult = { ok: true; root: FilterGroup } | { ok: false; reason: string };

export const emptyRow = (): FilterRow => ({ kind: 'row', field: '', op: '=', value: '' });
export const emptyGroup = (join: 'and' | 'or' = 'and'): FilterGroup => ({ kind: 'group', join, items: [] });

/** Operators with no value after them. */
const bare = new Set(['is set', 'is not set', 'is true']);
/** Operators whose value, for a text field, is one quoted text. */
const oneText = new Set(['=', '!=', 'contains', 'starts with', 'ends with']);
const textTypes: ReadonlySet<FieldType> = new Set(['string', 'enum', 'list']);
const numeric: ReadonlySet<FieldType> = new Set(['number', 'money', 'integer']);

export const fieldType = (field: string): FieldType | undefined => lookup(defaultCatalog, field)?.type;

/** The operators a row on this field offers: the language's for its type, plus percentiles and `is true`. */
export function operatorsOf(field: string): readonly string[] {
  const type = fieldType(field);
  if (type === undefined) return ['='];
  const ops: string[] = [...operatorsFor(type)];
  if (numeric.has(type)) ops.push('in top', 'in bottom');
  if (type === 'boolean') ops.unshift('is true');
  return ops;
}

export const needsValue = (op: string): boolean => !bare.has(op);

/** One row as query text; an unfinished row (no field) writes nothing. */
export function rowText(row: FilterRow): string {
  const field = row.field.trim();
  if (field === '') return '';
  if (row.op === 'is true') return field;
  if (!needsValue(row.op)) return `${field} ${row.op}`;
  const type = fieldType(field);
  const v = row.value.trim();
  const value = type && textTypes.has(type) && oneText.has(row.op) && !v.startsWith('"') ? quote(row.value) : v;
  return `${field} ${row.op} ${value}`;
}

/** The rows as query text: the group's join between items, a group of several in parentheses. */
export function textOf(group: FilterGroup): string {
  const parts = group.items
    .map((item) => {
      if (item.kind === 'row') return rowText(item);
      const inner = textOf(item);
      const many = item.items.filter((i) => i.kind === 'group' || i.field.trim() !== '').length > 1;
      return inner && many ? `(${inner})` : inner;
    })
    .filter((p) => p !== '');
  return parts.join(` ${group.join} `);
}

/** A condition as a row, or why it cannot be one. */
function rowOf(e: Expr): FilterRow | string {
  const printed = printAst(e);
  switch (e.kind) {
    case 'compare': {
      const field = e.subject.value;
      const type = fieldType(field);
      const value =
        e.operand === undefined
          ? ''
          : e.operand.kind === 'string' && type && textTypes.has(type) && oneText.has(e.op)
            ? e.operand.value
            : printed.slice(`${field} ${e.op} `.length);
      return { kind: 'row', field, op: e.op, value };
    }
    case 'percentile': {
      const field = e.subject.value;
      const op = e.rank.kind === 'between' ? 'between' : `in ${e.rank.kind}`;
      return { kind: 'row', field, op, value: printed.slice(`${field} ${op} `.length) };
    }
    case 'bareField':
      return { kind: 'row', field: e.subject.value, op: 'is true', value: '' };
    default:
      return `“${printed}” is not a field condition`;
  }
}

function groupOf(e: Expr, depth: number): FilterGroup | string {
  if (e.kind !== 'and' && e.kind !== 'or') {
    const row = rowOf(e);
    return typeof row === 'string' ? row : { kind: 'group', join: 'and', items: [row] };
  }
  const items: (FilterRow | FilterGroup)[] = [];
  for (const operand of e.operands) {
    if (operand.kind === 'and' || operand.kind === 'or') {
      if (depth > 0) return 'groups inside groups inside groups';
      const inner = groupOf(operand, depth + 1);
      if (typeof inner === 'string') return inner;
      items.push(inner);
    } else {
      const row = rowOf(operand);
      if (typeof row === 'string') return row;
      items.push(row);
    }
  }
  return { kind: 'group', join: e.kind, items };
}

/** The text as rows, when the rows can show it. */
export function rowsOf(text: string): RowsResult {
  if (text.trim() === '') return { ok: true, root: emptyGroup() };
  const { ast, diagnostics } = parseAst(text);
  if (!ast || hasErrors(diagnostics)) return { ok: false, reason: 'the query has a mistake (marked in the text)' };
  const root = groupOf(ast, 0);
  return typeof root === 'string' ? { ok: false, reason: root } : { ok: true, root };
}
