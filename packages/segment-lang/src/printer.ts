import type {
  CountNode,
  EventNode,
  Expr,
  ItemNode,
  ListLiteral,
  Name,
  Operand,
  PurchaseNode,
  StringLiteral,
  WindowNode,
} from './ast.js';
import { isIdentifier } from './scanner.js';
import { quote, valueText } from './value-text.js';
import { KEYWORDS } from './vocabulary.js';

export { quote };

/*
 * Syntax tree → canonical text: lower-case keywords, single spaces, double quotes, no comments,
 * parentheses only where the grouping needs them (and always around an `and` inside an `or`, so
 * nobody has to remember which binds tighter). Printing a parse of the output gives the output
 * again.
 */

/** Canonical text of a syntax tree. */
export function printAst(ast: Expr): string {
  return expr(ast);
}

/** Event names print bare when they read as one word that is not a keyword. */
export function eventName(name: string): string {
  return isIdentifier(name) && !KEYWORDS.has(name.toLowerCase()) && !/^p\d/i.test(name) ? name : quote(name);
}

const grouped = (e: Expr): string => (e.kind === 'and' || e.kind === 'or' ? `(${expr(e)})` : expr(e));

function expr(e: Expr): string {
  switch (e.kind) {
    case 'and':
      return e.operands.map(grouped).join(' and ');
    case 'or':
      return e.operands.map(grouped).join(' or ');
    case 'not':
      return `${e.keyword} ${grouped(e.operand)}`;
    case 'compare':
      return `${name(e.subject)} ${e.op}${e.operand === undefined ? '' : ` ${operand(e.operand)}`}`;
    case 'bareField':
      return name(e.subject);
    case 'percentile': {
      const r = e.rank;
      const rank =
        r.kind === 'between' ? `between p${r.low.value} and p${r.high.value}` : `in ${r.kind} ${r.percent.value}%`;
      return `${name(e.subject)} ${rank}${e.scope === 'matching' ? ' of matching' : ''}`;
    }
    case 'purchase':
      return purchase(e);
    case 'purchaseTime':
      return `${e.which} purchase${e.item ? ` of ${item(e.item)}` : ''} ${e.op}${e.operand === undefined ? '' : ` ${operand(e.operand)}`}`;
    case 'event':
      return event(e);
    case 'sequence':
      return [
        event(e.first),
        ...e.steps.map((s) => {
          const target = s.target.kind === 'purchase' ? purchase(s.target) : event(s.target).slice('did '.length);
          return `then ${s.negated ? 'not ' : ''}${target}${s.within ? ` within ${valueText(s.within)}` : ''}`;
        }),
      ].join(' ');
    case 'tag':
      return e.mode === 'one'
        ? `has tag ${text(e.tags)}`
        : `has ${e.mode} ${e.mode === 'any' ? 'tag' : 'tags'} ${text(e.tags)}`;
    case 'consent':
      return `${e.form} ${e.channel.value}`;
    case 'segmentRef':
      return `in segment ${quote(e.segment.value)}`;
    case 'answer':
      return `answered ${quote(e.question.value)}${e.options ? ` with ${text(e.options)}` : ''}`;
    case 'error':
      return e.text;
  }
}

const name = (n: Name): string => n.value;

function text(t: StringLiteral | ListLiteral): string {
  return t.kind === 'string' ? quote(t.value) : list(t);
}

function list(l: ListLiteral): string {
  return `[${l.items.map(valueText).join(', ')}]`;
}

function operand(o: Operand): string {
  if (o.kind === 'list') return list(o);
  if (o.kind === 'range') return `${valueText(o.low)} and ${valueText(o.high)}`;
  return valueText(o);
}

function item(i: ItemNode): string {
  return `${i.by} ${text(i.values)}`;
}

function count(c: CountNode): string {
  return `${c.op} ${c.value.value} ${c.value.value === 1 ? 'time' : 'times'}`;
}

function window(w: WindowNode): string {
  switch (w.op) {
    case 'within last':
      return `within last ${valueText(w.duration)}`;
    case 'before':
    case 'after':
      return `${w.op} ${valueText(w.time)}`;
    case 'between':
      return `between ${valueText(w.from)} and ${valueText(w.to)}`;
  }
}

function purchase(p: PurchaseNode): string {
  const parts = ['bought'];
  if (p.item) parts.push(item(p.item));
  if (p.count) parts.push(count(p.count));
  if (p.amount) parts.push(`for ${p.amount.op} ${p.amount.value.value}`);
  if (p.window) parts.push(window(p.window));
  return parts.join(' ');
}

function event(e: EventNode): string {
  const parts = ['did', eventName(e.name.value)];
  if (e.where) parts.push('where', grouped(e.where));
  if (e.count) parts.push(count(e.count));
  if (e.window) parts.push(window(e.window));
  return parts.join(' ');
}
