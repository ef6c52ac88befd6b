import type { Span } from './span.js';

/**
 * Every problem the language reports, by stable code. The dashboard and tests key on the code;
 * the message is for people and may be reworded.
 */
export const DiagnosticCode = {
  // text
  emptyQuery: 'empty-query',
  queryTooLong: 'query-too-long',
  unexpectedCharacter: 'unexpected-character',
  unterminatedString: 'unterminated-string',
  invalidEscape: 'invalid-escape',
  invalidNumber: 'invalid-number',
  invalidDate: 'invalid-date',
  // structure
  unexpectedToken: 'unexpected-token',
  missingCondition: 'missing-condition',
  missingOperator: 'missing-operator',
  missingValue: 'missing-value',
  unquotedText: 'unquoted-text',
  missingClosingParen: 'missing-closing-paren',
  unbalancedBracket: 'unbalanced-bracket',
  unexpectedClosing: 'unexpected-closing',
  trailingInput: 'trailing-input',
  emptyList: 'empty-list',
  badDurationUnit: 'bad-duration-unit',
  invalidDuration: 'invalid-duration',
  expectedTime: 'expected-time',
  duplicateModifier: 'duplicate-modifier',
  tooDeeplyNested: 'too-deeply-nested',
  parserLimit: 'parser-limit',
  // meaning (binder)
  unknownField: 'unknown-field',
  unknownEnumValue: 'unknown-enum-value',
  typeMismatch: 'type-mismatch',
  badOperator: 'bad-operator',
  percentileOutOfRange: 'percentile-out-of-range',
  betweenReversed: 'between-reversed',
  invalidCount: 'invalid-count',
  unknownEvent: 'unknown-event',
  unknownEventProperty: 'unknown-event-property',
  eventPropertyAsField: 'event-property-as-field',
  unknownConsentChannel: 'unknown-consent-channel',
  unknownSegment: 'unknown-segment',
  countInSequence: 'count-in-sequence',
  negationNotLast: 'negation-not-last',
  queryTooCostly: 'query-too-costly',
  // the store (checked by the segment service against the store's catalog)
  unknownItem: 'unknown-item',
  internalError: 'internal-error',
} as const;
export type DiagnosticCode = (typeof DiagnosticCode)[keyof typeof DiagnosticCode];

export const Severity = { error: 'error', warning: 'warning' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/** A problem in a query, as data: the CLI prints it with a caret, the dashboard underlines the span. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly span: Span;
  readonly severity: Severity;
  readonly hint?: string;
}

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean =>
  diagnostics.some((d) => d.severity === 'error');

export function diagnostic(
  code: DiagnosticCode,
  message: string,
  span: Span,
  hint?: string,
  severity: Severity = 'error',
): Diagnostic {
  return hint === undefined ? { code, message, span, severity } : { code, message, span, severity, hint };
}

/**
 * The diagnostic as text with the offending line and a caret line under the span, e.g.
 *
 * ```
 * error[unknown-field]: unknown field `totl_spent`; did you mean `total_spent`?
 *   1 | totl_spent > 100
 *     | ^^^^^^^^^^
 * ```
 */
export function formatDiagnostic(text: string, d: Diagnostic): string {
  const lineStart = text.lastIndexOf('\n', Math.max(0, d.span.start - 1)) + 1;
  const nl = text.indexOf('\n', d.span.start);
  const lineEnd = nl === -1 ? text.length : nl;
  const lineNo = text.slice(0, lineStart).split('\n').length;
  const line = text.slice(lineStart, lineEnd);
  const width = Math.max(1, Math.min(d.span.end, lineEnd) - d.span.start);
  const gutter = String(lineNo);
  const pad = ' '.repeat(gutter.length);
  const out = [
    `${d.severity}[${d.code}]: ${d.message}`,
    ` ${gutter} | ${line}`,
    ` ${pad} | ${' '.repeat(d.span.start - lineStart)}${'^'.repeat(width)}`,
  ];
  if (d.hint !== undefined) out.push(` ${pad} = hint: ${d.hint}`);
  return out.join('\n');
}
