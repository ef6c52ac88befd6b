/*
 * Segment-spec messages (checked by segment-messages.ts) turned into one store WriteBatch. Pure: no
 * I/O, and the only clock read is the `receivedAt` default for messages that carry no timestamp at all.
 */
import type { z } from 'zod';
import { Customer, Event, PageKind, type CustomerInput, type IdentityLink, type WriteBatch } from '@strata/core';
import {
  formatIssues,
  isBlank,
  isRecord,
  messageSchemas,
  segmentMessageTypes,
  type SegmentMessage,
  type SegmentPage,
  type SegmentScreen,
} from './segment-messages.js';

/* ---------- mapping ---------- */

export interface SegmentRejection {
  /** Position of the message in the array given to `toWriteBatch` (0-based). */
  index: number;
  messageId?: string;
  /** Each `field.path: reason`, the path as in the message (e.g. `traits.email`). */
  errors: string[];
}

export interface SegmentWriteResult {
  batch: WriteBatch & { customers: Customer[]; events: Event[]; identities: IdentityLink[] };
  rejected: SegmentRejection[];
}

/**
 * Who vouches for the messages (docs/ingest.md, "Identity through the public write key"):
 * - `public`: sent with the write key, which anyone can read from a site that uses it in the
 *   browser. An identify's email and phone traits are kept as unverified attributes
 *   (`unverified_email`, `unverified_phone`): they never merge customers, never make a customer
 *   findable by them, and never replace a stored email or phone.
 * - `server`: sent by the shop's own systems (with the API key). Email and phone are the
 *   customer's, as from an import: claimed as identities, merging whoever already owns them.
 * Either way the userId is taken as the site's own sign-in says it (Segment's model).
 */
export const SegmentSource = { public: 'public', server: 'server' } as const;
export type SegmentSource = (typeof SegmentSource)[keyof typeof SegmentSource];

export interface SegmentMappingOptions {
  /** When the server received the messages: the time of a message that has no timestamp. Default: now. */
  receivedAt?: Date | string;
  /** Who sent the messages. Default: `public`, the one that can do no harm. */
  source?: SegmentSource;
}

/**
 * Maps Segment-spec messages to store records. Each message becomes:
 * - identify: a Customer (when it has a userId), an `identify` Event, and an IdentityLink when it
 *   also has an anonymousId;
 * - track: an Event (Segment's e-commerce names map to Strata's built-in types, see `toEventType`);
 * - page and screen: a `page_view` Event with `page_kind`;
 * - group: a `group` Event; alias: an IdentityLink previousId → userId and an `alias` Event.
 * Any message carrying both userId and anonymousId links them. A `public` identify's email and
 * phone are kept as unverified attributes, not as the customer's (see SegmentSource). Every Event's message_id is the
 * message's messageId, so the store ignores a re-sent message; a messageId repeated within the
 * array is taken once (the first time). Messages are all-or-nothing: a message with any error is
 * rejected whole, with the reasons, and the others are kept.
 */
export function toWriteBatch(messages: readonly unknown[], options: SegmentMappingOptions = {}): SegmentWriteResult {
  const receivedAt =
    options.receivedAt instanceof Date
      ? options.receivedAt.toISOString()
      : (options.receivedAt ?? new Date().toISOString());
  const source = options.source ?? SegmentSource.public;
  const customers = new Map<string, Customer>();
  const events: Event[] = [];
  const identities = new Map<string, IdentityLink>();
  const seen = new Set<string>();
  const rejected: SegmentRejection[] = [];

  messages.forEach((raw, index) => {
    const reject = (errors: string[]) => {
      const messageId =
        isRecord(raw) && typeof raw.messageId === 'string' && raw.messageId.trim() !== '' ? raw.messageId : undefined;
      rejected.push(messageId !== undefined ? { index, messageId, errors } : { index, errors });
    };
    const parsed = parseMessage(raw);
    if (!parsed.ok) return reject(parsed.errors);
    const message = parsed.value;
    if (seen.has(message.messageId)) return;

    const mapped = mapMessage(message, receivedAt, source);
    if (!mapped.ok) return reject(mapped.errors);
    seen.add(message.messageId);
    const { customer, event, link } = mapped.value;
    if (customer) {
      const before = customers.get(customer.id);
      customers.set(customer.id, before ? mergeCustomers(before, customer) : customer);
    }
    events.push(event);
    if (link?.anonymous_id !== undefined) identities.set(`${link.customer_id}\u0000${link.anonymous_id}`, link);
  });

  return { batch: { customers: [...customers.values()], events, identities: [...identities.values()] }, rejected };
}

