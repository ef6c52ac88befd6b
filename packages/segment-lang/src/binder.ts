import type {
  CompareNode,
  CompareOp,
  CountNode,
  DurationUnit,
  EventNode,
  Expr,
  ItemNode,
  ListLiteral,
  Operand,
  PercentileNode,
  PurchaseNode,
  StringLiteral,
  ValueNode,
  WindowNode,
} from './ast.js';
import {
  defaultCatalog,
  defaultChannels,
  defaultEventCatalog,
  lookup,
  numericTypes,
  type EventCatalog,
  type EventSpec,
  type FieldCatalog,
  type FieldType,
} from './catalog.js';
import { closest } from './did-you-mean.js';
import { diagnostic, hasErrors, type Diagnostic, type DiagnosticCode, type Severity } from './diagnostics.js';
import {
  IR_VERSION,
  type ConditionIR,
  type CountBound,
  type Duration,
  type ItemFilter,
  type PercentileRank,
  type PropertyType,
  type ScalarValue,
  type SegmentIR,
  type SequenceStep,
  type SequenceTarget,
  type ValueTest,
  type TimeValue,
  type TimeWindow,
  type WhereIR,
} from './ir.js';
import { isValidDate } from './parser.js';
import { quote } from './printer.js';
import type { Span } from './span.js';

export interface BindOptions {
  /** Event types and their properties; defaults to {@link defaultEventCatalog}. */
  readonly events?: EventCatalog;
  /** Names of the store's segments; when given, `in segment` is checked against it. */
  readonly segments?: readonly string[];
  /** Consent channels; defaults to email, sms and whatsapp. */
  readonly channels?: readonly string[];
}

export interface BindResult {
  /** Present only when there are no errors (warnings allowed). */
  readonly ir?: SegmentIR;
  readonly diagnostics: readonly Diagnostic[];
}

/** The broad kind of a value a field or property holds, which decides operators and values. */
type Category = 'numeric' | 'text' | 'enum' | 'boolean' | 'time' | 'list';

interface Subject {
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
const categoryOf = (type: FieldType): Category => categoryByType[type];

const typeNames: Record<Category, string> = {
  numeric: 'a number',
  text: 'text',
  enum: 'one of a fixed set of values',
  boolean: 'true or false',
  time: 'a time',
  list: 'a list',
};

const allowedOps: Record<Category, readonly CompareOp[]> = {
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

const irOp = {
  '=': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
  before: 'lt',
  after: 'gt',
} as const;

const UNIT_MS: Record<DurationUnit, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
  year: 365 * 86_400_000,
};

/**
 * Syntax tree → Segment IR, checked against a field catalog: field names, operators for each
 * type, value types, enum values, ranges. Reports every problem it finds (never throws); the IR is
 * returned only when there are no errors.
 */
export function toIR(ast: Expr, catalog: FieldCatalog = defaultCatalog, options: BindOptions = {}): BindResult {
  const binder = new Binder(catalog, options);
  let root: ConditionIR | undefined;
  try {
    root = binder.condition(ast);
  } catch (e) {
    binder.report('internal-error', `the binder failed: ${e instanceof Error ? e.message : String(e)}`, ast.span);
  }
  const diagnostics = binder.diagnostics;
  if (root === undefined || hasErrors(diagnostics)) return { diagnostics };
  return { ir: { version: IR_VERSION, root }, diagnostics };
}

class Binder {
  readonly diagnostics: Diagnostic[] = [];
  private readonly events: EventCatalog;
  private readonly channels: readonly string[];

  constructor(
    private readonly catalog: FieldCatalog,
    private readonly options: BindOptions,
  ) {
    this.events = options.events ?? defaultEventCatalog;
    this.channels = options.channels ?? defaultChannels;
  }

  report(code: DiagnosticCode, message: string, at: Span, hint?: string, severity: Severity = 'error'): undefined {
    this.diagnostics.push(diagnostic(code, message, at, hint, severity));
    return undefined;
  }

