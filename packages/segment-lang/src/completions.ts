import { durationUnits, itemKinds } from './ast.js';
import { operatorsFor, type BindOptions } from './binder.js';
import {
  defaultCatalog,
  defaultChannels,
  defaultEventCatalog,
  lookup,
  numericTypes,
  type EventCatalog,
  type FieldCatalog,
  type PropertySpec,
} from './catalog.js';
import { KEYWORDS } from './parser.js';
import { eventName, quote } from './printer.js';
import { scan, type Token } from './scanner.js';
import { unitPlural } from './value-text.js';

/*
 * Suggestions for the dashboard's query editor. This looks at the few tokens before the cursor
 * rather than running the parser: a half-typed query is exactly the input a parser handles worst,
 * and the editor needs an answer for every keystroke.
 */

export const CompletionKind = {
  field: 'field',
  property: 'property',
  operator: 'operator',
  keyword: 'keyword',
  value: 'value',
  event: 'event',
  unit: 'unit',
  channel: 'channel',
  segment: 'segment',
} as const;
export type CompletionKind = (typeof CompletionKind)[keyof typeof CompletionKind];

export interface Completion {
  readonly label: string;
  readonly kind: CompletionKind;
  /** Type and description, for the suggestion list. */
  readonly detail?: string;
  /** Text to insert, when it differs from the label. */
  readonly insertText?: string;
}

export interface CompletionResult {
  /** The range the chosen suggestion replaces: the partly typed word before the cursor. */
  readonly from: number;
  readonly to: number;
  readonly items: readonly Completion[];
}

const kw = (label: string, detail?: string): Completion =>
  detail === undefined ? { label, kind: 'keyword' } : { label, kind: 'keyword', detail };

const conditionStarts: readonly Completion[] = [
  kw('not', 'negate the next condition'),
  kw('bought', 'purchases, e.g. bought category "coffee"'),
  kw('never bought', 'no purchase of …'),
  kw('did', 'events, e.g. did page_view'),
  kw('never did', 'no event of …'),
  kw('has tag', 'has tag "vip"'),
  kw('has any tag', 'has any tag ["a", "b"]'),
  kw('has all tags', 'has all tags ["a", "b"]'),
  kw('consent', 'consent granted: consent email'),
  kw('can receive', 'consent granted and contact known: can receive sms'),
  kw('in segment', 'member of another segment'),
  kw('answered', 'questionnaire answer: answered "household" with "parent"'),
  kw('first purchase', 'time of the first purchase'),
  kw('last purchase', 'time of the last purchase'),
];
const purchaseItems = itemKinds.map((w) => kw(w));
const units = durationUnits.map((u): Completion => ({
  label: unitPlural(u),
  kind: 'unit',
}));
const connectives = [kw('and'), kw('or')];
const countModifiers = [
  kw('at least', 'at least 2 times'),
  kw('at most', 'at most 0 times'),
  kw('exactly', 'exactly 1 time'),
];
const windowModifiers = [kw('within last', 'within last 30 days'), kw('before'), kw('after'), kw('between')];
const timeValues: readonly Completion[] = [
  { label: 'now', kind: 'value' },
  { label: '30 days ago', kind: 'value' },
  { label: '7 days from now', kind: 'value' },
];

export type CompletionOptions = BindOptions;

/**
 * What may come at `offset` in `text`: fields, operators for the field before the cursor, enum
 * values, event names and properties, units, keywords. Filtered by the word being typed.
 */