type Mapped<T> = { ok: true; value: T } | { ok: false; errors: string[] };

function parseMessage(raw: unknown): Mapped<SegmentMessage> {
  if (!isRecord(raw)) return { ok: false, errors: ['message: must be a JSON object'] };
  const type = raw.type;
  if (typeof type !== 'string' || !Object.hasOwn(messageSchemas, type)) {
    const got = type === undefined ? 'missing' : JSON.stringify(type);
    return { ok: false, errors: [`type: must be one of ${segmentMessageTypes.join(', ')} (got ${got})`] };
  }
  const r = messageSchemas[type as keyof typeof messageSchemas].safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, errors: formatIssues(r.error.issues) };
}

interface MessageRecords {
  customer?: Customer;
  event: Event;
  link?: IdentityLink;
}

/** A record under construction, with the message path each of its fields came from (for errors). */
interface Draft<T> {
  input: T;
  sources: Record<string, string>;
}

function mapMessage(m: SegmentMessage, receivedAt: string, source: SegmentSource): Mapped<MessageRecords> {
  const errors: string[] = [];
  const occurred =
    m.timestamp !== undefined
      ? { at: m.timestamp, source: 'timestamp' }
      : m.originalTimestamp !== undefined
        ? { at: m.originalTimestamp, source: 'originalTimestamp' }
        : { at: m.receivedAt ?? receivedAt, source: 'receivedAt' };
  const eventDraft = (
    type: string,
    properties: Record<string, unknown>,
    sources: Record<string, string>,
  ): Draft<z.input<typeof Event>> => ({
    input: compact({
      message_id: m.messageId,
      customer_id: m.userId,
      anonymous_id: m.anonymousId,
      type,
      occurred_at: occurred.at,
      properties,
    }),
    sources: {
      message_id: 'messageId',
      customer_id: 'userId',
      anonymous_id: 'anonymousId',
      occurred_at: occurred.source,
      ...sources,
    },
  });

  let customerDraft: Draft<CustomerInput> | undefined;
  let event: Draft<z.input<typeof Event>>;
  let link: IdentityLink | undefined =
    m.userId !== undefined && m.anonymousId !== undefined
      ? { customer_id: m.userId, anonymous_id: m.anonymousId }
      : undefined;

  switch (m.type) {
    case 'identify': {
      const traits = m.traits ?? {};
      if (m.userId !== undefined) customerDraft = customerFromIdentify(m.userId, traits, m.context ?? {});
      event = eventDraft('identify', traits, { type: 'type', properties: 'traits' });
      break;
    }
    case 'track': {
      const type = toEventType(m.event);
      const properties = { ...(m.properties ?? {}) };
      if (type === '') errors.push(`event: "${m.event}" has no letters or digits to name an event type`);
      else if (type.length > 100)
        errors.push(`event: too long (${type.length} characters as an event type, at most 100)`);
      if (productEventTypes.has(type)) {
        const sku = properties.sku ?? properties.product_id;
        if (typeof sku === 'string' || typeof sku === 'number') properties.sku = String(sku);
        else errors.push(`properties.sku: "${m.event}" needs properties.sku or properties.product_id`);
      }
      event = eventDraft(type, properties, { type: 'event', properties: 'properties' });
      break;
    }
    case 'page':
    case 'screen':
      event = eventDraft('page_view', pageViewProperties(m), { type: 'type', properties: 'properties' });
      break;
    case 'group':
      event = eventDraft('group', compact({ group_id: m.groupId, traits: m.traits }), {
        type: 'type',
        properties: 'traits',
      });
      break;
    case 'alias':
      link = { customer_id: m.userId, anonymous_id: m.previousId };
      event = eventDraft('alias', { previous_id: m.previousId }, { type: 'type', properties: 'previousId' });
      break;
  }

  // The checks above say the same as the Event schema would, in the sender's terms: keep only theirs.
  if (errors.length) return { ok: false, errors };
  let customer: Customer | undefined;
  if (customerDraft) {
    const r = Customer.safeParse(customerDraft.input);
    if (r.success) customer = source === SegmentSource.public ? withUnverifiedContact(r.data) : r.data;
    else errors.push(...formatIssues(r.error.issues, customerDraft.sources));
  }
  const e = Event.safeParse(event.input);
  if (!e.success) errors.push(...formatIssues(e.error.issues, event.sources));
  if (errors.length || !e.success) return { ok: false, errors: [...new Set(errors)] };
  return { ok: true, value: { ...(customer ? { customer } : {}), event: e.data, ...(link ? { link } : {}) } };
}

