/*
 * Who a demo customer is: name, contact details, address, age and walk of life, when they signed
 * up and what they consented to, and the behaviour (archetype) their orders and events follow.
 */
import { cumulative, type Rng } from './prng.js';
import { csvCell } from './file-sink.js';
import { countries, type CitySpec, type CountrySpec } from './demo-places.js';
import { DAY_MS, locations, type Catalog, type CatalogLocation } from './demo-catalog.js';
import { isoTime as iso, MINUTE_MS } from './demo-time.js';

export const Archetype = {
  prospect: 'prospect',
  one_time: 'one_time',
  occasional: 'occasional',
  replenishment: 'replenishment',
  loyal_weekly: 'loyal_weekly',
  coupon_only: 'coupon_only',
  big_spender: 'big_spender',
  lapsed: 'lapsed',
  churned: 'churned',
  trend_follower: 'trend_follower',
} as const;
export type Archetype = (typeof Archetype)[keyof typeof Archetype];
export const archetypes = Object.values(Archetype);

/** Share of customers per archetype (percent). About 10 orders per customer on average overall. */
const archetypeShares: Record<Archetype, number> = {
  prospect: 14,
  one_time: 16,
  occasional: 20,
  replenishment: 13,
  loyal_weekly: 11,
  coupon_only: 7,
  big_spender: 3,
  lapsed: 8,
  churned: 5,
  trend_follower: 3,
};
const archetypeWeights = cumulative(archetypes.map((a) => archetypeShares[a]));

interface IdentitySpec {
  name: string;
  weight: number;
  ages: readonly [min: number, max: number];
  occupations: readonly string[];
  /** Multipliers over category weights (by category key). */
  taste: Readonly<Record<string, number>>;
}

const officeJobs = ['Accountant', 'Software developer', 'Marketing manager', 'Project manager', 'HR advisor', 'Sales representative', 'Data analyst', 'Lawyer', 'Consultant', 'Civil servant'];

const identities: readonly IdentitySpec[] = [
  { name: 'student', weight: 12, ages: [18, 27], occupations: ['Student', 'Student', 'PhD candidate', 'Apprentice'], taste: { coffee: 2.5, womens_fashion: 1.6, mens_fashion: 1.6, shoes: 1.5, mystery_novels: 1.3, e_readers: 1.5, contact_lenses: 1.8, face_masks: 1.6, baby_care: 0, car_seats: 0, strollers: 0, baby_accessories: 0, childrens_books: 0.1, toys: 0.2 } },
  { name: 'office worker', weight: 26, ages: [23, 63], occupations: officeJobs, taste: { coffee: 2.2, e_readers: 1.5, womens_fashion: 1.4, mens_fashion: 1.4, skincare: 1.3, kitchen: 1.3, baby_care: 0.2, car_seats: 0.2, strollers: 0.2, baby_accessories: 0.2 } },
  { name: 'parent', weight: 20, ages: [26, 48], occupations: [...officeJobs, 'Stay-at-home parent', 'Nurse', 'Teacher'], taste: { baby_care: 6, car_seats: 5, strollers: 5, baby_accessories: 4, childrens_books: 5, toys: 5, vitamins: 1.5, coffee: 1.4 } },
  { name: 'retiree', weight: 13, ages: [62, 89], occupations: ['Retired'], taste: { tea: 3, vitamins: 3, mystery_novels: 3, cookbooks: 2.5, oral_care: 2, womens_fashion: 0.5, mens_fashion: 0.5, shoes: 0.6, toys: 1.5, childrens_books: 1.5, baby_care: 0.1, car_seats: 0.3, strollers: 0.1, e_readers: 1.4 } },
  { name: 'freelancer', weight: 8, ages: [24, 60], occupations: ['Graphic designer', 'Photographer', 'Translator', 'Journalist', 'Architect', 'Illustrator'], taste: { coffee: 2.5, kitchen: 1.6, womens_fashion: 1.3, mens_fashion: 1.3, e_readers: 1.3, baby_care: 0.3, car_seats: 0.3, strollers: 0.3 } },
  { name: 'healthcare worker', weight: 7, ages: [22, 64], occupations: ['Nurse', 'Doctor', 'Pharmacist', 'Physiotherapist', 'Midwife'], taste: { vitamins: 2.5, skincare: 1.5, coffee: 1.8, tea: 1.3, baby_care: 0.4, car_seats: 0.4, strollers: 0.4 } },
  { name: 'teacher', weight: 5, ages: [25, 64], occupations: ['Primary school teacher', 'Secondary school teacher', 'Lecturer'], taste: { childrens_books: 2, mystery_novels: 2, cookbooks: 1.5, tea: 1.5, e_readers: 1.6, baby_care: 0.3, car_seats: 0.3, strollers: 0.3 } },
  { name: 'tradesperson', weight: 5, ages: [20, 64], occupations: ['Electrician', 'Carpenter', 'Plumber', 'Chef', 'Baker', 'Mechanic'], taste: { coffee: 2, pet_food: 1.5, mens_fashion: 1.2, shoes: 1.3, baby_care: 0.4, car_seats: 0.4, strollers: 0.4 } },
];
const identityWeights = cumulative(identities.map((i) => i.weight));
const countryWeights = cumulative(countries.map((c) => c.weight));
const languageWeights = new Map(countries.map((c) => [c.code, cumulative(c.languages.map(([, w]) => w))]));
const cityWeights = new Map(countries.map((c) => [c.code, cumulative(c.cities.map((city) => city.weight))]));

