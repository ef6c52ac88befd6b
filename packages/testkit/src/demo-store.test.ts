import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { AppError, Customer, Event, Location, Order, OrderLineRow, Product, TagAssignment, type Entity } from '@strata/core';
import { describeDemoStore, generateDemoStore, type DemoStoreFiles, type DemoStoreProgress } from './index.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-01T00:00:00.000Z');
const CUSTOMERS = 1_000;

/**
 * Reads a CSV file as `strata import` does: header names are field names, dotted names nest,
 * an empty cell is "not given". Test-only; the real reader lives in @strata/ingest.
 */
function readCsv(path: string): Record<string, unknown>[] {
  const [header, ...records] = parse(readFileSync(path));
  const paths = header!.map((h) => h.split('.'));
  return records.map((record) => {
    expect(record.length).toBe(paths.length);
    const value: Record<string, unknown> = {};
    record.forEach((cell, i) => {
      if (cell === '') return;
      const path = paths[i]!;
      let node = value;
      for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
      node[path[path.length - 1]!] = cell;
    });
    return value;
  });
}

const readJsonl = (path: string): Record<string, unknown>[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

function parseAll<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: unknown } }, rows: Record<string, unknown>[], entity: string): T[] {
  return rows.map((row, i) => {
    const r = schema.safeParse(row);
    if (!r.success) throw new Error(`${entity} row ${i + 2} does not validate: ${JSON.stringify(r.error)}\n${JSON.stringify(row)}`);
    return r.data;
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Store {
  result: DemoStoreFiles;
  progress: DemoStoreProgress[];
  customers: Customer[];
  products: Product[];
  locations: Location[];
  orders: Order[];
  lines: OrderLineRow[];
  events: Event[];
  tags: TagAssignment[];
  /** Orders by the customer they resolve to (id, else the owner of the email or phone). */
  ordersOf: Map<string, Order[]>;
  linesOf: Map<string, OrderLineRow[]>;
  productBySku: Map<string, Product>;
}

let store: Store;

beforeAll(async () => {
  const progress: DemoStoreProgress[] = [];
  const result = await generateDemoStore({ customers: CUSTOMERS, seed: 7, now: NOW, outDir: mkdtempSync(join(tmpdir(), 'strata-demo-')), onProgress: (p) => progress.push(p) });
  const customers = parseAll(Customer, readCsv(result.files.customers), 'customers');
  const orders = parseAll(Order, readCsv(result.files.orders), 'orders');
  const lines = parseAll(OrderLineRow, readCsv(result.files.order_lines), 'order_lines');
  const byEmail = new Map(customers.filter((c) => c.email).map((c) => [c.email!, c.id]));
  const byPhone = new Map(customers.filter((c) => c.phone).map((c) => [c.phone!, c.id]));
  const ordersOf = new Map<string, Order[]>();
  for (const o of orders) {
    const owner = o.customer_id ?? (o.customer_email ? byEmail.get(o.customer_email) : undefined) ?? (o.customer_phone ? byPhone.get(o.customer_phone) : undefined);
    if (owner === undefined) throw new Error(`order ${o.id} belongs to no customer`);
    const list = ordersOf.get(owner) ?? [];
    list.push(o);
    ordersOf.set(owner, list);
  }
  const linesOf = new Map<string, OrderLineRow[]>();
  for (const l of lines) linesOf.set(l.order_id, [...(linesOf.get(l.order_id) ?? []), l]);
  const products = parseAll(Product, readCsv(result.files.products), 'products');
  store = {
    result,
    progress,
    customers,
    products,
    locations: parseAll(Location, readCsv(result.files.locations), 'locations'),
    orders,
    lines,
    events: parseAll(Event, readJsonl(result.files.events), 'events'),
    tags: parseAll(TagAssignment, readCsv(result.files.tags), 'tags'),
    ordersOf,
    linesOf,
    productBySku: new Map(products.map((p) => [p.sku, p])),
  };
});

describe('generateDemoStore: the files', () => {
  it('writes one file per entity whose rows all validate with the core schemas', () => {
    const { result } = store;
    expect(Object.keys(result.files).sort()).toEqual(['customers', 'events', 'locations', 'order_lines', 'orders', 'products', 'tags']);
    expect(result.rows.customers).toBe(CUSTOMERS);
    expect(store.customers).toHaveLength(CUSTOMERS);
    expect(store.orders).toHaveLength(result.rows.orders);
    expect(store.lines).toHaveLength(result.rows.order_lines);
    expect(store.events).toHaveLength(result.rows.events);
    expect(store.tags).toHaveLength(result.rows.tags);
    expect(store.locations).toHaveLength(13);
  });

  it('writes the headers a user would import', () => {
    const header = (e: Entity) => readFileSync(store.result.files[e], 'utf8').split('\n', 1)[0];
    expect(header('orders')).toBe('id,customer_id,customer_email,customer_phone,customer_country,location_id,placed_at,status,currency,total,discount_total,discount_codes');
    expect(header('order_lines')).toBe('order_id,line_no,sku,quantity,unit_price,line_discount');
    expect(header('products')).toBe('sku,name,category,brand,price,launched_at,collection,consumption_days');
    expect(header('locations')).toBe('id,name,kind,city,country,timezone');
    expect(header('tags')).toBe('customer_id,tag,source,assigned_by,assigned_at');
    expect(header('customers')).toContain('shipping_address.city');
    expect(header('customers')).toContain('consent.email.granted,consent.email.at,consent.email.source');
  });

  it('is about the size asked for: ~10 orders and ~40 events per customer', () => {
    const { rows } = store.result;
    expect(rows.orders / CUSTOMERS).toBeGreaterThan(7);
    expect(rows.orders / CUSTOMERS).toBeLessThan(13);
    expect(rows.events / CUSTOMERS).toBeGreaterThan(30);
    expect(rows.events / CUSTOMERS).toBeLessThan(60);
    expect(rows.products).toBeGreaterThan(200);
  });

  it('reports progress per entity, ending at the row counts', () => {
    for (const entity of ['locations', 'products', 'customers', 'orders', 'order_lines', 'events', 'tags'] as const) {
      const last = store.progress.filter((p) => p.entity === entity).at(-1);
      expect(last?.rows).toBe(store.result.rows[entity]);
    }
  });

  it('describes what it wrote', () => {
    const text = describeDemoStore(store.result);
    expect(text).toMatch(/^customers\s+1,000 /m);
    expect(text).toMatch(/per customer: [\d.]+ orders/);
    expect(text).toMatch(/one_time \d/);
  });
});

describe('generateDemoStore: determinism', () => {
  const bytes = (r: DemoStoreFiles) => Object.fromEntries(Object.entries(r.files).map(([e, p]) => [e, readFileSync(p).toString('base64')]));

  it('writes byte-identical files for the same seed, options and now, and different ones for another seed', async () => {
    const gen = (seed: number) => generateDemoStore({ customers: 300, seed, now: NOW, outDir: mkdtempSync(join(tmpdir(), 'strata-demo-')) });
    const [a, b, c] = await Promise.all([gen(11), gen(11), gen(12)]);
    expect(bytes(b)).toEqual(bytes(a));
    const other = bytes(c);
    for (const entity of ['customers', 'orders', 'order_lines', 'events'] as const) expect(other[entity]).not.toBe(bytes(a)[entity]);
  });

  it('refuses a customer count it cannot make unique ids for', async () => {
    await expect(generateDemoStore({ customers: 0, outDir: tmpdir() })).rejects.toBeInstanceOf(AppError);
    await expect(generateDemoStore({ customers: 1.5, outDir: tmpdir() })).rejects.toThrow(/whole number/);
  });
});

describe('generateDemoStore: references', () => {
  it('gives unique ids, emails and phones', () => {
    const unique = (xs: (string | undefined)[]) => new Set(xs.filter((x) => x !== undefined)).size === xs.filter((x) => x !== undefined).length;
    expect(unique(store.customers.map((c) => c.id))).toBe(true);
    expect(unique(store.customers.map((c) => c.email))).toBe(true);
    expect(unique(store.customers.map((c) => c.phone))).toBe(true);
    expect(unique(store.orders.map((o) => o.id))).toBe(true);
    expect(unique(store.events.map((e) => e.message_id))).toBe(true);
    expect(unique(store.lines.map((l) => `${l.order_id}#${l.line_no}`))).toBe(true);
    expect(unique(store.tags.map((t) => `${t.customer_id}#${t.tag}`))).toBe(true);
  });

  it('has every order line point at an existing order and product, and every order at least one line', () => {
    const orderIds = new Set(store.orders.map((o) => o.id));
    for (const l of store.lines) {
      expect(orderIds.has(l.order_id)).toBe(true);
      expect(store.productBySku.has(l.sku)).toBe(true);
    }
    for (const o of store.orders) expect(store.linesOf.get(o.id)?.length).toBeGreaterThan(0);
  });

  it('sells a product only once it is launched', () => {
    const placed = new Map(store.orders.map((o) => [o.id, o.placed_at]));
    for (const l of store.lines) {
      const launched = store.productBySku.get(l.sku)!.launched_at;
      if (launched) expect(placed.get(l.order_id)! >= launched).toBe(true);
    }
  });

  it('has orders at known locations, by known customers, after they signed up and before now', () => {
    const locationIds = new Set(store.locations.map((l) => l.id));
    const created = new Map(store.customers.map((c) => [c.id, c.created_at!]));
    for (const [customer, orders] of store.ordersOf) {
      for (const o of orders) {
        expect(locationIds.has(o.location_id)).toBe(true);
        expect(o.placed_at > created.get(customer)!).toBe(true);
        expect(Date.parse(o.placed_at)).toBeLessThan(NOW.getTime());
        expect(Date.parse(o.placed_at)).toBeGreaterThan(NOW.getTime() - 731 * DAY);
      }
    }
  });

  it('identifies a share of till orders only by the email or phone on an existing customer record', () => {
    const till = store.orders.filter((o) => o.location_id !== 'WEB');
    const byEmail = till.filter((o) => o.customer_id === undefined && o.customer_email !== undefined);
    const byPhone = till.filter((o) => o.customer_id === undefined && o.customer_phone !== undefined);
    expect(byEmail.length).toBeGreaterThan(50);
    expect(byPhone.length).toBeGreaterThan(20);
    expect((byEmail.length + byPhone.length) / till.length).toBeGreaterThan(0.15);
    // Online orders always carry the customer id.
    for (const o of store.orders.filter((x) => x.location_id === 'WEB')) expect(o.customer_id).toBeDefined();
    // (Every till order resolved to a customer in beforeAll, or it would have thrown.)
    const raw = readFileSync(store.result.files.orders, 'utf8');
    expect(raw).toMatch(/,,,0\d[\d ]+,[A-Z]{2},/); // some phones typed in national format, normalised by the schema
  });

  it('references existing customers from events, tags and referrals; referrers signed up first', () => {
    const created = new Map(store.customers.map((c) => [c.id, c.created_at!]));
    for (const e of store.events) if (e.customer_id !== undefined) expect(created.has(e.customer_id)).toBe(true);
    for (const t of store.tags) expect(created.has(t.customer_id)).toBe(true);
    const referred = store.customers.filter((c) => c.referred_by !== undefined);
    expect(referred.length).toBeGreaterThan(10);
    for (const c of referred) expect(created.get(c.referred_by!)! < c.created_at!).toBe(true);
    const referrals = store.events.filter((e) => e.type === 'referral');
    expect(referrals.length).toBeGreaterThan(0);
    for (const e of referrals) expect(store.customers.find((c) => c.id === e.properties.referee)?.referred_by).toBe(e.properties.referrer);
  });

  it('keeps events between sign-up (or the anonymous visits before it) and now', () => {
    const created = new Map(store.customers.map((c) => [c.id, c.created_at!]));
    for (const e of store.events) {
      expect(Date.parse(e.occurred_at)).toBeLessThan(NOW.getTime());
      if (e.customer_id !== undefined && e.type !== 'referral') expect(e.occurred_at >= created.get(e.customer_id)!).toBe(true);
    }
  });
});

describe('generateDemoStore: money', () => {
  it('makes total = Σ(quantity × unit_price − line_discount) − discount_total for every order', () => {
    for (const o of store.orders) {
      const cents = store.linesOf.get(o.id)!.reduce((sum, l) => sum + Math.round(l.quantity * l.unit_price * 100) - Math.round(l.line_discount * 100), 0);
      expect(Math.round(o.total * 100)).toBe(cents - Math.round(o.discount_total * 100));
      expect(o.total).toBeGreaterThanOrEqual(0);
      if (o.discount_total > 0) expect(o.discount_codes.length).toBeGreaterThan(0);
    }
  });

  it('prices lines at the list price (GBP for British customers) and discounts last season', () => {
    const britishOrders = store.orders.filter((o) => o.currency === 'GBP');
    expect(britishOrders.length).toBeGreaterThan(0);
    for (const o of britishOrders) expect(o.customer_country).toBe('GB');
    const euroLines = store.lines.filter((l) => store.orders.find((o) => o.id === l.order_id)?.currency === 'EUR').slice(0, 500);
    for (const l of euroLines) expect(l.unit_price).toBe(store.productBySku.get(l.sku)!.price);
    expect(store.lines.some((l) => l.line_discount > 0)).toBe(true);
  });

  it('cancels or refunds about 3% of orders', () => {
    const share = store.orders.filter((o) => o.status !== 'confirmed').length / store.orders.length;
    expect(share).toBeGreaterThan(0.015);
    expect(share).toBeLessThan(0.05);
    expect(store.orders.some((o) => o.status === 'cancelled')).toBe(true);
    expect(store.orders.some((o) => o.status === 'refunded')).toBe(true);
  });

  it('has a heavy tail of spend: the top 5% of buyers spend several times their share', () => {
    const spend = [...store.ordersOf.values()].map((os) => os.reduce((s, o) => s + o.total, 0)).sort((a, b) => b - a);
    const total = spend.reduce((a, b) => a + b, 0);
    const top = spend.slice(0, Math.ceil(spend.length * 0.05)).reduce((a, b) => a + b, 0);
    expect(top / total).toBeGreaterThan(0.2);
  });
});

describe('generateDemoStore: behaviour a segment can find', () => {
  const buyers = () => [...store.ordersOf.entries()];

  it('has one-time buyers, and prospects with events but no orders', () => {
    expect(buyers().filter(([, os]) => os.length === 1).length).toBeGreaterThan(50);
    const withEvents = new Set(store.events.map((e) => e.customer_id).filter((id) => id !== undefined));
    const prospects = store.customers.filter((c) => !store.ordersOf.has(c.id) && withEvents.has(c.id));
    expect(prospects.length).toBeGreaterThan(50);
    const prospectIds = new Set(prospects.map((c) => c.id));
    const types = new Set(store.events.filter((e) => prospectIds.has(e.customer_id!)).map((e) => e.type));
    for (const t of ['page_view', 'product_view', 'add_to_cart', 'chat_message']) expect(types).toContain(t);
  });

  it('has coupon-only buyers: several orders, every one with a discount code', () => {
    const couponOnly = buyers().filter(([, os]) => os.length >= 3 && os.every((o) => o.discount_codes.length > 0));
    expect(couponOnly.length).toBeGreaterThan(20);
  });

  it('has weekly buyers with a habitual weekday (in shop-local time)', () => {
    const habitual = buyers().filter(([, os]) => {
      if (os.length < 12) return false;
      const days = [0, 0, 0, 0, 0, 0, 0];
      for (const o of os) days[new Date(o.placed_at).getUTCDay()]!++;
      return Math.max(...days) / os.length > 0.7;
    });
    expect(habitual.length).toBeGreaterThan(20);
  });

  it('has replenishment buyers who rebuy a consumable at about its consumption cycle', () => {
    let regular = 0;
    for (const [, os] of buyers()) {
      const bySku = new Map<string, { at: number; quantity: number }[]>();
      for (const o of [...os].sort((a, b) => a.placed_at.localeCompare(b.placed_at))) {
        for (const l of store.linesOf.get(o.id)!) {
          if (!store.productBySku.get(l.sku)!.consumption_days) continue;
          bySku.set(l.sku, [...(bySku.get(l.sku) ?? []), { at: Date.parse(o.placed_at), quantity: l.quantity }]);
        }
      }
      for (const [sku, buys] of bySku) {
        if (buys.length < 5) continue;
        const days = store.productBySku.get(sku)!.consumption_days!;
        const ratios = buys.slice(1).map((b, i) => (b.at - buys[i]!.at) / DAY / (days * buys[i]!.quantity));
        if (Math.abs(median(ratios) - 1) < 0.25) regular++;
      }
    }
    expect(regular).toBeGreaterThan(20);
  });

  it('has lapsed customers: a history of orders, nothing in the last five months', () => {
    const cutoff = new Date(NOW.getTime() - 150 * DAY).toISOString();
    const lapsed = buyers().filter(([, os]) => os.length >= 3 && os.every((o) => o.placed_at < cutoff));
    expect(lapsed.length).toBeGreaterThan(20);
  });

  it('has trend followers buying new collections within days of launch', () => {
    const followers = buyers().filter(([, os]) => {
      const collections = new Set<string>();
      for (const o of os) {
        for (const l of store.linesOf.get(o.id)!) {
          const p = store.productBySku.get(l.sku)!;
          if (p.collection && p.launched_at && Date.parse(o.placed_at) - Date.parse(p.launched_at) < 4 * DAY) collections.add(p.collection);
        }
      }
      return collections.size >= 3;
    });
    expect(followers.length).toBeGreaterThan(5);
  });

  it('has abandoned carts (no order within an hour) and carts followed by an order', () => {
    const orderTimes = new Map(buyers().map(([id, os]) => [id, os.map((o) => Date.parse(o.placed_at))]));
    let abandoned = 0;
    let converted = 0;
    for (const e of store.events) {
      if (e.type !== 'add_to_cart' || e.customer_id === undefined) continue;
      const t = Date.parse(e.occurred_at);
      if ((orderTimes.get(e.customer_id) ?? []).some((o) => o >= t && o - t <= 3_600_000)) converted++;
      else abandoned++;
    }
    expect(abandoned).toBeGreaterThan(300);
    expect(converted).toBeGreaterThan(1000);
  });

  it('has anonymous visitors, and visitors whose anonymous id is linked to a customer on sign-up', () => {
    expect(store.events.filter((e) => e.customer_id === undefined && e.anonymous_id !== undefined).length).toBeGreaterThan(200);
    const linking = store.events.filter((e) => e.customer_id !== undefined && e.anonymous_id !== undefined);
    expect(linking.length).toBeGreaterThan(20);
    const linked = new Set(linking.map((e) => e.anonymous_id));
    expect(store.events.some((e) => e.customer_id === undefined && linked.has(e.anonymous_id))).toBe(true);
  });

  it('uses every event type with the properties segments read', () => {
    const types = new Set(store.events.map((e) => e.type));
    for (const t of ['page_view', 'product_view', 'add_to_cart', 'remove_from_cart', 'checkout_started', 'chat_message', 'content_view', 'questionnaire_answer', 'review', 'referral', 'event_attended', 'newsletter_opt_in', 'newsletter_opt_out']) {
      expect(types, t).toContain(t);
    }
    const pageKinds = new Set(store.events.filter((e) => e.type === 'page_view').map((e) => e.properties.page_kind));
    expect([...pageKinds].sort()).toEqual(['category', 'demo_video', 'home', 'product']);
    const answers = store.events.filter((e) => e.type === 'questionnaire_answer');
    expect(new Set(answers.filter((e) => e.properties.question === 'household').map((e) => e.properties.option))).toEqual(new Set(['parent', 'single', 'couple']));
    expect(new Set(answers.filter((e) => e.properties.question === 'skin_type').map((e) => e.properties.option))).toEqual(new Set(['dry', 'oily', 'combination', 'normal', 'sensitive']));
    expect(store.events.some((e) => e.type === 'chat_message' && typeof e.properties.session_id === 'string' && typeof e.properties.text === 'string')).toBe(true);
    expect(store.events.some((e) => e.type === 'content_view' && e.properties.topic === 'baby safety')).toBe(true);
  });
});

describe('generateDemoStore: people', () => {
  it('covers every age group, several countries and walks of life', () => {
    const ages = store.customers.map((c) => c.age ?? (c.birthday ? Math.floor((NOW.getTime() - Date.parse(c.birthday)) / (365.25 * DAY)) : undefined)).filter((a) => a !== undefined);
    expect(ages.length).toBeGreaterThan(CUSTOMERS * 0.7);
    for (const [lo, hi] of [[18, 29], [30, 44], [45, 59], [60, 130]] as const) expect(ages.filter((a) => a >= lo && a <= hi).length).toBeGreaterThan(50);
    expect(Math.min(...ages)).toBeGreaterThanOrEqual(18);
    expect(new Set(store.customers.map((c) => c.country)).size).toBeGreaterThanOrEqual(6);
    for (const s of ['student', 'office worker', 'parent', 'retiree']) expect(store.customers.some((c) => c.social_identity === s)).toBe(true);
  });

  it('gives E.164 mobile numbers of the customer country', () => {
    const dial: Record<string, string> = { DE: '+49', FR: '+33', NL: '+31', GB: '+44', ES: '+34', IT: '+39', AT: '+43', BE: '+32' };
    const withPhone = store.customers.filter((c) => c.phone);
    expect(withPhone.length).toBeGreaterThan(CUSTOMERS * 0.5);
    for (const c of withPhone) expect(c.phone!.startsWith(dial[c.country!]!)).toBe(true);
  });

  it('records consent per channel with time and source, some of it withdrawn', () => {
    const email = store.customers.map((c) => c.consent.email).filter((c) => c !== undefined);
    expect(email.filter((c) => c.granted).length).toBeGreaterThan(CUSTOMERS * 0.4);
    expect(email.some((c) => !c.granted && c.source === 'unsubscribe_link')).toBe(true);
    expect(store.customers.some((c) => c.consent.sms?.granted)).toBe(true);
    expect(store.customers.some((c) => c.consent.whatsapp?.granted)).toBe(true);
    for (const c of email) expect(c.source).toBeDefined();
  });

  it('sometimes bills to another address than it ships to', () => {
    const differs = store.customers.filter((c) => c.billing_address && JSON.stringify(c.billing_address) !== JSON.stringify(c.shipping_address));
    expect(differs.length).toBeGreaterThan(20);
    expect(store.customers.some((c) => Object.keys(c.attributes).length > 0)).toBe(true);
  });

  it('places shop orders in opening hours (10:00–20:00 local, Monday to Saturday)', () => {
    const zone = new Map(store.locations.map((l) => [l.id, l.timezone!]));
    const shopOrders = store.orders.filter((o) => o.location_id !== 'WEB');
    const inHours = shopOrders.filter((o) => {
      const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone.get(o.location_id), hour: 'numeric', weekday: 'short', hourCycle: 'h23' }).formatToParts(Date.parse(o.placed_at));
      const hour = Number(parts.find((p) => p.type === 'hour')!.value);
      return hour >= 10 && hour < 20 && parts.find((p) => p.type === 'weekday')!.value !== 'Sun';
    });
    expect(inHours.length / shopOrders.length).toBeGreaterThan(0.97);
  });
});