export function completeAt(
  text: string,
  offset: number,
  catalog: FieldCatalog = defaultCatalog,
  options: CompletionOptions = {},
): CompletionResult {
  const at = Math.max(0, Math.min(offset, text.length));
  const tokens = scan(text.slice(0, at)).tokens.filter((t) => t.kind !== 'eof');
  let from = at;
  let prefix = '';
  let inString = false;
  const last = tokens[tokens.length - 1];
  if (last !== undefined && last.span.end === at) {
    if (last.kind === 'ident' || (last.kind === 'string' && !isClosedString(last.text))) {
      tokens.pop();
      from = last.span.start;
      prefix = last.kind === 'string' ? last.value : last.text;
      inString = last.kind === 'string';
    }
  }
  const context = new Context(tokens, catalog, options);
  let items = context.suggest();
  if (inString) items = items.filter((i) => (i.kind === 'value' && i.label.startsWith('"')) || i.kind === 'segment');
  const p = (inString ? `"${prefix}` : prefix).toLowerCase();
  const filtered = items.filter(
    (i) =>
      i.label.toLowerCase().startsWith(p) || (!inString && p.length > 1 && i.kind === 'field' && i.label.includes(p)),
  );
  return { from, to: at, items: dedupe(filtered) };
}

function isClosedString(text: string): boolean {
  return text.length >= 2 && text[0] === text[text.length - 1] && text[text.length - 2] !== '\\';
}

function dedupe(items: readonly Completion[]): Completion[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(i.label) ? false : (seen.add(i.label), true)));
}

class Context {
  private readonly events: EventCatalog;
  private readonly channels: readonly string[];

  constructor(
    private readonly tokens: readonly Token[],
    private readonly catalog: FieldCatalog,
    private readonly options: CompletionOptions,
  ) {
    this.events = options.events ?? defaultEventCatalog;
    this.channels = options.channels ?? defaultChannels;
  }

  private tok(fromEnd: number): Token | undefined {
    return this.tokens[this.tokens.length - fromEnd];
  }
  private is(t: Token | undefined, ...words: string[]): boolean {
    return t !== undefined && t.kind === 'ident' && words.includes(t.lower);
  }
  private punct(t: Token | undefined, ...ps: string[]): boolean {
    return t !== undefined && t.kind === 'punct' && ps.includes(t.text);
  }

