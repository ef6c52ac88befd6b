import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, type Entity } from '@strata/core';
import { Rng, mixSeed } from './prng.js';
import { csvCell, csvLine, FileSink } from './file-sink.js';
import { buildCatalog, DAY_MS, locations } from './demo-catalog.js';
import { archetypes, createPersona, customerColumns, customerRow, type Archetype, type Persona, type World } from './demo-persona.js';
import { CustomerSimulation } from './demo-behaviour.js';
import type { PlannedEvent } from './demo-events.js';
import { formatMoney, type Order } from './demo-orders.js';
import { isoTime as iso, promotionsBetween } from './demo-time.js';

/** The default end of history, fixed so that the same seed gives the same files on any day. */
export const DEFAULT_DEMO_NOW = new Date('2026-11-01T00:00:00.000Z');
export const DEFAULT_DEMO_SEED = 42;
/** Two years of orders and events end at `now`. */
const HISTORY_DAYS = 730;
/** Phone numbers and ids are unique up to this many customers. */
const MAX_CUSTOMERS = 9_999_999;

export interface DemoStoreProgress {
  entity: Entity;
  /** Rows written so far. */
  rows: number;
}

export interface DemoStoreOptions {
  customers: number;
  seed?: number;
  outDir: string;
  /** End of the generated history (default 2026-11-01T00:00:00Z). */
  now?: Date;
  onProgress?: (p: DemoStoreProgress) => void;
}

export interface DemoStoreStats {
  /** Customers per behaviour archetype. */
  archetypes: Record<Archetype, number>;
  /** Visitors with anonymous events only (no customer record). */
  anonymousVisitors: number;
  onlineOrders: number;
  shopOrders: number;
  /** Till orders naming the buyer only by email or only by phone (no customer id). */
  tillOrdersByEmail: number;
  tillOrdersByPhone: number;
  cancelledOrders: number;
  refundedOrders: number;
  durationMs: number;
}

export interface DemoStoreFiles {
  outDir: string;
  /** The file to pass to `strata import <entity> <file>`. */
  files: Record<Entity, string>;
  rows: Record<Entity, number>;
  stats: DemoStoreStats;
}

export const demoFileNames: Record<Entity, string> = {
  locations: 'locations.csv',
  products: 'products.csv',
  customers: 'customers.csv',
  orders: 'orders.csv',
  order_lines: 'order_lines.csv',
  events: 'events.jsonl',
  tags: 'tags.csv',
};

export const orderColumns = ['id', 'customer_id', 'customer_email', 'customer_phone', 'customer_country', 'location_id', 'placed_at', 'status', 'currency', 'total', 'discount_total', 'discount_codes'] as const;
export const orderLineColumns = ['order_id', 'line_no', 'sku', 'quantity', 'unit_price', 'line_discount'] as const;
export const productColumns = ['sku', 'name', 'category', 'brand', 'price', 'launched_at', 'collection', 'consumption_days'] as const;
export const locationColumns = ['id', 'name', 'kind', 'city', 'country', 'timezone'] as const;
export const tagColumns = ['customer_id', 'tag', 'source', 'assigned_by', 'assigned_at'] as const;
export { customerColumns };

/** How often progress is reported, in customers. */
const PROGRESS_EVERY = 5_000;

/**
 * Writes a seeded demo store as the files a user would import: CSV for customers, products,
 * locations, orders, order lines and tags, JSON Lines for events. Customers are generated one at
 * a time from their own random stream and streamed to disk, so memory stays flat from a thousand
 * customers to millions, and the same seed, options and `now` give byte-identical files.
 */
