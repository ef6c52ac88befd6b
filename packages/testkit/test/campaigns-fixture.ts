/*
 * A small shop for the campaign tests: a real DuckDB file, a test clock, customers with the
 * consent, addresses and time zones each test needs, profiles computed as of the start, and a
 * message sender that records every call (the fake provider).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Customer,
  Location,
  ManualClock,
  Order,
  Product,
  type Channel,
  type CustomerInput,
  type MessageSender,
  type OutgoingMessage,
  type SendResult,
} from '@strata/core';
import { computeProfiles } from '@strata/profiles';
import { SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';

/** A Monday, 10:00 UTC: 11:00 in Berlin, 02:00 in Los Angeles, 23:00 in Auckland. */
export const START = '2026-03-02T10:00:00.000Z';
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface Shop {
  dir: string;
  path: string;
  store: DuckDbStore;
  clock: ManualClock;
  segments: SegmentService;
  close(): Promise<void>;
  reopen(): Promise<void>;
}

export async function openShop(): Promise<Shop> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-campaigns-'));
  const path = join(dir, 'store.duckdb');
  const clock = new ManualClock(START);
  const shop: Shop = {
    dir,
    path,
    clock,
    store: await DuckDbStore.open(path, { clock }),
    segments: undefined as unknown as SegmentService,
    async close() {
      await shop.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
    /** A new process on the same file: the store closed and opened again. */
    async reopen() {
      await shop.store.close();
      shop.store = await DuckDbStore.open(path, { clock });
      shop.segments = new SegmentService(shop.store, { clock });
    },
  };
  shop.segments = new SegmentService(shop.store, { clock });
  await shop.store.write({
    locations: [Location.parse({ id: 'web', name: 'Online shop', kind: 'online' })],
    products: [
      Product.parse({ sku: 'TEA-1', name: 'Green tea', category: 'Tea', price: 8, consumption_days: 30 }),
      Product.parse({ sku: 'TEA-2', name: 'Black tea', category: 'Tea', price: 7 }),
      Product.parse({ sku: 'TEA-3', name: 'White tea', category: 'Tea', price: 12 }),
      Product.parse({ sku: 'MUG', name: 'Mug', category: 'Kitchen', price: 15 }),
    ],
  });
  return shop;
}

const granted = (at = '2026-01-01T00:00:00Z') => ({ granted: true, at, source: 'checkout' });

/** A customer with email consent unless told otherwise. */
export const person = (id: string, extra: Partial<CustomerInput> = {}): Customer =>
  Customer.parse({
    id,
    email: `${id}@example.com`,
    name: `${id.toUpperCase()} Tester`,
    consent: { email: granted() },
    ...extra,
  });

export { granted };

let orderNo = 0;
export const order = (
  customer: string,
  placedAt: string,
  lines: [sku: string, quantity: number, price: number][],
  codes: string[] = [],
) =>
  Order.parse({
    id: `o-${++orderNo}`,
    customer_id: customer,
    placed_at: placedAt,
    currency: 'EUR',
    total: lines.reduce((s, [, q, p]) => s + q * p, 0),
    discount_codes: codes,
    lines: lines.map(([sku, quantity, unit_price]) => ({ sku, quantity, unit_price })),
  });

/** Profiles as of the clock's time (segments are evaluated on them). */
export async function profile(shop: Shop): Promise<void> {
  await computeProfiles(shop.store, { asOf: shop.clock.now(), ranBy: 'test' });
}

/** What `logMessage` writes: campaign, customer, channel, status, sent that long after START (null: not sent), reason. */
export type LoggedMessage = [
  campaign: string,
  customer: string,
  channel: string,
  status: string,
  sentAt: number | null,
  reason?: string,
];

const logged = new WeakMap<Shop, number>();

/**
 * A row of the message log as the send engine leaves it: due and created at START, sent `sentAt`
 * ms after it; the reason is `held_out` for a held-out message and `send` otherwise, unless given.
 * Ids are m001, m002, … in the order written on this shop. Returns the id.
 */
export async function logMessage(shop: Shop, ...[campaign, customer, channel, status, sentAt, reason]: LoggedMessage) {
  const n = (logged.get(shop) ?? 0) + 1;
  logged.set(shop, n);
  const id = `m${String(n).padStart(3, '0')}`;
  await shop.store.exec(
    `INSERT INTO messages (id, campaign_id, step, customer_id, channel, status, reason, due_at, attempts, sent_at, created_at, updated_at)
     VALUES ($1, $2, 'main', $3, $4, $5, $6, $7::TIMESTAMPTZ, 1, $8::TIMESTAMPTZ, $7::TIMESTAMPTZ, $7::TIMESTAMPTZ)`,
    [
      id,
      campaign,
      customer,
      channel,
      status,
      reason ?? (status === 'held_out' ? 'held_out' : 'send'),
      START,
      sentAt === null ? null : new Date(Date.parse(START) + sentAt).toISOString(),
    ],
  );
  return id;
}

/** A message sent in the past by another campaign (for frequency caps). */
export async function pastMessage(
  shop: Shop,
  customerId: string,
  channel: Channel,
  at: string,
  n: number,
): Promise<void> {
  await shop.store.exec(
    `INSERT INTO messages (id, campaign_id, step, customer_id, channel, status, due_at, attempts, sending_at, sent_at, created_at, updated_at)
     VALUES ($1, 'earlier', 'main', $2, $3, 'sent', $4::TIMESTAMPTZ, 1, $4::TIMESTAMPTZ, $4::TIMESTAMPTZ, $4::TIMESTAMPTZ, $4::TIMESTAMPTZ)`,
    [`past-${customerId}-${channel}-${n}`, customerId, channel, at],
  );
}

/**
 * The fake provider: records every call, answers from `answer` (default: accepted). `before`
 * runs before a call is recorded; throwing there is a process dying before the request left.
 */
export class RecordingSender implements MessageSender {
  readonly channels: readonly Channel[] = ['email', 'sms', 'whatsapp'];
  /** Channels on which it says the provider de-duplicates by send id (all, unless a test says none, as SMTP). */
  deduplicates: readonly Channel[] = ['email', 'sms', 'whatsapp'];
  readonly calls: OutgoingMessage[] = [];
  before: (m: OutgoingMessage, n: number) => void = () => undefined;
  answer: (m: OutgoingMessage, n: number) => SendResult = (m) => ({ ok: true, providerId: `p-${m.id}` });

  send(message: OutgoingMessage): Promise<SendResult> {
    this.before(message, this.calls.length + 1);
    this.calls.push(message);
    return Promise.resolve(this.answer(message, this.calls.length));
  }

  callsById(): Map<string, number> {
    const m = new Map<string, number>();
    for (const c of this.calls) m.set(c.id, (m.get(c.id) ?? 0) + 1);
    return m;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
