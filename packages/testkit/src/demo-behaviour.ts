/*
 * What one demo customer does over the two years: the orders their archetype implies (at shop
 * hours or online in the evening, consumables at their consumption cycle, collections at launch)
 * and the web events around them (sessions before online orders, abandoned carts, browsing,
 * chats, reviews). Everything comes from the customer's own random stream, so customers can be
 * generated one at a time and in any number.
 */
import type { Rng } from './prng.js';
import { DAY_MS, type CatalogCategory, type CatalogLocation, type CatalogProduct, type Collection } from './demo-catalog.js';
import type { Persona, World } from './demo-persona.js';
import {
  HOUR_MS,
  MINUTE_MS,
  evergreenCodes,
  isSaleMonth,
  localTime,
  onlineMinute,
  seasonalDay,
  shopMinute,
  startOfDay,
  weekdayOf,
  type Promotion,
} from './demo-time.js';

interface Item {
  product: CatalogProduct;
  quantity: number;
}

interface Code {
  code: string;
  percent: number;
  fixed: number;
}

interface PlannedOrder {
  at: number;
  /** Undefined for the online shop. */
  shop: CatalogLocation | undefined;
  items: Item[];
  codes: Code[];
}

export interface OrderLine {
  sku: string;
  quantity: number;
  unitCents: number;
  lineDiscountCents: number;
}

export interface Order {
  id: string;
  at: number;
  shop: CatalogLocation | undefined;
  lines: OrderLine[];
  items: Item[];
  codes: string[];
  /**
   * Order-level discount from codes, apart from line discounts. The order total is
   * Σ(quantity × unit_price − line_discount) − discount_total, in the order's currency.
   */
  discountCents: number;
  totalCents: number;
  status: 'confirmed' | 'cancelled' | 'refunded';
  currency: string;
}

export interface PlannedEvent {
  t: number;
  type: string;
  /** The JSON text of `properties`. */
  props: string;
  /** The JSON members naming who did it, with a trailing comma (`"customer_id":"C1",`). */
  who: string;
}

/** A share of orders is cancelled or refunded (about 3%). */
const CANCELLED_SHARE = 0.015;
const REFUNDED_SHARE = 0.015;

const apparelKeys = ['womens_fashion', 'mens_fashion', 'shoes'];

const chatGeneral = [
  'Hi, where is my order?',
  'Can I return something I bought online in one of your shops?',
  'Do you offer gift wrapping?',
  'How long does delivery to {city} take?',
  'Is there a student discount?',
  'My discount code does not work at checkout.',
  'Can I change my delivery address?',
];
const chatByKind: Record<string, readonly string[]> = {
  consumable: ['How long does one {product} last?', 'Can I get {product} on a subscription?', 'When is {product} back in stock?'],
  durable: ['Can I try the {product} in a shop?', 'What is the warranty on the {product}?', 'Is the {product} compatible with my car?', 'Is there a newer model than the {product}?'],
  accessory: ['Does the {product} fit my model?', 'Is the {product} washable?'],
  apparel: ['Does the {product} run small?', 'Will the {product} come back in my size?', 'Can I exchange the {product} for a bigger size?'],
  book: ['Is {product} part of a series?', 'Is {product} also available as an e-book?'],
  general: ['Is the {product} dishwasher safe?', 'Can you gift wrap the {product}?', 'Which age is the {product} for?'],
};

/** Whole cents (never negative here) as a decimal with two places: 1205 → "12.05". */
export function formatMoney(cents: number): string {
  const c = cents % 100;
  return `${Math.floor(cents / 100)}.${c < 10 ? '0' : ''}${c}`;
}
const money = formatMoney;

function ageGroup(age: number): string {
  return age < 30 ? '18-29' : age < 45 ? '30-44' : age < 60 ? '45-59' : '60+';
}

/** The collection on sale at `t` (the newest launched by then) and the one before it. */
function collectionsAt(collections: readonly Collection[], t: number): [current: Collection | undefined, previous: Collection | undefined] {
  for (let i = collections.length - 1; i >= 0; i--) {
    if (collections[i]!.launchedAt <= t) return [collections[i], collections[i - 1]];
  }
  return [undefined, undefined];
}