  /** Binds every operand even after a failure, so all problems are reported at once. */
  private all<T>(items: readonly T[], bind: (item: T) => unknown): unknown[] | undefined {
    const out = items.map(bind);
    return out.some((x) => x === undefined) ? undefined : out;
  }

  condition(e: Expr): ConditionIR | undefined {
    switch (e.kind) {
      case 'and':
      case 'or': {
        const operands = this.all(e.operands, (o) => this.condition(o)) as ConditionIR[] | undefined;
        if (operands === undefined) return undefined;
        // `a and (b and c)` is stored as one `and` of three.
        const flat = operands.flatMap((o) => (o.kind === e.kind ? o.operands : [o]));
        return { kind: e.kind, operands: flat };
      }
      case 'not': {
        const operand = this.condition(e.operand);
        return operand === undefined ? undefined : { kind: 'not', operand };
      }
      case 'compare':
      case 'bareField': {
        const spec = lookup(this.catalog, e.subject.value);
        if (spec === undefined) return this.unknownField(e.subject.value, e.subject.span);
        const subject: Subject = {
          label: e.subject.value,
          category: categoryOf(spec.type),
          ...(spec.values ? { values: spec.values } : {}),
        };
        const test = e.kind === 'bareField' ? this.bareTest(subject, e.span) : this.test(subject, e);
        if (test === undefined) return undefined;
        const annual =
          spec.recurring === true && (test.op === 'withinLast' || test.op === 'withinNext')
            ? { annual: true as const }
            : {};
        return { kind: 'compare', field: e.subject.value, source: spec.source, ...test, ...annual };
      }
      case 'percentile':
        return this.percentile(e);
      case 'purchase':
        return this.purchase(e);
      case 'purchaseTime': {
        const item = e.item ? this.item(e.item) : undefined;
        const subject: Subject = { label: `${e.which} purchase`, category: 'time' };
        const test = this.test(subject, e);
        if (test === undefined || (e.item && item === undefined)) return undefined;
        return { kind: 'purchaseTime', which: e.which, ...(item ? { item } : {}), ...test };
      }
      case 'event':
        return this.event(e, true);
      case 'sequence': {
        if (e.first.count)
          this.report(
            'count-in-sequence',
            'the first step of a sequence cannot be counted',
            e.first.count.span,
            'count events in a separate condition joined with `and`',
          );
        const first = this.event(e.first, false);
        const steps = this.all(e.steps, (s) => {
          if (s.negated && s !== e.steps[e.steps.length - 1]) {
            return this.report(
              'negation-not-last',
              'only the last step of a sequence can be a `not` step',
              s.span,
              'move the `then not …` step to the end',
            );
          }
          const target: SequenceTarget | undefined =
            s.target.kind === 'purchase' ? this.purchaseTarget(s.target) : this.eventTarget(s.target);
          const within = s.within === undefined ? undefined : this.duration(s.within);
          if (target === undefined || (s.within !== undefined && within === undefined)) return undefined;
          const step: SequenceStep = { negated: s.negated, target, ...(within ? { within } : {}) };
          return step;
        }) as SequenceStep[] | undefined;
        if (first === undefined || first.kind !== 'event' || steps === undefined || e.first.count) return undefined;
        const { name, where, window } = first;
        return {
          kind: 'sequence',
          first: { name, ...(where ? { where } : {}), ...(window ? { window } : {}) },
          steps,
        };
      }
      case 'tag': {
        const tags = this.texts(e.tags, 'a tag');
        return tags === undefined ? undefined : { kind: 'tag', mode: e.mode === 'all' ? 'all' : 'any', tags };
      }
      case 'consent': {
        const channel = e.channel.value;
        if (!this.channels.includes(channel)) {
          const guess = closest(channel, this.channels);
          return this.report(
            'unknown-consent-channel',
            `unknown channel \`${channel}\`${guess ? `; did you mean \`${guess}\`?` : ''}`,
            e.channel.span,
            `channels: ${this.channels.join(', ')}`,
          );
        }
        return { kind: 'consent', channel, requireContact: e.form === 'can receive' };
      }
      case 'segmentRef': {
        const segment = e.segment.value;
        const known = this.options.segments;
        if (known !== undefined && !known.includes(segment)) {
          const guess = closest(segment, known);
          return this.report(
            'unknown-segment',
            `there is no segment "${segment}"`,
            e.segment.span,
            guess ? `did you mean "${guess}"?` : undefined,
          );
        }
        return { kind: 'segmentRef', segment };
      }
      case 'answer': {
        const options = e.options ? this.texts(e.options, 'an answer') : undefined;
        if (e.options && options === undefined) return undefined;
        return { kind: 'answer', question: e.question.value, ...(options ? { options } : {}) };
      }
      case 'error':
        return undefined;
    }
  }

  private percentile(e: PercentileNode): ConditionIR | undefined {
    const spec = lookup(this.catalog, e.subject.value);
    if (spec === undefined) return this.unknownField(e.subject.value, e.subject.span);
    const problems = this.diagnostics.length;
    if (!numericTypes.has(spec.type)) {
      this.report(
        'bad-operator',
        `percentiles need a number field; \`${e.subject.value}\` is ${typeNames[categoryOf(spec.type)]}`,
        e.subject.span,
      );
    }
    const r = e.rank;
    let rank: PercentileRank;
    if (r.kind === 'between') {
      for (const p of [r.low, r.high]) {
        if (p.value < 0 || p.value > 100)
          this.report('percentile-out-of-range', `p${p.value} is not a percentile; use p0 to p100`, p.span);
      }
      if (this.diagnostics.length === problems && r.low.value > r.high.value) {
        this.report(
          'between-reversed',
          `the lower percentile p${r.low.value} is above the upper p${r.high.value}`,
          r.span,
          `write between p${r.high.value} and p${r.low.value}`,
        );
      }
      rank = { kind: 'between', low: r.low.value, high: r.high.value };
    } else {
      if (!(r.percent.value > 0 && r.percent.value <= 100)) {
        this.report(
          'percentile-out-of-range',
          `${r.kind} ${r.percent.value}% is out of range; use more than 0% and at most 100%`,
          r.percent.span,
        );
      }
      rank = { kind: r.kind, percent: r.percent.value };
    }
    if (this.diagnostics.length > problems) return undefined;
    return { kind: 'percentile', field: e.subject.value, source: spec.source, rank, scope: e.scope };
  }

  private unknownField(name: string, at: Span): undefined {
    const owners = Object.entries(this.events)
      .filter(([, spec]) => Object.hasOwn(spec.properties, name))
      .map(([event]) => event);
    if (owners.length > 0) {
      return this.report(
        'event-property-as-field',
        `\`${name}\` is a property of ${owners.map((o) => `\`${o}\``).join(', ')} events, not a customer field`,
        at,
        `write did ${owners[0] ?? 'event'} where ${name} = …`,
      );
    }
    const guess = closest(name, Object.keys(this.catalog));
    const spec = guess === undefined ? undefined : lookup(this.catalog, guess);
    return this.report(
      'unknown-field',
      `unknown field \`${name}\`${guess ? `; did you mean \`${guess}\`?` : ''}`,
      at,
      spec ? `\`${guess}\`: ${spec.description}` : 'press Ctrl+Space for the list of fields',
    );
  }

