import type { ErrorNode } from './ast.js';
import { diagnostic, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import type { Punct, Token } from './scanner.js';
import { span, type Span } from './span.js';

/** Thrown inside the parser only, to stop on pathological input; never escapes `parseAst`. */
export class Abort extends Error {}

/**
 * The parser's place in the token list, with what every part of the parser needs: look-ahead,
 * spans, diagnostics and recovery after an error. The parser is layered on it, one file a part of
 * the language: values, comparisons, behaviour clauses, then the boolean structure on top.
 */
export abstract class TokenCursor {
  readonly diagnostics: Diagnostic[] = [];
  protected pos = 0;
  protected prevEnd = 0;
  private steps = 0;
  private readonly maxSteps: number;
  private readonly eof: Token;

  constructor(
    protected readonly text: string,
    protected readonly tokens: readonly Token[],
  ) {
    // Each token is looked at a bounded number of times (every loop consumes a token or stops),
    // so a generous multiple of the token count bounds any correct run; reaching it means a
    // parser bug, and then we report instead of hanging.
    this.maxSteps = tokens.length * 64 + 1000;
    this.eof = tokens[tokens.length - 1] ?? { kind: 'eof', text: '', span: span(text.length, text.length) };
  }

  private tick(): void {
    if (++this.steps > this.maxSteps) {
      this.report('parser-limit', 'the query is too complex to read', span(0, this.text.length));
      throw new Abort();
    }
  }
  protected peek(k = 0): Token {
    this.tick();
    return this.tokens[this.pos + k] ?? this.eof;
  }
  protected next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') {
      this.pos++;
      this.prevEnd = t.span.end;
    }
    return t;
  }
  protected isKw(t: Token, ...words: string[]): boolean {
    return t.kind === 'ident' && words.includes(t.lower);
  }
  protected atKw(...words: string[]): boolean {
    return this.isKw(this.peek(), ...words);
  }
  protected atPunct(p: Punct): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }
  protected from(start: Token | Span): Span {
    const s = 'kind' in start ? start.span.start : start.start;
    return span(s, Math.max(s, this.prevEnd));
  }
  report(code: DiagnosticCode, message: string, at: Span, hint?: string): void {
    this.diagnostics.push(diagnostic(code, message, at, hint));
  }
  protected describe(t: Token): string {
    return t.kind === 'eof' ? 'the end of the query' : `\`${t.text}\``;
  }
  /** The span to blame for something missing at `t`: `t` itself, or `after` at the end of input. */
  protected blame(t: Token, after: { readonly span: Span } | undefined): Span {
    return t.kind === 'eof' && after !== undefined ? after.span : t.span;
  }
  protected errorNode(at: Span): ErrorNode {
    return { kind: 'error', span: at, text: this.text.slice(at.start, at.end) };
  }
  /** Skips to where the next condition may start (`and`, `or`, `)` or the end) and returns what was skipped. */
  protected recover(start: Span | Token): ErrorNode {
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
  /** Takes one of `words`; anything else is reported as "expected <what>, found …" and left in place. */
  protected expectKw(
    words: readonly string[],
    what: string,
    after: { readonly span: Span },
    hint?: string,
  ): Token | undefined {
    if (this.atKw(...words)) return this.next();
    const n = this.peek();
    this.report('unexpected-token', `expected ${what}, found ${this.describe(n)}`, this.blame(n, after), hint);
    return undefined;
  }
}
