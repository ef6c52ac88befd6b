import type { DurationUnit, ValueNode } from './ast.js';

/*
 * How values are written in a query: the printer writes them so, and the binder's messages quote
 * them so.
 */

/** Text in double quotes, with what would end or break the quotes escaped. */
export function quote(value: string): string {
  let out = '"';
  for (const c of value) {
    const code = c.codePointAt(0) ?? 0;
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029)
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

/** A unit of time as written after any number but 1: `30 days`. */
export function unitPlural(unit: DurationUnit): string {
  return `${unit}s`;
}

/** A length of time as it is written: `1 day`, `30 days`. */
export function durationText(amount: number, unit: DurationUnit): string {
  return `${amount} ${amount === 1 ? unit : unitPlural(unit)}`;
}

/** A value as it is written in a query. */
export function valueText(v: ValueNode): string {
  switch (v.kind) {
    case 'number':
      return String(v.value);
    case 'string':
      return quote(v.value);
    case 'boolean':
      return String(v.value);
    case 'date':
      return v.value;
    case 'duration':
      return durationText(v.amount, v.unit);
    case 'relativeTime':
      return `${durationText(v.amount, v.unit)} ${v.direction === 'ago' ? 'ago' : 'from now'}`;
    case 'now':
      return 'now';
    case 'error':
      return v.text;
  }
}
