import type {
  BareFieldNode,
  CompareNode,
  CompareOp,
  DurationUnit,
  ListLiteral,
  Operand,
  StringLiteral,
  ValueNode,
} from './ast.js';
import { closest } from './did-you-mean.js';
import { diagnostic, type Diagnostic, type DiagnosticCode, type Severity } from './diagnostics.js';
import type { Duration, ScalarValue, TimeValue, ValueTest } from './ir.js';
import type { Span } from './span.js';
import { allowedOps, example, irOp, typeNames, valueKindNames, type Subject } from './type-rules.js';
import { durationText, quote, valueText } from './value-text.js';
import { isValidDate, quotedTimeHint, TIME_HINT } from './vocabulary.js';

/**
 * The binder's base: diagnostics, and the check of a test (operator and values) against the type
 * of what it tests. The conditions are bound in layers on top of it: behaviour, then the rest.
 */
export abstract class ValueBinder {
  readonly diagnostics: Diagnostic[] = [];

  report(code: DiagnosticCode, message: string, at: Span, hint?: string, severity: Severity = 'error'): undefined {
    this.diagnostics.push(diagnostic(code, message, at, hint, severity));
    return undefined;
  }

  /** Binds every operand even after a failure, so all problems are reported at once. */
  protected all<T, R>(items: readonly T[], bind: (item: T) => R | undefined): R[] | undefined {
    const out = items.map(bind);
    return out.every((x): x is R => x !== undefined) ? out : undefined;
  }

  /** The test of a field or property condition, checked against the subject's type. */
  protected fieldTest(subject: Subject, e: CompareNode | BareFieldNode): ValueTest | undefined {
    return e.kind === 'bareField' ? this.bareTest(subject, e.span) : this.test(subject, e);
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
  protected test(
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
        const values = this.all(operand.items, (v) => this.value(subject, v));
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
        if (
          this.reversed(
            [low, operand.low],
            [high, operand.high],
            'the lower bound is above the upper bound',
            operand.span,
          )
        )
          return undefined;
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

  /**
   * Reports bounds given the wrong way round, as far as their order does not depend on when the
   * segment is evaluated; true when it reported.
   */
  protected reversed(
    [low, lowNode]: readonly [ScalarValue | TimeValue, ValueNode],
    [high, highNode]: readonly [ScalarValue | TimeValue, ValueNode],
    message: string,
    at: Span,
  ): boolean {
    const order = compareValues(low, high);
    // NaN (from ∞ − ∞) is no order either.
    if (order === undefined || !(order > 0)) return false;
    this.report('between-reversed', message, at, `write between ${boundText(highNode)} and ${boundText(lowNode)}`);
    return true;
  }

  private mismatch(subject: Subject, v: ValueNode, expected: string, hint?: string): undefined {
    return this.report(
      'type-mismatch',
      `\`${subject.label}\` is ${typeNames[subject.category]}, but ${valueText(v)} is ${valueKindNames[v.kind]}`,
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
          return this.mismatch(subject, v, 'text in quotes', `write ${quote(valueText(v))}`);
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
            return this.mismatch(subject, v, 'a point in time', `write ${durationText(v.amount, v.unit)} ago`);
          case 'string':
            return this.mismatch(subject, v, 'a date or a time', quotedTimeHint(v.value));
          default:
            return this.mismatch(subject, v, 'a date or a time', TIME_HINT);
        }
    }
  }

  protected duration(v: ValueNode): Duration | undefined {
    if (v.kind === 'duration') return { kind: 'duration', amount: v.amount, unit: v.unit };
    if (v.kind !== 'error') this.report('type-mismatch', 'expected a length of time, e.g. 30 days', v.span);
    return undefined;
  }

  protected time(v: ValueNode): TimeValue | undefined {
    return this.value({ label: 'the time', category: 'time' }, v) as TimeValue | undefined;
  }

  protected texts(t: StringLiteral | ListLiteral, what: string): string[] | undefined {
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
    });
  }
}

/** A bound as it would be written, for the hint that swaps two bounds. */
function boundText(v: ValueNode): string {
  return v.kind === 'number' || v.kind === 'date' || v.kind === 'relativeTime' ? valueText(v) : '…';
}

const UNIT_MS: Record<DurationUnit, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
  year: 365 * 86_400_000,
};

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