  private bareTest(subject: Subject, at: Span): ValueTest | undefined {
    if (subject.category === 'boolean') return { op: 'eq', value: { kind: 'boolean', value: true } };
    return this.report(
      'missing-operator',
      `\`${subject.label}\` is ${typeNames[subject.category]}, not a condition by itself`,
      at,
      `compare it, e.g. ${example(subject)}`,
    );
  }

  /** Checks an operator and its operand against the subject's type and lowers it. */
  private test(
    subject: Subject,
    node: { op: CompareOp; opSpan: Span; operand?: Operand; span: Span },
  ): ValueTest | undefined {
    const { op, operand } = node;
    if (!allowedOps[subject.category].includes(op)) {
      return this.report(
        'bad-operator',
        `\`${op}\` does not work on \`${subject.label}\`, which is ${typeNames[subject.category]}`,
        node.opSpan,
        `${subject.label} takes ${allowedOps[subject.category].join(', ')}`,
      );
    }
    switch (op) {
      case '=':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
      case 'before':
      case 'after': {
        const value = this.value(subject, operand);
        return value === undefined ? undefined : { op: irOp[op], value };
      }
      case 'in':
      case 'not in': {
        if (operand?.kind !== 'list') return undefined;
        if (operand.items.length === 0)
          return this.report(
            'empty-list',
            'the list is empty',
            operand.span,
            'put at least one value between the brackets',
          );
        const values = this.all(operand.items, (v) => this.value(subject, v)) as
          (ScalarValue | TimeValue)[] | undefined;
        if (values === undefined) return undefined;
        const scalars = values.filter((v): v is ScalarValue => v.kind !== 'relativeTime' && v.kind !== 'now');
        if (scalars.length !== values.length)
          return this.report('type-mismatch', '`in` takes fixed values, not relative times', operand.span);
        return { op: op === 'in' ? 'in' : 'notIn', values: scalars };
      }
      case 'between': {
        if (operand?.kind !== 'range') return undefined;
        const low = this.value(subject, operand.low);
        const high = this.value(subject, operand.high);
        if (low === undefined || high === undefined) return undefined;
        const order = compareValues(low, high);
        if (order !== undefined && order > 0) {
          return this.report(
            'between-reversed',
            'the lower bound is above the upper bound',
            operand.span,
            `write between ${this.textOf(operand.high)} and ${this.textOf(operand.low)}`,
          );
        }
        return { op: 'between', low, high };
      }
      case 'is set':
        return { op: 'isSet' };
      case 'is not set':
        return { op: 'isNotSet' };
      case 'contains':
      case 'starts with':
      case 'ends with': {
        if (operand === undefined || operand.kind === 'list' || operand.kind === 'range' || operand.kind === 'error')
          return undefined;
        if (operand.kind !== 'string') return this.mismatch(subject, operand, 'text in quotes');
        return {
          op: op === 'contains' ? 'contains' : op === 'starts with' ? 'startsWith' : 'endsWith',
          value: { kind: 'string', value: operand.value },
        };
      }
      case 'within last':
      case 'within next': {
        if (operand === undefined || operand.kind === 'list' || operand.kind === 'range') return undefined;
        const duration = this.duration(operand);
        return duration === undefined
          ? undefined
          : { op: op === 'within last' ? 'withinLast' : 'withinNext', duration };
      }
    }
  }