const acquisitionChannels = ['organic_search', 'paid_search', 'social', 'referral', 'in_store', 'newsletter', 'affiliate', 'marketplace', 'direct'] as const;
const onlineAcquisition = cumulative([24, 14, 16, 8, 4, 6, 5, 3, 10]);
const shopAcquisition = cumulative([14, 8, 10, 8, 40, 4, 3, 1, 8]);

export interface ConsentRecord {
  granted: boolean;
  at: number;
  source: string;
}

export interface Address {
  line1: string;
  line2: string | undefined;
  city: string;
  region: string;
  postcode: string;
  country: string;
}

export interface Persona {
  index: number;
  /** Zero-padded running number shared by the customer, order and event ids. */
  num: string;
  id: string;
  country: CountrySpec;
  city: CitySpec;
  /** The shop in the customer's city, if any. */
  shop: CatalogLocation | undefined;
  /** Share of orders placed online (1 for customers with no shop nearby). */
  onlineShare: number;
  /** At the till this customer gives an email or phone instead of a loyalty card. */
  givesContactAtTill: boolean;
  name: string;
  gender: string | undefined;
  email: string | undefined;
  phone: string | undefined;
  /** The phone as a shop assistant types it, with trunk prefix and spaces. */
  phoneNational: string | undefined;
  identity: string;
  occupation: string;
  age: number;
  birthday: string | undefined;
  household: 'parent' | 'single' | 'couple';
  pet: 'dog' | 'cat' | undefined;
  language: string;
  createdAt: number;
  legacy: boolean;
  archetype: Archetype;
  acquisition: string;
  referredBy: string | undefined;
  postcode: string;
  shipping: Address | undefined;
  billing: Address | undefined;
  /** The `tags` cell of customers.csv (tags.csv holds the tags staff and rules assigned). */
  listTags: string[];
  consent: { email?: ConsentRecord; sms?: ConsentRecord; whatsapp?: ConsentRecord };
  newsletter: boolean | undefined;
  /** Running category weights for this customer's own taste. */
  taste: Float64Array;
  /** Multiplies basket size: most near 1, a few far above (heavy tail). */
  spendLevel: number;
  /** GBP prices are the EUR list price times this. */
  priceFactor: number;
}

export interface World {
  seed: number;
  customers: number;
  now: number;
  windowStart: number;
  idWidth: number;
  catalog: Catalog;
  /** Per-seed offset so phone numbers differ between seeds while staying unique. */
  phoneOffset: number;
}

export const customerId = (world: World, index: number): string => `C${String(index + 1).padStart(world.idWidth, '0')}`;

const LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

function postcode(rng: Rng, city: CitySpec): string {
  const pattern = rng.pick(city.postcodes);
  let out = '';
  for (const ch of pattern) {
    if (ch === '#') out += String(rng.int(0, 9));
    else if (ch === '@') out += LETTERS[rng.int(0, LETTERS.length - 1)]!;
    else out += ch;
  }
  return out;
}

function address(rng: Rng, country: CountrySpec, city: CitySpec): Address {
  const street = rng.pick(country.streets);
  const number = String(rng.int(1, 180));
  return {
    line1: country.numberFirst ? `${number} ${street}` : `${street} ${number}`,
    line2: rng.chance(0.22) ? rng.pick(country.flats) : undefined,
    city: city.name,
    region: city.region,
    postcode: postcode(rng, city),
    country: country.code,
  };
}

