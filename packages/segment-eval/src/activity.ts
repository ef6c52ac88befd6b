/*
 * Conditions on what the customer did, decided from their orders and events as the SQL backend
 * decides them (packages/sql/src/segment-activity.ts): purchases (confirmed orders only), the time
 * of the first or last purchase, events with property filters, and sequences.
 */
import {
  eventCountColumn,
  purchaseFact,
  type AmountBound,
  type ConditionIR,
  type CountBound,
  type FieldType,
  type ItemFilter,
  type PurchaseFact,
  type SequenceIR,
  type SequenceTarget,
  type TimeWindow,
  type WhereIR,
} from '@strata/segment-lang';
import {
  jsonObject,
  jsonText,
  type CustomerState,
  type EventState,
  type OrderLineState,
  type OrderState,
} from './customer-state.js';
import type { Env } from './eval-context.js';
import { addInterval, DAY_MS, dayStart, parseTimestampText, timeValueAt, toEpochMs } from './time-values.js';
import { applyTest, lowerText, toSubject, type Subject } from './value-tests.js';

export const isPurchase = (o: OrderState) => o.status === 'confirmed';

export function boundHolds(n: number, b: CountBound | AmountBound): boolean {
  return b.op === 'gte' ? n >= b.value : b.op === 'lte' ? n <= b.value : n === b.value;
}

export function lineMatches(line: OrderLineState, item: ItemFilter): boolean {
  const v = item.by === 'product' ? line.sku : line.product?.[item.by];
  if (v === null || v === undefined) return false;
  const lowered = lowerText(v);
  return item.values.some((x) => lowerText(x) === lowered);
}

/** Whether a time lies in a window at `now` (never after now). */
export function inWindow(time: number, window: TimeWindow | undefined, now: number): boolean {
  if (time > now) return false;
  if (!window) return true;
  switch (window.kind) {
    case 'withinLast':
      return time >= addInterval(now, -window.duration.amount, window.duration.unit);
    case 'before':
      return time < timeValueAt(window.time, now);
    case 'after':
      return (
        time >= (window.time.kind === 'date' ? dayStart(window.time.value) + DAY_MS : timeValueAt(window.time, now))
      );
    case 'between':
      return (
        time >= timeValueAt(window.from, now) &&
        time < (window.to.kind === 'date' ? dayStart(window.to.value) + DAY_MS : timeValueAt(window.to, now))
      );
  }
}

/** Money in ten-thousandths, as the store keeps it (DECIMAL(18,4)): sums of lines are then exact. */
const units = (money: number) => Math.round(money * 10_000);

export function purchase(ir: Extract<ConditionIR, { kind: 'purchase' }>, state: CustomerState, env: Env): boolean {
  // As the SQL backend: how many orders ever, and the item facts of profile-facts.ts, come from the profile.
  if (!ir.item && !ir.window && !ir.amount)
    return boundHolds((toSubject(state.profile?.order_count, 'integer') as number | null) ?? 0, ir.count);
  const fact = purchaseFact(ir);
  if (fact) return purchaseFromProfile(fact, state, env);
  return purchaseFromOrders(ir, state, env);
}

/** A purchase condition decided from the customer's orders, whatever the profile says. */
export function purchaseFromOrders(
  ir: Extract<ConditionIR, { kind: 'purchase' }>,
  state: CustomerState,
  env: Env,
): boolean {
  const needLines = ir.item !== undefined || ir.amount !== undefined;
  let count = 0;
  let spent = 0;
  for (const order of state.orders) {
    if (!isPurchase(order) || !inWindow(order.placedAt, ir.window, env.now)) continue;
    if (!needLines) {
      count++;
      continue;
    }
    const lines = ir.item ? order.lines.filter((l) => lineMatches(l, ir.item!)) : order.lines;
    if (lines.length === 0) continue;
    count++;
    for (const l of lines) spent += l.quantity * units(l.unitPrice) - units(l.lineDiscount);
  }
  return boundHolds(count, ir.count) && (!ir.amount || boundHolds(spent / 10_000, ir.amount));
}

