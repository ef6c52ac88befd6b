import type {
  AnswerNode,
  AmountNode,
  CompareOp,
  ConsentNode,
  CountNode,
  DurationUnit,
  ErrorNode,
  EventNode,
  Expr,
  ItemKind,
  ItemNode,
  ListLiteral,
  Name,
  NumberLiteral,
  Operand,
  PercentileNode,
  PurchaseNode,
  PurchaseTimeNode,
  SegmentRefNode,
  SequenceNode,
  StepNode,
  StringLiteral,
  TagNode,
  ValueNode,
  WindowNode,
} from './ast.js';
import { closest } from './did-you-mean.js';
import { diagnostic, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { scan, type Punct, type Token } from './scanner.js';
import { cover, span, type Span } from './span.js';

/** Longer queries are refused outright; a segment definition is a few lines. */
export const MAX_QUERY_LENGTH = 20_000;
/** Parentheses and `not`s nested deeper than this are refused, so recursion stays shallow. */
export const MAX_NESTING = 64;

export interface AstResult {
  /** The tree, possibly containing `error` nodes; absent for empty or refused input. */
  readonly ast?: Expr;
  readonly diagnostics: readonly Diagnostic[];
}

/** Every word with a meaning somewhere in the language (matched case-insensitively). */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'never',
  'in',
  'between',
  'is',
  'set',
  'contains',
  'starts',
  'ends',
  'with',
  'before',
  'after',
  'within',
  'last',
  'next',
  'ago',
  'from',
  'now',
  'top',
  'bottom',
  'of',
  'matching',
  'all',
  'bought',
  'did',
  'then',
  'no',
  'order',
  'where',
  'at',
  'least',
  'most',
  'exactly',
  'times',
  'time',
  'for',
  'has',
  'tag',
  'tags',
  'any',
  'consent',
  'can',
  'receive',
  'segment',
  'answered',
  'first',
  'purchase',
  'product',
  'category',
  'brand',
  'collection',
  'true',
  'false',
]);

const UNIT_WORDS: Readonly<Record<string, DurationUnit>> = {
  minute: 'minute',
  minutes: 'minute',
  hour: 'hour',
  hours: 'hour',
  day: 'day',
  days: 'day',
  week: 'week',
  weeks: 'week',
  month: 'month',
  months: 'month',
  year: 'year',
  years: 'year',
};
const ITEM_WORDS: ReadonlySet<string> = new Set(['product', 'category', 'brand', 'collection']);
const COMPARE_PUNCT: ReadonlySet<string> = new Set(['=', '!=', '<', '<=', '>', '>=']);
const OPERATOR_WORDS = ['in', 'between', 'is', 'contains', 'starts', 'ends', 'before', 'after', 'within', 'not'];
const CONDITION_WORDS = ['bought', 'did', 'has', 'consent', 'answered', 'never'];
const PERCENTILE = /^p(\d{1,3}(?:\.\d{1,6})?)$/i;

type Mode = 'top' | 'where';

/** Thrown inside the parser only, to stop on pathological input; never escapes `parseAst`. */
class Abort extends Error {}

interface TestParts {
  readonly op: CompareOp;
  readonly opSpan: Span;
  readonly operand?: Operand;
}

/** A real calendar date written `YYYY-MM-DD`. */
export function isValidDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * Text → syntax tree. Never throws; reports as many problems as it can find in one pass and
 * keeps going after each, marking unreadable parts with `error` nodes.
 */
export function parseAst(text: string): AstResult {
  if (text.length > MAX_QUERY_LENGTH) {
    return {
      diagnostics: [
        diagnostic(
          'query-too-long',
          `the query is ${text.length} characters long; the limit is ${MAX_QUERY_LENGTH}`,
          span(MAX_QUERY_LENGTH, text.length),
        ),
      ],
    };
  }
  const scanned = scan(text);
  const parser = new Parser(text, scanned.tokens, scanned.diagnostics.length > 0);
  let ast: Expr | undefined;
  try {
    ast = parser.parseQuery();
  } catch (e) {
    if (!(e instanceof Abort)) {
      parser.report(
        'internal-error',
        `the parser failed: ${e instanceof Error ? e.message : String(e)}`,
        span(0, text.length),
      );
    }
  }
  const diagnostics = [...scanned.diagnostics, ...parser.diagnostics].sort((a, b) => a.span.start - b.span.start);
  return ast === undefined ? { diagnostics } : { ast, diagnostics };
}