/* ---------- identify → Customer ---------- */

/**
 * Segment's reserved traits (https://segment.com/docs/connections/spec/identify/#traits) become
 * customer fields; camelCase and snake_case spellings are both read. Every other trait, and any
 * address part the customer record has no field for, is kept in `attributes`.
 */
function customerFromIdentify(
  userId: string,
  traits: Record<string, unknown>,
  context: Record<string, unknown>,
): Draft<CustomerInput> {
  const input: Record<string, unknown> = { id: userId };
  const sources: Record<string, string> = { id: 'userId' };
  const attributes: Record<string, unknown> = {};
  const used = new Set<string>();
  const set = (field: string, value: unknown, source: string) => {
    if (value === undefined || isBlank(value)) return;
    input[field] = value;
    sources[field] = source;
  };
  /** The first of `keys` the traits hold (null and "" count as absent); all of them are marked used. */
  const take = (...keys: string[]): { key: string; value: unknown } | undefined => {
    let found: { key: string; value: unknown } | undefined;
    for (const key of keys) {
      if (!Object.hasOwn(traits, key)) continue;
      used.add(key);
      const value = traits[key];
      if (!found && value !== undefined && !isBlank(value)) found = { key, value };
    }
    return found;
  };
  const copy = (field: string, ...keys: string[]) => {
    const t = take(...keys);
    if (t) set(field, t.value, `traits.${t.key}`);
  };

  copy('email', 'email');
  const phone = take('phone');
  if (phone) set('phone', typeof phone.value === 'number' ? String(phone.value) : phone.value, `traits.${phone.key}`);
  const name = take('name');
  const first = take('firstName', 'first_name');
  const last = take('lastName', 'last_name');
  if (name) set('name', name.value, `traits.${name.key}`);
  else if (first || last) {
    const parts = [first, last].filter((t) => t !== undefined);
    const odd = parts.find((t) => typeof t.value !== 'string');
    // A non-string part is passed on as is, so validation names the trait at fault.
    if (odd) set('name', odd.value, `traits.${odd.key}`);
    else set('name', parts.map((t) => String(t.value).trim()).join(' '), `traits.${parts[0]!.key}`);
  }
  const birthday = take('birthday');
  if (birthday) {
    // A birthday is a calendar date: keep the date as written rather than shifting it to UTC.
    const v = birthday.value;
    set(
      'birthday',
      typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? v.slice(0, 10) : v,
      `traits.${birthday.key}`,
    );
  }
  copy('age', 'age');
  copy('gender', 'gender');
  const created = take('createdAt', 'created_at');
  if (created)
    set(
      'created_at',
      typeof created.value === 'number' ? epochToIso(created.value) : created.value,
      `traits.${created.key}`,
    );

  const address = take('address');
  if (address && isRecord(address.value)) {
    const rest: Record<string, unknown> = { ...address.value };
    const part = (field: string, ...keys: string[]) => {
      for (const key of keys) {
        const v = rest[key];
        if (v === undefined || isBlank(v)) continue;
        delete rest[key];
        return set(field, v, `traits.address.${key}`);
      }
    };
    part('city', 'city');
    part('region', 'state', 'region', 'province');
    part('postcode', 'postalCode', 'postal_code', 'zip', 'postcode');
    const country = rest.country;
    if (typeof country === 'string' && !isBlank(country)) {
      const code = toCountryCode(country);
      if (code) {
        delete rest.country;
        set('country', code, 'traits.address.country');
      }
    }
    if (Object.keys(rest).length) attributes.address = rest;
  } else if (address) {
    attributes.address = address.value;
  }

  const tags = take('tags');
  if (tags && Array.isArray(tags.value)) set('tags', tags.value, `traits.${tags.key}`);
  else if (tags) attributes.tags = tags.value;

  set('timezone', context.timezone, 'context.timezone');
  set('language', context.locale, 'context.locale');

  for (const [key, value] of Object.entries(traits)) {
    if (!used.has(key) && value !== undefined) attributes[key] = value;
  }
  if (Object.keys(attributes).length) set('attributes', attributes, 'traits');
  return { input: input as CustomerInput, sources };
}

