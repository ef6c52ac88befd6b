/*
 * Hand-made customer states for the unit tests of this package (not exported by its index): a
 * customer with a profile, and builders for orders and events at ISO times.
 */
import type { CustomerState, EventState, OrderState, StoredRow } from '../src/customer-state.js';

const ms = (iso: string) => new Date(iso).getTime();
let orderNo = 0;

export function order(placedAt: string, extra: Partial<Omit<OrderState, 'placedAt'>> = {}): OrderState {
  return {
    id: `o${++orderNo}`,
    placedAt: ms(placedAt),
    status: 'confirmed',
    total: 10,
    locationId: 'web',
    lines: [
      {
        sku: 'TEA-1',
        quantity: 1,
        unitPrice: 10,
        lineDiscount: 0,
        product: { category: 'Tea', brand: 'Leaf', collection: null },
      },
    ],
    ...extra,
  };
}

export const event = (type: string, occurredAt: string, properties: Record<string, unknown> = {}): EventState => ({
  type,
  occurredAt: ms(occurredAt),
  properties,
});

/** A customer with a profile (traits as given) and a customer record. */
export function customerState(
  parts: {
    profile?: StoredRow;
    customer?: StoredRow;
    orders?: readonly OrderState[];
    events?: readonly EventState[];
  } & Partial<Pick<CustomerState, 'tags' | 'consents' | 'answers' | 'mergedInto'>> = {},
): CustomerState {
  return {
    id: 'c1',
    profile: { customer_id: 'c1', order_count: parts.orders?.length ?? 0, ...parts.profile },
    customer: { id: 'c1', ...parts.customer },
    mergedInto: parts.mergedInto,
    orders: parts.orders ?? [],
    events: parts.events ?? [],
    tags: parts.tags ?? [],
    consents: parts.consents ?? {},
    answers: parts.answers ?? {},
  };
}
