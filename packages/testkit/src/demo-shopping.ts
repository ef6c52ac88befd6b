/*
 * How one demo customer shops, whatever they buy and whenever: in their shop or online, at shop
 * hours or online hours on a given day, which category and product they reach for (the collection
 * on sale for apparel), and a basket of them. Order and event planning both draw on it.
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
import { HOUR_MS, MINUTE_MS, localTime, onlineMinute, shopMinute, weekdayOf } from './demo-time.js';

export interface Item {
  product: CatalogProduct;
  quantity: number;
}

export const apparelKeys = ['womens_fashion', 'mens_fashion', 'shoes'];

/** The collection on sale at `t` (the newest launched by then) and the one before it. */
export function collectionsAt(
  collections: readonly Collection[],
  t: number,
): [current: Collection | undefined, previous: Collection | undefined] {
  for (let i = collections.length - 1; i >= 0; i--) {
    if (collections[i]!.launchedAt <= t) return [collections[i], collections[i - 1]];
  }
  return [undefined, undefined];
}

export class CustomerShopping {
  /** Sign-up (or the window's start, for older customers) with room for a first visit. */
  readonly from: number;
  /** An hour before the end of the history. */
  readonly to: number;

  constructor(
    readonly world: World,
    readonly rng: Rng,
    readonly p: Persona,
  ) {
    this.from = Math.max(p.createdAt, world.windowStart) + 10 * MINUTE_MS;
    this.to = world.now - HOUR_MS;
  }

  channel(preferOnline = 0): CatalogLocation | undefined {
    const p = this.p;
    if (!p.shop) return undefined;
    return this.rng.next() < Math.max(p.onlineShare, preferOnline * (p.onlineShare > 0 ? 1 : 0)) ? undefined : p.shop;
  }

  /** A time on the local date `day`: shop hours (never Sunday) or any time online. */
  timeOn(day: number, shop: CatalogLocation | undefined, minute?: number): number {
    const seconds = this.rng.int(0, 59) * 1000;
    if (!shop) return localTime(this.p.country.standardOffsetHours, day, minute ?? onlineMinute(this.rng)) + seconds;
    const d = weekdayOf(day) === 0 ? day - DAY_MS : day;
    return localTime(this.p.country.standardOffsetHours, d, minute ?? shopMinute(this.rng)) + seconds;
  }

  pickCategory(): CatalogCategory {
    const categories = this.world.catalog.categories;
    return this.rng.chance(0.8)
      ? categories[this.rng.weightedIndex(this.p.taste)]!
      : categories[this.rng.weightedIndex(this.world.catalog.categoryPopularity)]!;
  }

  pickProduct(category: CatalogCategory, at: number): CatalogProduct | undefined {
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

  basket(at: number, size: number, categories?: () => CatalogCategory): Item[] {
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
}
