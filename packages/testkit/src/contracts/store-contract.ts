import { afterEach, beforeEach, describe, expect } from 'vitest';
import { Customer, Event, Order, type CustomerInput, type Store } from '@strata/core';
import { checkExceptions, contractCase, type ContractExceptions } from './contract-cases.js';

/**
 * What `Store` (StoreWriter + StoreReader in core/src/ports.ts) promises, seen only through the
 * port: what write() reports, what counts() and resolveCustomer() answer afterwards.
 */
export const storeCases = {
  reportsWrites: 'write reports what it inserted, per entity',
  resendChangesNothing: 're-sending the same batch reports it unchanged and stores nothing new',
  fieldMerge: 'a customer sent again without a field keeps the stored value of that field',
  eventsByMessageId: 'an event re-sent under the same message id is not stored twice',
  resolvesKeys: 'resolveCustomer finds a customer by id, email (any case), phone and anonymous id',
  unknownKey: 'resolveCustomer answers undefined for a key nobody has',
  mergesSameEmail: 'two customer records with one email become one customer; both ids resolve to it',
  attributesClaimNothing:
    "an email or phone kept in attributes (a public identify's, unverified) merges no one and finds no one",
  linksNeverMerge:
    "an identity link ties an anonymous id to its first customer and never merges customers, even naming another's id",
  atomicBatch: 'a batch that fails stores none of its records',
  concurrentWrites: 'batches written at the same time are all stored',
  pingBesideWrite: 'ping answers while a large write is still running',
} as const;
export type StoreCase = keyof typeof storeCases;

export interface StoreContractOptions extends ContractExceptions<StoreCase> {
  name: string;
  /** A fresh, empty store for each case; closed after it. */
  open(): Promise<Store>;
}

const customer = (c: CustomerInput) => Customer.parse(c);
const order = (o: Record<string, unknown>) => Order.parse({ location_id: 'online', currency: 'EUR', total: 10, ...o });
const event = (e: Record<string, unknown>) => Event.parse(e);