class Parser {
  readonly diagnostics: Diagnostic[] = [];
  private pos = 0;
  private steps = 0;
  private depth = 0;
  private prevEnd = 0;
  private readonly maxSteps: number;
  private readonly eof: Token;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
    private readonly scanFailed: boolean,
  ) {
    // Each token is looked at a bounded number of times (every loop consumes a token or stops),
    // so a generous multiple of the token count bounds any correct run; reaching it means a
    // parser bug, and then we report instead of hanging.
    this.maxSteps = tokens.length * 64 + 1000;
    this.eof = tokens[tokens.length - 1] ?? { kind: 'eof', text: '', span: span(text.length, text.length) };
  }

  // ── token helpers ──────────────────────────────────────────────────────────────────────────

  private tick(): void {
    if (++this.steps > this.maxSteps) {
      this.report('parser-limit', 'the query is too complex to read', span(0, this.text.length));
      throw new Abort();
    }
  }
  private peek(k = 0): Token {
    this.tick();
    return this.tokens[this.pos + k] ?? this.eof;
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') {
      this.pos++;
      this.prevEnd = t.span.end;
    }
    return t;
  }
  private isKw(t: Token, ...words: string[]): boolean {
    return t.kind === 'ident' && words.includes(t.lower);
  }
  private atKw(...words: string[]): boolean {
    return this.isKw(this.peek(), ...words);
  }
  private atPunct(p: Punct): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }
  private from(start: Token | Span): Span {
    const s = 'kind' in start ? start.span.start : start.start;
    return span(s, Math.max(s, this.prevEnd));
  }
  report(code: DiagnosticCode, message: string, at: Span, hint?: string): void {
    this.diagnostics.push(diagnostic(code, message, at, hint));
  }
  private describe(t: Token): string {
    return t.kind === 'eof' ? 'the end of the query' : `\`${t.text}\``;
  }
  /** The span to blame for something missing at `t`: `t` itself, or `after` at the end of input. */
  private blame(t: Token, after: Token | undefined): Span {
    return t.kind === 'eof' && after !== undefined ? after.span : t.span;
  }
  private errorNode(at: Span): ErrorNode {
    return { kind: 'error', span: at, text: this.text.slice(at.start, at.end) };
  }
  /** Skips to where the next condition may start (`and`, `or`, `)` or the end) and returns what was skipped. */
  private recover(start: Span | Token): ErrorNode {
    const s = 'kind' in start ? start.span : start;
    let nesting = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) nesting++;
      if (t.kind === 'punct' && (t.text === ')' || t.text === ']')) {
        if (nesting === 0) break;
        nesting--;
      }
      if (nesting === 0 && this.isKw(t, 'and', 'or')) break;
      this.next();
    }
    return this.errorNode(span(s.start, Math.max(s.start, s.end, this.prevEnd)));
  }
  private enter(at: Token): void {
    if (++this.depth > MAX_NESTING) {
      this.report(
        'too-deeply-nested',
        `conditions are nested more than ${MAX_NESTING} levels deep`,
        at.span,
        'remove some parentheses or `not`s',
      );
      throw new Abort();
    }
  }
  private leave(): void {
    this.depth--;
  }

  // ── boolean structure ──────────────────────────────────────────────────────────────────────

  parseQuery(): Expr | undefined {
    if (this.peek().kind === 'eof') {
      if (!this.scanFailed) {
        this.report(
          'empty-query',
          'the query is empty',
          span(0, this.text.length),
          'write a condition such as total_spent > 100',
        );
      }
      return undefined;
    }
    let body = this.parseOr('top');
    while (this.peek().kind !== 'eof') {
      const before = this.pos;
      const t = this.peek();
      if (t.kind === 'punct' && (t.text === ')' || t.text === ']')) {
        this.next();
        this.report(
          'unexpected-closing',
          `\`${t.text}\` has no matching \`${t.text === ')' ? '(' : '['}\``,
          t.span,
          'remove it',
        );
      } else if (!this.isKw(t, 'and', 'or')) {
        const junk = this.recover(t);
        this.report(
          'trailing-input',
          `expected \`and\` or \`or\` before ${this.describe(t)}`,
          junk.span,
          'join conditions with `and` or `or`',
        );
        body = { kind: 'and', span: cover(body.span, junk.span), operands: [body, junk] };
      }
      if (this.atKw('and', 'or')) {
        const op = this.next();
        const rest = this.parseOr('top', op);
        body = {
          kind: op.kind === 'ident' && op.lower === 'or' ? 'or' : 'and',
          span: cover(body.span, rest.span),
          operands: [body, rest],
        };
      }
      if (this.pos === before) this.next();
    }
    return body;
  }

  private parseOr(mode: Mode, after?: Token): Expr {
    const first = this.parseAnd(mode, after);
    if (!this.atKw('or')) return first;
    const operands: Expr[] = [first];
    while (this.atKw('or')) {
      const op = this.next();
      operands.push(this.parseAnd(mode, op));
    }
    return { kind: 'or', span: cover(first.span, operands[operands.length - 1]?.span ?? first.span), operands };
  }

  private parseAnd(mode: Mode, after?: Token): Expr {
    const first = this.parseNot(mode, after);
    if (!this.atKw('and')) return first;
    const operands: Expr[] = [first];
    while (this.atKw('and')) {
      const op = this.next();
      operands.push(this.parseNot(mode, op));
    }
    return { kind: 'and', span: cover(first.span, operands[operands.length - 1]?.span ?? first.span), operands };
  }

  private parseNot(mode: Mode, after?: Token): Expr {
    if (this.atKw('not')) {
      const tok = this.next();
      this.enter(tok);
      const operand = this.parseNot(mode, tok);
      this.leave();
      return { kind: 'not', keyword: 'not', span: cover(tok.span, operand.span), operand };
    }
    if (mode === 'top' && this.atKw('never')) {
      const tok = this.next();
      if (!this.atKw('bought', 'did')) {
        const t = this.peek();
        this.report(
          'unexpected-token',
          `expected \`bought\` or \`did\` after \`never\`, found ${this.describe(t)}`,
          this.blame(t, tok),
          'write `not` to negate other conditions',
        );
        return this.recover(tok);
      }
      const operand = this.parsePrimary(mode, tok);
      return { kind: 'not', keyword: 'never', span: cover(tok.span, operand.span), operand };
    }
    return this.parsePrimary(mode, after);
  }

  private parsePrimary(mode: Mode, after?: Token): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '(') {
      const open = this.next();
      this.enter(open);
      const inner = this.parseOr(mode, open);
      this.leave();
      if (this.atPunct(')')) {
        this.next();
      } else {
        this.report(
          'missing-closing-paren',
          'this `(` is never closed',
          open.span,
          `add \`)\` ${this.peek().kind === 'eof' ? 'at the end' : `before ${this.describe(this.peek())}`}`,
        );
      }
      return { ...inner, span: this.from(open) };
    }
    if (t.kind === 'eof' || (t.kind === 'punct' && (t.text === ')' || t.text === ']')) || this.isKw(t, 'and', 'or')) {
      const message =
        after === undefined
          ? `expected a condition, found ${this.describe(t)}`
          : `expected a condition after \`${after.text}\``;
      this.report('missing-condition', message, this.blame(t, after));
      return this.errorNode(span(t.span.start, t.span.start));
    }
    if (t.kind === 'ident') {
      if (mode === 'top') {
        const t1 = this.peek(1);
        switch (t.lower) {
          case 'bought':
            return this.parsePurchase();
          case 'did':
            return this.parseEvent();
          case 'answered':
            return this.parseAnswer();
          case 'consent':
            if (t1.kind === 'ident' || t1.kind === 'eof') return this.parseConsent();
            break;
          case 'can':
            if (this.isKw(t1, 'receive')) return this.parseConsent();
            break;
          case 'has':
            if (this.isKw(t1, 'tag', 'tags', 'any', 'all')) return this.parseTag();
            break;
          case 'in':
            if (this.isKw(t1, 'segment')) return this.parseSegmentRef();
            break;
          case 'first':
          case 'last':
            if (this.isKw(t1, 'purchase')) return this.parsePurchaseTime();
            break;
        }
      }
      return this.parseField(mode);
    }
    this.next();
    const hint =
      t.kind === 'string'
        ? `to test a tag write has tag ${t.text}`
        : 'a condition starts with a field name, or with bought, did, has, consent, in segment or answered';
    this.report('missing-condition', `expected a condition, found ${this.describe(t)}`, t.span, hint);
    return this.recover(t);
  }

  // ── field conditions ───────────────────────────────────────────────────────────────────────

  private atConditionEnd(mode: Mode): boolean {
    const t = this.peek();
    if (t.kind === 'eof' || (t.kind === 'punct' && t.text === ')')) return true;
    if (this.isKw(t, 'and', 'or')) return true;
    if (mode === 'where') {
      if (this.isKw(t, 'then', 'at', 'exactly', 'for')) return true;
      if (this.isKw(t, 'within') && !this.isKw(this.peek(1), 'last', 'next')) return true;
    }
    return false;
  }

  private parseField(mode: Mode): Expr {
    const tok = this.next();
    const subject: Name = { kind: 'name', span: tok.span, value: tok.text };
    if (this.atConditionEnd(mode)) return { kind: 'bareField', span: tok.span, subject };
    const parts = this.parseTest(subject, true);
    if (parts.kind === 'error' || parts.kind === 'percentile') return parts;
    return { kind: 'compare', span: this.from(tok), subject, ...parts.test };
  }

  /** Everything after the subject of a comparison: operator and operand, or a percentile test. */
  private parseTest(
    subject: Name,
    allowPercentile: boolean,
  ): { kind: 'test'; test: TestParts } | PercentileNode | ErrorNode {
    const t = this.peek();
    const test = (op: CompareOp, opSpan: Span, operand?: Operand) => ({
      kind: 'test' as const,
      test: operand === undefined ? { op, opSpan } : { op, opSpan, operand },
    });
    if (t.kind === 'punct' && COMPARE_PUNCT.has(t.text)) {
      this.next();
      return test(t.text as CompareOp, t.span, this.parseValue(t, 'value'));
    }
    if (t.kind === 'ident') {
      switch (t.lower) {
        case 'in': {
          this.next();
          if (this.atKw('top', 'bottom')) {
            if (allowPercentile) return this.parseTopBottom(subject);
            this.report('unexpected-token', 'percentiles work on fields only', this.peek().span);
            return this.recover(subject.span);
          }
          const list = this.parseListOperand(subject, t);
          return list === undefined ? this.recover(subject.span) : test('in', t.span, list);
        }
        case 'not': {
          this.next();
          if (!this.atKw('in')) {
            const n = this.peek();
            this.report(
              'unexpected-token',
              `expected \`in\` after \`not\`, found ${this.describe(n)}`,
              this.blame(n, t),
              `to negate a condition put \`not\` in front of it: not ${subject.value} …`,
            );
            return this.recover(subject.span);
          }
          const inTok = this.next();
          const list = this.parseListOperand(subject, inTok);
          return list === undefined ? this.recover(subject.span) : test('not in', cover(t.span, inTok.span), list);
        }
        case 'between': {
          this.next();
          const p = this.peek();
          if (p.kind === 'ident' && PERCENTILE.test(p.text)) {
            if (allowPercentile) return this.parsePercentileRange(subject);
            this.report('unexpected-token', 'percentiles work on fields only', p.span);
            return this.recover(subject.span);
          }
          const low = this.parseValue(t, 'value');
          if (!this.atKw('and')) {
            const n = this.peek();
            this.report(
              'unexpected-token',
              `expected \`and\` in \`between … and …\`, found ${this.describe(n)}`,
              this.blame(n, t),
              `write ${subject.value} between 1 and 10`,
            );
            return this.recover(subject.span);
          }
          const andTok = this.next();
          const high = this.parseValue(andTok, 'value');
          return test('between', t.span, { kind: 'range', span: cover(low.span, high.span), low, high });
        }
        case 'is': {
          this.next();
          const not = this.atKw('not') ? this.next() : undefined;
          if (this.atKw('set')) {
            const setTok = this.next();
            return test(not ? 'is not set' : 'is set', cover(t.span, setTok.span));
          }
          const n = this.peek();
          let hint = 'write `is set` or `is not set`';
          if (this.isKw(n, 'true', 'false')) hint = `write ${subject.value} = ${n.text.toLowerCase()}`;
          else if (this.isKw(n, 'null', 'empty', 'missing', 'blank', 'unset'))
            hint = `write ${subject.value} is ${not ? '' : 'not '}set`;
          this.report(
            'unexpected-token',
            `expected \`set\` after \`${not ? 'is not' : 'is'}\`, found ${this.describe(n)}`,
            this.blame(n, not ?? t),
            hint,
          );
          return this.recover(subject.span);
        }
        case 'contains':
          this.next();
          return test('contains', t.span, this.parseValue(t, 'value'));
        case 'starts':
        case 'ends': {
          this.next();
          if (!this.atKw('with')) {
            const n = this.peek();
            this.report(
              'unexpected-token',
              `expected \`with\` after \`${t.text}\`, found ${this.describe(n)}`,
              this.blame(n, t),
              `write ${subject.value} ${t.lower} with "…"`,
            );
            return this.recover(subject.span);
          }
          const w = this.next();
          return test(
            t.lower === 'starts' ? 'starts with' : 'ends with',
            cover(t.span, w.span),
            this.parseValue(w, 'value'),
          );
        }
        case 'before':
        case 'after':
          this.next();
          return test(t.lower === 'before' ? 'before' : 'after', t.span, this.parseTime(t));
        case 'within': {
          this.next();
          if (!this.atKw('last', 'next')) {
            const n = this.peek();
            this.report(
              'unexpected-token',
              `expected \`last\` or \`next\` after \`within\`, found ${this.describe(n)}`,
              this.blame(n, t),
              `write ${subject.value} within last 30 days`,
            );
            return this.recover(subject.span);
          }
          const dir = this.next();
          const op = dir.kind === 'ident' && dir.lower === 'next' ? 'within next' : 'within last';
          return test(op, cover(t.span, dir.span), this.parseDuration(dir));
        }
      }
    }
    // No operator.
    let hint =
      'operators: = != < <= > >= in, not in, between, is set, contains, starts with, before, after, within last';
    const op = t.kind === 'ident' ? closest(t.lower, OPERATOR_WORDS) : undefined;
    const cond = closest(subject.value.toLowerCase(), CONDITION_WORDS);
    if (op !== undefined && t.kind === 'ident' && !KEYWORDS.has(t.lower)) hint = `did you mean \`${op}\`?`;
    else if (cond !== undefined && subject.value.toLowerCase() !== cond) hint = `did you mean \`${cond}\`?`;
    else if (t.kind === 'number' || t.kind === 'string' || t.kind === 'date')
      hint = `write ${subject.value} = ${t.text}`;
    const message =
      t.kind === 'eof'
        ? `\`${subject.value}\` needs an operator and a value`
        : `expected an operator after \`${subject.value}\`, found ${this.describe(t)}`;
    this.report('missing-operator', message, t.kind === 'eof' ? subject.span : t.span, hint);
    return this.recover(subject.span);
  }

  private parseListOperand(subject: Name, inTok: Token): ListLiteral | undefined {
    if (this.atPunct('[')) return this.parseList();
    const n = this.peek();
    if (n.kind === 'eof' || this.isKw(n, 'and', 'or') || (n.kind === 'punct' && n.text === ')')) {
      this.report(
        'missing-value',
        `expected a list after \`${inTok.text}\``,
        inTok.span,
        `write ${subject.value} in ["a", "b"]`,
      );
    } else {
      this.report(
        'unexpected-token',
        `expected a list in square brackets after \`${inTok.text}\`, found ${this.describe(n)}`,
        n.span,
        `write ${subject.value} in [${n.text}] or ${subject.value} = ${n.text}`,
      );
    }
    return undefined;
  }

  private parsePercent(after: Token, what: string): NumberLiteral | undefined {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return { kind: 'number', span: t.span, value: t.value };
    }
    this.report(
      'missing-value',
      `expected ${what} after \`${after.text}\``,
      after.span,
      `write ${after.text.toLowerCase()} 10%`,
    );
    return undefined;
  }

  private parseScope(): 'all' | 'matching' {
    if (!this.atKw('of')) return 'all';
    const ofTok = this.next();
    if (this.atKw('matching', 'all')) {
      const s = this.next();
      return s.kind === 'ident' && s.lower === 'matching' ? 'matching' : 'all';
    }
    const n = this.peek();
    this.report(
      'unexpected-token',
      `expected \`matching\` or \`all\` after \`of\`, found ${this.describe(n)}`,
      this.blame(n, ofTok),
      '`of matching` ranks among customers matching the rest of the condition',
    );
    if (n.kind === 'ident' && !this.isKw(n, 'and', 'or')) this.next();
    return 'all';
  }

  private parseTopBottom(subject: Name): PercentileNode | ErrorNode {
    const dir = this.next();
    const percent = this.parsePercent(dir, 'a percentage');
    if (percent === undefined) return this.recover(subject.span);
    if (this.atPunct('%')) this.next();
    else
      this.report(
        'unexpected-token',
        `expected \`%\` after \`${this.text.slice(percent.span.start, percent.span.end)}\``,
        percent.span,
        `write ${dir.text} ${percent.value}%`,
      );
    const rankSpan = this.from(dir);
    const scope = this.parseScope();
    const kind = dir.kind === 'ident' && dir.lower === 'bottom' ? 'bottom' : 'top';
    return {
      kind: 'percentile',
      span: this.from(subject.span),
      subject,
      rank: { kind, span: rankSpan, percent },
      scope,
    };
  }

  private parsePercentileRange(subject: Name): PercentileNode | ErrorNode {
    const percentile = (): NumberLiteral | undefined => {
      const t = this.peek();
      const m = t.kind === 'ident' ? PERCENTILE.exec(t.text) : null;
      if (m) {
        this.next();
        return { kind: 'number', span: t.span, value: Number(m[1]) };
      }
      this.report(
        'unexpected-token',
        `expected a percentile such as p75, found ${this.describe(t)}`,
        t.kind === 'eof' ? span(this.prevEnd, this.prevEnd) : t.span,
        `write ${subject.value} between p25 and p75`,
      );
      return undefined;
    };
    const low = percentile();
    if (low === undefined) return this.recover(subject.span);
    if (!this.atKw('and')) {
      const n = this.peek();
      this.report(
        'unexpected-token',
        `expected \`and\` in \`between … and …\`, found ${this.describe(n)}`,
        n.kind === 'eof' ? low.span : n.span,
      );
      return this.recover(subject.span);
    }
    this.next();
    const high = percentile();
    if (high === undefined) return this.recover(subject.span);
    const rankSpan = cover(low.span, high.span);
    const scope = this.parseScope();
    return {
      kind: 'percentile',
      span: this.from(subject.span),
      subject,
      rank: { kind: 'between', span: rankSpan, low, high },
      scope,
    };
  }

  // ── values ─────────────────────────────────────────────────────────────────────────────────

  private unitOf(t: Token): DurationUnit | undefined {
    return t.kind === 'ident' && Object.hasOwn(UNIT_WORDS, t.lower) ? UNIT_WORDS[t.lower] : undefined;
  }

  /**
   * A value: number, text, true/false, date, duration, `… ago`, `… from now`, `now`. `after` is the
   * token before it (blamed when the value is missing). In `time` context a word after a number
   * must be a unit.
   */
  private parseValue(after: Token, context: 'value' | 'time'): ValueNode {
    const t = this.peek();
    switch (t.kind) {
      case 'number': {
        this.next();
        const u = this.peek();
        const unit = this.unitOf(u);
        if (unit !== undefined) {
          this.next();
          return this.afterDuration(t, unit);
        }
        if (u.kind === 'ident' && !KEYWORDS.has(u.lower)) {
          const guess = closest(u.lower, Object.keys(UNIT_WORDS));
          if (context === 'time' || guess !== undefined) {
            this.next();
            this.report(
              'bad-duration-unit',
              `unknown unit of time \`${u.text}\``,
              u.span,
              guess !== undefined ? `did you mean \`${guess}\`?` : 'units: minutes, hours, days, weeks, months, years',
            );
            if (this.atKw('ago')) this.next();
            else if (this.atKw('from') && this.isKw(this.peek(1), 'now')) {
              this.next();
              this.next();
            }
            return this.errorNode(this.from(t));
          }
        }
        return { kind: 'number', span: t.span, value: t.value };
      }
      case 'string':
        this.next();
        return { kind: 'string', span: t.span, value: t.value };
      case 'date':
        this.next();
        if (!isValidDate(t.text)) {
          const shape = /^\d{4}-\d{2}-\d{2}$/.test(t.text);
          this.report(
            'invalid-date',
            shape ? `${t.text} is not a date in the calendar` : `${t.text} is not a date`,
            t.span,
            shape ? undefined : `write dates as YYYY-MM-DD; put other text in quotes: "${t.text}"`,
          );
        }
        return { kind: 'date', span: t.span, value: t.text };
      case 'ident': {
        if (t.lower === 'true' || t.lower === 'false') {
          this.next();
          return { kind: 'boolean', span: t.span, value: t.lower === 'true' };
        }
        if (t.lower === 'now') {
          this.next();
          return { kind: 'now', span: t.span };
        }
        if (this.isKw(t, 'and', 'or')) break;
        const unit = this.unitOf(t);
        if (unit !== undefined) {
          this.next();
          this.report('invalid-duration', `expected a number before \`${t.text}\``, t.span, `write 1 ${unit}`);
          return this.errorNode(t.span);
        }
        this.next();
        this.report('unquoted-text', `text must be in quotes: \`${t.text}\``, t.span, `write "${t.text}"`);
        return this.errorNode(t.span);
      }
      case 'punct':
        if (t.text === '[') {
          const list = this.parseList();
          this.report(
            'unexpected-token',
            'a list needs `in`',
            list.span,
            `write in [...] to match any of several values`,
          );
          return this.errorNode(list.span);
        }
        break;
      case 'eof':
        break;
    }
    this.report('missing-value', `expected a value after \`${after.text}\``, after.span);
    return this.errorNode(span(t.span.start, t.span.start));
  }

  private afterDuration(num: Token & { kind: 'number' }, unit: DurationUnit): ValueNode {
    const amount = num.value;
    if (this.atKw('ago')) {
      this.next();
      return this.checkAmount({ kind: 'relativeTime', span: this.from(num), amount, unit, direction: 'ago' }, num);
    }
    if (this.atKw('from') && this.isKw(this.peek(1), 'now')) {
      this.next();
      this.next();
      return this.checkAmount({ kind: 'relativeTime', span: this.from(num), amount, unit, direction: 'fromNow' }, num);
    }
    return this.checkAmount({ kind: 'duration', span: this.from(num), amount, unit }, num);
  }

  private checkAmount(v: ValueNode & { amount: number }, num: Token): ValueNode {
    if (!Number.isInteger(v.amount) || v.amount < 0) {
      this.report(
        'invalid-duration',
        `a length of time must be a whole number, 0 or more; found ${num.text}`,
        num.span,
        Number.isInteger(v.amount) ? undefined : 'use a smaller unit, e.g. 90 minutes instead of 1.5 hours',
      );
      return this.errorNode(v.span);
    }
    return v;
  }

  /** A point in time: a date, `… ago`, `… from now` or `now`. */
  private parseTime(after: Token): ValueNode {
    const v = this.parseValue(after, 'time');
    switch (v.kind) {
      case 'date':
      case 'relativeTime':
      case 'now':
      case 'error':
        return v;
      case 'duration':
        this.report(
          'expected-time',
          `\`${this.text.slice(v.span.start, v.span.end)}\` is a length of time, not a point in time`,
          v.span,
          `write ${this.text.slice(v.span.start, v.span.end)} ago or ${this.text.slice(v.span.start, v.span.end)} from now`,
        );
        return this.errorNode(v.span);
      case 'string':
        this.report(
          'expected-time',
          `expected a date or a time, found text`,
          v.span,
          isValidDate(v.value)
            ? `write the date without quotes: ${v.value}`
            : 'write a date like 2024-05-01 or a time like 30 days ago',
        );
        return this.errorNode(v.span);
      default:
        this.report(
          'expected-time',
          `expected a date or a time after \`${after.text}\``,
          v.span,
          v.kind === 'number'
            ? `write ${v.value} days ago, or a date like 2024-05-01`
            : 'write a date like 2024-05-01 or a time like 30 days ago',
        );
        return this.errorNode(v.span);
    }
  }

  /** A length of time: `30 days`; a unit alone means one of it (`within last week`). */
  private parseDuration(after: Token): ValueNode {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      const u = this.peek();
      const unit = this.unitOf(u);
      if (unit !== undefined) {
        this.next();
        return this.checkAmount({ kind: 'duration', span: this.from(t), amount: t.value, unit }, t);
      }
      if (u.kind === 'ident' && !KEYWORDS.has(u.lower)) {
        this.next();
        const guess = closest(u.lower, Object.keys(UNIT_WORDS));
        this.report(
          'bad-duration-unit',
          `unknown unit of time \`${u.text}\``,
          u.span,
          guess !== undefined ? `did you mean \`${guess}\`?` : 'units: minutes, hours, days, weeks, months, years',
        );
        return this.errorNode(this.from(t));
      }
      this.report('bad-duration-unit', `\`${t.text}\` needs a unit of time`, t.span, `write ${t.text} days`);
      return this.errorNode(t.span);
    }
    const unit = this.unitOf(t);
    if (unit !== undefined) {
      this.next();
      return { kind: 'duration', span: t.span, amount: 1, unit };
    }
    this.report('missing-value', `expected a length of time after \`${after.text}\`, e.g. 30 days`, after.span);
    return this.errorNode(span(t.span.start, t.span.start));
  }

  private parseList(): ListLiteral {
    const open = this.next();
    const items: ValueNode[] = [];
    let prev: Token = open;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'punct' && t.text === ']') {
        this.next();
        break;
      }
      if (t.kind === 'eof' || (t.kind === 'punct' && t.text === ')')) {
        this.report('unbalanced-bracket', 'this `[` is never closed', open.span, 'add `]` after the last item');
        break;
      }
      items.push(this.parseValue(prev, 'value'));
      const n = this.peek();
      if (n.kind === 'punct' && n.text === ',') {
        prev = this.next();
        continue;
      }
      if (n.kind === 'punct' && n.text === ']') continue;
      if (n.kind === 'eof' || (n.kind === 'punct' && n.text === ')') || (n.kind === 'ident' && KEYWORDS.has(n.lower))) {
        this.report('unbalanced-bracket', 'this `[` is never closed', open.span, 'add `]` after the last item');
        break;
      }
      this.report(
        'unexpected-token',
        `expected \`,\` or \`]\` in the list, found ${this.describe(n)}`,
        n.span,
        'separate items with commas',
      );
      prev = this.next();
    }
    const list: ListLiteral = { kind: 'list', span: this.from(open), items };
    if (items.length === 0 && this.prevEnd > open.span.start && this.tokens[this.pos - 1]?.text === ']') {
      this.report('empty-list', 'the list is empty', list.span, 'put at least one value between the brackets');
    }
    return list;
  }

  /** Text in quotes; a bare word is reported and read as text, so one missing pair of quotes costs one error. */
  private parseText(after: Token, what: string): StringLiteral | undefined {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return { kind: 'string', span: t.span, value: t.value };
    }
    if (t.kind === 'ident' && !KEYWORDS.has(t.lower)) {
      this.next();
      this.report('unquoted-text', `text must be in quotes: \`${t.text}\``, t.span, `write "${t.text}"`);
      return { kind: 'string', span: t.span, value: t.text };
    }
    this.report('missing-value', `expected ${what} in quotes after \`${after.text}\``, after.span);
    return undefined;
  }

  private parseTextOrList(after: Token, what: string): StringLiteral | ListLiteral | undefined {
    return this.atPunct('[') ? this.parseList() : this.parseText(after, what);
  }

  // ── purchases ──────────────────────────────────────────────────────────────────────────────

  private parseItem(): ItemNode | undefined {
    const by = this.next();
    const values = this.parseTextOrList(by, `a ${by.text} name`);
    if (values === undefined) return undefined;
    return { kind: 'item', span: this.from(by), by: (by.kind === 'ident' ? by.lower : 'product') as ItemKind, values };
  }

  private parsePurchase(): PurchaseNode | ErrorNode {
    const b = this.next();
    let item: ItemNode | undefined;
    if (this.atKw(...ITEM_WORDS)) {
      item = this.parseItem();
      if (item === undefined) return this.recover(b);
    }
    const mods = this.parseModifiers({ amount: true });
    return { kind: 'purchase', span: this.from(b), ...(item ? { item } : {}), ...mods };
  }

  private parsePurchaseTime(): PurchaseTimeNode | ErrorNode {
    const which = this.next();
    this.next(); // `purchase`
    let item: ItemNode | undefined;
    if (this.atKw('of')) {
      const of = this.next();
      if (!this.atKw(...ITEM_WORDS)) {
        const n = this.peek();
        this.report(
          'unexpected-token',
          `expected product, category, brand or collection after \`of\`, found ${this.describe(n)}`,
          this.blame(n, of),
          `write ${which.text} purchase of category "coffee" …`,
        );
        return this.recover(which);
      }
      item = this.parseItem();
      if (item === undefined) return this.recover(which);
    }
    const subject: Name = { kind: 'name', span: this.from(which), value: `${which.text.toLowerCase()} purchase` };
    const parts = this.parseTest(subject, false);
    if (parts.kind === 'percentile') return this.errorNode(parts.span); // not produced: percentiles are refused above
    if (parts.kind === 'error') return parts;
    return {
      kind: 'purchaseTime',
      span: this.from(which),
      which: which.kind === 'ident' && which.lower === 'first' ? 'first' : 'last',
      ...(item ? { item } : {}),
      ...parts.test,
    };
  }

  /** Count, amount and time-window modifiers in any order, each at most once. */
  private parseModifiers(allow: { amount: boolean }): { count?: CountNode; amount?: AmountNode; window?: WindowNode } {
    let count: CountNode | undefined;
    let amount: AmountNode | undefined;
    let window: WindowNode | undefined;
    const duplicate = (what: string, at: Span) =>
      this.report('duplicate-modifier', `${what} is given twice`, at, 'keep one');
    for (;;) {
      if ((this.atKw('at') && this.isKw(this.peek(1), 'least', 'most')) || this.atKw('exactly')) {
        const c = this.parseCount();
        if (c === undefined) {
          this.skipToModifier();
          continue;
        }
        if (count) duplicate('the number of times', c.span);
        else count = c;
      } else if (this.atKw('for')) {
        const a = this.parseAmount();
        if (a === undefined) {
          this.skipToModifier();
          continue;
        }
        if (!allow.amount)
          this.report('unexpected-token', '`for at least …` (money spent) only applies to purchases', a.span);
        else if (amount) duplicate('the amount', a.span);
        else amount = a;
      } else if (
        (this.atKw('within') && this.isKw(this.peek(1), 'last', 'next')) ||
        this.atKw('before', 'after', 'between')
      ) {
        const w = this.parseWindow();
        if (w === undefined) {
          this.skipToModifier();
          continue;
        }
        if (window) duplicate('the time window', w.span);
        else window = w;
      } else {
        break;
      }
    }
    return { ...(count ? { count } : {}), ...(amount ? { amount } : {}), ...(window ? { window } : {}) };
  }

  /** After a broken modifier: skips what is left of it, up to the next modifier or the end of the condition. */
  private skipToModifier(): void {
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof' || (t.kind === 'punct' && (t.text === ')' || t.text === '('))) return;
      if (this.isKw(t, 'and', 'or', 'then', 'at', 'exactly', 'for', 'within', 'before', 'after', 'between')) return;
      this.next();
    }
  }

  private parseCount(): CountNode | undefined {
    const first = this.next();
    const op: CountNode['op'] = this.isKw(first, 'exactly')
      ? 'exactly'
      : this.next().text.toLowerCase() === 'least'
        ? 'at least'
        : 'at most';
    const n = this.peek();
    if (n.kind !== 'number') {
      this.report(
        'missing-value',
        `expected a number after \`${op}\``,
        n.kind === 'eof' ? this.from(first) : n.span,
        `write ${op} 2 times`,
      );
      return undefined;
    }
    this.next();
    const value: NumberLiteral = { kind: 'number', span: n.span, value: n.value };
    if (this.atKw('time', 'times')) this.next();
    else {
      const t = this.peek();
      this.report(
        'unexpected-token',
        `expected \`times\` after \`${op} ${n.text}\`, found ${this.describe(t)}`,
        t.kind === 'eof' ? n.span : t.span,
        `write ${op} ${n.text} times`,
      );
    }
    return { kind: 'count', span: this.from(first), op, value };
  }

  private parseAmount(): AmountNode | undefined {
    const f = this.next();
    if (!(this.atKw('at') && this.isKw(this.peek(1), 'least', 'most'))) {
      const t = this.peek();
      this.report(
        'unexpected-token',
        `expected \`at least\` or \`at most\` after \`for\`, found ${this.describe(t)}`,
        this.blame(t, f),
        'write for at least 100',
      );
      return undefined;
    }
    this.next();
    const lm = this.next();
    const op = lm.text.toLowerCase() === 'least' ? 'at least' : 'at most';
    const n = this.peek();
    if (n.kind !== 'number') {
      this.report(
        'missing-value',
        `expected an amount after \`for ${op}\``,
        n.kind === 'eof' ? this.from(f) : n.span,
        `write for ${op} 100`,
      );
      return undefined;
    }
    this.next();
    return { kind: 'amount', span: this.from(f), op, value: { kind: 'number', span: n.span, value: n.value } };
  }

  private parseWindow(): WindowNode | undefined {
    const t = this.next();
    if (t.kind !== 'ident') return undefined;
    switch (t.lower) {
      case 'within': {
        const dir = this.next();
        if (this.isKw(dir, 'next')) {
          this.report(
            'unexpected-token',
            'purchases and events can only be counted in the past',
            cover(t.span, dir.span),
            'write within last …',
          );
        }
        const duration = this.parseDuration(dir);
        return { kind: 'window', span: this.from(t), op: 'within last', duration };
      }
      case 'before':
      case 'after': {
        const time = this.parseTime(t);
        return { kind: 'window', span: this.from(t), op: t.lower === 'before' ? 'before' : 'after', time };
      }
      default: {
        const from = this.parseTime(t);
        if (!this.atKw('and')) {
          const n = this.peek();
          this.report(
            'unexpected-token',
            `expected \`and\` in \`between … and …\`, found ${this.describe(n)}`,
            this.blame(n, t),
            'write between 2024-01-01 and 2024-03-31',
          );
          return undefined;
        }
        const andTok = this.next();
        const to = this.parseTime(andTok);
        return { kind: 'window', span: this.from(t), op: 'between', from, to };
      }
    }
  }

  // ── events and sequences ───────────────────────────────────────────────────────────────────

  private parseEventName(after: Token): Name | undefined {
    const t = this.peek();
    if (
      t.kind === 'string' ||
      (t.kind === 'ident' && !this.isKw(t, 'not', 'never', 'no', 'where', 'then', 'and', 'or'))
    ) {
      this.next();
      return { kind: 'name', span: t.span, value: t.kind === 'string' ? t.value : t.text };
    }
    if (this.isKw(t, 'not', 'never', 'no')) {
      this.report(
        'unexpected-token',
        `\`${after.text} ${t.text}\` is written the other way round`,
        cover(after.span, t.span),
        `write never ${after.text.toLowerCase()} … or not ${after.text.toLowerCase()} …`,
      );
    } else {
      this.report('missing-value', `expected an event name after \`${after.text}\``, after.span, 'e.g. did page_view');
    }
    return undefined;
  }

  private parseWhere(): Expr | undefined {
    if (!this.atKw('where')) return undefined;
    const w = this.next();
    return this.parseNot('where', w);
  }

  private parseEvent(): EventNode | SequenceNode | ErrorNode {
    const d = this.next();
    const name = this.parseEventName(d);
    if (name === undefined) return this.recover(d);
    const where = this.parseWhere();
    const mods = this.parseModifiers({ amount: false });
    const event: EventNode = { kind: 'event', span: this.from(d), name, ...(where ? { where } : {}), ...mods };
    if (!this.atKw('then')) return event;
    const steps: StepNode[] = [];
    while (this.atKw('then')) {
      const step = this.parseStep();
      if (step.kind === 'error') return this.recover(d);
      steps.push(step);
    }
    return { kind: 'sequence', span: this.from(d), first: event, steps };
  }

  private parseStep(): StepNode | ErrorNode {
    const then = this.next();
    const neg = this.atKw('not', 'no') ? this.next() : undefined;
    let target: EventNode | PurchaseNode;
    const t = this.peek();
    if (this.isKw(t, 'bought', 'order')) {
      this.next();
      let item: ItemNode | undefined;
      if (t.kind === 'ident' && t.lower === 'bought' && this.atKw(...ITEM_WORDS)) {
        item = this.parseItem();
        if (item === undefined) return this.errorNode(this.from(then));
      }
      target = { kind: 'purchase', span: this.from(t), ...(item ? { item } : {}) };
    } else {
      const did = this.atKw('did') ? this.next() : undefined;
      const name = this.parseEventName(did ?? neg ?? then);
      if (name === undefined) return this.errorNode(this.from(then));
      const where = this.parseWhere();
      target = { kind: 'event', span: this.from(did ?? name.span), name, ...(where ? { where } : {}) };
    }
    let within: ValueNode | undefined;
    if (this.atKw('within') && !this.isKw(this.peek(1), 'last', 'next')) {
      const w = this.next();
      within = this.parseDuration(w);
    }
    return { kind: 'step', span: this.from(then), negated: neg !== undefined, target, ...(within ? { within } : {}) };
  }

  // ── tags, consent, segments, answers ───────────────────────────────────────────────────────

  private parseTag(): TagNode | ErrorNode {
    const has = this.next();
    const w = this.next();
    if (w.kind === 'ident' && (w.lower === 'any' || w.lower === 'all')) {
      let last: Token = w;
      if (this.atKw('tag', 'tags')) last = this.next();
      else
        this.report(
          'unexpected-token',
          `expected \`tags\` after \`has ${w.text}\``,
          this.peek().kind === 'eof' ? w.span : this.peek().span,
          `write has ${w.lower} tags ["a", "b"]`,
        );
      const tags = this.parseTextOrList(last, 'a tag');
      if (tags === undefined) return this.recover(has);
      return { kind: 'tag', span: this.from(has), mode: w.lower === 'any' ? 'any' : 'all', tags };
    }
    if (this.atPunct('[')) {
      const list = this.parseList();
      this.report(
        'unexpected-token',
        '`has tag` takes one tag',
        list.span,
        'write has any tag [...] or has all tags [...]',
      );
      return this.errorNode(this.from(has));
    }
    const tag = this.parseText(w, 'a tag');
    if (tag === undefined) return this.recover(has);
    return { kind: 'tag', span: this.from(has), mode: 'one', tags: tag };
  }

  private parseConsent(): ConsentNode | ErrorNode {
    const first = this.next();
    let last = first;
    if (this.isKw(first, 'can')) last = this.next();
    const t = this.peek();
    if (t.kind !== 'ident') {
      this.report('missing-value', `expected a channel after \`${last.text}\`: email, sms or whatsapp`, last.span);
      return this.recover(first);
    }
    this.next();
    return {
      kind: 'consent',
      span: this.from(first),
      form: this.isKw(first, 'can') ? 'can receive' : 'consent',
      channel: { kind: 'name', span: t.span, value: t.lower },
    };
  }

  private parseSegmentRef(): SegmentRefNode | ErrorNode {
    const inTok = this.next();
    const seg = this.next();
    const name = this.parseText(seg, 'a segment name');
    if (name === undefined) return this.recover(inTok);
    return { kind: 'segmentRef', span: this.from(inTok), segment: name };
  }

  private parseAnswer(): AnswerNode | ErrorNode {
    const a = this.next();
    const question = this.parseText(a, 'a question');
    if (question === undefined) return this.recover(a);
    if (!this.atKw('with')) return { kind: 'answer', span: this.from(a), question };
    const w = this.next();
    const options = this.parseTextOrList(w, 'an answer');
    if (options === undefined) return this.recover(a);
    return { kind: 'answer', span: this.from(a), question, options };
  }
}
