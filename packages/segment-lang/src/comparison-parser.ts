import type { CompareOp, ErrorNode, ListLiteral, Name, NumberLiteral, Operand, PercentileNode } from './ast.js';
import { closest } from './did-you-mean.js';
import type { Token } from './scanner.js';
import { cover, span, type Span } from './span.js';
import { ValueParser } from './value-parser.js';
import { COMPARE_PUNCT, CONDITION_WORDS, KEYWORDS, OPERATOR_WORDS, PERCENTILE } from './vocabulary.js';

export interface TestParts {
  readonly op: CompareOp;
  readonly opSpan: Span;
  readonly operand?: Operand;
}

/** What follows the subject of a comparison: `= 5`, `in [...]`, `within last 30 days`, `in top 10%`. */
export abstract class ComparisonParser extends ValueParser {
  /** Everything after the subject of a comparison: operator and operand, or a percentile test. */
  protected parseTest(
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
          if (this.atKw('top', 'bottom'))
            return allowPercentile ? this.parseTopBottom(subject) : this.percentileRefused(subject, this.peek());
          const list = this.parseListOperand(subject, t);
          return list === undefined ? this.recover(subject.span) : test('in', t.span, list);
        }
        case 'not': {
          this.next();
          const inTok = this.expectKw(
            ['in'],
            '`in` after `not`',
            t,
            `to negate a condition put \`not\` in front of it: not ${subject.value} …`,
          );
          if (inTok === undefined) return this.recover(subject.span);
          const list = this.parseListOperand(subject, inTok);
          return list === undefined ? this.recover(subject.span) : test('not in', cover(t.span, inTok.span), list);
        }
        case 'between': {
          this.next();
          const p = this.peek();
          if (p.kind === 'ident' && PERCENTILE.test(p.text))
            return allowPercentile ? this.parsePercentileRange(subject) : this.percentileRefused(subject, p);
          const low = this.parseValue(t, 'value');
          const andTok = this.expectKw(
            ['and'],
            '`and` in `between … and …`',
            t,
            `write ${subject.value} between 1 and 10`,
          );
          if (andTok === undefined) return this.recover(subject.span);
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
          const w = this.expectKw(
            ['with'],
            `\`with\` after \`${t.text}\``,
            t,
            `write ${subject.value} ${t.lower} with "…"`,
          );
          if (w === undefined) return this.recover(subject.span);
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
          const dir = this.expectKw(
            ['last', 'next'],
            '`last` or `next` after `within`',
            t,
            `write ${subject.value} within last 30 days`,
          );
          if (dir === undefined) return this.recover(subject.span);
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

  /** `first purchase in top 10%`: ranking customers works on fields only. */
  private percentileRefused(subject: Name, at: Token): ErrorNode {
    this.report('unexpected-token', 'percentiles work on fields only', at.span);
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
    if (low === undefined || this.expectKw(['and'], '`and` in `between … and …`', low) === undefined)
      return this.recover(subject.span);
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
}