/** ASCII letters only, for the local part of an email address. */
function asciiWord(s: string): string {
  return s
    .toLowerCase()
    .replaceAll('ß', 'ss')
    .replaceAll('ı', 'i')
    .normalize('NFD')
    .replace(/[^a-z]/g, '');
}

/** Unique by construction: every address ends in the customer's running number. */
function emailFor(rng: Rng, first: string, last: string, index: number, country: CountrySpec): string {
  const f = asciiWord(first);
  const l = asciiWord(last);
  const style = rng.int(0, 4);
  const local = style === 0 ? `${f}.${l}` : style === 1 ? `${f[0]}${l}` : style === 2 ? `${f}${l}` : style === 3 ? `${l}.${f}` : `${f}_${l}`;
  return `${local}${index + 1}@${rng.pick(country.emailDomains)}`;
}

/**
 * A mobile number unique to this customer: the subscriber digits are a bijection of the customer
 * index (an odd multiplier prime to 10), so no two customers share a phone and identity resolution
 * never merges two different people.
 */
function phoneFor(rng: Rng, world: World, country: CountrySpec, index: number): { e164: string; national: string } {
  const prefix = rng.pick(country.mobilePrefixes);
  const modulus = 10 ** country.subscriberDigits;
  const subscriber = String((index * 48_271 + world.phoneOffset) % modulus).padStart(country.subscriberDigits, '0');
  const significant = prefix + subscriber;
  const national = `${country.trunkPrefix}${prefix} ${subscriber.slice(0, 3)} ${subscriber.slice(3)}`;
  return { e164: `+${country.dialCode}${significant}`, national };
}

function ageOn(birthday: string, now: number): number {
  const b = new Date(birthday);
  const n = new Date(now);
  let age = n.getUTCFullYear() - b.getUTCFullYear();
  if (n.getUTCMonth() < b.getUTCMonth() || (n.getUTCMonth() === b.getUTCMonth() && n.getUTCDate() < b.getUTCDate())) age--;
  return age;
}

/**
 * Sign-up times rise with the customer index, so a referrer (always an earlier index) signed up
 * before the customer they referred. A quarter signed up before the two-year window (legacy
 * customers imported from an older system); sign-ups then grow over the window.
 */
function signupTime(world: World, index: number, jitter: number): number {
  const u = (index + jitter) / world.customers;
  const legacySpan = 3 * 365 * DAY_MS;
  if (u < 0.25) return world.windowStart - legacySpan + (u / 0.25) * legacySpan;
  const v = (u - 0.25) / 0.75;
  const grown = -1 + Math.sqrt(1 + 3 * v);
  return world.windowStart + grown * (world.now - world.windowStart - 2 * DAY_MS);
}

function consentAfter(rng: Rng, world: World, start: number, grantedShare: number, withdrawnShare: number, sources: readonly string[], withdrawSource: string): ConsentRecord | undefined {
  if (!rng.chance(grantedShare)) return undefined;
  const at = Math.floor(start + rng.int(0, 10) * MINUTE_MS);
  if (rng.chance(withdrawnShare) && at < world.now - 40 * DAY_MS) {
    return { granted: false, at: Math.floor(rng.between(at + 30 * DAY_MS, world.now - DAY_MS)), source: withdrawSource };
  }
  return { granted: true, at, source: rng.pick(sources) };
}

