/*
 * When a customer's membership can next change with no new data, by time alone. Every condition
 * is built from comparisons of a fixed time (an order's, an event's, a trait's) with a time that
 * moves with "now" (now itself, "30 days ago", a window's start), plus whole-day counts and
 * month-and-day windows: each such comparison can flip only at a few computable instants and is
 * constant in between. So the membership is constant between consecutive flip instants, and the
 * first of them at which evaluating gives a different answer is exactly the next change.
 */
import {
  lookup,
  type ConditionIR,
  type Duration,
  type SegmentIR,
  type SequenceTarget,
  type TimeValue,
  type TimeWindow,
  type ValueTest,
  type WhereIR,
} from '@strata/segment-lang';
import { cartWithoutOrder, isPurchase, propertySubject, purchasesOf, thenNoOrder } from './activity.js';
import type { CustomerState } from './customer-state.js';
import { envOf, fieldValue, lastOrderAt, usualGapDays, type EvaluationContext, type Env } from './eval-context.js';
import { holds, isEvaluated, readsCustomers } from './evaluate.js';
import { addInterval, DAY_MS, durationDays, monthDay, toEpochMs, utcDay, wholeDaysBetween } from './time-values.js';
import { isTimeType, type Subject } from './value-tests.js';

/** Instants checked one by one before settling for an earlier (still safe) answer. */
const MAX_CHECKS = 256;
/** The last instant a Date can hold. */
const MAX_TIME = 8.64e15;

/** A time that moves with now: `now + amount unit` (amount negative for "ago"). */
interface Moving {
  readonly amount: number;
  readonly unit: Duration['unit'];
}
const AT_NOW: Moving = { amount: 0, unit: 'day' };

function movingOf(v: TimeValue): Moving | undefined {
  if (v.kind === 'now') return AT_NOW;
  if (v.kind === 'relativeTime') return { amount: v.direction === 'ago' ? -v.amount : v.amount, unit: v.unit };
  return undefined;
}

