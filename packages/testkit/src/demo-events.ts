/*
 * The web events around one demo customer's orders: the session before each online order, browsing
 * without buying (abandoned carts, content, chats), reviews, newsletter consent changes, referrals,
 * questionnaire answers, shop events attended, and anonymous visits before signing up.
 */
import type { Rng } from './prng.js';
import { DAY_MS, type CatalogProduct, type Collection } from './demo-catalog.js';
import type { Persona, World } from './demo-persona.js';
import { formatMoney, type Order } from './demo-orders.js';
import { apparelKeys, type CustomerShopping } from './demo-shopping.js';
import { HOUR_MS, MINUTE_MS, seasonalDay } from './demo-time.js';

export interface PlannedEvent {
  t: number;
  type: string;
  /** The JSON text of `properties`. */
  props: string;
  /** The JSON members naming who did it, with a trailing comma (`"customer_id":"C1",`). */
  who: string;
}

/** The answers of the skin-type question. */
const skinTypes = ['dry', 'oily', 'combination', 'normal', 'sensitive'] as const;

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
  consumable: [
    'How long does one {product} last?',
    'Can I get {product} on a subscription?',
    'When is {product} back in stock?',
  ],
  durable: [
    'Can I try the {product} in a shop?',
    'What is the warranty on the {product}?',
    'Is the {product} compatible with my car?',
    'Is there a newer model than the {product}?',
  ],
  accessory: ['Does the {product} fit my model?', 'Is the {product} washable?'],
  apparel: [
    'Does the {product} run small?',
    'Will the {product} come back in my size?',
    'Can I exchange the {product} for a bigger size?',
  ],
  book: ['Is {product} part of a series?', 'Is {product} also available as an e-book?'],
  general: ['Is the {product} dishwasher safe?', 'Can you gift wrap the {product}?', 'Which age is the {product} for?'],
};

const money = formatMoney;

function ageGroup(age: number): string {
  return age < 30 ? '18-29' : age < 45 ? '30-44' : age < 60 ? '45-59' : '60+';
}

export class EventPlanner {
  private events: PlannedEvent[] = [];
  private readonly world: World;
  private readonly rng: Rng;
  private readonly p: Persona;
  private readonly from: number;
  private readonly to: number;
  private readonly who: string;
  private readonly anonymousId: string | undefined;
  private chats = 0;

  constructor(private readonly shopping: CustomerShopping) {
    this.world = shopping.world;
    this.rng = shopping.rng;
    this.p = shopping.p;
    this.from = shopping.from;
    this.to = shopping.to;
    this.who = `"customer_id":"${this.p.id}",`;
    // A quarter of sign-ups during the window browsed anonymously before signing up.
    this.anonymousId = !this.p.legacy && this.rng.chance(0.25) ? `anon-${this.rng.hex8()}-${this.p.num}` : undefined;
  }

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
      const template =
        k === 0 && product && rng.chance(0.7)
          ? rng.pick(chatByKind[product.category.kind]!)
          : chatGeneral[(first + k) % chatGeneral.length]!;
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
    const category = this.shopping.pickCategory();
    this.push(t, 'page_view', `{"page_kind":"category","category":${category.nameJson}}`, who);
    t += rng.int(5, 90) * 1000;
    let product: CatalogProduct | undefined;
    const views = 1 + rng.poisson(0.8);
    for (let k = 0; k < views; k++) {
      const next = this.shopping.pickProduct(rng.chance(0.8) ? category : this.shopping.pickCategory(), t);
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
  launchBrowsing(c: Collection): void {
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
    const t = this.shopping.timeOn(seasonalDay(this.rng, from, to), undefined);
    return t >= from ? t : from + this.rng.int(1, 360) * MINUTE_MS;
  }

  /** The events of this customer, oldest first. */
  planEvents(orders: readonly Order[], activeUntil: number): PlannedEvent[] {
    const rng = this.rng;
    const p = this.p;
    const world = this.world;
    const from = this.from;
    const until = activeUntil;

    if (this.anonymousId) {
      // Anonymous visits before signing up; the first visit after it carries both ids.
      const anon = `"anonymous_id":"${this.anonymousId}",`;
      const sessions = rng.int(1, 3);
      for (let k = 0; k < sessions; k++) {
        const t = p.createdAt - rng.between(0.1, 14) * DAY_MS;
        if (t > world.windowStart) this.browseSession(t, [], 0.3, anon);
      }
      this.push(
        p.createdAt + rng.int(10, 120) * 1000,
        'page_view',
        '{"page_kind":"home"}',
        `"customer_id":"${p.id}","anonymous_id":"${this.anonymousId}",`,
      );
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
      this.push(
        p.createdAt,
        'referral',
        `{"referrer":"${p.referredBy}","referee":"${p.id}"}`,
        `"customer_id":"${p.referredBy}",`,
      );
    }

    orders.forEach((order, k) => {
      if (!order.shop) this.orderSession(order, k >= 2);
      if (order.status === 'cancelled') return;
      // Reviews: happy customers write them now and then, a refund makes one likely and harsh.
      const reviewChance = order.status === 'refunded' ? 0.35 : order.shop ? 0.02 : 0.07;
      if (rng.chance(reviewChance)) {
        const item = rng.pick(order.items);
        const r = rng.next();
        const rating =
          order.status === 'refunded' ? rng.int(1, 2) : r < 0.5 ? 5 : r < 0.78 ? 4 : r < 0.88 ? 3 : r < 0.94 ? 2 : 1;
        this.push(
          order.at + rng.between(3, 25) * DAY_MS,
          'review',
          `{"rating":${rating},"sku":${item.product.skuJson},"order_id":"${order.id}"}`,
        );
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
    for (let k = 0; k < sessions && until > from; k++)
      this.browseSession(this.sessionTime(from, until), orders, cartShare);
    if (p.archetype === 'prospect' && until > from && rng.chance(0.35)) {
      this.chat(
        this.sessionTime(from, until),
        this.shopping.pickProduct(this.shopping.pickCategory(), until),
        undefined,
      );
    }

    if (until > from && rng.chance(0.25)) {
      let t = this.sessionTime(from, until);
      this.push(t, 'questionnaire_answer', `{"question":"household","option":"${p.household}"}`);
      t += rng.int(5, 30) * 1000;
      this.push(t, 'questionnaire_answer', `{"question":"age_group","option":"${ageGroup(p.age)}"}`);
      if (p.pet && rng.chance(0.7))
        this.push(t + rng.int(5, 30) * 1000, 'questionnaire_answer', `{"question":"pet","option":"${p.pet}"}`);
      // The skin-type question of a beauty shop's quiz (the ready `questionnaire-answer` segment's example).
      if (rng.chance(0.6))
        this.push(
          t + rng.int(31, 60) * 1000,
          'questionnaire_answer',
          `{"question":"skin_type","option":"${rng.pick(skinTypes)}"}`,
        );
    }

    if (p.shop && p.onlineShare < 1 && rng.chance(0.15)) {
      const shopId = p.shop.id;
      const calendar = world.catalog.storeEvents.filter((e) => e.shopId === shopId && e.at > from && e.at < until);
      const n = Math.min(calendar.length, rng.int(1, 3));
      for (let k = 0; k < n; k++) {
        const e = rng.pick(calendar);
        this.push(
          e.at + rng.int(0, 20) * MINUTE_MS,
          'event_attended',
          `{"event_name":${JSON.stringify(e.name)},"location_id":"${shopId}"}`,
        );
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
