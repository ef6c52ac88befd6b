/*
 * The demo store's catalogue: ~22 categories, consumables with consumption cycles, durable goods
 * with their accessories, apparel in seasonal collections and books. Built from the seed, so prices
 * differ between seeds but never between runs.
 */
import { cumulative, Rng } from './prng.js';
import { onlineShop, shops } from './demo-places.js';

export const DAY_MS = 86_400_000;

export const ProductKind = {
  consumable: 'consumable',
  durable: 'durable',
  accessory: 'accessory',
  apparel: 'apparel',
  book: 'book',
  general: 'general',
} as const;
export type ProductKind = (typeof ProductKind)[keyof typeof ProductKind];

interface ItemSpec {
  name: string;
  price: readonly [min: number, max: number];
  /** Days one unit lasts (consumables). */
  days?: number;
}

interface CategorySpec {
  key: string;
  name: string;
  skuPrefix: string;
  kind: ProductKind;
  /** How often the category is bought, relative to the others, before a customer's own taste. */
  weight: number;
  brands: readonly string[];
  items: readonly ItemSpec[];
  /** Products made from items × brands (apparel: per collection). */
  count: number;
  /** Category of the accessories bought after this durable good. */
  accessories?: string;
  /** The product page has a demo video. */
  demoVideo?: boolean;
}

