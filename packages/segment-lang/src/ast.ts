import type { Span } from './span.js';

/*
 * The syntax tree: what the store owner wrote, sugar included, each node with the span of the
 * text it came from. Immutable plain objects, discriminated by `kind`. The binder lowers it to
 * the Segment IR (`ir.ts`); the printer turns it back into canonical text.
 */

export const DurationUnit = {
  minute: 'minute',
  hour: 'hour',
  day: 'day',
  week: 'week',
  month: 'month',
  year: 'year',
} as const;
export type DurationUnit = (typeof DurationUnit)[keyof typeof DurationUnit];
export const durationUnits: readonly DurationUnit[] = Object.values(DurationUnit);

export const ItemKind = { product: 'product', category: 'category', brand: 'brand', collection: 'collection' } as const;
export type ItemKind = (typeof ItemKind)[keyof typeof ItemKind];
export const itemKinds: readonly ItemKind[] = Object.values(ItemKind);

/** A field, event property, event or channel name. */
export interface Name {
  readonly kind: 'name';
  readonly span: Span;
  readonly value: string;
}

export interface NumberLiteral {
  readonly kind: 'number';
  readonly span: Span;
  readonly value: number;
}
export interface StringLiteral {
  readonly kind: 'string';
  readonly span: Span;
  readonly value: string;
}
export interface BooleanLiteral {
  readonly kind: 'boolean';
  readonly span: Span;
  readonly value: boolean;
}
/** `2024-05-01`; `value` is the text as written (the parser has reported it if it is no real date). */
export interface DateLiteral {
  readonly kind: 'date';
  readonly span: Span;
  readonly value: string;
}
/** `30 days`, `1 hour`. */
export interface DurationLiteral {
  readonly kind: 'duration';
  readonly span: Span;
  readonly amount: number;
  readonly unit: DurationUnit;
}
/** `30 days ago`, `7 days from now`. */
export interface RelativeTimeLiteral {
  readonly kind: 'relativeTime';
  readonly span: Span;
  readonly amount: number;
  readonly unit: DurationUnit;
  readonly direction: 'ago' | 'fromNow';
}
export interface NowLiteral {
  readonly kind: 'now';
  readonly span: Span;
}
/** Text the parser could not make sense of; kept so a partial tree still covers the input. */
export interface ErrorNode {
  readonly kind: 'error';
  readonly span: Span;
  readonly text: string;
}
export type ValueNode =
  | NumberLiteral
  | StringLiteral
  | BooleanLiteral
  | DateLiteral
  | DurationLiteral
  | RelativeTimeLiteral
  | NowLiteral
  | ErrorNode;

export interface ListLiteral {
  readonly kind: 'list';
  readonly span: Span;
  readonly items: readonly ValueNode[];
}
/** The two bounds of `between low and high`. */
export interface RangeNode {
  readonly kind: 'range';
  readonly span: Span;
  readonly low: ValueNode;
  readonly high: ValueNode;
}
export type Operand = ValueNode | ListLiteral | RangeNode;

/** Operators as written (`==` is read as `=`). */
export const CompareOp = {
  eq: '=',
  ne: '!=',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
  in: 'in',
  notIn: 'not in',
  between: 'between',
  isSet: 'is set',
  isNotSet: 'is not set',
  contains: 'contains',
  startsWith: 'starts with',
  endsWith: 'ends with',
  before: 'before',
  after: 'after',
  withinLast: 'within last',
  withinNext: 'within next',
} as const;
export type CompareOp = (typeof CompareOp)[keyof typeof CompareOp];

/**
 * `field op operand`. The operand is a value, a list (`in`, `not in`), a range (`between`), a
 * duration (`within last/next`), or absent (`is set`, `is not set`). Inside a `where` clause the
 * subject is an event property.
 */
export interface CompareNode {
  readonly kind: 'compare';
  readonly span: Span;
  readonly subject: Name;
  readonly op: CompareOp;
  readonly opSpan: Span;
  readonly operand?: Operand;
}

/** A field standing alone, `came_by_referral`: true when the (boolean) field is true. */
export interface BareFieldNode {
  readonly kind: 'bareField';
  readonly span: Span;
  readonly subject: Name;
}

export type PercentileRankNode =
  | { readonly kind: 'top' | 'bottom'; readonly span: Span; readonly percent: NumberLiteral }
  | { readonly kind: 'between'; readonly span: Span; readonly low: NumberLiteral; readonly high: NumberLiteral };

/** `total_spent in top 10%`, `aov between p25 and p75 of matching`. */
export interface PercentileNode {
  readonly kind: 'percentile';
  readonly span: Span;
  readonly subject: Name;
  readonly rank: PercentileRankNode;
  readonly scope: 'all' | 'matching';
}

