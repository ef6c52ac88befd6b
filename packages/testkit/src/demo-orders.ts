/*
 * The orders one demo customer places over the two years, as their archetype implies: weekly
 * shops at a habitual time, consumables at their consumption cycle, collections at launch, coupon
 * hunting in promotions, big baskets, or a few orders before lapsing. Durable goods draw their
 * accessories after them; prices, markdowns and discount codes make the order totals.
 */
import type { Rng } from './prng.js';
import {
  DAY_MS,
  type CatalogCategory,
  type CatalogLocation,
  type CatalogProduct,
  type Collection,
} from './demo-catalog.js';
import type { Persona, World } from './demo-persona.js';
import { collectionsAt, apparelKeys, type CustomerShopping, type Item } from './demo-shopping.js';
import {
  MINUTE_MS,
  evergreenCodes,
  isSaleMonth,
  onlineMinute,
  seasonalDay,
  shopMinute,
  startOfDay,
  weekdayOf,
  type Promotion,
} from './demo-time.js';

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

/** A share of orders is cancelled or refunded (about 3%). */
const CANCELLED_SHARE = 0.015;
const REFUNDED_SHARE = 0.015;

/** Whole cents (never negative here) as a decimal with two places: 1205 → "12.05". */
export function formatMoney(cents: number): string {
  const c = cents % 100;
  return `${Math.floor(cents / 100)}.${c < 10 ? '0' : ''}${c}`;
}

export class OrderPlanner {
  private readonly planned: PlannedOrder[] = [];
  private readonly world: World;
  private readonly rng: Rng;
  private readonly p: Persona;
  private readonly from: number;
  private readonly to: number;
  /** No orders after this (lapsed and churned customers stopped buying). */
  private ordersUntil: number;
  private lastActiveAt: number;

  constructor(
    private readonly shopping: CustomerShopping,
    private readonly promotions: readonly Promotion[],
    /** Called when a trend follower buys from a new collection: they browsed it at launch too. */
    private readonly onLaunch: (collection: Collection) => void,
  ) {
    this.world = shopping.world;
    this.rng = shopping.rng;
    this.p = shopping.p;
    this.from = shopping.from;
    this.to = shopping.to;
    this.ordersUntil = this.to;
    this.lastActiveAt = this.to;
  }