  suggest(): Completion[] {
    const l1 = this.tok(1);
    const l2 = this.tok(2);
    const l3 = this.tok(3);
    if (l1 === undefined) return this.conditionStart(this.tokens.length);
    // `between X and |` is not a new condition.
    if (this.is(l1, 'and') && this.is(l3, 'between')) return this.values(this.tokens.length - 4);
    if (this.punct(l1, '(') || this.is(l1, 'and', 'or', 'not', 'where')) return this.conditionStart(this.tokens.length);
    if (this.is(l1, 'never')) return [kw('bought'), kw('did')];
    if (this.is(l1, 'bought'))
      return [...purchaseItems, ...countModifiers, kw('for at least'), ...windowModifiers, ...connectives];
    if (this.is(l1, 'did')) return this.eventNames();
    if (this.is(l1, 'then')) return [kw('not'), kw('bought'), ...this.eventNames()];
    if (this.is(l1, 'not', 'no') && this.is(l2, 'then')) return [kw('bought'), ...this.eventNames()];
    if (this.is(l1, 'consent', 'receive')) return this.channels.map((c): Completion => ({ label: c, kind: 'channel' }));
    if (this.is(l1, 'can')) return [kw('receive')];
    if (this.is(l1, 'has')) return [kw('tag'), kw('any tag'), kw('all tags')];
    if (this.is(l1, 'any', 'all') && this.is(l2, 'has')) return [kw(this.is(l1, 'any') ? 'tag' : 'tags')];
    if (this.is(l1, 'segment') && this.is(l2, 'in'))
      return (this.options.segments ?? []).map((s): Completion => ({ label: quote(s), kind: 'segment' }));
    if (this.is(l1, 'of')) return [kw('matching', 'rank among customers matching the rest'), kw('all')];
    if (this.is(l1, 'top', 'bottom')) return [];
    if (this.is(l1, 'within')) return [kw('last'), kw('next')];
    if (this.is(l1, 'last', 'next') && this.is(l2, 'within')) return units;
    if (this.is(l1, 'least', 'most') && this.is(l2, 'at')) return [];
    if (this.is(l1, 'before', 'after')) return [...timeValues];
    if (this.is(l1, 'is')) return [kw('set'), kw('not set')];
    if (this.is(l1, 'starts', 'ends')) return [kw('with')];
    if (l1.kind === 'number') {
      if (this.is(l2, 'least', 'most', 'exactly')) return [kw(l1.value === 1 ? 'time' : 'times')];
      if (this.is(l2, 'top', 'bottom')) return [{ label: '%', kind: 'operator' }];
      if (this.is(l2, 'last', 'next', 'within', 'before', 'after', 'between') || this.is(l3, 'before', 'after'))
        return units;
      const subject = this.punct(l2, '=', '!=', '<', '<=', '>', '>=')
        ? this.subjectAt(this.tokens.length - 3)
        : undefined;
      if (subject?.type === 'timestamp' || subject?.type === 'date') return [...units];
      return this.afterCondition();
    }
    if (l1.kind === 'ident' && l2?.kind === 'number' && !KEYWORDS.has(l1.lower))
      return [kw('ago'), kw('from now'), ...this.afterCondition()];
    // An operator right after a field or property, then the value.
    const subject = this.subjectAt(this.tokens.length - 1);
    if (subject !== undefined) return this.operators(subject);
    if (l1.kind === 'punct' && ['=', '!=', '<', '<=', '>', '>='].includes(l1.text))
      return this.values(this.tokens.length - 2);
    if (this.is(l1, 'contains') || (this.is(l1, 'with') && this.is(l2, 'starts', 'ends')))
      return this.values(this.tokens.length - (this.is(l1, 'with') ? 3 : 2));
    if (this.is(l1, 'between'))
      return [...this.values(this.tokens.length - 2), ...this.percentileBounds(this.tokens.length - 2)];
    if (this.is(l1, 'in') && this.subjectAt(this.tokens.length - 2) !== undefined) {
      const spec = this.subjectAt(this.tokens.length - 2);
      const list: Completion = { label: '[', kind: 'operator', detail: 'a list of values' };
      return spec !== undefined && numericTypes.has(spec.type)
        ? [list, kw('top', 'in top 10%'), kw('bottom', 'in bottom 10%')]
        : [list];
    }
    if (this.punct(l1, '[', ',')) {
      const open = this.openBracket();
      if (open !== undefined) {
        const before = this.tokens[open - 1];
        const fieldIndex = this.is(before, 'in') ? open - (this.is(this.tokens[open - 2], 'not') ? 3 : 2) : open - 1;
        return this.values(fieldIndex);
      }
    }
    return this.afterCondition();
  }

  /** Fields (or properties, inside a `where`) and condition keywords. */
  private conditionStart(end: number): Completion[] {
    const event = this.whereEvent(end);
    if (event !== undefined) {
      const spec = lookup(this.events, event);
      return [
        kw('not'),
        ...Object.entries(spec?.properties ?? {}).map(([name, p]): Completion => ({
          label: name,
          kind: 'property',
          detail: `${p.type} — ${p.description}`,
        })),
      ];
    }
    const fields = Object.entries(this.catalog).map(([name, f]): Completion => ({
      label: name,
      kind: 'field',
      detail: `${f.type} — ${f.description}`,
    }));
    return [
      ...fields,
      ...(this.is(this.tok(1), 'not') ? conditionStarts.filter((c) => !c.label.startsWith('never')) : conditionStarts),
    ];
  }

  /**
   * The event whose `where` clause a condition starting at `end` belongs to, if any. A `where`
   * takes one condition: after `not`s, either a parenthesised group (the cursor is inside while it
   * is unclosed) or one property test (the cursor is inside only right after `where`/`not`).
   */
  private whereEvent(end: number): string | undefined {
    let w = -1;
    for (let i = end - 1; i >= 0; i--) {
      if (this.is(this.tokens[i], 'where')) {
        w = i;
        break;
      }
    }
    if (w < 0) return undefined;
    let i = w + 1;
    while (i < end && this.is(this.tokens[i], 'not')) i++;
    let inside = i === end;
    if (i < end && this.punct(this.tokens[i], '(')) {
      let depth = 0;
      inside = true;
      for (let j = i; j < end; j++) {
        if (this.punct(this.tokens[j], '(')) depth++;
        else if (this.punct(this.tokens[j], ')') && --depth === 0) {
          inside = false;
          break;
        }
      }
    }
    if (!inside) return undefined;
    const name = this.tokens[w - 1];
    return name?.kind === 'string' ? name.value : name?.text;
  }