/** `category "coffee"`, `brand ["Acme", "Birch"]`. */
export interface ItemNode {
  readonly kind: 'item';
  readonly span: Span;
  readonly by: ItemKind;
  readonly values: StringLiteral | ListLiteral;
}
/** `at least 2 times`, `at most 0 times`, `exactly 1 time`. */
export interface CountNode {
  readonly kind: 'count';
  readonly span: Span;
  readonly op: 'at least' | 'at most' | 'exactly';
  readonly value: NumberLiteral;
}
/** `for at least 100`: money spent on the matching items. */
export interface AmountNode {
  readonly kind: 'amount';
  readonly span: Span;
  readonly op: 'at least' | 'at most';
  readonly value: NumberLiteral;
}
/** When purchases or events count: `within last 90 days`, `before 2024-01-01`, `between … and …`. */
export type WindowNode =
  | { readonly kind: 'window'; readonly span: Span; readonly op: 'within last'; readonly duration: ValueNode }
  | { readonly kind: 'window'; readonly span: Span; readonly op: 'before' | 'after'; readonly time: ValueNode }
  | {
      readonly kind: 'window';
      readonly span: Span;
      readonly op: 'between';
      readonly from: ValueNode;
      readonly to: ValueNode;
    };

/** `bought category "coffee" at least 2 times for at least 50 within last 90 days`. */
export interface PurchaseNode {
  readonly kind: 'purchase';
  readonly span: Span;
  readonly item?: ItemNode;
  readonly count?: CountNode;
  readonly amount?: AmountNode;
  readonly window?: WindowNode;
}

/** `last purchase of category "coffee" before 60 days ago`. */
export interface PurchaseTimeNode {
  readonly kind: 'purchaseTime';
  readonly span: Span;
  readonly which: 'first' | 'last';
  readonly item?: ItemNode;
  readonly op: CompareOp;
  readonly opSpan: Span;
  readonly operand?: Operand;
}

/** `did page_view where page_kind = "demo_video" at least 1 time within last 7 days`. */
export interface EventNode {
  readonly kind: 'event';
  readonly span: Span;
  readonly name: Name;
  /** Property conditions: compare, bareField, and, or, not, error nodes only. */
  readonly where?: Expr;
  readonly count?: CountNode;
  readonly window?: WindowNode;
}

/** `then not bought within 1 hour`. */
export interface StepNode {
  readonly kind: 'step';
  readonly span: Span;
  readonly negated: boolean;
  readonly target: EventNode | PurchaseNode;
  /** The longest gap after the previous step. */
  readonly within?: ValueNode;
}
/** `did add_to_cart then not bought within 1 hour`. */
export interface SequenceNode {
  readonly kind: 'sequence';
  readonly span: Span;
  readonly first: EventNode;
  readonly steps: readonly StepNode[];
}

/** `has tag "vip"` (one), `has any tag [...]`, `has all tags [...]`. */
export interface TagNode {
  readonly kind: 'tag';
  readonly span: Span;
  readonly mode: 'one' | 'any' | 'all';
  readonly tags: StringLiteral | ListLiteral;
}
/** `consent email` (consent granted) or `can receive sms` (consent granted and a phone number known). */
export interface ConsentNode {
  readonly kind: 'consent';
  readonly span: Span;
  readonly form: 'consent' | 'can receive';
  readonly channel: Name;
}
/** `in segment "loyal"`. */
export interface SegmentRefNode {
  readonly kind: 'segmentRef';
  readonly span: Span;
  readonly segment: StringLiteral;
}
/** `answered "household" with "parent"`. */
export interface AnswerNode {
  readonly kind: 'answer';
  readonly span: Span;
  readonly question: StringLiteral;
  readonly options?: StringLiteral | ListLiteral;
}

export interface AndNode {
  readonly kind: 'and';
  readonly span: Span;
  readonly operands: readonly Expr[];
}
export interface OrNode {
  readonly kind: 'or';
  readonly span: Span;
  readonly operands: readonly Expr[];
}
/** `not x`, or `never bought …` / `never did …`. */
export interface NotNode {
  readonly kind: 'not';
  readonly span: Span;
  readonly keyword: 'not' | 'never';
  readonly operand: Expr;
}

export type Expr =
  | AndNode
  | OrNode
  | NotNode
  | CompareNode
  | BareFieldNode
  | PercentileNode
  | PurchaseNode
  | PurchaseTimeNode
  | EventNode
  | SequenceNode
  | TagNode
  | ConsentNode
  | SegmentRefNode
  | AnswerNode
  | ErrorNode;