const categorySpecs: readonly CategorySpec[] = [
  {
    key: 'coffee', name: 'Coffee', skuPrefix: 'COF', kind: 'consumable', weight: 10, count: 14,
    brands: ['Lumen Roastery', 'Bergkaffee', 'Café Lumière', 'Nordic Bean'],
    items: [
      { name: 'Espresso beans 1 kg', price: [18, 32], days: 30 },
      { name: 'Filter coffee 500 g', price: [8, 14], days: 20 },
      { name: 'Decaf beans 500 g', price: [9, 15], days: 30 },
      { name: 'Espresso capsules (60)', price: [16, 24], days: 30 },
    ],
  },
  {
    key: 'tea', name: 'Tea', skuPrefix: 'TEA', kind: 'consumable', weight: 5, count: 8,
    brands: ['Teehaus Lumen', 'Darjeeling & Co', 'Green Leaf'],
    items: [
      { name: 'Assam loose leaf 250 g', price: [7, 12], days: 45 },
      { name: 'Sencha green tea 100 g', price: [8, 14], days: 45 },
      { name: 'Herbal tea selection (40 bags)', price: [5, 9], days: 40 },
    ],
  },
  {
    key: 'face_masks', name: 'Face masks', skuPrefix: 'FMK', kind: 'consumable', weight: 5, count: 10,
    brands: ['Glowlab', 'Hanami Skin', 'Maison Pure'],
    items: [
      { name: 'Hydrating sheet masks (10)', price: [12, 22], days: 30 },
      { name: 'Clay detox mask 75 ml', price: [14, 26], days: 30 },
      { name: 'Overnight sleeping mask 50 ml', price: [18, 34], days: 30 },
    ],
  },
  {
    key: 'skincare', name: 'Skincare', skuPrefix: 'SKN', kind: 'consumable', weight: 5, count: 8,
    brands: ['Glowlab', 'Maison Pure', 'Derma Nord'],
    items: [
      { name: 'Daily moisturiser SPF 30', price: [16, 32], days: 60 },
      { name: 'Vitamin C serum 30 ml', price: [22, 45], days: 45 },
      { name: 'Gentle cleanser 200 ml', price: [9, 18], days: 60 },
    ],
  },
  {
    key: 'oral_care', name: 'Oral care', skuPrefix: 'ORL', kind: 'consumable', weight: 4, count: 8,
    brands: ['BrightSmile', 'Denta Natura', 'Lumen Care'],
    items: [
      { name: 'Whitening toothpaste 75 ml', price: [3, 7], days: 60 },
      { name: 'Sensitive toothpaste 75 ml', price: [4, 8], days: 60 },
      { name: 'Electric brush heads (4)', price: [14, 28], days: 90 },
    ],
  },
  {
    key: 'pet_food', name: 'Pet food', skuPrefix: 'PET', kind: 'consumable', weight: 5, count: 10,
    brands: ['Happy Paws', 'Felino', 'Wild Trail'],
    items: [
      { name: 'Adult dog food 12 kg', price: [42, 69], days: 30 },
      { name: 'Cat food pouches (48)', price: [24, 38], days: 30 },
      { name: 'Grain-free cat kibble 4 kg', price: [28, 45], days: 45 },
      { name: 'Puppy food 3 kg', price: [18, 29], days: 21 },
    ],
  },
  {
    key: 'contact_lenses', name: 'Contact lenses', skuPrefix: 'LNS', kind: 'consumable', weight: 3, count: 6,
    brands: ['ClearView', 'OptiDay'],
    items: [
      { name: 'Daily lenses (30 pairs)', price: [28, 42], days: 30 },
      { name: 'Monthly lenses (3 pairs)', price: [24, 36], days: 90 },
      { name: 'Lens solution 360 ml', price: [8, 13], days: 30 },
    ],
  },
  {
    key: 'vitamins', name: 'Vitamins & supplements', skuPrefix: 'VIT', kind: 'consumable', weight: 4, count: 9,
    brands: ['VitaNord', 'Pure Daily', 'Lumen Care'],
    items: [
      { name: 'Vitamin D3 1000 IU (90 tablets)', price: [7, 14], days: 90 },
      { name: 'Magnesium (60 capsules)', price: [9, 16], days: 60 },
      { name: 'Omega-3 fish oil (60 capsules)', price: [14, 24], days: 60 },
      { name: 'Multivitamin (60 tablets)', price: [10, 19], days: 60 },
    ],
  },
  {
    key: 'baby_care', name: 'Baby care', skuPrefix: 'BBY', kind: 'consumable', weight: 4, count: 8,
    brands: ['Little Sprout', 'Bébé Doux', 'Lumen Kids'],
    items: [
      { name: 'Nappies size 3 (84)', price: [22, 32], days: 14 },
      { name: 'Sensitive baby wipes (6 × 64)', price: [12, 18], days: 21 },
      { name: 'Baby bath & shampoo 500 ml', price: [6, 11], days: 45 },
    ],
  },
  {
    key: 'car_seats', name: 'Child car seats', skuPrefix: 'CST', kind: 'durable', weight: 1.2, count: 6, accessories: 'baby_accessories', demoVideo: true,
    brands: ['SafeRide', 'Kidsafe Nordic', 'Roadstar'],
    items: [
      { name: 'Infant carrier i-Size 40–87 cm', price: [169, 299] },
      { name: 'Convertible ISOFIX seat 0–18 kg', price: [249, 449] },
      { name: 'Booster seat 15–36 kg', price: [79, 169] },
    ],
  },
  {
    key: 'strollers', name: 'Strollers', skuPrefix: 'STR', kind: 'durable', weight: 1, count: 5, accessories: 'baby_accessories', demoVideo: true,
    brands: ['Urbanwalk', 'Nordpram', 'Ciao Bimbo'],
    items: [
      { name: 'City stroller', price: [299, 599] },
      { name: 'All-terrain pram system', price: [649, 1199] },
      { name: 'Compact travel buggy', price: [179, 329] },
    ],
  },
  {
    key: 'baby_accessories', name: 'Car seat & stroller accessories', skuPrefix: 'BAC', kind: 'accessory', weight: 1.5, count: 12,
    brands: ['SafeRide', 'Urbanwalk', 'Lumen Kids'],
    items: [
      { name: 'Car seat cover', price: [29, 49] },
      { name: 'Car seat sunshade', price: [15, 25] },
      { name: 'Stroller footmuff', price: [49, 99] },
      { name: 'Stroller rain cover', price: [19, 35] },
      { name: 'Stroller organiser & cup holder', price: [15, 29] },
      { name: 'ISOFIX base', price: [129, 199] },
    ],
  },
  {
    key: 'e_readers', name: 'E-readers', skuPrefix: 'ERD', kind: 'durable', weight: 1.2, count: 5, accessories: 'e_reader_accessories', demoVideo: true,
    brands: ['Pagewise', 'Lumen Reader', 'InkBook'],
    items: [
      { name: '6" e-reader', price: [99, 129] },
      { name: '7" waterproof e-reader', price: [159, 219] },
      { name: '10" e-reader with pen', price: [299, 399] },
    ],
  },
  {
    key: 'e_reader_accessories', name: 'E-reader accessories', skuPrefix: 'EAC', kind: 'accessory', weight: 1.5, count: 8,
    brands: ['Pagewise', 'Lumen Reader', 'Sleevy'],
    items: [
      { name: 'Leather cover', price: [24, 49] },
      { name: 'Felt sleeve', price: [14, 24] },
      { name: 'USB-C fast charger', price: [15, 25] },
      { name: 'Reading light clip', price: [9, 19] },
    ],
  },
  {
    key: 'womens_fashion', name: "Women's fashion", skuPrefix: 'WFA', kind: 'apparel', weight: 7, count: 8,
    brands: ['Lumen Studio', 'Atelier Nova', 'Fjord & Field'],
    items: [
      { name: 'Linen dress', price: [59, 129] },
      { name: 'Wool coat', price: [149, 299] },
      { name: 'Cashmere jumper', price: [89, 189] },
      { name: 'High-waist jeans', price: [59, 119] },
      { name: 'Silk blouse', price: [69, 139] },
      { name: 'Trench coat', price: [129, 249] },
      { name: 'Knit cardigan', price: [49, 99] },
      { name: 'Pleated skirt', price: [45, 89] },
    ],
  },
  {
    key: 'mens_fashion', name: "Men's fashion", skuPrefix: 'MFA', kind: 'apparel', weight: 5, count: 6,
    brands: ['Lumen Studio', 'Harbour Tailors', 'Fjord & Field'],
    items: [
      { name: 'Oxford shirt', price: [49, 89] },
      { name: 'Chino trousers', price: [59, 99] },
      { name: 'Merino crew neck', price: [69, 129] },
      { name: 'Quilted jacket', price: [119, 229] },
      { name: 'Linen shirt', price: [45, 85] },
      { name: 'Selvedge jeans', price: [89, 169] },
    ],
  },
  {
    key: 'shoes', name: 'Shoes', skuPrefix: 'SHO', kind: 'apparel', weight: 4, count: 5,
    brands: ['Lumen Studio', 'Strada', 'Nordstep'],
    items: [
      { name: 'Leather sneakers', price: [89, 159] },
      { name: 'Chelsea boots', price: [129, 219] },
      { name: 'Canvas trainers', price: [49, 89] },
      { name: 'Suede loafers', price: [99, 169] },
      { name: 'Running shoes', price: [99, 179] },
    ],
  },
  {
    key: 'mystery_novels', name: 'Mystery novels', skuPrefix: 'MYS', kind: 'book', weight: 5, count: 30,
    brands: ['Harbour Press', 'Nightjar Books', 'Quill & Lantern'],
    items: [{ name: 'paperback', price: [9, 14] }, { name: 'hardcover', price: [18, 26] }],
  },
  {
    key: 'cookbooks', name: 'Cookbooks', skuPrefix: 'CKB', kind: 'book', weight: 2, count: 12,
    brands: ['Harbour Press', 'Table & Tales'],
    items: [{ name: 'hardcover', price: [22, 36] }],
  },
  {
    key: 'childrens_books', name: "Children's books", skuPrefix: 'KBK', kind: 'book', weight: 2.5, count: 15,
    brands: ['Little Owl', 'Quill & Lantern'],
    items: [{ name: 'picture book', price: [10, 16] }, { name: 'board book', price: [7, 12] }],
  },
  {
    key: 'kitchen', name: 'Kitchen & coffee gear', skuPrefix: 'KIT', kind: 'general', weight: 3, count: 12, demoVideo: true,
    brands: ['Lumen Home', 'Brewcraft', 'Keramik Nord'],
    items: [
      { name: 'Burr coffee grinder', price: [89, 189] },
      { name: 'French press 1 l', price: [25, 45] },
      { name: 'Stoneware mug set (4)', price: [29, 49] },
      { name: 'Pour-over kettle', price: [39, 79] },
      { name: 'Milk frother', price: [49, 99] },
      { name: 'Cast-iron casserole', price: [89, 179] },
    ],
  },
  {
    key: 'toys', name: 'Toys', skuPrefix: 'TOY', kind: 'general', weight: 3, count: 15,
    brands: ['Little Sprout', 'Woodland Toys', 'Brickworks'],
    items: [
      { name: 'Wooden stacking rainbow', price: [19, 35] },
      { name: 'Building blocks (250)', price: [29, 59] },
      { name: 'Plush bear', price: [14, 29] },
      { name: 'Balance bike', price: [69, 119] },
      { name: 'Puzzle 100 pieces', price: [9, 19] },
    ],
  },
];