/** A purchase condition answered from the profile, as the SQL backend answers it (see purchaseFact). */
function purchaseFromProfile(fact: PurchaseFact, state: CustomerState, env: Env): boolean {
  const profile = state.profile;
  switch (fact.kind) {
    case 'keys': {
      const keys = toSubject(profile?.[fact.column], 'list') as readonly string[] | null;
      return keys !== null && fact.keys.some((k) => keys.includes(k));
    }
    case 'orders': {
      const orders = Number(jsonText(jsonObject(profile?.[fact.column])[fact.key]) ?? 0);
      return boundHolds(orders, fact.count);
    }
    case 'since': {
      const last = jsonObject(profile?.[fact.column]);
      const from = addInterval(env.now, -fact.duration.amount, fact.duration.unit);
      return fact.keys.some((k) => {
        const at = parseTimestampText(jsonText(last[k]) ?? '');
        return at !== undefined && at >= from;
      });
    }
  }
}

/** Confirmed orders with a line of `item` (any order without one). */
export const purchasesOf = (state: CustomerState, item: ItemFilter | undefined): OrderState[] =>
  state.orders.filter((o) => isPurchase(o) && (!item || o.lines.some((l) => lineMatches(l, item))));

export function purchaseTime(
  ir: Extract<ConditionIR, { kind: 'purchaseTime' }>,
  state: CustomerState,
  env: Env,
): boolean {
  if (!ir.item) {
    const at = toEpochMs(state.profile?.[ir.which === 'first' ? 'first_order_at' : 'last_order_at']) ?? null;
    return applyTest(at, ir, 'timestamp', env.now);
  }
  const times = purchasesOf(state, ir.item)
    .map((o) => o.placedAt)
    .filter((t) => t <= env.now);
  if (ir.op === 'isNotSet') return times.length === 0;
  if (times.length === 0) return false;
  return applyTest(ir.which === 'first' ? Math.min(...times) : Math.max(...times), ir, 'timestamp', env.now);
}

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = {
  true: true,
  t: true,
  yes: true,
  y: true,
  '1': true,
  false: false,
  f: false,
  no: false,
  n: false,
  '0': false,
};
const NUMBER_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/**
 * An event property cast to the type it is compared as (SQL: `CAST(properties ->> name AS …)`).
 * Text the cast cannot read is treated as missing here; the SQL backend fails the whole query.
 */
export function propertySubject(
  event: EventState,
  w: Extract<WhereIR, { kind: 'property' }>,
): {
  value: Subject;
  type: FieldType;
} {
  const raw = Object.hasOwn(event.properties, w.property) ? event.properties[w.property] : undefined;
  const text = jsonText(raw);
  if (text === null) return { value: null, type: w.type === 'date' ? 'timestamp' : w.type };
  switch (w.type) {
    case 'number':
      return {
        value: typeof raw === 'number' ? raw : NUMBER_TEXT.test(text) ? Number(text) : null,
        type: 'number',
      };
    case 'boolean':
      return {
        value: typeof raw === 'boolean' ? raw : (BOOLEAN_TEXT[text.trim().toLowerCase()] ?? null),
        type: 'boolean',
      };
    case 'timestamp':
    case 'date':
      return { value: parseTimestampText(text) ?? null, type: 'timestamp' };
    case 'string':
      return { value: text, type: 'string' };
  }
}

export function whereHolds(w: WhereIR, event: EventState, now: number): boolean {
  switch (w.kind) {
    case 'and':
      return w.operands.every((o) => whereHolds(o, event, now));
    case 'or':
      return w.operands.some((o) => whereHolds(o, event, now));
    case 'not':
      return !whereHolds(w.operand, event, now);
    case 'property': {
      const { value, type } = propertySubject(event, w);
      return applyTest(value, w, type, now);
    }
  }
}

