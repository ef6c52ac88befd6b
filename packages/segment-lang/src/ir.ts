/**
 * The Segment IR: how a segment is stored (as JSON) and what the SQL compiler reads. The text
 * language's sugar is lowered into a few core node kinds; everything is plain immutable data,
 * discriminated by `kind` (conditions and values) or `op` (tests).
 *
 * Conventions the compiler relies on:
 * - Times relative to "now" stay symbolic ({@link RelativeTime}, {@link NowValue}) so a stored
 *   segment means the same thing tomorrow; the compiler substitutes the evaluation time.
 * - A {@link DateValue} denotes a whole calendar day in the store's time zone: `lt` is "before that
 *   day", `gt` "after that day", `eq` "on that day", `between` includes both end days.
 * - A comparison never matches a customer whose value is missing (SQL semantics): `ne` and
 *   `notIn` skip missing values. `not` ({@link NotIR}) is the set complement and does include
 *   them, so `not country = "DE"` keeps customers of unknown country and `country != "DE"` does not.
 * - Text comparisons on `string` fields (`eq`, `ne`, `in`, `notIn`, `contains`, `startsWith`,
 *   `endsWith`) ignore case; `enum` values are exact (the binder has checked them).
 * - Only confirmed orders count as purchases (not cancelled or refunded ones).
 */

import type { DurationUnit, ItemKind } from './ast.js';
import type { FieldSource } from './catalog.js';

export const IR_VERSION = 1;

/** A stored segment definition. */
export interface SegmentIR {
  readonly version: typeof IR_VERSION;
  readonly root: ConditionIR;
}

// ─── values ────────────────────────────────────────────────────────────────────────────────────

export interface NumberValue {
  readonly kind: 'number';
  readonly value: number;
}
export interface StringValue {
  readonly kind: 'string';
  readonly value: string;
}
export interface BooleanValue {
  readonly kind: 'boolean';
  readonly value: boolean;
}
/** A calendar day, `YYYY-MM-DD` (validated). See the module comment for how it compares. */
export interface DateValue {
  readonly kind: 'date';
  readonly value: string;
}
/** A length of time. Months and years are calendar months and years (SQL `INTERVAL`). */
export interface Duration {
  readonly kind: 'duration';
  /** A whole number, 0 or more. */
  readonly amount: number;
  readonly unit: DurationUnit;
}
/** A point in time relative to the evaluation time: `now - amount unit` (`ago`) or `now + amount unit` (`fromNow`). */
export interface RelativeTime {
  readonly kind: 'relativeTime';
  readonly amount: number;
  readonly unit: DurationUnit;
  readonly direction: 'ago' | 'fromNow';
}
/** The evaluation time. */
export interface NowValue {
  readonly kind: 'now';
}
export type ScalarValue = NumberValue | StringValue | BooleanValue | DateValue;
export type TimeValue = DateValue | RelativeTime | NowValue;

// ─── tests shared by fields, event properties and purchase times ───────────────────────────────

export const TestOp = {
  eq: 'eq',
  ne: 'ne',
  lt: 'lt',
  lte: 'lte',
  gt: 'gt',
  gte: 'gte',
  in: 'in',
  notIn: 'notIn',
  between: 'between',
  isSet: 'isSet',
  isNotSet: 'isNotSet',
  contains: 'contains',
  startsWith: 'startsWith',
  endsWith: 'endsWith',
  withinLast: 'withinLast',
  withinNext: 'withinNext',
} as const;
export type TestOp = (typeof TestOp)[keyof typeof TestOp];

/**
 * What is checked about one value. The binder guarantees the value kinds fit the subject's type:
 * numbers for number/money/integer, strings for string/enum, booleans for boolean, time values
 * for timestamp/date.
 */