export class CustomerSimulation {
  private readonly planned: PlannedOrder[] = [];
  private events: PlannedEvent[] = [];
  private readonly from: number;
  private readonly to: number;
  /** No orders after this (lapsed and churned customers stopped buying). */
  private ordersUntil: number;
  /** Events stop here (lapsed and churned customers stop visiting a little after their last order). */
  private activeUntil: number;
  private readonly who: string;
  private readonly anonymousId: string | undefined;
  private chats = 0;

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly p: Persona,
    private readonly promotions: readonly Promotion[],
  ) {
    this.from = Math.max(p.createdAt, world.windowStart) + 10 * MINUTE_MS;
    this.to = world.now - HOUR_MS;
    this.ordersUntil = this.to;
    this.activeUntil = this.to;
    this.who = `"customer_id":"${p.id}",`;
    // A quarter of sign-ups during the window browsed anonymously before signing up.
    this.anonymousId = !p.legacy && rng.chance(0.25) ? `anon-${rng.hex8()}-${p.num}` : undefined;
  }

  // ——— orders ———

  private channel(preferOnline = 0): CatalogLocation | undefined {
    const p = this.p;
    if (!p.shop) return undefined;
    return this.rng.next() < Math.max(p.onlineShare, preferOnline * (p.onlineShare > 0 ? 1 : 0)) ? undefined : p.shop;
  }

  /** A time on the local date `day`: shop hours (never Sunday) or any time online. */
  private timeOn(day: number, shop: CatalogLocation | undefined, minute?: number): number {
    const seconds = this.rng.int(0, 59) * 1000;
    if (!shop) return localTime(this.p.country.standardOffsetHours, day, minute ?? onlineMinute(this.rng)) + seconds;
    const d = weekdayOf(day) === 0 ? day - DAY_MS : day;
    return localTime(this.p.country.standardOffsetHours, d, minute ?? shopMinute(this.rng)) + seconds;
  }

  private pickCategory(): CatalogCategory {
    const categories = this.world.catalog.categories;
    return this.rng.chance(0.8) ? categories[this.rng.weightedIndex(this.p.taste)]! : categories[this.rng.weightedIndex(this.world.catalog.categoryPopularity)]!;
  }

  private pickProduct(category: CatalogCategory, at: number): CatalogProduct | undefined {
    const rng = this.rng;
    if (category.kind === 'apparel') {
      const [current, previous] = collectionsAt(this.world.catalog.collections, at);
      const collection = previous && rng.chance(0.2) ? previous : current;
      const list = collection?.products.get(category.key);
      return list && list.length > 0 ? rng.pick(list) : undefined;
    }
    for (let i = 0; i < 4; i++) {
      const product = category.products[rng.weightedIndex(category.popularity)]!;
      if (product.launchedAt === undefined || product.launchedAt <= at) return product;
    }
    return category.products[0];
  }

  private quantity(product: CatalogProduct): number {
    const rng = this.rng;
    if (product.category.kind === 'consumable') return rng.chance(0.72) ? 1 : rng.chance(0.8) ? 2 : 3;
    return rng.chance(0.94) ? 1 : 2;
  }

  private basket(at: number, size: number, categories?: () => CatalogCategory): Item[] {
    const items: Item[] = [];
    for (let k = 0; k < size; k++) {
      const product = this.pickProduct(categories ? categories() : this.pickCategory(), at);
      if (!product) continue;
      const same = items.find((i) => i.product === product);
      if (same) same.quantity++;
      else items.push({ product, quantity: this.quantity(product) });
    }
    return items;
  }

  private add(at: number, shop: CatalogLocation | undefined, items: Item[], codes: Code[] = []): void {
    // Not before sign-up, with room for the shopping session before it.
    const at2 = Math.max(at, this.from + this.rng.int(30, 150) * MINUTE_MS);
    if (at2 > this.ordersUntil || items.length === 0) return;
    this.planned.push({ at: Math.floor(at2), shop, items, codes });
  }

  /** `n` orders at seasonal random days between `from` and `to`. */
  private occasional(n: number, from: number, to: number, size = () => 1 + this.rng.poisson(0.55)): void {
    if (to <= from) return;
    for (let k = 0; k < n; k++) {
      const shop = this.channel();
      const day = seasonalDay(this.rng, from, to);
      const at = this.timeOn(day, shop);
      this.add(at, shop, this.basket(at, size()));
    }
  }

  private activeShare(from = this.from, to = this.to): number {
    return Math.max(0, to - from) / (this.world.now - this.world.windowStart);
  }

  private planReplenishment(): void {
    const rng = this.rng;
    const categories = this.world.catalog.categories;
    const staples: CatalogProduct[] = [];
    const wanted = rng.chance(0.4) ? 2 : 1;
    for (let i = 0; i < 20 && staples.length < wanted; i++) {
      const c = categories[rng.weightedIndex(this.p.taste)]!;
      if (c.kind !== 'consumable') continue;
      const product = this.pickProduct(c, this.from);
      if (product?.consumptionDays && !staples.includes(product)) staples.push(product);
    }
    if (staples.length === 0) staples.push(this.world.catalog.byKey.get('coffee')!.products[0]!);
    // Subscription-like: online unless the customer only ever shops in person.
    const shop = this.p.shop && (this.p.onlineShare === 0 || rng.chance(0.2)) ? this.p.shop : undefined;
    let t = this.from + rng.exponential(12 * DAY_MS);
    // Some stop mid-way and are overdue by now: the customers a replenishment reminder is for.
    const stopAt = rng.chance(0.2) ? rng.between(this.from + 60 * DAY_MS, this.to) : this.to;
    const due = staples.map(() => t);
    const habitMinute = shop ? shopMinute(rng) : onlineMinute(rng);
    while (t < stopAt) {
      const at = this.timeOn(startOfDay(t), shop, Math.min(1439, Math.max(0, habitMinute + Math.round(rng.normal(0, 60)))));
      const items: Item[] = [];
      staples.forEach((product, i) => {
        if (due[i]! > t + 6 * DAY_MS) return;
        const quantity = rng.chance(0.75) ? 1 : 2;
        items.push({ product, quantity });
        due[i] = at + product.consumptionDays! * quantity * DAY_MS * Math.max(0.7, rng.normal(1, 0.1));
      });
      if (rng.chance(0.15)) items.push(...this.basket(at, 1));
      this.add(at, shop, items);
      t = Math.max(Math.min(...due), t + DAY_MS);
    }
  }

  private planWeekly(): void {
    const rng = this.rng;
    const p = this.p;
    const shop = p.shop && rng.next() >= p.onlineShare * 0.7 ? p.shop : undefined;
    const weekday = shop ? rng.int(1, 6) : rng.int(0, 6);
    const minute = shop ? shopMinute(rng) : rng.chance(0.6) ? rng.int(18 * 60, 21 * 60 + 30) : onlineMinute(rng);
    const start = this.from + rng.exponential(21 * DAY_MS);
    const end = rng.chance(0.15) ? rng.between(start + 120 * DAY_MS, this.to) : this.to;
    let day = startOfDay(start);
    while (weekdayOf(day) !== weekday) day += DAY_MS;
    const weeklyCategory = () => {
      for (let i = 0; i < 6; i++) {
        const c = this.pickCategory();
        if (c.kind !== 'durable' && c.kind !== 'apparel') return c;
      }
      return this.world.catalog.byKey.get('coffee')!;
    };
    for (; day < end; day += 7 * DAY_MS) {
      if (!rng.chance(0.85)) continue;
      let d = day;
      if (rng.chance(0.08)) {
        d += rng.chance(0.5) ? DAY_MS : -DAY_MS;
        if (shop && weekdayOf(d) === 0) d = day;
      }
      const low = shop ? 600 : 0;
      const high = shop ? 1199 : 1439;
      const m = Math.min(high, Math.max(low, minute + Math.round(rng.normal(0, 35))));
      const at = this.timeOn(d, shop, m);
      this.add(at, shop, this.basket(at, 1 + rng.poisson(0.7), weeklyCategory));
    }
  }

  private planCouponOnly(): void {
    const rng = this.rng;
    const n = 3 + rng.poisson(4 * this.activeShare());
    const promos = this.promotions.filter((pr) => pr.to > this.from && pr.from < this.to);
    for (let k = 0; k < n; k++) {
      const shop = this.channel(0.7);
      let at: number;
      const codes: Code[] = [];
      if (promos.length > 0 && rng.chance(0.75)) {
        const promo = rng.pick(promos);
        at = this.timeOn(startOfDay(rng.between(Math.max(promo.from, this.from), Math.min(promo.to, this.to))), shop);
        codes.push(promo);
        if (rng.chance(0.2)) codes.push(evergreenCodes.app);
      } else {
        at = this.timeOn(seasonalDay(rng, this.from, this.to), shop);
        codes.push(rng.chance(0.5) ? evergreenCodes.newsletter : evergreenCodes.app);
      }
      this.add(at, shop, this.basket(at, 1 + rng.poisson(0.8)), codes);
    }
  }

  private planBigSpender(): void {
    const rng = this.rng;
    const n = 5 + rng.poisson(18 * this.activeShare());
    const premium = () => {
      const c = this.pickCategory();
      if (c.kind === 'durable' || c.kind === 'apparel' || rng.chance(0.4)) return c;
      return this.world.catalog.categories[rng.weightedIndex(this.p.taste)]!;
    };
    for (let k = 0; k < n; k++) {
      const shop = this.channel();
      const at = this.timeOn(seasonalDay(rng, this.from, this.to), shop);
      const items = this.basket(at, 1 + rng.poisson(this.p.spendLevel), premium);
      for (const item of items) if (item.product.category.kind === 'consumable') item.quantity += rng.poisson(this.p.spendLevel / 3);
      this.add(at, shop, items);
    }
  }

  private planTrendFollower(): void {
    const rng = this.rng;
    const apparel = () => {
      for (let i = 0; i < 8; i++) {
        const c = this.pickCategory();
        if (c.kind === 'apparel') return c;
      }
      return this.world.catalog.byKey.get(rng.pick(apparelKeys))!;
    };
    for (const c of this.world.catalog.collections) {
      if (c.launchedAt < this.from || c.launchedAt > this.to || !rng.chance(0.85)) continue;
      // Within days of the launch, most on the first day.
      const at = c.launchedAt + Math.min(4 * DAY_MS, rng.exponential(0.8 * DAY_MS)) + rng.int(5, 60) * MINUTE_MS;
      const shop = this.channel(0.75);
      let when = shop ? this.timeOn(startOfDay(at), shop) : at;
      // A launch on a Sunday: shops sell the collection from Monday.
      if (shop && when < c.launchedAt) when = this.timeOn(startOfDay(c.launchedAt) + DAY_MS, shop);
      const items: Item[] = [];
      const size = 1 + rng.poisson(1);
      for (let k = 0; k < size; k++) {
        const list = c.products.get(apparel().key);
        if (list && list.length > 0) items.push({ product: rng.pick(list), quantity: 1 });
      }
      this.add(Math.max(when, c.launchedAt + 5 * MINUTE_MS), shop, items);
      this.launchBrowsing(c);
    }
    this.occasional(1 + rng.poisson(2 * this.activeShare()), this.from, this.to);
  }

  /** Orders over the window as the archetype dictates, then accessories after durable goods. */
  planOrders(): Order[] {
    const rng = this.rng;
    const share = this.activeShare();
    switch (this.p.archetype) {
      case 'prospect':
        break;
      case 'one_time': {
        const shop = this.channel();
        const t = Math.min(this.to - DAY_MS, this.from + rng.exponential(30 * DAY_MS));
        const at = this.timeOn(startOfDay(Math.max(this.from, t)), shop);
        this.add(at, shop, this.basket(at, 1 + rng.poisson(0.5)));
        break;
      }
      case 'occasional':
        this.occasional(2 + rng.poisson(7 * share), this.from, this.to);
        break;
      case 'replenishment':
        this.planReplenishment();
        break;
      case 'loyal_weekly':
        this.planWeekly();
        break;
      case 'coupon_only':
        this.planCouponOnly();
        break;
      case 'big_spender':
        this.planBigSpender();
        break;
      case 'lapsed': {
        const lastAt = this.world.now - rng.between(150, 330) * DAY_MS;
        this.ordersUntil = lastAt;
        this.occasional(3 + rng.poisson(3), this.from, lastAt);
        this.activeUntil = Math.min(this.to, lastAt + rng.between(5, 40) * DAY_MS);
        break;
      }
      case 'churned': {
        const lastAt = Math.max(this.from + 15 * DAY_MS, this.world.now - rng.between(400, 600) * DAY_MS);
        this.ordersUntil = lastAt;
        this.occasional(1 + rng.poisson(2), this.from, lastAt);
        this.activeUntil = Math.min(this.to, lastAt + rng.between(5, 30) * DAY_MS);
        break;
      }
      case 'trend_follower':
        this.planTrendFollower();
        break;
    }
    return this.finish();
  }

  private finish(): Order[] {
    const rng = this.rng;
    const p = this.p;
    const planned = this.planned.sort((a, b) => a.at - b.at);
    // Durable goods are bought once (a second car seat is rare) and draw their accessories after them.
    const owned = new Set<CatalogCategory>();
    const followUps: PlannedOrder[] = [];
    for (const order of planned) {
      for (const item of order.items) {
        const category = item.product.category;
        if (category.kind !== 'durable') continue;
        item.quantity = 1;
        if (owned.has(category) && !rng.chance(0.08) && category.accessories) {
          item.product = this.pickProduct(category.accessories, order.at) ?? item.product;
          continue;
        }
        owned.add(category);
        const accessories = category.accessories;
        if (!accessories) continue;
        if (rng.chance(0.25)) {
          const acc = this.pickProduct(accessories, order.at);
          if (acc && !order.items.some((i) => i.product === acc)) order.items.push({ product: acc, quantity: 1 });
        }
        if (rng.chance(0.55)) {
          const shop = order.shop && rng.chance(0.5) ? order.shop : undefined;
          const at = this.timeOn(startOfDay(order.at + rng.between(2, 45) * DAY_MS), shop);
          const acc = this.pickProduct(accessories, at);
          if (acc && at < this.ordersUntil) followUps.push({ at: Math.floor(at), shop, items: [{ product: acc, quantity: 1 }], codes: [] });
        }
      }
    }
    const all = followUps.length > 0 ? [...planned, ...followUps].sort((a, b) => a.at - b.at) : planned;

    const orders: Order[] = [];
    const couponOnly = p.archetype === 'coupon_only';
    all.forEach((o, k) => {
      const codes = [...o.codes];
      if (!couponOnly && codes.length === 0) {
        const promo = this.promotions.find((pr) => o.at >= pr.from && o.at < pr.to);
        if (k === 0 && !p.legacy && p.referredBy && rng.chance(0.7)) codes.push(evergreenCodes.friend);
        else if (k === 0 && !p.legacy && rng.chance(0.25)) codes.push(evergreenCodes.welcome);
        else if (promo && rng.chance(0.22)) codes.push(promo);
        else if (p.newsletter && rng.chance(0.04)) codes.push(evergreenCodes.newsletter);
        else if (!o.shop && rng.chance(0.02)) codes.push(evergreenCodes.app);
      }
      const [current] = collectionsAt(this.world.catalog.collections, o.at);
      const saleMonth = isSaleMonth(o.at);
      let net = 0;
      const lines: OrderLine[] = o.items.map((item) => {
        const unitCents = Math.round(item.product.priceCents * p.priceFactor);
        let percent = 0;
        if (item.product.collection !== undefined) {
          // Last season's pieces are marked down; in the sale months the current ones too, sometimes.
          if (item.product.collection !== current?.code) percent = 30;
          else if (saleMonth && rng.chance(0.5)) percent = 20;
        }
        const lineDiscountCents = Math.round((item.quantity * unitCents * percent) / 100);
        net += item.quantity * unitCents - lineDiscountCents;
        return { sku: item.product.sku, quantity: item.quantity, unitCents, lineDiscountCents };
      });
      let discountCents = 0;
      for (const c of codes) discountCents += Math.round((net * c.percent) / 100) + c.fixed;
      discountCents = Math.min(discountCents, net);
      const draw = rng.next();
      orders.push({
        id: `${o.shop ? 'T' : 'W'}${p.num}-${k + 1}`,
        at: o.at,
        shop: o.shop,
        lines,
        items: o.items,
        codes: codes.map((c) => c.code),
        discountCents,
        totalCents: net - discountCents,
        status: draw < CANCELLED_SHARE ? 'cancelled' : draw < CANCELLED_SHARE + REFUNDED_SHARE ? 'refunded' : 'confirmed',
        currency: p.country.currency,
      });
    });
    return orders;
  }

  // ——— events ———

  private push(t: number, type: string, props: string, who = this.who): void {
    if (t >= this.world.now) return;
    this.events.push({ t: Math.floor(t), type, props, who });
  }

  private productPage(t: number, product: CatalogProduct, who?: string, pageViewShare = 0.4): number {
    const c = product.category;
    if (this.rng.chance(pageViewShare)) {
      this.push(t, 'page_view', `{"page_kind":"product","sku":${product.skuJson},"category":${c.nameJson}}`, who);
      t += this.rng.int(1, 5) * 1000;
    }
    this.push(t, 'product_view', `{"sku":${product.skuJson},"category":${c.nameJson}}`, who);
    t += this.rng.int(15, 180) * 1000;
    if (c.demoVideo && this.rng.chance(0.3)) {
      this.push(t, 'page_view', `{"page_kind":"demo_video","sku":${product.skuJson},"category":${c.nameJson}}`, who);
      t += this.rng.int(30, 240) * 1000;
    }
    return t;
  }

  /**
   * The session that ends in an online order: product pages, cart, checkout, then the order.
   * Repeat buyers of the same things often reorder straight from their account ("buy again").
   */
  private orderSession(order: Order, returning: boolean): void {
    const rng = this.rng;
    const repeat = this.p.archetype === 'replenishment' || this.p.archetype === 'loyal_weekly';
    const quick = rng.chance(repeat ? 0.6 : returning ? 0.3 : 0);
    let t = order.at - rng.int(quick ? 2 : 4, quick ? 8 : 30) * MINUTE_MS;
    if (!quick && rng.chance(0.3)) {
      this.push(t, 'page_view', '{"page_kind":"home"}');
      t += rng.int(5, 40) * 1000;
    }
    order.items.forEach((item, k) => {
      if (!quick && k < 3) {
        if (rng.chance(0.15)) {
          this.push(t, 'page_view', `{"page_kind":"category","category":${item.product.category.nameJson}}`);
          t += rng.int(5, 60) * 1000;
        }
        t = this.productPage(t, item.product, undefined, 0.1);
      }
      this.push(t, 'add_to_cart', `{"sku":${item.product.skuJson},"quantity":${item.quantity}}`);
      t += rng.int(10, 90) * 1000;
    });
    const checkoutAt = Math.max(t, order.at - rng.int(60, 300) * 1000);
    this.push(
      Math.min(checkoutAt, order.at - 30_000),
      'checkout_started',
      `{"value":${money(order.totalCents + order.discountCents)},"currency":"${order.currency}","items":${order.items.length}}`,
    );
  }

  /** True when an order follows within an hour of `t` (so a cart at `t` was not abandoned). */
  private orderSoonAfter(orders: readonly Order[], t: number): boolean {
    for (const o of orders) if (o.at >= t - HOUR_MS && o.at <= t + 2 * HOUR_MS) return true;
    return false;
  }

  private chat(t: number, product: CatalogProduct | undefined, who?: string): number {
    const rng = this.rng;
    const sessionId = `chat-${this.p.num}-${++this.chats}`;
    const n = rng.int(1, 3);
    // One question about the product, then general ones: never the same message twice in a chat.
    const first = rng.int(0, chatGeneral.length - 1);
    for (let k = 0; k < n; k++) {
      const template = k === 0 && product && rng.chance(0.7) ? rng.pick(chatByKind[product.category.kind]!) : chatGeneral[(first + k) % chatGeneral.length]!;
      const text = template.replace('{product}', product?.name ?? 'item').replace('{city}', this.p.city.name);
      this.push(t, 'chat_message', `{"session_id":"${sessionId}","text":${JSON.stringify(text)}}`, who);
      t += rng.int(30, 240) * 1000;
    }
    return t;
  }

  /** Browsing without buying: pages, maybe content, a cart left behind or a chat. */
  private browseSession(t: number, orders: readonly Order[], cartShare: number, who?: string): void {
    const rng = this.rng;
    if (rng.chance(0.5)) {
      this.push(t, 'page_view', '{"page_kind":"home"}', who);
      t += rng.int(5, 60) * 1000;
    }
    const category = this.pickCategory();
    this.push(t, 'page_view', `{"page_kind":"category","category":${category.nameJson}}`, who);
    t += rng.int(5, 90) * 1000;
    let product: CatalogProduct | undefined;
    const views = 1 + rng.poisson(0.8);
    for (let k = 0; k < views; k++) {
      const next = this.pickProduct(rng.chance(0.8) ? category : this.pickCategory(), t);
      if (!next) continue;
      product = next;
      t = this.productPage(t, next, who);
    }
    if (rng.chance(0.2)) {
      const related = this.world.catalog.content.filter((c) => c.categoryKey === category.key);
      const item = related.length > 0 && rng.chance(0.7) ? rng.pick(related) : rng.pick(this.world.catalog.content);
      const dwell = Math.round(rng.logNormal(4, 0.8));
      this.push(t, 'content_view', `{"content_id":"${item.id}","topic":"${item.topic}","dwell_seconds":${dwell}}`, who);
      t += dwell * 1000;
    }
    if (product && rng.chance(cartShare) && !this.orderSoonAfter(orders, t)) {
      const quantity = product.category.kind === 'consumable' ? rng.int(1, 2) : 1;
      this.push(t, 'add_to_cart', `{"sku":${product.skuJson},"quantity":${quantity}}`, who);
      t += rng.int(20, 300) * 1000;
      if (rng.chance(0.25)) {
        this.push(t, 'remove_from_cart', `{"sku":${product.skuJson}}`, who);
        t += rng.int(5, 60) * 1000;
      } else if (rng.chance(0.35)) {
        const value = money(Math.round(product.priceCents * this.p.priceFactor) * quantity);
        this.push(t, 'checkout_started', `{"value":${value},"currency":"${this.p.country.currency}","items":1}`, who);
        t += rng.int(30, 300) * 1000;
      }
    }
    if (rng.chance(0.08)) this.chat(t, product, who);
  }

  /** A trend follower looks at a new collection on launch day. */
  private launchBrowsing(c: Collection): void {
    const rng = this.rng;
    if (!rng.chance(0.7)) return;
    let t = c.launchedAt + rng.int(10, 600) * MINUTE_MS;
    if (t < this.from) return;
    this.push(t, 'page_view', '{"page_kind":"category","category":"New collection"}');
    t += rng.int(10, 60) * 1000;
    const list = c.products.get(rng.pick(apparelKeys));
    const n = rng.int(2, 5);
    for (let k = 0; k < n && list && list.length > 0; k++) t = this.productPage(t, rng.pick(list));
    const lookbook = `lookbook-${c.code.toLowerCase()}`;
    this.push(t, 'content_view', `{"content_id":"${lookbook}","topic":"style","dwell_seconds":${rng.int(40, 400)}}`);
  }

  private sessionTime(from: number, to: number): number {
    const t = this.timeOn(seasonalDay(this.rng, from, to), undefined);
    return t >= from ? t : from + this.rng.int(1, 360) * MINUTE_MS;
  }

  /** The events of this customer, oldest first. */
  planEvents(orders: readonly Order[]): PlannedEvent[] {
    const rng = this.rng;
    const p = this.p;
    const world = this.world;
    const from = this.from;
    const until = this.activeUntil;

    if (this.anonymousId) {
      // Anonymous visits before signing up; the first visit after it carries both ids.
      const anon = `"anonymous_id":"${this.anonymousId}",`;
      const sessions = rng.int(1, 3);
      for (let k = 0; k < sessions; k++) {
        const t = p.createdAt - rng.between(0.1, 14) * DAY_MS;
        if (t > world.windowStart) this.browseSession(t, [], 0.3, anon);
      }
      this.push(p.createdAt + rng.int(10, 120) * 1000, 'page_view', '{"page_kind":"home"}', `"customer_id":"${p.id}","anonymous_id":"${this.anonymousId}",`);
    }

    const emailConsent = p.consent.email;
    if (emailConsent) {
      if (emailConsent.granted && p.newsletter && emailConsent.at >= world.windowStart) {
        this.push(emailConsent.at, 'newsletter_opt_in', `{"source":"${emailConsent.source}"}`);
      }
      if (!emailConsent.granted && emailConsent.source !== 'checkout' && emailConsent.at >= world.windowStart) {
        const optedIn = Math.max(world.windowStart, p.createdAt) + rng.int(1, 30) * MINUTE_MS;
        if (optedIn < emailConsent.at) this.push(optedIn, 'newsletter_opt_in', '{"source":"signup_form"}');
        this.push(emailConsent.at, 'newsletter_opt_out', `{"source":"${emailConsent.source}"}`);
      }
    }

    if (p.referredBy && p.createdAt >= world.windowStart) {
      // Registered when the referee signs up through the referrer's link.
      this.push(p.createdAt, 'referral', `{"referrer":"${p.referredBy}","referee":"${p.id}"}`, `"customer_id":"${p.referredBy}",`);
    }

    orders.forEach((order, k) => {
      if (!order.shop) this.orderSession(order, k >= 2);
      if (order.status === 'cancelled') return;
      // Reviews: happy customers write them now and then, a refund makes one likely and harsh.
      const reviewChance = order.status === 'refunded' ? 0.35 : order.shop ? 0.02 : 0.07;
      if (rng.chance(reviewChance)) {
        const item = rng.pick(order.items);
        const r = rng.next();
        const rating = order.status === 'refunded' ? rng.int(1, 2) : r < 0.5 ? 5 : r < 0.78 ? 4 : r < 0.88 ? 3 : r < 0.94 ? 2 : 1;
        this.push(order.at + rng.between(3, 25) * DAY_MS, 'review', `{"rating":${rating},"sku":${item.product.skuJson},"order_id":"${order.id}"}`);
      }
    });

    const sessionsPerMonth: Record<Persona['archetype'], number> = {
      prospect: 0.35,
      one_time: 0.1,
      occasional: 0.14,
      replenishment: 0.08,
      loyal_weekly: 0.06,
      coupon_only: 0.25,
      big_spender: 0.3,
      lapsed: 0.15,
      churned: 0.15,
      trend_follower: 0.25,
    };
    const months = Math.max(0, until - from) / (30 * DAY_MS);
    const sessions = (p.archetype === 'prospect' ? 2 : 0) + rng.poisson(sessionsPerMonth[p.archetype] * months);
    const cartShare = p.archetype === 'prospect' ? 0.45 : 0.25;
    for (let k = 0; k < sessions && until > from; k++) this.browseSession(this.sessionTime(from, until), orders, cartShare);
    if (p.archetype === 'prospect' && until > from && rng.chance(0.35)) {
      this.chat(this.sessionTime(from, until), this.pickProduct(this.pickCategory(), until), undefined);
    }

    if (until > from && rng.chance(0.25)) {
      let t = this.sessionTime(from, until);
      this.push(t, 'questionnaire_answer', `{"question":"household","option":"${p.household}"}`);
      t += rng.int(5, 30) * 1000;
      this.push(t, 'questionnaire_answer', `{"question":"age_group","option":"${ageGroup(p.age)}"}`);
      if (p.pet && rng.chance(0.7)) this.push(t + rng.int(5, 30) * 1000, 'questionnaire_answer', `{"question":"pet","option":"${p.pet}"}`);
    }

    if (p.shop && p.onlineShare < 1 && rng.chance(0.15)) {
      const shopId = p.shop.id;
      const calendar = world.catalog.storeEvents.filter((e) => e.shopId === shopId && e.at > from && e.at < until);
      const n = Math.min(calendar.length, rng.int(1, 3));
      for (let k = 0; k < n; k++) {
        const e = rng.pick(calendar);
        this.push(e.at + rng.int(0, 20) * MINUTE_MS, 'event_attended', `{"event_name":${JSON.stringify(e.name)},"location_id":"${shopId}"}`);
      }
    }

    return this.events.sort((a, b) => a.t - b.t);
  }

  /** A visitor who never signs up: anonymous events only. */
  anonymousVisitor(): { anonymousId: string; events: PlannedEvent[] } {
    const rng = this.rng;
    const anonymousId = `anon-${rng.hex8()}-v${this.p.num}`;
    const who = `"anonymous_id":"${anonymousId}",`;
    this.events = [];
    const sessions = 1 + rng.poisson(0.8);
    for (let k = 0; k < sessions; k++) {
      this.browseSession(this.sessionTime(this.world.windowStart, this.to), [], 0.3, who);
    }
    return { anonymousId, events: this.events.sort((a, b) => a.t - b.t) };
  }
}