  /** Index of the unclosed `[` before the cursor. */
  private openBracket(): number | undefined {
    for (let i = this.tokens.length - 1; i >= 0; i--) {
      const t = this.tokens[i];
      if (this.punct(t, ']')) return undefined;
      if (this.punct(t, '[')) return i;
    }
    return undefined;
  }

  /** The field or property named by the token at `index`, when it stands where a subject does. */
  private subjectAt(index: number): PropertySpec | undefined {
    const t = this.tokens[index];
    if (t === undefined || t.kind !== 'ident' || KEYWORDS.has(t.lower)) return undefined;
    const before = this.tokens[index - 1];
    const starts = before === undefined || this.punct(before, '(') || this.is(before, 'and', 'or', 'not', 'where');
    if (!starts) return undefined;
    const event = this.whereEvent(index);
    if (event !== undefined) {
      const spec = lookup(this.events, event);
      return (spec && lookup(spec.properties, t.text)) ?? { type: 'string', description: '' };
    }
    return lookup(this.catalog, t.text);
  }

  private operators(spec: PropertySpec): Completion[] {
    const ops = operatorsFor(spec.type).map((op): Completion => ({ label: op, kind: 'operator' }));
    if (numericTypes.has(spec.type)) {
      ops.push(
        { label: 'in top', kind: 'operator', detail: 'in top 10%' },
        { label: 'in bottom', kind: 'operator', detail: 'in bottom 10%' },
      );
    }
    return ops;
  }

  private values(subjectIndex: number): Completion[] {
    const spec = this.subjectAt(subjectIndex);
    if (spec === undefined) return [];
    switch (spec.type) {
      case 'enum':
        return (spec.values ?? []).map((v): Completion => ({ label: quote(v), kind: 'value' }));
      case 'boolean':
        return [
          { label: 'true', kind: 'value' },
          { label: 'false', kind: 'value' },
        ];
      case 'timestamp':
      case 'date':
        return [...timeValues];
      default:
        return [];
    }
  }

  private percentileBounds(subjectIndex: number): Completion[] {
    const spec = this.subjectAt(subjectIndex);
    return spec !== undefined && numericTypes.has(spec.type)
      ? [{ label: 'p25', kind: 'value', detail: 'between p25 and p75' }]
      : [];
  }

  private eventNames(): Completion[] {
    return Object.entries(this.events).map(([name, e]): Completion => ({
      label: eventName(name),
      kind: 'event',
      detail: e.description,
    }));
  }

  /** After a complete condition: connectives, plus modifiers when it is a purchase or an event. */
  private afterCondition(): Completion[] {
    const owner = this.owner();
    if (owner === 'bought') return [...countModifiers, kw('for at least'), ...windowModifiers, ...connectives];
    if (owner === 'did') return [kw('where'), ...countModifiers, ...windowModifiers, kw('then'), ...connectives];
    return [...connectives];
  }

  /** `bought` or `did` when the cursor is inside such a condition. */
  private owner(): 'bought' | 'did' | undefined {
    let depth = 0;
    for (let i = this.tokens.length - 1; i >= 0; i--) {
      const t = this.tokens[i];
      if (this.punct(t, ')')) depth++;
      else if (this.punct(t, '(')) {
        if (depth === 0) return undefined;
        depth--;
      } else if (depth === 0 && this.is(t, 'bought', 'did'))
        return t?.kind === 'ident' && t.lower === 'bought' ? 'bought' : 'did';
      else if (depth === 0 && this.is(t, 'or')) return undefined;
      else if (depth === 0 && this.is(t, 'and') && !this.is(this.tokens[i - 2], 'between')) {
        // An `and` inside a `where (…)` was skipped by the depth count; this one ends the condition.
        return undefined;
      }
    }
    return undefined;
  }
}