const mysteryTitles = {
  first: ['The Silent', 'The Last', 'Death at the', 'Murder in the', 'The Vanishing', 'The Winter', 'A Body in the', 'The Lighthouse', 'Shadows over the', 'The Midnight'],
  second: ['Harbour', 'Orchard', 'Archive', 'Vineyard', 'Lighthouse', 'Bookshop', 'Canal', 'Chateau', 'Fjord', 'Observatory'],
};
const authors = ['M. Larsen', 'C. Duval', 'A. Grey', 'L. Moretti', 'J. Holloway', 'S. Okafor', 'E. Brandt', 'P. Navarro', 'H. Lindqvist', 'R. Ashdown'];
const cookbookTitles = ['Weeknight Pasta', 'Nordic Baking', 'The Spice Pantry', 'Vegetables First', 'Slow Sundays', 'One-Pot Kitchen', 'Sourdough at Home', 'Mediterranean Table', 'Quick Curries', 'Soups for Every Season', 'The Dumpling Book', 'Green Breakfasts'];
const childrensTitles = ['The Sleepy Fox', 'Moon Bear', 'Ten Little Boats', 'Where is Otto?', 'The Very Busy Bee', 'Pip and the Puddle', 'Goodnight, City', 'Rainbow Giraffe', 'The Brave Little Kite', 'Tractor Tom', 'Big Red Bus', 'Owl at Night', 'Lily Loves Books', 'Snow Day', 'The Garden Gang'];
const colours = ['black', 'navy', 'sand', 'olive', 'ecru', 'rust', 'forest green', 'charcoal', 'sky blue', 'burgundy'];
const springItems = new Set(['Linen dress', 'Silk blouse', 'Pleated skirt', 'Trench coat', 'Linen shirt', 'Chino trousers', 'Canvas trainers', 'Suede loafers', 'Running shoes', 'Oxford shirt', 'High-waist jeans', 'Leather sneakers', 'Selvedge jeans']);