export async function generateDemoStore(options: DemoStoreOptions): Promise<DemoStoreFiles> {
  const started = performance.now();
  const { customers, outDir } = options;
  if (!Number.isInteger(customers) || customers < 1 || customers > MAX_CUSTOMERS) {
    throw new AppError('invalid', `customers must be a whole number from 1 to ${MAX_CUSTOMERS.toLocaleString('en')} (got ${customers})`);
  }
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  if (!Number.isInteger(seed)) throw new AppError('invalid', `seed must be a whole number (got ${seed})`);
  const nowDate = options.now ?? DEFAULT_DEMO_NOW;
  const now = nowDate.getTime();
  if (!Number.isFinite(now)) throw new AppError('invalid', 'now must be a valid date');

  await mkdir(outDir, { recursive: true });
  const windowStart = now - HISTORY_DAYS * DAY_MS;
  const world: World = {
    seed,
    customers,
    now,
    windowStart,
    idWidth: Math.max(7, String(customers).length),
    catalog: buildCatalog(seed, windowStart, now),
    phoneOffset: mixSeed(seed, 0xffff_fff1) % 10_000_000,
  };
  const files = Object.fromEntries(Object.entries(demoFileNames).map(([e, name]) => [e, join(outDir, name)])) as Record<Entity, string>;
  const rows = { locations: 0, products: 0, customers: 0, orders: 0, order_lines: 0, events: 0, tags: 0 } satisfies Record<Entity, number>;
  const report = (entity: Entity, n: number) => options.onProgress?.({ entity, rows: n });

  const locationRows = locations.map((l) => csvLine([l.id, csvCell(l.name), l.kind, csvCell(l.city ?? ''), l.country, l.timezone]));
  await writeFile(files.locations, csvLine(locationColumns) + locationRows.join(''));
  rows.locations = locationRows.length;
  report('locations', rows.locations);

  const productRows = world.catalog.products.map((p) =>
    csvLine([
      p.sku,
      csvCell(p.name),
      csvCell(p.category.name),
      csvCell(p.brand),
      formatMoney(p.priceCents),
      p.launchedAt === undefined ? '' : iso(p.launchedAt),
      p.collection ?? '',
      p.consumptionDays === undefined ? '' : String(p.consumptionDays),
    ]),
  );
  await writeFile(files.products, csvLine(productColumns) + productRows.join(''));
  rows.products = productRows.length;
  report('products', rows.products);

  const sinks = {
    customers: new FileSink(files.customers, csvLine(customerColumns)),
    orders: new FileSink(files.orders, csvLine(orderColumns)),
    order_lines: new FileSink(files.order_lines, csvLine(orderLineColumns)),
    events: new FileSink(files.events),
    tags: new FileSink(files.tags, csvLine(tagColumns)),
  };
  const sinkList = Object.values(sinks);
  const stats: DemoStoreStats = {
    archetypes: Object.fromEntries(archetypes.map((a) => [a, 0])) as Record<Archetype, number>,
    anonymousVisitors: 0,
    onlineOrders: 0,
    shopOrders: 0,
    tillOrdersByEmail: 0,
    tillOrdersByPhone: 0,
    cancelledOrders: 0,
    refundedOrders: 0,
    durationMs: 0,
  };
  const promotions = promotionsBetween(windowStart, now);
  const reportStreams = () => {
    for (const entity of ['customers', 'orders', 'order_lines', 'events', 'tags'] as const) report(entity, sinks[entity].rows);
  };

  try {
    for (let index = 0; index < customers; index++) {
      const rng = new Rng(seed, index);
      const persona = createPersona(world, rng, index);
      stats.archetypes[persona.archetype]++;
      sinks.customers.row(customerRow(rng, persona));
      const simulation = new CustomerSimulation(world, rng, persona, promotions);
      const orders = simulation.planOrders();
      writeOrders(rng, persona, orders, sinks.orders, sinks.order_lines, stats);
      writeEvents(sinks.events, `E${persona.num}-`, simulation.planEvents(orders));
      writeTags(rng, world, persona, orders, sinks.tags);
      // Some visitors never sign up: they exist only as anonymous ids in events.
      if (rng.chance(0.15)) {
        const visitor = simulation.anonymousVisitor();
        if (visitor.events.length > 0) {
          stats.anonymousVisitors++;
          writeEvents(sinks.events, `E${persona.num}-v`, visitor.events);
        }
      }
      for (const sink of sinkList) if (sink.full) await sink.flush();
      if ((index + 1) % PROGRESS_EVERY === 0) reportStreams();
    }
    for (const sink of sinkList) await sink.close();
  } catch (e) {
    for (const sink of sinkList) sink.destroy();
    throw e;
  }
  for (const entity of ['customers', 'orders', 'order_lines', 'events', 'tags'] as const) rows[entity] = sinks[entity].rows;
  reportStreams();
  stats.durationMs = Math.round(performance.now() - started);
  return { outDir, files, rows, stats };
}