export type ValueTest =
  /** `before`/`after` are `lt`/`gt` with a time value. */
  | { readonly op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte'; readonly value: ScalarValue | TimeValue }
  /** Non-empty; all items of the subject's type. */
  | { readonly op: 'in' | 'notIn'; readonly values: readonly ScalarValue[] }
  /** Inclusive at both ends; `low <= high` has been checked. */
  | { readonly op: 'between'; readonly low: ScalarValue | TimeValue; readonly high: ScalarValue | TimeValue }
  | { readonly op: 'isSet' | 'isNotSet' }
  /** On a `list` field `contains` means "has this element"; on text it is a substring test. */
  | { readonly op: 'contains' | 'startsWith' | 'endsWith'; readonly value: StringValue }
  /**
   * `withinLast`: the time lies in `[now - duration, now]`; `withinNext`: in `[now, now + duration]`.
   * `annual` (set for recurring dates such as birthdays): compare the month and day only, so
   * `birthday within next 7 days` finds birthdays in the coming week of any year.
   */
  | { readonly op: 'withinLast' | 'withinNext'; readonly duration: Duration; readonly annual?: true };

// ─── conditions ────────────────────────────────────────────────────────────────────────────────

export interface AndIR {
  readonly kind: 'and';
  /** Two or more; never directly another `and`. */
  readonly operands: readonly ConditionIR[];
}
export interface OrIR {
  readonly kind: 'or';
  /** Two or more; never directly another `or`. */
  readonly operands: readonly ConditionIR[];
}
/** Customers not matching the operand (missing values included). */
export interface NotIR {
  readonly kind: 'not';
  readonly operand: ConditionIR;
}

/** A test on a profile trait (`source: 'profile'`) or a customer attribute (`source: 'customer'`). */
export type CompareIR = { readonly kind: 'compare'; readonly field: string; readonly source: FieldSource } & ValueTest;

/** Percentile ranks, 0–100, of a numeric field. */
export type PercentileRank =
  /** The `percent` % of customers with the highest values, `0 < percent <= 100`. */
  | { readonly kind: 'top'; readonly percent: number }
  /** The `percent` % with the lowest values. */
  | { readonly kind: 'bottom'; readonly percent: number }
  /** Values between the `low`-th and `high`-th percentile, inclusive, `0 <= low <= high <= 100`. */
  | { readonly kind: 'between'; readonly low: number; readonly high: number };

/**
 * A field's value ranked among other customers. Customers with no value are not ranked and never
 * match; neither are non-buyers for a money measure (`FieldSpec.rankedAmongBuyers`: total_spent,
 * aov, …), so the bottom ranks are the buyers who spent least. `scope: 'all'` ranks among all customers; `'matching'` ranks among the customers who
 * satisfy the other operands of the nearest enclosing `and` (with no enclosing `and` it is the same
 * as `'all'`). So `country = "DE" and total_spent in top 10% of matching` is the top tenth of
 * German customers, while without `of matching` it is German customers in the top tenth overall.
 */
export interface PercentileIR {
  readonly kind: 'percentile';
  readonly field: string;
  readonly source: FieldSource;
  readonly rank: PercentileRank;
  readonly scope: 'all' | 'matching';
}

/** Which order lines a purchase condition looks at; `values` (non-empty) are alternatives. */
export interface ItemFilter {
  readonly by: ItemKind;
  readonly values: readonly string[];
}
/** Bounds on a number of occurrences. */
export interface CountBound {
  readonly op: 'gte' | 'lte' | 'eq';
  /** A whole number, 0 or more. `{ op: 'lte', value: 0 }` also matches customers with none at all. */
  readonly value: number;
}
/** Bounds on money spent, in the store currency. */
export interface AmountBound {
  readonly op: 'gte' | 'lte';
  readonly value: number;
}
/** Which occurrences count, by their time. */
export type TimeWindow =
  /** From `now - duration` up to now. */
  | { readonly kind: 'withinLast'; readonly duration: Duration }
  | { readonly kind: 'before'; readonly time: TimeValue }
  | { readonly kind: 'after'; readonly time: TimeValue }
  /** Inclusive; `from` is not later than `to`. */
  | { readonly kind: 'between'; readonly from: TimeValue; readonly to: TimeValue };

/**
 * Purchases (confirmed orders) with at least one order line matching `item` (any line when absent)
 * inside `window` (all time when absent). `count` bounds the number of such orders (the text default
 * is `{ op: 'gte', value: 1 }`); `amount` bounds the money spent on the matching lines
 * (`quantity × unit_price − line_discount`). Absence is `not` around a purchase.
 */
export interface PurchaseIR {
  readonly kind: 'purchase';
  readonly item?: ItemFilter;
  readonly count: CountBound;
  readonly amount?: AmountBound;
  readonly window?: TimeWindow;
}

/** The time of the customer's first or last purchase (of `item`, if given), tested like a timestamp field. */
export type PurchaseTimeIR = {
  readonly kind: 'purchaseTime';
  readonly which: 'first' | 'last';
  readonly item?: ItemFilter;
} & ValueTest;

/** The type an event property is compared as (JSON properties are cast to it). */
export type PropertyType = 'number' | 'string' | 'boolean' | 'timestamp' | 'date';

/** A test on one property of an event, e.g. `page_kind = "demo_video"`. */
export type PropertyCompareIR = {
  readonly kind: 'property';
  readonly property: string;
  readonly type: PropertyType;
} & ValueTest;

/** The `where` clause of an event: property tests combined with and/or/not. */
export type WhereIR =
  | { readonly kind: 'and'; readonly operands: readonly WhereIR[] }
  | { readonly kind: 'or'; readonly operands: readonly WhereIR[] }
  | { readonly kind: 'not'; readonly operand: WhereIR }
  | PropertyCompareIR;

/**
 * Events of type `name` matching `where`, inside `window`, counted; `count` as in {@link PurchaseIR}.
 * `{ op: 'lte', value: 0 }` ("at most 0 times") also matches customers with no events at all.
 */
export interface EventIR {
  readonly kind: 'event';
  readonly name: string;
  readonly where?: WhereIR;
  readonly count: CountBound;
  readonly window?: TimeWindow;
}

/** One occurrence in a sequence: an event of a type, or a purchase. */
export type SequenceTarget =
  | { readonly kind: 'event'; readonly name: string; readonly where?: WhereIR }
  | { readonly kind: 'purchase'; readonly item?: ItemFilter };

/**
 * A later step of a sequence. A positive step needs an occurrence after the previous step's
 * occurrence (within `within` of it, if given). A negated step needs no occurrence after the
 * previous step (within `within` of it, if given, and then only once that time has passed, so
 * "added to cart 10 minutes ago" does not yet match `then not bought within 1 hour`). Only the last
 * step may be negated.
 */
export interface SequenceStep {
  readonly negated: boolean;
  readonly target: SequenceTarget;
  readonly within?: Duration;
}

/**
 * `did add_to_cart within last 7 days then not bought within 1 hour`: some occurrence of `first`
 * (an event inside its `window`) followed by each step in order.
 */
export interface SequenceIR {
  readonly kind: 'sequence';
  readonly first: { readonly name: string; readonly where?: WhereIR; readonly window?: TimeWindow };
  /** One or more. */
  readonly steps: readonly SequenceStep[];
}

/** Tag assignments: any of the tags, or all of them. `tags` is non-empty. */
export interface TagIR {
  readonly kind: 'tag';
  readonly mode: 'any' | 'all';
  readonly tags: readonly string[];
}

/**
 * Marketing consent on a channel is currently granted. With `requireContact` the customer also has
 * the contact point the channel needs (an email address for email, a phone number for sms and
 * whatsapp), i.e. can actually receive a message.
 */
export interface ConsentIR {
  readonly kind: 'consent';
  readonly channel: string;
  readonly requireContact: boolean;
}

/** Current member of another stored segment (the evaluator resolves it and rejects cycles). */
export interface SegmentRefIR {
  readonly kind: 'segmentRef';
  readonly segment: string;
}

/** Answered a questionnaire question; with `options`, chose one of them. */
export interface AnswerIR {
  readonly kind: 'answer';
  readonly question: string;
  readonly options?: readonly string[];
}

export type ConditionIR =
  | AndIR
  | OrIR
  | NotIR
  | CompareIR
  | PercentileIR
  | PurchaseIR
  | PurchaseTimeIR
  | EventIR
  | SequenceIR
  | TagIR
  | ConsentIR
  | SegmentRefIR
  | AnswerIR;

export type ConditionKind = ConditionIR['kind'];