/** Registers the Store contract suite for one adapter. */
export function describeStoreContract(options: StoreContractOptions): void {
  checkExceptions(options);
  describe(`Store contract: ${options.name}`, () => {
    let store: Store;
    const check = (name: StoreCase, body: () => Promise<void>) => contractCase(storeCases, options, name, body);

    beforeEach(async () => {
      store = await options.open();
    });
    afterEach(async () => {
      await store.close();
    });

    const batch = () => ({
      customers: [customer({ id: 'c1', email: 'ann@example.com', name: 'Ann', tags: 'vip' })],
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
    });

    check('reportsWrites', async () => {
      const counts = await store.write(batch());
      expect(counts).toMatchObject({
        customers: { inserted: 1, updated: 0, unchanged: 0 },
        orders: { inserted: 1, updated: 0, unchanged: 0 },
        events: { inserted: 1, updated: 0, unchanged: 0 },
      });
      expect(await store.counts()).toMatchObject({
        customers: 1,
        orders: 1,
        order_lines: 1,
        events: 1,
        tags: 1,
        merged_customers: 0,
      });
    });

    check('resendChangesNothing', async () => {
      await store.write(batch());
      const before = await store.counts();
      const again = await store.write(batch());
      expect(again).toMatchObject({
        customers: { inserted: 0, updated: 0, unchanged: 1 },
        orders: { inserted: 0, updated: 0, unchanged: 1 },
        events: { inserted: 0, updated: 0, unchanged: 1 },
      });
      expect(await store.counts()).toEqual(before);
    });

    check('fieldMerge', async () => {
      await store.write({ customers: [customer({ id: 'c1', email: 'ann@example.com', phone: '+4915123456789' })] });
      const r = await store.write({ customers: [customer({ id: 'c1', name: 'Ann' })] });
      expect(r.customers).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
      expect(await store.resolveCustomer({ email: 'ann@example.com' })).toBe('c1');
      expect(await store.resolveCustomer({ phone: '+4915123456789' })).toBe('c1');
    });

    check('eventsByMessageId', async () => {
      const e = { message_id: 'm1', customer_id: 'c1', type: 'page_view', occurred_at: '2025-01-01T09:00:00Z' };
      await store.write({ events: [event({ ...e, properties: { page_kind: 'home' } })] });
      const again = await store.write({ events: [event({ ...e, properties: { page_kind: 'other' } })] });
      expect(again.events).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
      expect((await store.counts()).events).toBe(1);
    });

    check('resolvesKeys', async () => {
      await store.write({
        customers: [customer({ id: 'c1', email: 'Ann@Example.com', phone: '+49 151 23456789' })],
        identities: [{ customer_id: 'c1', anonymous_id: 'anon-1' }],
      });
      expect(await store.resolveCustomer({ id: 'c1' })).toBe('c1');
      expect(await store.resolveCustomer({ email: 'ann@example.com' })).toBe('c1');
      expect(await store.resolveCustomer({ email: 'ANN@example.COM' })).toBe('c1');
      expect(await store.resolveCustomer({ phone: '+4915123456789' })).toBe('c1');
      expect(await store.resolveCustomer({ anonymous_id: 'anon-1' })).toBe('c1');
    });

    check('unknownKey', async () => {
      await store.write({ customers: [customer({ id: 'c1', email: 'ann@example.com' })] });
      expect(await store.resolveCustomer({ id: 'c2' })).toBeUndefined();
      expect(await store.resolveCustomer({ email: 'bob@example.com' })).toBeUndefined();
      expect(await store.resolveCustomer({ anonymous_id: "anon' OR '1'='1" })).toBeUndefined();
      expect(await store.resolveCustomer({})).toBeUndefined();
    });

    check('mergesSameEmail', async () => {
      await store.write({ customers: [customer({ id: 'a', email: 'x@example.com', name: 'A' })] });
      await store.write({ customers: [customer({ id: 'b', email: 'x@example.com', city: 'Paris' })] });
      const survivor = await store.resolveCustomer({ id: 'a' });
      expect(['a', 'b']).toContain(survivor);
      expect(await store.resolveCustomer({ id: 'b' })).toBe(survivor);
      expect(await store.resolveCustomer({ email: 'x@example.com' })).toBe(survivor);
      expect(await store.counts()).toMatchObject({ customers: 1, merged_customers: 1 });
    });

    // What ingest relies on to keep the public write key from merging customers
    // (docs/ingest.md, "Identity through the public write key").
    check('attributesClaimNothing', async () => {
      await store.write(batch());
      await store.write({
        customers: [
          customer({
            id: 'visitor',
            attributes: { unverified_email: 'ann@example.com', unverified_phone: '+4915123456789' },
          }),
        ],
      });
      expect(await store.resolveCustomer({ id: 'visitor' })).toBe('visitor');
      expect(await store.resolveCustomer({ email: 'ann@example.com' })).toBe('c1');
      expect(await store.resolveCustomer({ phone: '+4915123456789' })).toBeUndefined();
      expect(await store.counts()).toMatchObject({ customers: 2, merged_customers: 0 });
    });

    check('linksNeverMerge', async () => {
      await store.write(batch());
      await store.write({
        customers: [customer({ id: 'visitor' })],
        identities: [
          { customer_id: 'c1', anonymous_id: 'anon-ann' },
          { customer_id: 'visitor', anonymous_id: 'c1' },
        ],
      });
      await store.write({ identities: [{ customer_id: 'visitor', anonymous_id: 'anon-ann' }] });
      expect(await store.resolveCustomer({ id: 'c1' })).toBe('c1');
      expect(await store.resolveCustomer({ id: 'visitor' })).toBe('visitor');
      expect(await store.resolveCustomer({ anonymous_id: 'anon-ann' })).toBe('c1');
      expect(await store.counts()).toMatchObject({ customers: 2, merged_customers: 0 });
    });

    check('atomicBatch', async () => {
      await store.write({ customers: [customer({ id: 'c0' })] });
      const before = await store.counts();
      // A record that slipped past validation: the store must refuse the whole batch, not half of it.
      const bad = {
        ...order({ id: 'o1', customer_id: 'c1', placed_at: '2025-01-01T10:00:00Z' }),
        placed_at: 'not a time',
      };
      await expect(
        store.write({ customers: [customer({ id: 'c1', email: 'c1@example.com' })], orders: [bad] }),
      ).rejects.toThrow();
      expect(await store.counts()).toEqual(before);
      expect(await store.resolveCustomer({ id: 'c1' })).toBeUndefined();
    });

    check('concurrentWrites', async () => {
      const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
      const results = await Promise.all(ids.map((id) => store.write({ customers: [customer({ id })] })));
      expect(results.map((r) => r.customers?.inserted)).toEqual(ids.map(() => 1));
      expect((await store.counts()).customers).toBe(ids.length);
    });

    check('pingBesideWrite', async () => {
      const order: string[] = [];
      const customers = Array.from({ length: 30_000 }, (_, i) => customer({ id: `big${i}`, email: `big${i}@example.com` }));
      const writing = store.write({ customers }).then(() => order.push('write'));
      await new Promise((r) => setTimeout(r, 50));
      const pinging = store.ping().then(() => order.push('ping'));
      await Promise.all([writing, pinging]);
      expect(order).toEqual(['ping', 'write']);
    });
  });
}
