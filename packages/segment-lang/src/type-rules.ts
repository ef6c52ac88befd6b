import type { CompareNode, CompareOp, ValueNode } from './ast.js';
import { numericTypes, type FieldType } from './catalog.js';
import type { PropertyType } from './ir.js';

/*
 * What each type of field or event property accepts: operators, values, and how its type is named
 * in messages. The binder checks queries against these; the editor offers operators from them.
 */

/** The broad kind of a value a field or property holds, which decides operators and values. */
export type Category = 'numeric' | 'text' | 'enum' | 'boolean' | 'time' | 'list';

export interface Subject {
  /** How to name it in messages: `total_spent`, `last purchase`, `page_kind`. */
  readonly label: string;
  readonly category: Category;
  readonly values?: readonly string[];
}

const categoryByType: Record<FieldType, Category> = {
  number: 'numeric',
  money: 'numeric',
  integer: 'numeric',
  string: 'text',
  enum: 'enum',
  boolean: 'boolean',
  timestamp: 'time',
  date: 'time',
  list: 'list',
};
export const categoryOf = (type: FieldType): Category => categoryByType[type];

/** The subject of a test on a field or property of this type. */
export function subjectOf(label: string, type: FieldType, values?: readonly string[]): Subject {
  return { label, category: categoryOf(type), ...(values ? { values } : {}) };
}

export const typeNames: Record<Category, string> = {
  numeric: 'a number',
  text: 'text',
  enum: 'one of a fixed set of values',
  boolean: 'true or false',
  time: 'a time',
  list: 'a list',
};

export const allowedOps: Record<Category, readonly CompareOp[]> = {
  numeric: ['=', '!=', '<', '<=', '>', '>=', 'in', 'not in', 'between', 'is set', 'is not set'],
  text: ['=', '!=', 'in', 'not in', 'contains', 'starts with', 'ends with', 'is set', 'is not set'],
  enum: ['=', '!=', 'in', 'not in', 'is set', 'is not set'],
  boolean: ['=', '!=', 'is set', 'is not set'],
  time: [
    '=',
    '!=',
    '<',
    '<=',
    '>',
    '>=',
    'before',
    'after',
    'between',
    'within last',
    'within next',
    'is set',
    'is not set',
  ],
  list: ['contains', 'is set', 'is not set'],
};

/** The comparison operators a field of this type takes (for editors). */
export function operatorsFor(type: FieldType): readonly CompareOp[] {
  return allowedOps[categoryOf(type)];
}

export const irOp = {
  '=': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
  before: 'lt',
  after: 'gt',
} as const;

/** What a value of each kind is, for "… but 5 is a number". */
export const valueKindNames: Record<ValueNode['kind'], string> = {
  number: 'a number',
  string: 'text',
  boolean: 'true/false',
  date: 'a date',
  duration: 'a length of time',
  relativeTime: 'a point in time',
  now: 'a point in time',
  error: 'not readable',
};

/** An example of a test on the subject, for hints. */
export function example(subject: Subject): string {
  switch (subject.category) {
    case 'numeric':
      return `${subject.label} > 100`;
    case 'text':
      return `${subject.label} = "…"`;
    case 'enum':
      return `${subject.label} = "${subject.values?.[0] ?? '…'}"`;
    case 'boolean':
      return `${subject.label} = true`;
    case 'time':
      return `${subject.label} within last 30 days`;
    case 'list':
      return `${subject.label} contains "…"`;
  }
}

/** The type of an unknown property, from the value it is compared with. */
export function inferType(c: CompareNode): FieldType {
  const o = c.operand;
  if (c.op === 'contains' || c.op === 'starts with' || c.op === 'ends with') return 'string';
  if (c.op === 'before' || c.op === 'after' || c.op === 'within last' || c.op === 'within next') return 'timestamp';
  const first = o === undefined ? undefined : o.kind === 'list' ? o.items[0] : o.kind === 'range' ? o.low : o;
  switch (first?.kind) {
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'date':
    case 'relativeTime':
    case 'now':
      return 'timestamp';
    default:
      return 'string';
  }
}

/** The type an event property is compared as. */
export function propertyType(t: FieldType): PropertyType {
  if (numericTypes.has(t)) return 'number';
  if (t === 'boolean' || t === 'timestamp' || t === 'date') return t;
  return 'string';
}
