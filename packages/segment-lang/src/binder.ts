import type { Expr, PercentileNode } from './ast.js';
import { BehaviourBinder } from './behaviour-binder.js';
import {
  defaultCatalog,
  defaultChannels,
  defaultEventCatalog,
  lookup,
  numericTypes,
  type EventCatalog,
  type FieldCatalog,
} from './catalog.js';
import { closest } from './did-you-mean.js';
import { hasErrors, type Diagnostic } from './diagnostics.js';
import { IR_VERSION, type ConditionIR, type PercentileRank, type SegmentIR } from './ir.js';
import type { Span } from './span.js';
import { categoryOf, subjectOf, typeNames } from './type-rules.js';

export { operatorsFor } from './type-rules.js';

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

class Binder extends BehaviourBinder {
  private readonly channels: readonly string[];

  constructor(
    private readonly catalog: FieldCatalog,
    private readonly options: BindOptions,
  ) {
    super(options.events ?? defaultEventCatalog);
    this.channels = options.channels ?? defaultChannels;
  }

  condition(e: Expr): ConditionIR | undefined {
    switch (e.kind) {
      case 'and':
      case 'or':
        return this.junction(e, (o) => this.condition(o));
      case 'not': {
        const operand = this.condition(e.operand);
        return operand === undefined ? undefined : { kind: 'not', operand };
      }
      case 'compare':
      case 'bareField': {
        const spec = lookup(this.catalog, e.subject.value);
        if (spec === undefined) return this.unknownField(e.subject.value, e.subject.span);
        const test = this.fieldTest(subjectOf(e.subject.value, spec.type, spec.values), e);
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
        const test = this.test({ label: `${e.which} purchase`, category: 'time' }, e);
        if (test === undefined || (e.item && item === undefined)) return undefined;
        return { kind: 'purchaseTime', which: e.which, ...(item ? { item } : {}), ...test };
      }
      case 'event':
        return this.event(e, true);
      case 'sequence':
        return this.sequence(e);
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
      spec
        ? `\`${guess}\`: ${spec.description}`
        : '`strata fields` (or GET /v1/fields) lists every field a segment can use',
    );
  }
}
