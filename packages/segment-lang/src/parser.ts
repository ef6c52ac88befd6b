import type { AnswerNode, ConsentNode, ErrorNode, Expr, Name, SegmentRefNode, TagNode } from './ast.js';
import { BehaviourParser, type Mode } from './behaviour-parser.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { scan, type Token } from './scanner.js';
import { cover, span } from './span.js';
import { Abort } from './token-cursor.js';

export { isValidDate, KEYWORDS } from './vocabulary.js';

/** Longer queries are refused outright; a segment definition is a few lines. */
export const MAX_QUERY_LENGTH = 20_000;
/** Parentheses and `not`s nested deeper than this are refused, so recursion stays shallow. */
export const MAX_NESTING = 64;

export interface AstResult {
  /** The tree, possibly containing `error` nodes; absent for empty or refused input. */
  readonly ast?: Expr;
  readonly diagnostics: readonly Diagnostic[];
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

/** The top layer: `and`, `or`, `not`, `never`, parentheses, and the conditions that are not behaviour. */
class Parser extends BehaviourParser {
  private depth = 0;

  constructor(
    text: string,
    tokens: readonly Token[],
    private readonly scanFailed: boolean,
  ) {
    super(text, tokens);
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

  protected override parseNot(mode: Mode, after?: Token): Expr {
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
