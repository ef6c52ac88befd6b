import type {
  AmountNode,
  CountNode,
  ErrorNode,
  EventNode,
  Expr,
  ItemKind,
  ItemNode,
  Name,
  NumberLiteral,
  PurchaseNode,
  PurchaseTimeNode,
  SequenceNode,
  StepNode,
  ValueNode,
  WindowNode,
} from './ast.js';
import { ComparisonParser } from './comparison-parser.js';
import type { Token } from './scanner.js';
import { cover, type Span } from './span.js';
import { ITEM_WORDS } from './vocabulary.js';

/** Where a condition stands: at the top of the query, or in an event's `where` (property tests only). */
export type Mode = 'top' | 'where';

/**
 * What customers did: `bought …`, `first/last purchase …`, `did …`, `then …`, with their count,
 * amount and time-window modifiers.
 */
export abstract class BehaviourParser extends ComparisonParser {
  /** A condition that may start with `not`; an event's `where` is read with it. */
  protected abstract parseNot(mode: Mode, after?: Token): Expr;

  private parseItem(): ItemNode | undefined {
    const by = this.next();
    const values = this.parseTextOrList(by, `a ${by.text} name`);
    if (values === undefined) return undefined;
    return { kind: 'item', span: this.from(by), by: (by.kind === 'ident' ? by.lower : 'product') as ItemKind, values };
  }

  protected parsePurchase(): PurchaseNode | ErrorNode {
    const b = this.next();
    let item: ItemNode | undefined;
    if (this.atKw(...ITEM_WORDS)) {
      item = this.parseItem();
      if (item === undefined) return this.recover(b);
    }
    const mods = this.parseModifiers({ amount: true });
    return { kind: 'purchase', span: this.from(b), ...(item ? { item } : {}), ...mods };
  }

  protected parsePurchaseTime(): PurchaseTimeNode | ErrorNode {
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
        const andTok = this.expectKw(
          ['and'],
          '`and` in `between … and …`',
          t,
          'write between 2024-01-01 and 2024-03-31',
        );
        if (andTok === undefined) return undefined;
        const to = this.parseTime(andTok);
        return { kind: 'window', span: this.from(t), op: 'between', from, to };
      }
    }
  }

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

  protected parseEvent(): EventNode | SequenceNode | ErrorNode {
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
}