export function createPersona(world: World, rng: Rng, index: number): Persona {
  const country = countries[rng.weightedIndex(countryWeights)]!;
  const city = country.cities[rng.weightedIndex(cityWeights.get(country.code)!)]!;
  const shop = city.shopId ? locations.find((l) => l.id === city.shopId) : undefined;
  const onlineShare = shop ? rng.pick([0, 0, 0, 0.3, 0.5, 0.5, 0.9]) : 1;
  const identitySpec = identities[rng.weightedIndex(identityWeights)]!;
  const genderDraw = rng.next();
  const gender = genderDraw < 0.49 ? 'female' : genderDraw < 0.96 ? 'male' : genderDraw < 0.98 ? 'non-binary' : undefined;
  const female = gender === 'female' || (gender !== 'male' && rng.chance(0.5));
  const first = rng.pick(female ? country.femaleNames : country.maleNames);
  const last = rng.pick(country.lastNames);
  const createdAt = Math.floor(signupTime(world, index, rng.next()));
  const legacy = createdAt < world.windowStart;

  const hasEmail = onlineShare > 0 || rng.chance(0.85);
  const email = hasEmail ? emailFor(rng, first, last, index, country) : undefined;
  const phones = !hasEmail || rng.chance(0.68) ? phoneFor(rng, world, country, index) : undefined;

  const age = rng.int(identitySpec.ages[0], identitySpec.ages[1]);
  const nowDate = new Date(world.now);
  const birthYear = nowDate.getUTCFullYear() - age - 1;
  const birthdayMs = Date.UTC(birthYear, 0, 1) + rng.int(0, 364) * DAY_MS;
  const birthday = new Date(birthdayMs).toISOString().slice(0, 10);

  const household: Persona['household'] =
    identitySpec.name === 'parent' ? 'parent' : identitySpec.name === 'student' ? (rng.chance(0.85) ? 'single' : 'couple') : rng.chance(0.12) ? 'parent' : rng.chance(0.5) ? 'couple' : 'single';
  const pet = rng.chance(0.22) ? (rng.chance(0.55) ? 'dog' : 'cat') : undefined;

  let archetype = archetypes[rng.weightedIndex(archetypeWeights)]!;
  // Lapsing needs history: a recent sign-up cannot have stopped buying a year ago.
  if (archetype === 'lapsed' && createdAt > world.now - 320 * DAY_MS) archetype = 'occasional';
  if (archetype === 'churned' && createdAt > world.now - 470 * DAY_MS) archetype = 'occasional';
  if (archetype === 'loyal_weekly' && createdAt > world.now - 90 * DAY_MS) archetype = 'replenishment';

  let acquisition: string = acquisitionChannels[rng.weightedIndex(shop && onlineShare < 0.9 ? shopAcquisition : onlineAcquisition)]!;
  let referredBy: string | undefined;
  if (acquisition === 'referral') {
    if (index > 0) referredBy = customerId(world, rng.int(0, index - 1));
    else acquisition = 'direct';
  }

  const hasAddress = onlineShare > 0 || rng.chance(0.5);
  const shipping = hasAddress ? address(rng, country, city) : undefined;
  let billing = shipping;
  if (shipping && rng.chance(0.12)) {
    const other = rng.chance(0.6) ? city : rng.pick(country.cities);
    billing = address(rng, country, other);
  }

  const consentStart = createdAt + rng.int(0, 5) * MINUTE_MS;
  const emailSources = acquisition === 'in_store' ? ['in_store'] : legacy ? ['import', 'signup_form'] : ['signup_form', 'checkout', 'newsletter_popup'];
  let emailConsent = email ? consentAfter(rng, world, consentStart, 0.62, 0.14, emailSources, rng.pick(['unsubscribe_link', 'preference_center'])) : undefined;
  if (email && !emailConsent && rng.chance(0.3)) emailConsent = { granted: false, at: consentStart, source: 'checkout' };
  const smsConsent = phones ? consentAfter(rng, world, consentStart, 0.3, 0.1, ['checkout', 'in_store', 'sms_keyword'], 'sms_stop_reply') : undefined;
  const whatsappConsent = phones ? consentAfter(rng, world, consentStart, 0.12, 0.08, ['whatsapp_optin_link', 'in_store'], 'whatsapp_block') : undefined;
  const consent: Persona['consent'] = {};
  if (emailConsent) consent.email = emailConsent;
  if (smsConsent) consent.sms = smsConsent;
  if (whatsappConsent) consent.whatsapp = whatsappConsent;
  const newsletter = emailConsent ? emailConsent.granted && rng.chance(0.9) : email && rng.chance(0.3) ? false : undefined;

  const taste = cumulative(
    world.catalog.categories.map((c) => {
      let w = c.weight * (identitySpec.taste[c.key] ?? 1);
      if (c.key === 'pet_food') w *= pet ? 8 : 0.05;
      if (household === 'parent' && ['baby_care', 'car_seats', 'strollers', 'baby_accessories', 'toys', 'childrens_books'].includes(c.key)) w *= 2;
      if (c.kind === 'apparel') w *= c.key === 'womens_fashion' ? (female ? 1.8 : 0.3) : c.key === 'mens_fashion' ? (female ? 0.3 : 1.8) : 1;
      // Each customer keeps a few favourite categories and rarely strays.
      return w * (rng.chance(0.3) ? 4 : rng.chance(0.5) ? 1 : 0.25);
    }),
  );

  const num = String(index + 1).padStart(world.idWidth, '0');
  const language = country.languages[rng.weightedIndex(languageWeights.get(country.code)!)]![0];
  const listTags: string[] = [];
  if (legacy && rng.chance(0.6)) listTags.push('legacy-import');
  if (onlineShare > 0 && rng.chance(0.2)) listTags.push('app-user');
  return {
    index,
    num,
    id: `C${num}`,
    country,
    city,
    shop,
    onlineShare,
    givesContactAtTill: shop !== undefined && rng.chance(0.45),
    name: `${first} ${last}`,
    gender,
    email,
    phone: phones?.e164,
    phoneNational: phones?.national,
    identity: identitySpec.name,
    occupation: rng.pick(identitySpec.occupations),
    age: ageOn(birthday, world.now),
    birthday,
    household,
    pet,
    language,
    createdAt,
    legacy,
    archetype,
    acquisition,
    referredBy,
    postcode: shipping?.postcode ?? postcode(rng, city),
    shipping,
    billing,
    listTags,
    consent,
    newsletter,
    taste,
    spendLevel: archetype === 'big_spender' ? Math.min(25, rng.pareto(2, 1.3)) : Math.min(4, rng.pareto(1, 3)),
    priceFactor: country.currency === 'GBP' ? 0.86 : 1,
  };
}