/**
 * A public identify's email and phone (validated and normalised like any other) moved to
 * `attributes.unverified_email` and `attributes.unverified_phone`. The store claims only a
 * customer's email and phone fields as identities, so these merge no one and replace nothing.
 */
function withUnverifiedContact(customer: Customer): Customer {
  const { email, phone, ...rest } = customer;
  if (email === undefined && phone === undefined) return customer;
  return {
    ...rest,
    attributes: {
      ...customer.attributes,
      ...(email !== undefined ? { unverified_email: email } : {}),
      ...(phone !== undefined ? { unverified_phone: phone } : {}),
    },
  };
}

/** Numeric createdAt: seconds or milliseconds since 1970 (told apart by size). */
function epochToIso(n: number): string | number {
  const ms = Math.abs(n) < 1e11 ? n * 1000 : n;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? n : d.toISOString();
}

let countryNames: Map<string, string> | undefined;

/** A two-letter code as is, or an English country name ("Germany", "United States") as its code. */
function toCountryCode(raw: string): string | undefined {
  const s = raw.trim();
  if (/^[A-Za-z]{2}$/.test(s)) return s.toUpperCase();
  if (!countryNames) {
    countryNames = new Map([
      ['usa', 'US'],
      ['united states of america', 'US'],
      ['uk', 'GB'],
      ['great britain', 'GB'],
    ]);
    const display = new Intl.DisplayNames(['en'], { type: 'region' });
    const A = 'A'.charCodeAt(0);
    for (let i = 0; i < 26; i++) {
      for (let j = 0; j < 26; j++) {
        const code = String.fromCharCode(A + i, A + j);
        const name = display.of(code);
        if (name && name !== code && name !== 'Unknown Region') countryNames.set(name.toLowerCase(), code);
      }
    }
  }
  return countryNames.get(s.toLowerCase());
}

/** Later fields win; attributes are merged, tags joined, and the earliest created_at kept (as the store does). */
function mergeCustomers(a: Customer, b: Customer): Customer {
  const defined = Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined));
  const merged: Customer = {
    ...a,
    ...defined,
    attributes: { ...a.attributes, ...b.attributes },
    tags: [...new Set([...a.tags, ...b.tags])],
    consent: { ...a.consent, ...b.consent },
  };
  if (a.created_at !== undefined && b.created_at !== undefined && a.created_at < b.created_at)
    merged.created_at = a.created_at;
  return merged;
}

/* ---------- track → event type ---------- */

/** Segment's e-commerce spec names (snake_cased) for the events Strata has built-in types for. */
const ecommerceEventTypes: Record<string, string> = {
  product_viewed: 'product_view',
  product_added: 'add_to_cart',
  product_removed: 'remove_from_cart',
  checkout_started: 'checkout_started',
};
const productEventTypes = new Set(['product_view', 'add_to_cart', 'remove_from_cart']);

