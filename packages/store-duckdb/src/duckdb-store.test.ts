import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { Customer, Event, fixedClock, Order, type CustomerInput } from '@strata/core';
import { DuckDbStore, guestCustomerId } from './duckdb-store.js';

const customer = (c: CustomerInput) => Customer.parse(c);
const order = (o: Record<string, unknown>) => Order.parse({ location_id: 'online', currency: 'EUR', total: 10, ...o });
const event = (e: Record<string, unknown>) => Event.parse(e);

describe('DuckDbStore', () => {
  let store: DuckDbStore;
  beforeEach(async () => {
    store = await DuckDbStore.open(':memory:', { clock: fixedClock('2026-01-01T00:00:00Z') });
  });
  afterEach(async () => {
    await store.close();
  });

  it('applies the migrations once and records the schema version', async () => {
    expect(await store.schemaVersion()).toBe(16);
    expect(await store.migrate()).toEqual([]);
  });

  it('counts every record of a batch once, a record repeated in the same batch too', async () => {
    const line = { order_id: 'o9', line_no: 9, sku: 'MUG', quantity: 2, unit_price: 9.5, line_discount: 0 };
    const counts = await store.write({ order_lines: [line, { ...line, line_no: 1 }, line] });
    // the last of the repeated rows is the one kept; the one before it changed nothing
    expect(counts.order_lines).toEqual({ inserted: 2, updated: 0, unchanged: 1 });
  });

  it('re-sending the same records changes nothing', async () => {
    const batch = {
      customers: [customer({ id: 'c1', email: 'Ann@Example.com', name: 'Ann', tags: 'vip;gold' })],
      orders: [
        order({
          id: 'o1',
          customer_id: 'c1',
          placed_at: '2025-01-01T10:00:00Z',
          lines: [{ sku: 'A', quantity: 2, unit_price: 5 }],
        }),
      ],
      events: [
        event({
          message_id: 'm1',
          customer_id: 'c1',
          type: 'page_view',
          occurred_at: '2025-01-01T09:00:00Z',
          properties: { page_kind: 'home' },
        }),
      ],
    };
    const first = await store.write(batch);
    expect(first.customers).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    expect(first.orders).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    expect(first.events).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    const before = await store.counts();
    const again = await store.write(batch);
    expect(again.customers).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect(again.orders).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect(again.events).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect(await store.counts()).toEqual(before);
    expect(before).toMatchObject({ customers: 1, orders: 1, order_lines: 1, events: 1, tags: 2 });
  });

  it('a changed record counts as updated and keeps fields it did not send', async () => {
    await store.write({ customers: [customer({ id: 'c1', email: 'a@x.com', city: 'Berlin' })] });
    const r = await store.write({ customers: [customer({ id: 'c1', name: 'Ann' })] });
    expect(r.customers).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    const rows = await store.rows<{ name: string; city: string; email: string }>(
      'SELECT name, city, email FROM customers',
    );
    expect(rows).toEqual([{ name: 'Ann', city: 'Berlin', email: 'a@x.com' }]);
  });

  it('a till order known only by email joins the online customer with that email', async () => {
    await store.write({ customers: [customer({ id: 'web-1', email: 'ann@example.com' })] });
    await store.write({
      orders: [
        order({ id: 'web-o1', customer_id: 'web-1', placed_at: '2025-01-01T10:00:00Z' }),
        order({
          id: 'till-o1',
          customer_email: 'ANN@example.com',
          location_id: 'berlin',
          placed_at: '2025-01-02T10:00:00Z',
        }),
      ],
    });
    const owners = await store.rows<{ id: string; customer_id: string }>(
      'SELECT id, customer_id FROM orders ORDER BY id',
    );
    expect(owners).toEqual([
      { id: 'till-o1', customer_id: 'web-1' },
      { id: 'web-o1', customer_id: 'web-1' },
    ]);
    expect((await store.counts()).customers).toBe(1);
  });

  it('a till customer seen first is merged into the online customer when the email arrives, keeping both histories', async () => {
    await store.write({
      orders: [
        order({
          id: 'till-o1',
          customer_phone: '+49 151 23456789',
          location_id: 'berlin',
          placed_at: '2025-01-02T10:00:00Z',
        }),
      ],
    });
    const guest = guestCustomerId('phone', '+4915123456789');
    expect(await store.resolveCustomer({ phone: '+4915123456789' })).toBe(guest);
    await store.write({ customers: [customer({ id: 'web-1', email: 'ann@example.com', phone: '+4915123456789' })] });
    await store.write({ orders: [order({ id: 'web-o1', customer_id: 'web-1', placed_at: '2025-01-03T10:00:00Z' })] });
    expect(await store.resolveCustomer({ id: guest })).toBe('web-1');
    const owners = await store.rows<{ customer_id: string; n: number }>(
      'SELECT customer_id, count(*)::INT AS n FROM orders GROUP BY 1',
    );
    expect(owners).toEqual([{ customer_id: 'web-1', n: 2 }]);
    const counts = await store.counts();
    expect(counts.customers).toBe(1);
    expect(counts.merged_customers).toBe(1);
  });

  it('two store records with the same email become one customer', async () => {
    await store.write({
      customers: [
        customer({ id: 'a', email: 'x@y.com', name: 'A' }),
        customer({ id: 'b', email: 'x@y.com', city: 'Paris' }),
      ],
    });
    const live = await store.rows<{ id: string; name: string; city: string }>(
      'SELECT id, name, city FROM customers WHERE merged_into IS NULL',
    );
    expect(live).toEqual([{ id: 'a', name: 'A', city: 'Paris' }]);
  });

  it('events of an anonymous visitor belong to the customer once identified', async () => {
    await store.write({
      events: [
        event({
          message_id: 'e1',
          anonymous_id: 'anon-1',
          type: 'product_view',
          occurred_at: '2025-01-01T09:00:00Z',
          properties: { sku: 'A' },
        }),
      ],
    });
    expect(await store.rows('SELECT customer_id FROM events')).toEqual([{ customer_id: null }]);
    await store.write({ identities: [{ customer_id: 'c9', anonymous_id: 'anon-1' }] });
    expect(await store.rows('SELECT customer_id FROM events')).toEqual([{ customer_id: 'c9' }]);
    await store.write({
      events: [
        event({
          message_id: 'e2',
          anonymous_id: 'anon-1',
          type: 'add_to_cart',
          occurred_at: '2025-01-01T09:05:00Z',
          properties: { sku: 'A' },
        }),
      ],
    });
    expect(await store.rows('SELECT customer_id FROM events ORDER BY message_id')).toEqual([
      { customer_id: 'c9' },
      { customer_id: 'c9' },
    ]);
  });

  it('an event carrying both ids links the visitor to the customer, earlier anonymous events included', async () => {
    await store.write({
      events: [
        event({
          message_id: 'v1',
          anonymous_id: 'anon-7',
          type: 'page_view',
          occurred_at: '2025-01-01T09:00:00Z',
          properties: { page_kind: 'home' },
        }),
      ],
    });
    await store.write({
      events: [
        event({
          message_id: 'v2',
          anonymous_id: 'anon-7',
          customer_id: 'c7',
          type: 'page_view',
          occurred_at: '2025-01-01T09:10:00Z',
          properties: { page_kind: 'product' },
        }),
      ],
    });
    expect(await store.rows('SELECT message_id, customer_id FROM events ORDER BY message_id')).toEqual([
      { message_id: 'v1', customer_id: 'c7' },
      { message_id: 'v2', customer_id: 'c7' },
    ]);
    expect(await store.resolveCustomer({ anonymous_id: 'anon-7' })).toBe('c7');
  });

  it('keeps the newest consent statement whatever order they arrive in', async () => {
    await store.write({
      customers: [
        customer({
          id: 'c1',
          consent: { email: { granted: false, at: '2025-03-01T00:00:00Z', source: 'unsubscribe link' } },
        }),
      ],
    });
    await store.write({
      customers: [
        customer({ id: 'c1', consent: { email: { granted: true, at: '2025-01-01T00:00:00Z', source: 'checkout' } } }),
      ],
    });
    expect(await store.rows('SELECT consent_email_granted AS g, consent_email_source AS s FROM customers')).toEqual([
      { g: false, s: 'unsubscribe link' },
    ]);
    expect((await store.rows('SELECT count(*)::INT AS n FROM consent_history'))[0]).toEqual({ n: 2 });
  });

  it('a batch that fails leaves nothing behind', async () => {
    const bad = {
      ...order({ id: 'o1', customer_id: 'c1', placed_at: '2025-01-01T10:00:00Z' }),
      placed_at: 'not a time',
    };
    await expect(store.write({ customers: [customer({ id: 'c1' })], orders: [bad] })).rejects.toThrow();
    expect((await store.counts()).customers).toBe(0);
  });
});