export const eventsOf = (state: CustomerState, name: string, where: WhereIR | undefined, now: number): EventState[] =>
  state.events.filter((e) => e.type === name && (!where || whereHolds(where, e, now)));

export function event(ir: Extract<ConditionIR, { kind: 'event' }>, state: CustomerState, env: Env): boolean {
  const counted = eventCountColumn(ir);
  if (counted) return boundHolds((toSubject(state.profile?.[counted], 'integer') as number | null) ?? 0, ir.count);
  let count = 0;
  for (const e of eventsOf(state, ir.name, ir.where, env.now)) if (inWindow(e.occurredAt, ir.window, env.now)) count++;
  return boundHolds(count, ir.count);
}

/** The times of a sequence step's possible occurrences, in order. */
function occurrences(target: SequenceTarget, state: CustomerState, now: number): number[] {
  const times =
    target.kind === 'event'
      ? eventsOf(state, target.name, target.where, now).map((e) => e.occurredAt)
      : purchasesOf(state, target.item).map((o) => o.placedAt);
  return times.sort((a, b) => a - b);
}

/** The index of the first time later than `t` in sorted `times` (their length when none is). */
function firstAfter(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The shape the SQL backend answers from the profile: one negated step, any order, no time limit. */
export const thenNoOrder = (ir: SequenceIR) => {
  const only = ir.steps.length === 1 ? ir.steps[0]! : undefined;
  return only !== undefined && only.negated && only.target.kind === 'purchase' && !only.target.item && !only.within;
};
/** …and of those, "did add_to_cart (within last …) then not order", answered from the latest cart addition. */
export const cartWithoutOrder = (ir: SequenceIR) =>
  thenNoOrder(ir) &&
  ir.first.name === 'add_to_cart' &&
  !ir.first.where &&
  (!ir.first.window || ir.first.window.kind === 'withinLast');

export function sequence(ir: SequenceIR, state: CustomerState, env: Env): boolean {
  const now = env.now;
  const lastOrder = toEpochMs(state.profile?.last_order_at);
  if (cartWithoutOrder(ir)) {
    const lastAdd = toEpochMs(state.profile?.last_add_to_cart_at);
    const w = ir.first.window;
    return (
      lastAdd !== undefined &&
      lastAdd <= now &&
      (!w || w.kind !== 'withinLast' || lastAdd >= addInterval(now, -w.duration.amount, w.duration.unit)) &&
      (lastOrder === undefined || lastOrder <= lastAdd)
    );
  }
  const firsts = eventsOf(state, ir.first.name, ir.first.where, now)
    .map((e) => e.occurredAt)
    .filter((t) => inWindow(t, ir.first.window, now));
  if (thenNoOrder(ir)) return firsts.some((t) => lastOrder === undefined || lastOrder <= t);
  const steps = ir.steps.map((s) => ({ ...s, times: occurrences(s.target, state, now) }));
  // Whether steps i… can follow an occurrence at `after`; one answer per (step, time).
  const memo = new Map<string, boolean>();
  const follows = (i: number, after: number): boolean => {
    const key = `${i}:${after}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const step = steps[i]!;
    const limit = step.within ? addInterval(after, step.within.amount, step.within.unit) : Infinity;
    const upTo = Math.min(limit, now);
    let result = false;
    if (step.negated) {
      const t = step.times[firstAfter(step.times, after)];
      result = (t === undefined || t > upTo) && (!step.within || limit <= now);
    } else {
      for (let k = firstAfter(step.times, after); k < step.times.length && step.times[k]! <= upTo; k++) {
        if (i + 1 === steps.length || follows(i + 1, step.times[k]!)) {
          result = true;
          break;
        }
      }
    }
    memo.set(key, result);
    return result;
  };
  return firsts.some((t) => follows(0, t));
}
