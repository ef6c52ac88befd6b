import type { DurationUnit, ListLiteral, StringLiteral, ValueNode } from './ast.js';
import { closest } from './did-you-mean.js';
import type { Token } from './scanner.js';
import { span } from './span.js';
import { TokenCursor } from './token-cursor.js';
import { isValidDate, KEYWORDS, quotedTimeHint, TIME_HINT, unitOf, UNIT_WORDS, UNITS_HINT } from './vocabulary.js';

/**
 * The longest length of time a segment takes, in each unit: 1,000 years (of 366 days), which
 * every engine's interval and timestamp arithmetic holds (and 32-bit integers, in every unit).
 */
const longestDuration: Record<DurationUnit, number> = {
  minute: 1000 * 366 * 24 * 60,
  hour: 1000 * 366 * 24,
  day: 1000 * 366,
  week: Math.floor((1000 * 366) / 7),
  month: 12_000,
  year: 1000,
};

/**
 * Values: numbers, text, true/false, dates, lengths of time, points in time and lists, each
 * checked as far as it can be without knowing what it is compared with (the binder does the rest).
 */
export abstract class ValueParser extends TokenCursor {
  /**
   * A value: number, text, true/false, date, duration, `… ago`, `… from now`, `now`. `after` is the
   * token before it (blamed when the value is missing). In `time` context a word after a number
   * must be a unit.
   */
  protected parseValue(after: Token, context: 'value' | 'time'): ValueNode {
    const t = this.peek();
    switch (t.kind) {
      case 'number': {
        this.next();
        const u = this.peek();
        const unit = unitOf(u);
        if (unit !== undefined) {
          this.next();
          return this.afterDuration(t, unit);
        }
        if (u.kind === 'ident' && !KEYWORDS.has(u.lower)) {
          const guess = closest(u.lower, Object.keys(UNIT_WORDS));
          if (context === 'time' || guess !== undefined) {
            this.next();
            this.badUnit(u, guess);
            if (this.atKw('ago')) this.next();
            else if (this.atFromNow()) {
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
        const unit = unitOf(t);
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
    if (this.atFromNow()) {
      this.next();
      this.next();
      return this.checkAmount({ kind: 'relativeTime', span: this.from(num), amount, unit, direction: 'fromNow' }, num);
    }
    return this.checkAmount({ kind: 'duration', span: this.from(num), amount, unit }, num);
  }

  private checkAmount(v: ValueNode & { amount: number; unit: DurationUnit }, num: Token): ValueNode {
    if (v.amount > longestDuration[v.unit]) {
      this.report(
        'invalid-duration',
        `a length of time must be at most 1,000 years (${longestDuration[v.unit].toLocaleString('en')} ${v.unit}s); found ${num.text}`,
        num.span,
      );
      return this.errorNode(v.span);
    }
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

  private atFromNow(): boolean {
    return this.atKw('from') && this.isKw(this.peek(1), 'now');
  }

  private badUnit(u: Token & { kind: 'ident' }, guess: string | undefined): void {
    this.report(
      'bad-duration-unit',
      `unknown unit of time \`${u.text}\``,
      u.span,
      guess !== undefined ? `did you mean \`${guess}\`?` : UNITS_HINT,
    );
  }

  /** A point in time: a date, `… ago`, `… from now` or `now`. */
  protected parseTime(after: Token): ValueNode {
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
        this.report('expected-time', `expected a date or a time, found text`, v.span, quotedTimeHint(v.value));
        return this.errorNode(v.span);
      default:
        this.report(
          'expected-time',
          `expected a date or a time after \`${after.text}\``,
          v.span,
          v.kind === 'number' ? `write ${v.value} days ago, or a date like 2024-05-01` : TIME_HINT,
        );
        return this.errorNode(v.span);
    }
  }

  /** A length of time: `30 days`; a unit alone means one of it (`within last week`). */
  protected parseDuration(after: Token): ValueNode {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      const u = this.peek();
      const unit = unitOf(u);
      if (unit !== undefined) {
        this.next();
        return this.checkAmount({ kind: 'duration', span: this.from(t), amount: t.value, unit }, t);
      }
      if (u.kind === 'ident' && !KEYWORDS.has(u.lower)) {
        this.next();
        this.badUnit(u, closest(u.lower, Object.keys(UNIT_WORDS)));
        return this.errorNode(this.from(t));
      }
      this.report('bad-duration-unit', `\`${t.text}\` needs a unit of time`, t.span, `write ${t.text} days`);
      return this.errorNode(t.span);
    }
    const unit = unitOf(t);
    if (unit !== undefined) {
      this.next();
      return { kind: 'duration', span: t.span, amount: 1, unit };
    }
    this.report('missing-value', `expected a length of time after \`${after.text}\`, e.g. 30 days`, after.span);
    return this.errorNode(span(t.span.start, t.span.start));
  }

  protected parseList(): ListLiteral {
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
  protected parseText(after: Token, what: string): StringLiteral | undefined {
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

  protected parseTextOrList(after: Token, what: string): StringLiteral | ListLiteral | undefined {
    return this.atPunct('[') ? this.parseList() : this.parseText(after, what);
  }
}