  private textOf(v: ValueNode): string {
    switch (v.kind) {
      case 'number':
        return String(v.value);
      case 'date':
        return v.value;
      case 'relativeTime':
        return `${v.amount} ${v.unit}${v.amount === 1 ? '' : 's'} ${v.direction === 'ago' ? 'ago' : 'from now'}`;
      default:
        return '…';
    }
  }

  private mismatch(subject: Subject, v: ValueNode, expected: string, hint?: string): undefined {
    const found: Record<ValueNode['kind'], string> = {
      number: 'a number',
      string: 'text',
      boolean: 'true/false',
      date: 'a date',
      duration: 'a length of time',
      relativeTime: 'a point in time',
      now: 'a point in time',
      error: 'not readable',
    };
    return this.report(
      'type-mismatch',
      `\`${subject.label}\` is ${typeNames[subject.category]}, but ${literal(v)} is ${found[v.kind]}`,
      v.span,
      hint ?? `write ${expected}`,
    );
  }

  /** One value for a comparison with the subject; undefined (and reported) if it does not fit. */
  private value(subject: Subject, operand: Operand | undefined): ScalarValue | TimeValue | undefined {
    if (operand === undefined || operand.kind === 'list' || operand.kind === 'range' || operand.kind === 'error')
      return undefined;
    const v = operand;
    switch (subject.category) {
      case 'numeric':
        if (v.kind === 'number') return { kind: 'number', value: v.value };
        if (v.kind === 'string' && v.value.trim() !== '' && Number.isFinite(Number(v.value)))
          return this.mismatch(subject, v, 'a number', `write ${Number(v.value)} without quotes`);
        if (v.kind === 'duration') return this.mismatch(subject, v, 'a number', `write just the number: ${v.amount}`);
        return this.mismatch(subject, v, 'a number', `e.g. ${example(subject)}`);
      case 'text':
      case 'list':
        if (v.kind === 'string') return { kind: 'string', value: v.value };
        if (v.kind === 'number' || v.kind === 'date' || v.kind === 'boolean')
          return this.mismatch(subject, v, 'text in quotes', `write ${quote(literal(v))}`);
        return this.mismatch(subject, v, 'text in quotes');
      case 'enum': {
        if (v.kind !== 'string')
          return this.mismatch(
            subject,
            v,
            'one of its values in quotes',
            `one of: ${(subject.values ?? []).map((x) => `"${x}"`).join(', ')}`,
          );
        const values = subject.values ?? [];
        if (values.includes(v.value)) return { kind: 'string', value: v.value };
        const guess = closest(v.value, values);
        return this.report(
          'unknown-enum-value',
          `"${v.value}" is not a value of \`${subject.label}\`${guess ? `; did you mean "${guess}"?` : ''}`,
          v.span,
          `one of: ${values.map((x) => `"${x}"`).join(', ')}`,
        );
      }
      case 'boolean':
        if (v.kind === 'boolean') return { kind: 'boolean', value: v.value };
        if (v.kind === 'string' && (v.value === 'true' || v.value === 'false'))
          return this.mismatch(subject, v, 'true or false', `write ${v.value} without quotes`);
        return this.mismatch(subject, v, 'true or false');
      case 'time':
        switch (v.kind) {
          case 'date':
            if (!isValidDate(v.value)) return this.report('invalid-date', `${v.value} is not a date`, v.span);
            return { kind: 'date', value: v.value };
          case 'relativeTime':
            return { kind: 'relativeTime', amount: v.amount, unit: v.unit, direction: v.direction };
          case 'now':
            return { kind: 'now' };
          case 'duration':
            return this.mismatch(
              subject,
              v,
              'a point in time',
              `write ${v.amount} ${v.unit}${v.amount === 1 ? '' : 's'} ago`,
            );
          case 'string':
            return this.mismatch(
              subject,
              v,
              'a date or a time',
              isValidDate(v.value)
                ? `write the date without quotes: ${v.value}`
                : 'write a date like 2024-05-01 or a time like 30 days ago',
            );
          default:
            return this.mismatch(
              subject,
              v,
              'a date or a time',
              'write a date like 2024-05-01 or a time like 30 days ago',
            );
        }
    }
  }