/**
 * Orders and their lines. Online orders name the customer by id; at the till some customers give
 * an email or phone instead of a loyalty card, the same one as on their customer record (a
 * shop assistant sometimes types the phone in national format or capitalises the email — both
 * normalise to the stored value), so identity resolution has something to merge.
 */
function writeOrders(rng: Rng, p: Persona, orders: readonly Order[], orderSink: FileSink, lineSink: FileSink, stats: DemoStoreStats): void {
  for (const o of orders) {
    let customer = p.id;
    let email = '';
    let phone = '';
    if (o.shop) {
      stats.shopOrders++;
      if (p.givesContactAtTill && rng.chance(0.85)) {
        if (p.email && (!p.phone || rng.chance(0.6))) {
          customer = '';
          email = rng.chance(0.1) ? p.email[0]!.toUpperCase() + p.email.slice(1) : p.email;
          stats.tillOrdersByEmail++;
        } else if (p.phone) {
          customer = '';
          phone = rng.chance(0.25) ? p.phoneNational! : p.phone;
          stats.tillOrdersByPhone++;
        }
      }
    } else {
      stats.onlineOrders++;
    }
    if (o.status === 'cancelled') stats.cancelledOrders++;
    else if (o.status === 'refunded') stats.refundedOrders++;
    orderSink.row(
      `${o.id},${customer},${email},${phone},${p.country.code},${o.shop?.id ?? 'WEB'},${iso(o.at)},${o.status},${o.currency},${formatMoney(o.totalCents)},${formatMoney(o.discountCents)},${o.codes.join(';')}\n`,
    );
    for (let k = 0; k < o.lines.length; k++) {
      const l = o.lines[k]!;
      lineSink.row(`${o.id},${k + 1},${l.sku},${l.quantity},${formatMoney(l.unitCents)},${formatMoney(l.lineDiscountCents)}\n`);
    }
  }
}

function writeEvents(sink: FileSink, idPrefix: string, events: readonly PlannedEvent[]): void {
  for (let k = 0; k < events.length; k++) {
    const e = events[k]!;
    sink.row(`{"message_id":"${idPrefix}${k + 1}",${e.who}"type":"${e.type}","occurred_at":"${iso(e.t)}","properties":${e.props}}\n`);
  }
}

/** Tags staff and rules assigned: VIPs, influencers, complaints after a refund, shop regulars. */
function writeTags(rng: Rng, world: World, p: Persona, orders: readonly Order[], sink: FileSink): void {
  const tag = (name: string, source: 'manual' | 'rule', by: string, at: number) => {
    if (at < world.now) sink.row(`${p.id},${name},${source},${by},${iso(Math.floor(at))}\n`);
  };
  const after = Math.max(p.createdAt, world.windowStart);
  if (p.archetype === 'big_spender' && orders.length >= 3) tag('vip', 'rule', 'segment:big-spenders', orders[2]!.at + DAY_MS);
  if (rng.chance(0.004)) tag('influencer', 'manual', 'marketing@lumen.example', rng.between(after, world.now));
  const refund = orders.find((o) => o.status === 'refunded');
  if (refund && rng.chance(0.4)) tag('complaint', 'manual', 'support@lumen.example', refund.at + rng.between(1, 6) * DAY_MS);
  if (p.archetype === 'loyal_weekly' && p.shop && orders.length > 10 && orders[5]!.shop && rng.chance(0.3)) {
    tag('shop-regular', 'manual', `staff:${p.shop.id}`, orders[5]!.at + DAY_MS);
  }
  if (rng.chance(0.01)) tag('b2b', 'manual', 'sales@lumen.example', rng.between(after, world.now));
}