/**
 * The Strata event type for a track event name: Segment's e-commerce events map to the built-in
 * types ("Product Viewed" → product_view, "Product Added" → add_to_cart, "Product Removed" →
 * remove_from_cart, "Checkout Started" → checkout_started); any other name is snake_cased
 * ("Signed Up" → signed_up, "videoPlaybackStarted" → video_playback_started). "" when the name
 * has no letters or digits.
 */
export function toEventType(eventName: string): string {
  const snake = snakeCase(eventName);
  if (snake === '') return '';
  const type = ecommerceEventTypes[snake] ?? snake;
  // Event types start with a letter.
  return /^[0-9]/.test(type) ? `event_${type}` : type;
}

/** "Product Viewed", "productViewed", "product-viewed" → product_viewed (accents dropped). */
function snakeCase(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/* ---------- page / screen → page_view ---------- */

const pageKinds = new Set<string>(Object.values(PageKind));

function pageViewProperties(m: SegmentPage | SegmentScreen): Record<string, unknown> {
  const properties: Record<string, unknown> = { ...(m.properties ?? {}) };
  const contextPage = isRecord(m.context?.page) ? m.context.page : {};
  for (const key of ['url', 'path', 'title', 'referrer', 'search']) {
    if (properties[key] === undefined && typeof contextPage[key] === 'string') properties[key] = contextPage[key];
  }
  if (m.name !== undefined && properties.name === undefined) properties.name = m.name;
  if (m.category !== undefined && properties.category === undefined) properties.category = m.category;
  const given = properties.page_kind;
  properties.page_kind =
    typeof given === 'string' && given.trim() !== ''
      ? snakeCase(given) || given
      : inferPageKind({
          name: stringOrUndefined(properties.name),
          category: stringOrUndefined(properties.category),
          title: stringOrUndefined(properties.title),
          path: stringOrUndefined(properties.path),
          url: stringOrUndefined(properties.url),
        });
  return properties;
}

export interface PageDescription {
  name?: string | undefined;
  category?: string | undefined;
  title?: string | undefined;
  path?: string | undefined;
  url?: string | undefined;
}

/**
 * A best guess at what kind of page was viewed, for pages sent without `properties.page_kind`:
 * a name or category that is a kind ("Home", "Product") decides; then words in the name, category
 * or title ("Product Detail", "Summer collection", "Demo video"); then the path ("/products/…",
 * "/collections/…", "/"). Anything else is `other`.
 */
export function inferPageKind(page: PageDescription): (typeof PageKind)[keyof typeof PageKind] {
  for (const label of [page.name, page.category]) {
    const kind = label === undefined ? '' : snakeCase(label);
    if (pageKinds.has(kind)) return kind as (typeof PageKind)[keyof typeof PageKind];
  }
  const text = [page.name, page.category, page.title]
    .filter((s) => s !== undefined)
    .join(' ')
    .toLowerCase();
  let path = page.path;
  if (path === undefined && page.url !== undefined) {
    try {
      path = new URL(page.url).pathname;
    } catch {
      path = undefined;
    }
  }
  const p = (path ?? '').toLowerCase();
  if (/\bdemo\b|\bvideos?\b/.test(text) || /\/(demos?|videos?)(\/|$)/.test(p)) return 'demo_video';
  if (/\bproducts?\b|\bpdp\b|\bitem\b/.test(text) || /\/(products?|p|items?)\/[^/]+/.test(p)) return 'product';
  if (
    /\bcategor(y|ies)\b|\bcollections?\b|\bcatalog(ue)?\b|\bplp\b|\bshop all\b/.test(text) ||
    /\/(collections?|categor(y|ies)|c)(\/|$)/.test(p)
  )
    return 'category';
  if (/\bhome ?(page)?\b|\blanding\b/.test(text) || (path !== undefined && (p === '/' || p === ''))) return 'home';
  return 'other';
}
/* ---------- helpers ---------- */

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** Drops undefined values, so optional fields are absent rather than present-but-undefined. */
function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