  private duration(v: ValueNode): Duration | undefined {
    if (v.kind === 'duration') return { kind: 'duration', amount: v.amount, unit: v.unit };
    if (v.kind !== 'error') this.report('type-mismatch', 'expected a length of time, e.g. 30 days', v.span);
    return undefined;
  }

  private time(v: ValueNode): TimeValue | undefined {
    return this.value({ label: 'the time', category: 'time' }, v) as TimeValue | undefined;
  }

  private texts(t: StringLiteral | ListLiteral, what: string): string[] | undefined {
    if (t.kind === 'string') return [t.value];
    if (t.items.length === 0)
      return this.report(
        'empty-list',
        'the list is empty',
        t.span,
        `put at least one ${what.replace(/^an? /, '')} between the brackets`,
      );
    return this.all(t.items, (v) => {
      if (v.kind === 'string') return v.value;
      if (v.kind === 'error') return undefined;
      return this.report('type-mismatch', `expected ${what} in quotes`, v.span);
    }) as string[] | undefined;
  }

  private item(i: ItemNode): ItemFilter | undefined {
    const values = this.texts(i.values, `a ${i.by} name`);
    return values === undefined ? undefined : { by: i.by, values };
  }

  private count(c: CountNode | undefined): CountBound | undefined {
    if (c === undefined) return { op: 'gte', value: 1 };
    const v = c.value.value;
    if (!Number.isInteger(v) || v < 0) {
      return this.report(
        'invalid-count',
        `the number of times must be a whole number, 0 or more; found ${v}`,
        c.value.span,
      );
    }
    return { op: c.op === 'at least' ? 'gte' : c.op === 'at most' ? 'lte' : 'eq', value: v };
  }

