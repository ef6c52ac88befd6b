import { describe, expect, it } from 'vitest';
import { parseSegment, type SegmentIR } from '@strata/segment-lang';
import { customerState, event, order } from '../test/states.js';
import type { CustomerState } from './customer-state.js';
import { evaluateCustomer } from './evaluate.js';
import { nextChange } from './next-change.js';

const NOW = '2026-03-15T09:30:00.000Z';
const segment = (q: string): SegmentIR => {
  const r = parseSegment(q);
  if (!r.ir) throw new Error(JSON.stringify(r.diagnostics));
  return r.ir;
};
const member = (q: string, state: CustomerState, at: string) =>
  evaluateCustomer(segment(q), state, { now: new Date(at) });
const next = (q: string, state: CustomerState, at = NOW) =>
  nextChange(segment(q), state, { now: new Date(at) })?.toISOString();
const before = (iso: string) => new Date(new Date(iso).getTime() - 1).toISOString();

describe('nextChange: when membership changes with no new data', () => {
  it('"no order in 30 days" starts 30 days after the last order, and an order ends it', () => {
    const lastOrder = '2026-03-01T12:00:00.000Z';
    const state = customerState({ orders: [order(lastOrder)], profile: { last_order_at: lastOrder } });
    const q = 'not bought within last 30 days';
    // the order counts while it is at most 30 days old: the customer enters just after that
    expect(next(q, state)).toBe('2026-03-31T12:00:00.001Z');
    expect(member(q, state, '2026-03-31T12:00:00.000Z')).toBe(false);
    expect(member(q, state, '2026-03-31T12:00:00.001Z')).toBe(true);
    // once in, time alone never takes the customer out again
    expect(next(q, state, '2026-04-01T00:00:00.000Z')).toBeUndefined();
  });

  it('a cart abandoned at 10:00 enters "then not order within 1 hour" at 11:00, unless an order came at 10:59', () => {
    const cart = customerState({ events: [event('add_to_cart', '2026-03-15T10:00:00.000Z', { sku: 'TEA-1' })] });
    const q = 'did add_to_cart then not order within 1 hour';
    expect(next(q, cart, '2026-03-15T10:10:00.000Z')).toBe('2026-03-15T11:00:00.000Z');
    expect(member(q, cart, before('2026-03-15T11:00:00.000Z'))).toBe(false);
    expect(member(q, cart, '2026-03-15T11:00:00.000Z')).toBe(true);
    const bought = customerState({
      events: cart.events,
      orders: [order('2026-03-15T10:59:00.000Z')],
      profile: { last_order_at: '2026-03-15T10:59:00.000Z' },
    });
    expect(next(q, bought, '2026-03-15T10:10:00.000Z')).toBeUndefined();
    expect(member(q, bought, '2026-03-15T12:00:00.000Z')).toBe(false);
  });

  it('a cart addition kept in the profile leaves "added to cart within last 7 days, no order" after 7 days', () => {
    const state = customerState({ profile: { last_add_to_cart_at: '2026-03-14T08:00:00.000Z' } });
    expect(next('did add_to_cart within last 7 days then not order', state)).toBe('2026-03-21T08:00:00.001Z');
  });

  it('days_since_last_order > 60 flips at the whole-day boundary', () => {
    const state = customerState({ profile: { last_order_at: '2026-01-20T18:45:00.000Z', order_count: 1 } });
    expect(next('days_since_last_order > 60', state)).toBe('2026-03-22T18:45:00.000Z');
    expect(member('days_since_last_order > 60', state, before('2026-03-22T18:45:00.000Z'))).toBe(false);
    expect(member('days_since_last_order > 60', state, '2026-03-22T18:45:00.000Z')).toBe(true);
  });

  it('overdue_ratio crosses its threshold on the day the gap reaches it', () => {
    // usual gap 10 days: late by half again after 15 days, i.e. once 16 whole days have passed
    const state = customerState({
      profile: { last_order_at: '2026-03-10T00:00:00.000Z', median_days_between_orders: 10, order_count: 3 },
    });
    expect(next('overdue_ratio > 1.5', state)).toBe('2026-03-26T00:00:00.000Z');
  });

  it('an event count falls when the oldest counted event leaves the window', () => {
    const state = customerState({
      events: [event('page_view', '2026-03-09T07:00:00.000Z'), event('page_view', '2026-03-14T07:00:00.000Z')],
    });
    const q = 'did page_view within last 7 days at least 2 times';
    expect(member(q, state, NOW)).toBe(true);
    expect(next(q, state)).toBe('2026-03-16T07:00:00.001Z');
  });

  it('birthday within next 7 days holds from seven days before the birthday through the day itself (UTC days)', () => {
    const state = customerState({ customer: { birthday: '1990-03-25' } });
    const q = 'birthday within next 7 days';
    expect(next(q, state)).toBe('2026-03-18T00:00:00.000Z');
    expect(next(q, state, '2026-03-18T00:00:00.000Z')).toBe('2026-03-26T00:00:00.000Z');
    // a 29 February birthday is not in a year without one
    const leap = customerState({ customer: { birthday: '1996-02-29' } });
    expect(member('birthday within next 7 days', leap, '2027-02-24T12:00:00.000Z')).toBe(false);
    expect(next('birthday within next 7 days', leap, '2027-02-24T12:00:00.000Z')).toBe('2028-02-22T00:00:00.000Z');
  });

  it('"runs out within 3 days" holds from 3 days before the due time until it has passed', () => {
    const state = customerState({ profile: { next_replenishment_due_at: '2026-03-20T06:00:00.000Z' } });
    const q = 'next_replenishment_due_at within next 3 days';
    expect(next(q, state)).toBe('2026-03-17T06:00:00.000Z');
    expect(next(q, state, '2026-03-17T06:00:00.000Z')).toBe('2026-03-20T06:00:00.001Z');
  });

  it('calendar months clamp to the month end: "before 1 month ago" holds on 28 March at noon and not on the 29th at 1:00', () => {
    const state = customerState({ profile: { last_order_at: '2026-02-28T12:00:00.000Z', order_count: 1 } });
    const q = 'last_order_at before 1 month ago';
    expect(next(q, state, '2026-03-27T00:00:00.000Z')).toBe('2026-03-28T12:00:00.001Z');
    // 29 March minus a month is 28 February at the same time of day: earlier than the order again
    expect(member(q, state, '2026-03-29T01:00:00.000Z')).toBe(false);
    expect(next(q, state, '2026-03-28T13:00:00.000Z')).toBe('2026-03-29T00:00:00.000Z');
    expect(next(q, state, '2026-03-29T00:00:00.000Z')).toBe('2026-03-29T12:00:00.001Z');
  });

  it('an event property time compared with now', () => {
    const state = customerState({
      events: [event('webinar', '2026-03-01T10:00:00.000Z', { starts: '2026-03-18T17:00:00Z' })],
    });
    const q = 'did webinar where starts before now';
    expect(next(q, state)).toBe('2026-03-18T17:00:00.001Z');
  });

  it('a future order enters its window when it is placed; conditions time never moves have no next change', () => {
    const state = customerState({ orders: [order('2026-03-16T08:00:00.000Z')] });
    expect(next('bought within last 30 days', state)).toBe('2026-03-16T08:00:00.000Z');
    expect(next('has tag "vip" or country = "DE" or bought category "tea"', state)).toBeUndefined();
  });

  it('a customer without a profile never changes by time', () => {
    const state = { ...customerState({ orders: [order('2026-03-16T08:00:00.000Z')] }), profile: undefined };
    expect(next('bought within last 30 days', state)).toBeUndefined();
  });
});
