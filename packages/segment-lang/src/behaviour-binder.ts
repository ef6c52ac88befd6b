import type {
  AndNode,
  CountNode,
  EventNode,
  Expr,
  ItemNode,
  OrNode,
  PurchaseNode,
  SequenceNode,
  WindowNode,
} from './ast.js';
import { lookup, type EventCatalog, type EventSpec, type FieldType } from './catalog.js';
import { closest } from './did-you-mean.js';
import type {
  CountBound,
  EventIR,
  ItemFilter,
  PurchaseIR,
  SequenceIR,
  SequenceStep,
  SequenceTarget,
  TimeWindow,
  WhereIR,
} from './ir.js';
import { inferType, propertyType, subjectOf } from './type-rules.js';
import { ValueBinder } from './value-binder.js';

type EventStep = Extract<SequenceTarget, { kind: 'event' }>;
type PurchaseStep = Extract<SequenceTarget, { kind: 'purchase' }>;

/**
 * What customers did: purchases, events with their `where`, counts and time windows, and
 * sequences of steps.
 */
export abstract class BehaviourBinder extends ValueBinder {
  constructor(protected readonly events: EventCatalog) {
    super();
  }

  /** `and`/`or` with each operand bound; `a and (b and c)` is stored as one `and` of three. */
  protected junction<T extends { readonly kind: string; readonly operands?: readonly T[] }>(
    e: AndNode | OrNode,
    bind: (operand: Expr) => T | undefined,
  ): { kind: 'and' | 'or'; operands: T[] } | undefined {
    const operands = this.all(e.operands, bind);
    if (operands === undefined) return undefined;
    return { kind: e.kind, operands: operands.flatMap((o) => (o.kind === e.kind && o.operands ? o.operands : [o])) };
  }

  protected item(i: ItemNode): ItemFilter | undefined {
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
        if (this.reversed([from, w.from], [to, w.to], 'the start of the time window is after its end', w.span))
          return undefined;
        return { kind: 'between', from, to };
      }
    }
  }

  protected purchase(p: PurchaseNode): PurchaseIR | undefined {
    const target = this.purchaseTarget(p);
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
    if (!target || !count || (p.window && !window) || !amountOk) return undefined;
    return {
      ...target,
      count,
      ...(p.amount ? { amount: { op: p.amount.op === 'at least' ? 'gte' : 'lte', value: p.amount.value.value } } : {}),
      ...(window ? { window } : {}),
    };
  }

  /** A purchase as a step of a sequence: what was bought, not how often or when. */
  private purchaseTarget(p: PurchaseNode): PurchaseStep | undefined {
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

  /** An event as a step of a sequence: its type and `where`, not how often or when. */
  private eventTarget(e: EventNode): EventStep | undefined {
    const spec = this.eventSpec(e);
    const where = e.where ? this.where(e.where, e.name.value, spec) : undefined;
    if (e.where && !where) return undefined;
    return { kind: 'event', name: e.name.value, ...(where ? { where } : {}) };
  }

  protected event(e: EventNode, counted: boolean): EventIR | undefined {
    const target = this.eventTarget(e);
    const count = counted ? this.count(e.count) : { op: 'gte' as const, value: 1 };
    const window = this.window(e.window);
    if (!target || !count || (e.window && !window)) return undefined;
    return { ...target, count, ...(window ? { window } : {}) };
  }

  protected sequence(e: SequenceNode): SequenceIR | undefined {
    if (e.first.count)
      this.report(
        'count-in-sequence',
        'the first step of a sequence cannot be counted',
        e.first.count.span,
        'count events in a separate condition joined with `and`',
      );
    const first = this.event(e.first, false);
    const steps = this.all(e.steps, (s): SequenceStep | undefined => {
      if (s.negated && s !== e.steps[e.steps.length - 1]) {
        return this.report(
          'negation-not-last',
          'only the last step of a sequence can be a `not` step',
          s.span,
          'move the `then not …` step to the end',
        );
      }
      const target = s.target.kind === 'purchase' ? this.purchaseTarget(s.target) : this.eventTarget(s.target);
      const within = s.within === undefined ? undefined : this.duration(s.within);
      if (target === undefined || (s.within !== undefined && within === undefined)) return undefined;
      return { negated: s.negated, target, ...(within ? { within } : {}) };
    });
    if (first === undefined || steps === undefined || e.first.count) return undefined;
    const { name, where, window } = first;
    return {
      kind: 'sequence',
      first: { name, ...(where ? { where } : {}), ...(window ? { window } : {}) },
      steps,
    };
  }

  private where(e: Expr, event: string, spec: EventSpec | undefined): WhereIR | undefined {
    switch (e.kind) {
      case 'and':
      case 'or':
        return this.junction(e, (o) => this.where(o, event, spec));
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
        const test = this.fieldTest(subjectOf(property, type, propSpec?.values), e);
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