  private window(w: WindowNode | undefined): TimeWindow | undefined {
    if (w === undefined) return undefined;
    switch (w.op) {
      case 'within last': {
        const duration = this.duration(w.duration);
        return duration && { kind: 'withinLast', duration };
      }
      case 'before':
      case 'after': {
        const time = this.time(w.time);
        return time && { kind: w.op, time };
      }
      case 'between': {
        const from = this.time(w.from);
        const to = this.time(w.to);
        if (from === undefined || to === undefined) return undefined;
        const order = compareValues(from, to);
        if (order !== undefined && order > 0) {
          return this.report(
            'between-reversed',
            'the start of the time window is after its end',
            w.span,
            `write between ${this.textOf(w.to)} and ${this.textOf(w.from)}`,
          );
        }
        return { kind: 'between', from, to };
      }
    }
  }

  private purchase(p: PurchaseNode): ConditionIR | undefined {
    const item = p.item ? this.item(p.item) : undefined;
    const count = this.count(p.count);
    const window = this.window(p.window);
    const amountOk = !(p.amount && p.amount.value.value < 0);
    if (!amountOk && p.amount) {
      this.report(
        'invalid-count',
        `an amount of money cannot be negative; found ${p.amount.value.value}`,
        p.amount.value.span,
      );
    }
    if ((p.item && !item) || !count || (p.window && !window) || !amountOk) return undefined;
    return {
      kind: 'purchase',
      ...(item ? { item } : {}),
      count,
      ...(p.amount ? { amount: { op: p.amount.op === 'at least' ? 'gte' : 'lte', value: p.amount.value.value } } : {}),
      ...(window ? { window } : {}),
    };
  }

  private purchaseTarget(p: PurchaseNode): SequenceTarget | undefined {
    const item = p.item ? this.item(p.item) : undefined;
    if (p.item && !item) return undefined;
    return { kind: 'purchase', ...(item ? { item } : {}) };
  }