/** The first instant after `from` at which a monotone (false, then true for good) predicate holds. */
function firstWhen(from: number, holdsAt: (t: number) => boolean): number | undefined {
  let lo = from;
  let step = DAY_MS;
  let hi = from + step;
  while (!holdsAt(hi)) {
    lo = hi;
    step *= 2;
    hi = lo + step;
    if (hi > MAX_TIME) return undefined;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (holdsAt(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Collects the instants after `now` at which some comparison of the segment flips. */
class FlipTimes {
  readonly times: number[] = [];
  constructor(readonly now: number) {}

  add(t: number | undefined): void {
    if (t !== undefined && t > this.now && t <= MAX_TIME) this.times.push(t);
  }

  /** `s` compared with a moving time: the moments the moving time can reach s or pass it. */
  crossing(s: number, m: Moving): void {
    if (m.unit !== 'month' && m.unit !== 'year') {
      const shift = addInterval(0, m.amount, m.unit);
      this.add(s - shift);
      this.add(s - shift + 1);
      return;
    }
    // Calendar months keep the time of day and clamp the day to the month's end, so now + k
    // months is not monotone (Mar 28 23:00 → Feb 28 23:00, but Mar 29 01:00 → Feb 28 01:00):
    // the comparison can flip at midnights whose shifted day is next to s's, or on a day shifted
    // onto s's day at s's time of day. Those days lie within a few days of s shifted back.
    const day = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
    const target = day(s);
    const timeOfDay = s - target;
    /** How the shifted day of the day starting at `d` compares with s's day. */
    const side = (d: number) => Math.sign(day(addInterval(d, m.amount, m.unit)) - target);
    const first = day(addInterval(s, -m.amount, m.unit)) - 5 * DAY_MS;
    for (let d = first; d <= first + 10 * DAY_MS; d += DAY_MS) {
      const here = side(d);
      if (here === 0) {
        this.add(d + timeOfDay);
        this.add(d + timeOfDay + 1);
      }
      if (here === 0 || side(d - DAY_MS) !== here) this.add(d);
    }
  }

  timeValue(s: number, v: TimeValue): void {
    const m = movingOf(v);
    if (m) this.crossing(s, m);
  }

  /** Flips of a test on a fixed time. */
  test(subject: Subject, test: ValueTest): void {
    if (typeof subject !== 'number') return;
    switch (test.op) {
      case 'eq':
      case 'ne':
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte':
        return this.timeValue(subject, test.value as TimeValue);
      case 'between':
        this.timeValue(subject, test.low as TimeValue);
        return this.timeValue(subject, test.high as TimeValue);
      case 'withinLast':
      case 'withinNext': {
        if (test.annual) return this.annual(subject, test);
        const sign = test.op === 'withinLast' ? -1 : 1;
        this.crossing(subject, { amount: sign * test.duration.amount, unit: test.duration.unit });
        return this.crossing(subject, AT_NOW);
      }
      default:
        return;
    }
  }

  /** Month-and-day windows change at UTC midnights: where the days around each anniversary begin and end. */
  annual(subject: number, test: { readonly op: 'withinLast' | 'withinNext'; readonly duration: Duration }): void {
    const span = durationDays(test.duration);
    if (span >= 2923) return; // every eight-year stretch has every month and day: always true
    const { month, day } = monthDay(subject);
    const year = new Date(this.now).getUTCFullYear();
    for (let y = year - 10; y <= year + 10; y++) {
      const at = utcDay(y, month - 1, day);
      if (monthDay(at).month !== month) continue;
      const [first, last] = test.op === 'withinNext' ? [at - span * DAY_MS, at] : [at, at + span * DAY_MS];
      this.add(first);
      this.add(last + DAY_MS);
    }
  }

  /** Flips of a window on an occurrence at `t`: it enters at t (never counted before it happens) and may leave. */
  window(t: number, w: TimeWindow | undefined): void {
    this.crossing(t, AT_NOW);
    if (!w) return;
    if (w.kind === 'withinLast') this.crossing(t, { amount: -w.duration.amount, unit: w.duration.unit });
    else if (w.kind === 'between') {
      this.timeValue(t, w.from);
      this.timeValue(t, w.to);
    } else this.timeValue(t, w.time);
  }

  where(w: WhereIR | undefined, e: CustomerState['events'][number]): void {
    if (!w) return;
    if (w.kind === 'property') {
      const { value, type } = propertySubject(e, w);
      if (isTimeType(type)) this.test(value, w);
    } else for (const o of w.kind === 'not' ? [w.operand] : w.operands) this.where(o, e);
  }

  /** A test on a whole-day count `days(now)` (or that count divided by `per`): the days at which it can flip. */
  dayCount(test: ValueTest, last: number, per: number): void {
    const values =
      test.op === 'in' || test.op === 'notIn'
        ? test.values
        : test.op === 'between'
          ? [test.low, test.high]
          : 'value' in test
            ? [test.value]
            : [];
    const today = wholeDaysBetween(last, this.now);
    for (const v of values) {
      if (v.kind !== 'number') continue;
      const x = Math.floor(v.value * per);
      // the test flips between two whole days around value × per (rounding included)
      for (let d = x - 1; d <= x + 2; d++) {
        if (d <= today || !Number.isFinite(d)) continue;
        const approx = last + d * DAY_MS;
        this.add(firstWhen(approx - 10 * DAY_MS, (n) => wholeDaysBetween(last, n) >= d));
      }
    }
  }
}

function collect(node: ConditionIR, state: CustomerState, env: Env, out: FlipTimes): void {
  switch (node.kind) {
    case 'and':
    case 'or':
      for (const o of node.operands) collect(o, state, env, out);
      return;
    case 'not':
      return collect(node.operand, state, env, out);
    case 'compare': {
      if (node.field === 'days_since_last_order' || node.field === 'overdue_ratio') {
        const last = lastOrderAt(state);
        const per = node.field === 'overdue_ratio' ? usualGapDays(state) : 1;
        if (last !== undefined && per !== null) out.dayCount(node, last, per);
        return;
      }
      const spec = lookup(env.catalog, node.field);
      if (spec && isTimeType(spec.type)) out.test(fieldValue(node.field, state, env).value, node);
      return;
    }
    case 'purchase':
      for (const o of state.orders) if (isPurchase(o)) out.window(o.placedAt, node.window);
      return;
    case 'purchaseTime':
      if (!node.item) {
        const at = toEpochMs(state.profile?.[node.which === 'first' ? 'first_order_at' : 'last_order_at']);
        return out.test(at ?? null, node);
      }
      for (const o of purchasesOf(state, node.item)) {
        out.crossing(o.placedAt, AT_NOW);
        out.test(o.placedAt, node);
      }
      return;
    case 'event':
      for (const e of state.events) {
        if (e.type !== node.name) continue;
        out.where(node.where, e);
        out.window(e.occurredAt, node.window);
      }
      return;
    case 'sequence':
      return sequenceFlips(node, state, env, out);
    case 'segmentRef': {
      if (env.visiting.has(node.segment)) return;
      const target = env.resolveSegment?.(node.segment);
      if (target) collect(target.root, state, { ...env, visiting: new Set([...env.visiting, node.segment]) }, out);
      return;
    }
    // Percentiles move with other customers (the caller re-checks them); the rest never move by time.
    default:
      return;
  }
}

function sequenceFlips(
  node: Extract<ConditionIR, { kind: 'sequence' }>,
  state: CustomerState,
  env: Env,
  out: FlipTimes,
) {
  if (cartWithoutOrder(node)) {
    const lastAdd = toEpochMs(state.profile?.last_add_to_cart_at);
    if (lastAdd !== undefined) out.window(lastAdd, node.first.window);
    return;
  }
  for (const e of state.events) {
    if (e.type !== node.first.name) continue;
    out.where(node.first.where, e);
    out.window(e.occurredAt, node.first.window);
  }
  if (thenNoOrder(node)) return;
  // Later steps: each occurrence enters when it happens; a negated step with a time limit holds
  // once that limit has passed after the previous step's occurrence. (Occurrences are taken
  // whatever their properties: a superset of flips is still exact, see the module comment.)
  const timesOf = (target: SequenceTarget) =>
    target.kind === 'event'
      ? state.events.filter((e) => e.type === target.name).map((e) => e.occurredAt)
      : purchasesOf(state, target.item).map((o) => o.placedAt);
  let previous = timesOf({ kind: 'event', name: node.first.name });
  for (const step of node.steps) {
    if (step.target.kind === 'event')
      for (const e of state.events) if (e.type === step.target.name) out.where(step.target.where, e);
    const times = timesOf(step.target);
    for (const t of times) out.crossing(t, AT_NOW);
    if (step.within) for (const p of previous) out.add(addInterval(p, step.within.amount, step.within.unit));
    previous = times;
  }
}

/**
 * The earliest moment after `ctx.now` at which the customer's membership can change with no new
 * data (never later than the real change); undefined when time alone never changes it.
 * Percentile conditions are left out: their cut-offs move with other customers.
 */
export function nextChange(ir: SegmentIR, state: CustomerState, ctx: EvaluationContext): Date | undefined {
  if (!isEvaluated(ir, state, readsCustomers(ir, ctx))) return undefined;
  const env = envOf(ctx);
  const current = holds(ir.root, state, env);
  const flips = new FlipTimes(env.now);
  collect(ir.root, state, env, flips);
  const times = [...new Set(flips.times)].sort((a, b) => a - b);
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    if (i === MAX_CHECKS || holds(ir.root, state, { ...env, now: t }) !== current) return new Date(t);
  }
  return undefined;
}