export interface CatalogCategory {
  index: number;
  key: string;
  name: string;
  nameJson: string;
  kind: ProductKind;
  weight: number;
  demoVideo: boolean;
  accessories: CatalogCategory | undefined;
  products: CatalogProduct[];
  /** Running popularity totals over `products` (a few best sellers, a long tail). */
  popularity: Float64Array;
}

export interface CatalogProduct {
  sku: string;
  skuJson: string;
  name: string;
  category: CatalogCategory;
  brand: string;
  priceCents: number;
  launchedAt: number | undefined;
  collection: string | undefined;
  consumptionDays: number | undefined;
}

export interface Collection {
  code: string;
  launchedAt: number;
  /** Apparel of this collection, per category key. */
  products: Map<string, CatalogProduct[]>;
}

export interface ContentItem {
  id: string;
  topic: string;
  categoryKey: string;
}

export interface StoreEvent {
  shopId: string;
  name: string;
  at: number;
  categoryKey: string;
}

export interface Catalog {
  categories: CatalogCategory[];
  byKey: Map<string, CatalogCategory>;
  products: CatalogProduct[];
  /** Oldest first. */
  collections: Collection[];
  content: ContentItem[];
  storeEvents: StoreEvent[];
  /** Running totals of category weights, for a pick without a customer's taste. */
  categoryPopularity: Float64Array;
}

function priceCents(rng: Rng, [min, max]: readonly [number, number]): number {
  const euros = Math.floor(min + (max - min) * Math.pow(rng.next(), 1.3));
  return euros * 100 + rng.pick([99, 99, 95, 90, 49]);
}

function zipf(n: number, s = 0.9): Float64Array {
  return cumulative(Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, s)));
}

/** Collections launched in the year before the window and during it: SS on 1 March, AW on 1 September. */
function seasons(windowStart: number, now: number): { code: string; launchedAt: number }[] {
  const out: { code: string; launchedAt: number }[] = [];
  const from = windowStart - 365 * DAY_MS;
  for (let y = new Date(from).getUTCFullYear(); y <= new Date(now).getUTCFullYear(); y++) {
    for (const [season, month] of [['SS', 2], ['AW', 8]] as const) {
      const launchedAt = Date.UTC(y, month, 1, 7, 0, 0);
      if (launchedAt >= from && launchedAt < now) out.push({ code: `${season}${String(y % 100).padStart(2, '0')}`, launchedAt });
    }
  }
  return out;
}

