import { describe, expect, it } from 'vitest';
import { parseSegment, type SegmentIR } from '@strata/segment-lang';
import { SegmentCompileError } from '@strata/sql';
import { customerState, event, order } from '../test/states.js';
import type { CustomerState } from './customer-state.js';
import type { EvaluationContext } from './eval-context.js';
import { evaluateCustomer, percentileKey } from './evaluate.js';
import { perCustomerEvaluable } from './percentiles.js';

const NOW = new Date('2026-03-15T09:30:00.000Z');
const segment = (q: string): SegmentIR => {
  const r = parseSegment(q);
  if (!r.ir) throw new Error(JSON.stringify(r.diagnostics));
  return r.ir;
};
const member = (q: string, state: CustomerState, ctx: Partial<EvaluationContext> = {}) =>
  evaluateCustomer(segment(q), state, { now: NOW, ...ctx });

describe('evaluateCustomer: the SQL backend semantics for one customer', () => {
  it('a comparison never matches a missing value; not is the complement', () => {
    const unknown = customerState();
    const french = customerState({ customer: { country: 'FR' } });
    expect(member('country != "DE"', unknown)).toBe(false);
    expect(member('not country = "DE"', unknown)).toBe(true);
    expect(member('country != "DE"', french)).toBe(true);
    expect(member('country is not set', unknown)).toBe(true);
  });

  it('text on string fields ignores case (each character lower-cased on its own); enum values are exact', () => {
    const state = customerState({ customer: { name: 'İLKER ΣΑΣ' }, profile: { lifecycle_stage: 'active' } });
    expect(member('name starts with "ilker"', state)).toBe(true);
    expect(member('name ends with "σασ"', state)).toBe(true);
    expect(member('name contains "kEr"', state)).toBe(true);
    expect(member('lifecycle_stage = "active"', state)).toBe(true);
  });

  it('a calendar day on a timestamp is the whole UTC day', () => {
    const state = customerState({ profile: { last_order_at: '2026-03-01T23:59:59.999Z' } });
    expect(member('last_order_at = 2026-03-01', state)).toBe(true);
    expect(member('last_order_at after 2026-03-01', state)).toBe(false);
    expect(member('last_order_at <= 2026-03-01', state)).toBe(true);
    expect(member('last_order_at between 2026-02-01 and 2026-03-01', state)).toBe(true);
  });

  it('only confirmed orders are purchases, and amounts are exact to the cent', () => {
    const state = customerState({
      orders: [
        order('2026-03-10T10:00:00.000Z', {
          lines: [
            { sku: 'A', quantity: 1, unitPrice: 0.1, lineDiscount: 0 },
            { sku: 'B', quantity: 2, unitPrice: 0.15, lineDiscount: 0.1 },
          ],
        }),
        order('2026-03-11T10:00:00.000Z', { status: 'refunded' }),
      ],
    });
    // 0.10 + 2 × 0.15 − 0.10 = 0.30, not 0.30000000000000004
    expect(member('bought within last 30 days for at most 0.3', state)).toBe(true);
    expect(member('bought within last 30 days for at least 0.3', state)).toBe(true);
    expect(member('bought within last 30 days at least 2 times', state)).toBe(false);
  });

  it('"bought category" ever is read from the profile, as the SQL backend reads it', () => {
    const state = customerState({ profile: { category_keys: ['tea'] } });
    expect(member('bought category "Tea"', state)).toBe(true);
    expect(member('bought category "Tea" within last 1000 days', state)).toBe(false);
  });

  it('a merged customer is in no segment that reads customer records; a customer without profile in none', () => {
    const merged = customerState({ mergedInto: 'c2', customer: { country: 'DE', merged_into: 'c2' } });
    expect(member('country = "DE"', merged)).toBe(false);
    expect(member('order_count = 0', merged)).toBe(true);
    expect(member('not country = "DE"', { ...customerState(), profile: undefined })).toBe(false);
  });

  it('tags any/all ignoring case, consent with a contact point, answers', () => {
    const state = customerState({
      tags: ['VIP', 'app-user'],
      consents: { email: true, sms: true },
      customer: { email: 'a@example.com' },
      answers: { skin: 'Dry', diet: null },
    });
    expect(member('has all tags ["vip", "APP-USER"]', state)).toBe(true);
    expect(member('has all tags ["vip", "gold"]', state)).toBe(false);
    expect(member('can receive email', state)).toBe(true);
    expect(member('consent sms', state)).toBe(true);
    expect(member('can receive sms', state)).toBe(false);
    expect(member('answered "skin" with "dry"', state)).toBe(true);
    expect(member('answered "diet"', state)).toBe(false);
  });

  it('events are filtered by their properties, cast to the compared type', () => {
    const state = customerState({
      events: [
        event('webinar', '2026-03-10T10:00:00.000Z', { seats: 3, paid: true }),
        event('webinar', '2026-03-11T10:00:00.000Z', { seats: 'many' }),
      ],
    });
    expect(member('did webinar where seats >= 2 at least 1 times', state)).toBe(true);
    expect(member('did webinar where paid = true exactly 1 times', state)).toBe(true);
    // text a number cast cannot read counts as missing
    expect(member('did webinar where seats is set exactly 1 times', state)).toBe(false);
    expect(member('did webinar where not seats >= 2 exactly 1 times', state)).toBe(true);
  });

  it('saved segments are resolved, and a cycle or an unknown one is an error', () => {
    const state = customerState({ customer: { country: 'DE' } });
    const saved: Record<string, SegmentIR> = { germans: segment('country = "DE"'), loop: segment('in segment "loop"') };
    const resolveSegment = (name: string) => saved[name];
    expect(member('in segment "germans"', state, { resolveSegment })).toBe(true);
    expect(() => member('in segment "loop"', state, { resolveSegment })).toThrow(SegmentCompileError);
    expect(() => member('in segment "nobody"', state, { resolveSegment })).toThrow(/no saved segment "nobody"/);
  });

  it('percentiles are decided from cut-offs worked out over everyone; "of matching" inside an and is not per customer', () => {
    const state = customerState({ profile: { total_spent: 120, order_count: 2 } });
    const top = segment('total_spent in top 10%');
    const p = top.root.kind === 'percentile' ? top.root : undefined;
    expect(() => evaluateCustomer(top, state, { now: NOW })).toThrow(/cut-offs/);
    const cutoffs = (low: number) => new Map([[percentileKey(p!), { low, high: null }]]);
    expect(evaluateCustomer(top, state, { now: NOW, cutoffs: cutoffs(100) })).toBe(true);
    expect(evaluateCustomer(top, state, { now: NOW, cutoffs: cutoffs(150) })).toBe(false);
    // a non-buyer is in no rank of a money measure
    const none = customerState({ profile: { total_spent: 0, order_count: 0 } });
    expect(
      evaluateCustomer(segment('total_spent in bottom 10%'), none, {
        now: NOW,
        cutoffs: new Map([[percentileKey({ ...p!, rank: { kind: 'bottom', percent: 10 } }), { low: null, high: 50 }]]),
      }),
    ).toBe(false);
    expect(perCustomerEvaluable(segment('country = "DE" and total_spent in top 10% of matching'))).toBe(false);
    expect(perCustomerEvaluable(segment('total_spent in top 10% of matching'))).toBe(true);
    expect(perCustomerEvaluable(segment('country = "DE" and total_spent in top 10%'))).toBe(true);
  });
});