  private eventSpec(e: EventNode): EventSpec | undefined {
    const spec = lookup(this.events, e.name.value);
    if (spec === undefined) {
      const guess = closest(e.name.value, Object.keys(this.events));
      this.report(
        'unknown-event',
        `no events of type \`${e.name.value}\` are known${guess ? `; did you mean \`${guess}\`?` : ''}`,
        e.name.span,
        guess ? `did you mean \`${guess}\`?` : `known events: ${Object.keys(this.events).join(', ')}`,
        'warning',
      );
    }
    return spec;
  }

  private eventTarget(e: EventNode): SequenceTarget | undefined {
    const spec = this.eventSpec(e);
    const where = e.where ? this.where(e.where, e.name.value, spec) : undefined;
    if (e.where && !where) return undefined;
    return { kind: 'event', name: e.name.value, ...(where ? { where } : {}) };
  }

  private event(e: EventNode, counted: boolean): ConditionIR | undefined {
    const spec = this.eventSpec(e);
    const where = e.where ? this.where(e.where, e.name.value, spec) : undefined;
    const count = counted ? this.count(e.count) : { op: 'gte' as const, value: 1 };
    const window = this.window(e.window);
    if ((e.where && !where) || !count || (e.window && !window)) return undefined;
    return { kind: 'event', name: e.name.value, ...(where ? { where } : {}), count, ...(window ? { window } : {}) };
  }

  private where(e: Expr, event: string, spec: EventSpec | undefined): WhereIR | undefined {
    switch (e.kind) {
      case 'and':
      case 'or': {
        const operands = this.all(e.operands, (o) => this.where(o, event, spec)) as WhereIR[] | undefined;
        if (operands === undefined) return undefined;
        return { kind: e.kind, operands: operands.flatMap((o) => (o.kind === e.kind ? o.operands : [o])) };
      }
      case 'not': {
        const operand = this.where(e.operand, event, spec);
        return operand && { kind: 'not', operand };
      }
      case 'compare':
      case 'bareField': {
        const property = e.subject.value;
        const propSpec = spec ? lookup(spec.properties, property) : undefined;
        if (spec && !propSpec) {
          const guess = closest(property, Object.keys(spec.properties));
          this.report(
            'unknown-event-property',
            `\`${event}\` events have no known property \`${property}\`${guess ? `; did you mean \`${guess}\`?` : ''}`,
            e.subject.span,
            guess
              ? `did you mean \`${guess}\`?`
              : `known properties: ${Object.keys(spec.properties).join(', ') || 'none'}`,
            'warning',
          );
        }
        const type: FieldType = propSpec?.type ?? (e.kind === 'bareField' ? 'boolean' : inferType(e));
        const subject: Subject = {
          label: property,
          category: categoryOf(type),
          ...(propSpec?.values ? { values: propSpec.values } : {}),
        };
        const test = e.kind === 'bareField' ? this.bareTest(subject, e.span) : this.test(subject, e);
        return test && { kind: 'property', property, type: propertyType(type), ...test };
      }
      case 'error':
        return undefined;
      default:
        return this.report(
          'unexpected-token',
          'only property tests can follow `where`',
          e.span,
          'e.g. where page_kind = "product"',
        );
    }
  }
}

/** A value as it would be written, for messages. */
function literal(v: ValueNode): string {
  switch (v.kind) {
    case 'string':
      return quote(v.value);
    case 'number':
    case 'boolean':
      return String(v.value);
    case 'date':
      return v.value;
    case 'duration':
      return `${v.amount} ${v.unit}${v.amount === 1 ? '' : 's'}`;
    case 'relativeTime':
      return `${v.amount} ${v.unit}${v.amount === 1 ? '' : 's'} ${v.direction === 'ago' ? 'ago' : 'from now'}`;
    case 'now':
      return 'now';
    case 'error':
      return v.text;
  }
}

function example(subject: Subject): string {
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
function inferType(c: CompareNode): FieldType {
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

function propertyType(t: FieldType): PropertyType {
  if (numericTypes.has(t)) return 'number';
  if (t === 'boolean' || t === 'timestamp' || t === 'date') return t;
  return 'string';
}

/** Orders two bounds when that does not depend on the evaluation time; undefined otherwise. */
function compareValues(a: ScalarValue | TimeValue, b: ScalarValue | TimeValue): number | undefined {
  if (a.kind === 'number' && b.kind === 'number') return a.value - b.value;
  if (a.kind === 'date' && b.kind === 'date') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  const offset = (v: ScalarValue | TimeValue): number | undefined => {
    if (v.kind === 'now') return 0;
    if (v.kind === 'relativeTime') return (v.direction === 'ago' ? -1 : 1) * v.amount * UNIT_MS[v.unit];
    return undefined;
  };
  const x = offset(a);
  const y = offset(b);
  return x === undefined || y === undefined ? undefined : x - y;
}
