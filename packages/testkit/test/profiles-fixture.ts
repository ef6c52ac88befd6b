/*
 * Small hand-made stores for the profile tests: a few shops and products, builders for customers,
 * orders and events at times counted back from one as-of time, and `profilesOf`, which computes
 * the profiles of such a store on a fresh DuckDB. Each test file checks traits of docs/profiles.md
 * against values worked out by hand; none is copied from the engine's output.
 */
import { Customer, Event, Location, Order, Product, type WriteBatch } from '@strata/core';
import { computeProfiles, findProfile } from '@strata/profiles';
import { DuckDbStore } from '@strata/store-duckdb';

export type Profile = Record<string, unknown>;

/** A Monday, so the weekdays of the orders in the tests are easy to count back. */
export const AS_OF = new Date('2026-06-15T12:00:00.000Z');
const DAY = 86_400_000;
/** `days` days (and `minutes` minutes) before the as-of time. */
export const ago = (days: number, minutes = 0) =>
  new Date(AS_OF.getTime() - days * DAY - minutes * 60_000).toISOString();
/** `days` days after the as-of time. */
export const ahead = (days: number) => new Date(AS_OF.getTime() + days * DAY).toISOString();

let orderNo = 0;
let eventNo = 0;

/** A confirmed order at the online shop unless `extra` says otherwise. */
export const order = (customer: string, placedAt: string, total: number, extra: Record<string, unknown> = {}): Order =>
  Order.parse({
    id: `o-${++orderNo}`,
    customer_id: customer,
    location_id: 'web',
    placed_at: placedAt,
    currency: 'EUR',
    total,
    ...extra,
  });

export const event = (
  customer: string,
  type: string,
  occurredAt: string,
  properties: Record<string, unknown> = {},
): Event =>
  Event.parse({ message_id: `e-${++eventNo}`, customer_id: customer, type, occurred_at: occurredAt, properties });

export const customers = (...ids: (string | Record<string, unknown>)[]): Customer[] =>
  ids.map((c) => Customer.parse(typeof c === 'string' ? { id: c } : c));

export const locations = [
  Location.parse({ id: 'web', name: 'Online shop', kind: 'online' }),
  Location.parse({ id: 'shop-berlin', name: 'Berlin', kind: 'store', timezone: 'Europe/Berlin' }),
  Location.parse({ id: 'shop-nyc', name: 'New York', kind: 'store', timezone: 'America/New_York' }),
];

export const products = [
  Product.parse({
    sku: 'MUG',
    name: 'Mug',
    category: 'kitchen',
    brand: 'Clay',
    price: 20,
    launched_at: '2020-01-01T00:00:00Z',
  }),
  // launched 50 days before the as-of time: bought within 30 days of that it is a trend purchase
  Product.parse({ sku: 'BAG', name: 'Bag', category: 'bags', brand: 'Sack', price: 60, launched_at: ago(50) }),
  Product.parse({ sku: 'TEA', name: 'Tea', category: 'tea', brand: 'Leaf', price: 10, consumption_days: 30 }),
  Product.parse({ sku: 'SOAP', name: 'Soap', category: 'care', price: 5, consumption_days: 10 }),
];

/** Writes the batch to a fresh store, computes profiles as of `asOf`, and returns them by customer id. */
export async function profilesOf(batch: WriteBatch, asOf = AS_OF): Promise<(id: string) => Profile> {
  const store = await DuckDbStore.open(':memory:');
  try {
    await store.write({ locations, products, ...batch });
    await computeProfiles(store, { asOf, ranBy: 'test' });
    // as `strata profiles show` and the HTTP API give them (with the spend and AOV percentiles)
    const ids = await store.query<{ customer_id: string }>('SELECT customer_id FROM customer_profile');
    const byId = new Map<string, Profile>();
    for (const { customer_id } of ids) byId.set(customer_id, await findProfile(store, customer_id));
    return (id) => {
      const row = byId.get(id);
      if (!row) throw new Error(`no profile for ${id}`);
      return row;
    };
  } finally {
    await store.close();
  }
}

export const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