const addressColumns = ['line1', 'line2', 'city', 'region', 'postcode', 'country'] as const;
const consentColumns = ['granted', 'at', 'source'] as const;

export const customerColumns: readonly string[] = [
  'id', 'email', 'phone', 'name', 'birthday', 'age', 'gender', 'city', 'region', 'postcode', 'country',
  ...addressColumns.map((c) => `shipping_address.${c}`),
  ...addressColumns.map((c) => `billing_address.${c}`),
  'timezone', 'language', 'currency', 'occupation', 'social_identity', 'attributes', 'tags', 'acquisition_channel', 'referred_by', 'created_at',
  ...(['email', 'sms', 'whatsapp'] as const).flatMap((ch) => consentColumns.map((c) => `consent.${ch}.${c}`)),
  'newsletter',
];

function addressCells(a: Address | undefined): string[] {
  if (!a) return ['', '', '', '', '', ''];
  return [csvCell(a.line1), csvCell(a.line2 ?? ''), csvCell(a.city), csvCell(a.region), a.postcode, a.country];
}

function consentCells(c: ConsentRecord | undefined): string[] {
  return c ? [String(c.granted), iso(c.at), c.source] : ['', '', ''];
}

/**
 * The customers.csv row. Not every customer fills in everything: birthday or only an age or
 * neither, a timezone most of the time, attributes only when there is something to say.
 */
export function customerRow(rng: Rng, p: Persona): string {
  const birthdayDraw = rng.next();
  const birthday = birthdayDraw < 0.7 ? p.birthday : undefined;
  const age = birthdayDraw >= 0.65 && birthdayDraw < 0.85 ? p.age : undefined;
  const attributes: Record<string, string | number | boolean> = {};
  if (p.shop && p.onlineShare < 1) {
    attributes.preferred_store = p.shop.id;
    if (!p.givesContactAtTill) attributes.loyalty_card = true;
  }
  if (p.pet) attributes.pet = p.pet;
  if (p.household === 'parent' && rng.chance(0.7)) attributes.children = rng.int(1, 3);
  if (rng.chance(0.15)) attributes.shoe_size = rng.int(36, 46);
  if (rng.chance(0.1)) attributes.loyalty_tier = rng.pick(['bronze', 'bronze', 'silver', 'gold']);
  const attributesJson = Object.keys(attributes).length > 0 ? JSON.stringify(attributes) : '';
  const cells = [
    p.id,
    p.email ?? '',
    p.phone ?? '',
    csvCell(p.name),
    birthday ?? '',
    age === undefined ? '' : String(age),
    p.gender ?? '',
    csvCell(p.city.name),
    csvCell(p.city.region),
    p.postcode,
    p.country.code,
    ...addressCells(p.shipping),
    ...addressCells(p.billing),
    rng.chance(0.92) ? p.country.timezone : '',
    p.language,
    p.country.currency,
    csvCell(p.occupation),
    csvCell(p.identity),
    csvCell(attributesJson),
    p.listTags.join(';'),
    p.acquisition,
    p.referredBy ?? '',
    iso(p.createdAt),
    ...consentCells(p.consent.email),
    ...consentCells(p.consent.sms),
    ...consentCells(p.consent.whatsapp),
    p.newsletter === undefined ? '' : String(p.newsletter),
  ];
  return `${cells.join(',')}\n`;
}