  /** Events stop here (lapsed and churned customers stop visiting a little after their last order). */
  get activeUntil(): number {
    return this.lastActiveAt;
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
      const shop = this.shopping.channel();
      const day = seasonalDay(this.rng, from, to);
      const at = this.shopping.timeOn(day, shop);
      this.add(at, shop, this.shopping.basket(at, size()));
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
      const product = this.shopping.pickProduct(c, this.from);
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
      const at = this.shopping.timeOn(
        startOfDay(t),
        shop,
        Math.min(1439, Math.max(0, habitMinute + Math.round(rng.normal(0, 60)))),
      );
      const items: Item[] = [];
      staples.forEach((product, i) => {
        if (due[i]! > t + 6 * DAY_MS) return;
        const quantity = rng.chance(0.75) ? 1 : 2;
        items.push({ product, quantity });
        due[i] = at + product.consumptionDays! * quantity * DAY_MS * Math.max(0.7, rng.normal(1, 0.1));
      });
      if (rng.chance(0.15)) items.push(...this.shopping.basket(at, 1));
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
        const c = this.shopping.pickCategory();
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
      const at = this.shopping.timeOn(d, shop, m);
      this.add(at, shop, this.shopping.basket(at, 1 + rng.poisson(0.7), weeklyCategory));
    }
  }

  private planCouponOnly(): void {
    const rng = this.rng;
    const n = 3 + rng.poisson(4 * this.activeShare());
    const promos = this.promotions.filter((pr) => pr.to > this.from && pr.from < this.to);
    for (let k = 0; k < n; k++) {
      const shop = this.shopping.channel(0.7);
      let at: number;
      const codes: Code[] = [];
      if (promos.length > 0 && rng.chance(0.75)) {
        const promo = rng.pick(promos);
        at = this.shopping.timeOn(
          startOfDay(rng.between(Math.max(promo.from, this.from), Math.min(promo.to, this.to))),
          shop,
        );
        codes.push(promo);
        if (rng.chance(0.2)) codes.push(evergreenCodes.app);
      } else {
        at = this.shopping.timeOn(seasonalDay(rng, this.from, this.to), shop);
        codes.push(rng.chance(0.5) ? evergreenCodes.newsletter : evergreenCodes.app);
      }
      this.add(at, shop, this.shopping.basket(at, 1 + rng.poisson(0.8)), codes);
    }
  }

  private planBigSpender(): void {
    const rng = this.rng;
    const n = 5 + rng.poisson(18 * this.activeShare());
    const premium = () => {
      const c = this.shopping.pickCategory();
      if (c.kind === 'durable' || c.kind === 'apparel' || rng.chance(0.4)) return c;
      return this.world.catalog.categories[rng.weightedIndex(this.p.taste)]!;
    };
    for (let k = 0; k < n; k++) {
      const shop = this.shopping.channel();
      const at = this.shopping.timeOn(seasonalDay(rng, this.from, this.to), shop);
      const items = this.shopping.basket(at, 1 + rng.poisson(this.p.spendLevel), premium);
      for (const item of items)
        if (item.product.category.kind === 'consumable') item.quantity += rng.poisson(this.p.spendLevel / 3);
      this.add(at, shop, items);
    }
  }

  private planTrendFollower(): void {
    const rng = this.rng;
    const apparel = () => {
      for (let i = 0; i < 8; i++) {
        const c = this.shopping.pickCategory();
        if (c.kind === 'apparel') return c;
      }
      return this.world.catalog.byKey.get(rng.pick(apparelKeys))!;
    };
    for (const c of this.world.catalog.collections) {
      if (c.launchedAt < this.from || c.launchedAt > this.to || !rng.chance(0.85)) continue;
      // Within days of the launch, most on the first day.
      const at = c.launchedAt + Math.min(4 * DAY_MS, rng.exponential(0.8 * DAY_MS)) + rng.int(5, 60) * MINUTE_MS;
      const shop = this.shopping.channel(0.75);
      let when = shop ? this.shopping.timeOn(startOfDay(at), shop) : at;
      // A launch on a Sunday: shops sell the collection from Monday.
      if (shop && when < c.launchedAt) when = this.shopping.timeOn(startOfDay(c.launchedAt) + DAY_MS, shop);
      const items: Item[] = [];
      const size = 1 + rng.poisson(1);
      for (let k = 0; k < size; k++) {
        const list = c.products.get(apparel().key);
        if (list && list.length > 0) items.push({ product: rng.pick(list), quantity: 1 });
      }
      this.add(Math.max(when, c.launchedAt + 5 * MINUTE_MS), shop, items);
      this.onLaunch(c);
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
        const shop = this.shopping.channel();
        const t = Math.min(this.to - DAY_MS, this.from + rng.exponential(30 * DAY_MS));
        const at = this.shopping.timeOn(startOfDay(Math.max(this.from, t)), shop);
        this.add(at, shop, this.shopping.basket(at, 1 + rng.poisson(0.5)));
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
        this.lastActiveAt = Math.min(this.to, lastAt + rng.between(5, 40) * DAY_MS);
        break;
      }
      case 'churned': {
        const lastAt = Math.max(this.from + 15 * DAY_MS, this.world.now - rng.between(400, 600) * DAY_MS);
        this.ordersUntil = lastAt;
        this.occasional(1 + rng.poisson(2), this.from, lastAt);
        this.lastActiveAt = Math.min(this.to, lastAt + rng.between(5, 30) * DAY_MS);
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
          item.product = this.shopping.pickProduct(category.accessories, order.at) ?? item.product;
          continue;
        }
        owned.add(category);
        const accessories = category.accessories;
        if (!accessories) continue;
        if (rng.chance(0.25)) {
          const acc = this.shopping.pickProduct(accessories, order.at);
          if (acc && !order.items.some((i) => i.product === acc)) order.items.push({ product: acc, quantity: 1 });
        }
        if (rng.chance(0.55)) {
          const shop = order.shop && rng.chance(0.5) ? order.shop : undefined;
          const at = this.shopping.timeOn(startOfDay(order.at + rng.between(2, 45) * DAY_MS), shop);
          const acc = this.shopping.pickProduct(accessories, at);
          if (acc && at < this.ordersUntil)
            followUps.push({ at: Math.floor(at), shop, items: [{ product: acc, quantity: 1 }], codes: [] });
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
        status:
          draw < CANCELLED_SHARE ? 'cancelled' : draw < CANCELLED_SHARE + REFUNDED_SHARE ? 'refunded' : 'confirmed',
        currency: p.country.currency,
      });
    });
    return orders;
  }
}