export function buildCatalog(seed: number, windowStart: number, now: number): Catalog {
  const rng = new Rng(seed, 0xffff_fff0);
  const categories: CatalogCategory[] = [];
  const products: CatalogProduct[] = [];
  const collections: Collection[] = seasons(windowStart, now).map((s) => ({ ...s, products: new Map() }));
  const span = now - windowStart;

  for (const spec of categorySpecs) {
    const category: CatalogCategory = {
      index: categories.length,
      key: spec.key,
      name: spec.name,
      nameJson: JSON.stringify(spec.name),
      kind: spec.kind,
      weight: spec.weight,
      demoVideo: spec.demoVideo ?? false,
      accessories: undefined,
      products: [],
      popularity: new Float64Array(0),
    };
    categories.push(category);
    const add = (p: Omit<CatalogProduct, 'sku' | 'skuJson' | 'category'>) => {
      const sku = `${spec.skuPrefix}-${String(category.products.length + 1).padStart(3, '0')}`;
      const product: CatalogProduct = { ...p, sku, skuJson: JSON.stringify(sku), category };
      category.products.push(product);
      products.push(product);
    };

    if (spec.kind === 'apparel') {
      for (const collection of collections) {
        const spring = collection.code.startsWith('SS');
        const items = spec.items.filter((i) => springItems.has(i.name) === spring || spec.key === 'shoes');
        const list: CatalogProduct[] = [];
        const firstColour = rng.int(0, colours.length - 1);
        for (let k = 0; k < spec.count; k++) {
          const item = items[k % items.length]!;
          const colour = colours[(firstColour + k) % colours.length]!;
          add({
            name: `${item.name} – ${colour} (${collection.code})`,
            brand: spec.brands[(k + collections.indexOf(collection)) % spec.brands.length]!,
            priceCents: priceCents(rng, item.price),
            launchedAt: collection.launchedAt,
            collection: collection.code,
            consumptionDays: undefined,
          });
          list.push(category.products[category.products.length - 1]!);
        }
        collection.products.set(spec.key, list);
      }
    } else if (spec.kind === 'book') {
      for (let k = 0; k < spec.count; k++) {
        const format = spec.items[k % spec.items.length]!;
        let title: string;
        if (spec.key === 'mystery_novels') {
          title = `${mysteryTitles.first[k % 10]!} ${mysteryTitles.second[(k * 3 + Math.floor(k / 10)) % 10]!}`;
        } else if (spec.key === 'cookbooks') title = cookbookTitles[k % cookbookTitles.length]!;
        else title = childrensTitles[k % childrensTitles.length]!;
        const author = authors[(k * 7 + spec.key.length) % authors.length]!;
        // A third of the books are new releases during the window: launched_at set, sold from then on.
        const newRelease = k >= Math.ceil(spec.count * 0.66);
        add({
          name: `${title} — ${author} (${format.name})`,
          brand: spec.brands[k % spec.brands.length]!,
          priceCents: priceCents(rng, format.price),
          launchedAt: newRelease ? windowStart + Math.floor(rng.between(0.05, 0.95) * span) : undefined,
          collection: undefined,
          consumptionDays: undefined,
        });
      }
    } else {
      for (let k = 0; k < spec.count; k++) {
        const item = spec.items[k % spec.items.length]!;
        const brand = spec.brands[(k + Math.floor(k / spec.items.length)) % spec.brands.length]!;
        // The last product of durable categories is a new model launched during the window.
        const newModel = spec.kind === 'durable' && k === spec.count - 1;
        add({
          name: `${brand} ${item.name}${newModel ? ' (2nd gen)' : ''}`,
          brand,
          priceCents: priceCents(rng, item.price) + (newModel ? 3000 : 0),
          launchedAt: newModel ? windowStart + Math.floor(span * 0.55) : undefined,
          collection: undefined,
          consumptionDays: item.days,
        });
      }
    }
    category.popularity = zipf(category.products.length);
  }

  const byKey = new Map(categories.map((c) => [c.key, c]));
  for (const spec of categorySpecs) {
    if (spec.accessories) byKey.get(spec.key)!.accessories = byKey.get(spec.accessories);
  }

  const content: ContentItem[] = [
    { id: 'guide-espresso-at-home', topic: 'coffee', categoryKey: 'coffee' },
    { id: 'guide-pour-over', topic: 'coffee', categoryKey: 'kitchen' },
    { id: 'tea-brewing-temperatures', topic: 'tea', categoryKey: 'tea' },
    { id: 'sheet-masks-explained', topic: 'skincare', categoryKey: 'face_masks' },
    { id: 'winter-skincare-routine', topic: 'skincare', categoryKey: 'skincare' },
    { id: 'car-seat-installation', topic: 'baby safety', categoryKey: 'car_seats' },
    { id: 'isofix-explained', topic: 'baby safety', categoryKey: 'car_seats' },
    { id: 'stroller-buying-guide', topic: 'parenting', categoryKey: 'strollers' },
    { id: 'first-year-checklist', topic: 'parenting', categoryKey: 'baby_care' },
    { id: 'dog-nutrition-basics', topic: 'pets', categoryKey: 'pet_food' },
    { id: 'contact-lens-care', topic: 'eye care', categoryKey: 'contact_lenses' },
    { id: 'vitamin-d-in-winter', topic: 'health', categoryKey: 'vitamins' },
    { id: 'e-reader-comparison', topic: 'reading', categoryKey: 'e_readers' },
    { id: 'best-mysteries-this-year', topic: 'reading', categoryKey: 'mystery_novels' },
    { id: 'weeknight-recipes', topic: 'cooking', categoryKey: 'cookbooks' },
    { id: 'toys-by-age', topic: 'parenting', categoryKey: 'toys' },
    { id: 'capsule-wardrobe', topic: 'style', categoryKey: 'womens_fashion' },
    { id: 'how-to-style-chinos', topic: 'style', categoryKey: 'mens_fashion' },
    { id: 'sneaker-care', topic: 'style', categoryKey: 'shoes' },
    ...collections.map((c) => ({ id: `lookbook-${c.code.toLowerCase()}`, topic: 'style', categoryKey: 'womens_fashion' })),
  ];

  const eventKinds: readonly [name: string, categoryKey: string][] = [
    ['Coffee tasting evening', 'coffee'],
    ['Stroller test day', 'strollers'],
    ['Car seat safety check', 'car_seats'],
    ['Mystery book night', 'mystery_novels'],
    ['Skincare masterclass', 'skincare'],
    ["Kids' reading hour", 'childrens_books'],
    ['Latte art workshop', 'kitchen'],
  ];
  const storeEvents: StoreEvent[] = [];
  for (const shop of shops) {
    let at = windowStart + rng.int(5, 40) * DAY_MS;
    while (at < now - DAY_MS) {
      const [name, categoryKey] = rng.pick(eventKinds);
      // Evenings at 18:00 local, roughly 17:00 UTC.
      storeEvents.push({ shopId: shop.id, name: `${name} — ${shop.city}`, at: Math.floor(at / DAY_MS) * DAY_MS + 17 * 3_600_000, categoryKey });
      at += rng.int(28, 60) * DAY_MS;
    }
    for (const c of collections) {
      if (c.launchedAt >= windowStart) {
        storeEvents.push({ shopId: shop.id, name: `${c.code} collection preview — ${shop.city}`, at: c.launchedAt - DAY_MS + 10 * 3_600_000, categoryKey: 'womens_fashion' });
      }
    }
  }

  return {
    categories,
    byKey,
    products,
    collections,
    content,
    storeEvents,
    categoryPopularity: cumulative(categories.map((c) => c.weight)),
  };
}

export interface CatalogLocation {
  id: string;
  name: string;
  kind: 'online' | 'store';
  city: string | undefined;
  country: string;
  timezone: string;
}

export const locations: readonly CatalogLocation[] = [
  { id: onlineShop.id, name: onlineShop.name, kind: 'online', city: undefined, country: onlineShop.country, timezone: onlineShop.timezone },
  ...shops.map((s) => ({ id: s.id, name: s.name, kind: 'store' as const, city: s.city, country: s.country, timezone: s.timezone })),
];
