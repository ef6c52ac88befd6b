import { z } from 'zod';
import {
  bool,
  countryCode,
  currencyCode,
  date,
  email,
  id,
  jsonObject,
  list,
  money,
  nonNegativeMoney,
  optional,
  optionalText,
  positiveInt,
  text,
  timeZone,
  timestamp,
  trimmedText,
} from './fields.js';
import { toE164 } from './normalise.js';
import {
  channels,
  type Entity,
  eventTypeSpecs,
  requiredEventProperties,
  type Channel,
  type EventPropertySpec,
  type EventType,
  type PropertyType,
} from './vocabulary.js';

export const Address = z.object({
  line1: optionalText(),
  line2: optionalText(),
  city: optionalText(200),
  region: optionalText(200),
  postcode: optionalText(40),
  country: optional(countryCode),
});
export type Address = z.infer<typeof Address>;

export const Consent = z.object({
  granted: bool,
  at: timestamp,
  source: optionalText(200),
});
export type Consent = z.infer<typeof Consent>;

const consentByChannel = Object.fromEntries(channels.map((c) => [c, Consent.optional()])) as {
  [C in Channel]: z.ZodOptional<typeof Consent>;
};

const phoneField = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), trimmedText(40));

/**
 * A person who shops (or may shop) at the store. `id` is the store's own customer id; a till
 * order carrying only an email or phone gets a deterministic id derived from it.
 */
export const Customer = z
  .object({
    id,
    email: optional(email),
    phone: optional(phoneField),
    name: optionalText(300),
    birthday: optional(date),
    age: optional(
      z.preprocess(
        (v) => (typeof v === 'string' ? Number(v) : v),
        z.number({ error: 'must be a whole number of years' }).int().min(0).max(130),
      ),
    ),
    gender: optionalText(40),
    city: optionalText(200),
    region: optionalText(200),
    postcode: optionalText(40),
    country: optional(countryCode),
    shipping_address: Address.optional(),
    billing_address: Address.optional(),
    timezone: optional(timeZone),
    language: optionalText(35),
    currency: optional(currencyCode),
    occupation: optionalText(200),
    social_identity: optionalText(200),
    attributes: jsonObject.default({}),
    tags: list().default([]),
    acquisition_channel: optionalText(100),
    referred_by: optional(id),
    created_at: optional(timestamp),
    consent: z.object(consentByChannel).default({}),
    newsletter: optional(bool),
  })
  .transform((c, ctx) => {
    if (c.phone === undefined) return c;
    const e164 = toE164(c.phone, c.country ?? c.shipping_address?.country);
    if (!e164) {
      ctx.addIssue({ code: 'custom', path: ['phone'], message: `not a phone number: "${c.phone}"` });
      return z.NEVER;
    }
    return { ...c, phone: e164 };
  });
export type Customer = z.infer<typeof Customer>;
export type CustomerInput = z.input<typeof Customer>;

export const Product = z.object({
  sku: id,
  name: text(300),
  /** Empty for a product filed under no category. */
  category: optionalText(200),
  brand: optionalText(200),
  price: nonNegativeMoney,
  launched_at: optional(timestamp),
  collection: optionalText(200),
  /** How many days one unit lasts; empty for durable goods. Drives replenishment. */
  consumption_days: optional(positiveInt),
});
export type Product = z.infer<typeof Product>;

export const LocationKind = { online: 'online', store: 'store' } as const;
export type LocationKind = (typeof LocationKind)[keyof typeof LocationKind];

export const Location = z.object({
  id,
  name: text(200),
  kind: z.enum(LocationKind),
  city: optionalText(200),
  country: optional(countryCode),
  timezone: optional(timeZone),
});
export type Location = z.infer<typeof Location>;

/** Where an order that names no location was placed: the store's online shop (made when first needed). */
export const onlineShop = { id: 'online', name: 'Online shop', kind: 'online' } as const satisfies Location;

export const OrderStatus = { confirmed: 'confirmed', cancelled: 'cancelled', refunded: 'refunded' } as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

export const OrderLine = z.object({
  sku: id,
  quantity: positiveInt,
  unit_price: nonNegativeMoney,
  line_discount: nonNegativeMoney.default(0),
});
export type OrderLine = z.infer<typeof OrderLine>;

/**
 * An order from the online shop or a till. The buyer is named by the store's customer id, or
 * only by email or phone (till orders): identity resolution links it to one customer.
 */
export const Order = z
  .object({
    id,
    customer_id: optional(id),
    customer_email: optional(email),
    customer_phone: optional(phoneField),
    customer_country: optional(countryCode),
    location_id: z.preprocess(
      (v) => (v === undefined || v === null || (typeof v === 'string' && v.trim() === '') ? onlineShop.id : v),
      id,
    ),
    placed_at: timestamp,
    status: z
      .preprocess(
        (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
        z.enum(OrderStatus, { error: 'must be confirmed, cancelled or refunded' }),
      )
      .default('confirmed'),
    currency: currencyCode,
    total: money,
    discount_total: nonNegativeMoney.default(0),
    discount_codes: list().default([]),
    lines: z.array(OrderLine).default([]),
  })
  .transform((o, ctx) => {
    if (o.customer_id === undefined && o.customer_email === undefined && o.customer_phone === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['customer_id'],
        message: 'an order needs customer_id, customer_email or customer_phone',
      });
      return z.NEVER;
    }
    if (o.customer_phone === undefined) return o;
    const e164 = toE164(o.customer_phone, o.customer_country);
    if (!e164) {
      ctx.addIssue({ code: 'custom', path: ['customer_phone'], message: `not a phone number: "${o.customer_phone}"` });
      return z.NEVER;
    }
    return { ...o, customer_phone: e164 };
  });
export type Order = z.infer<typeof Order>;

/** One order line imported on its own (CSV files keep lines apart from order headers). */
export const OrderLineRow = OrderLine.extend({
  order_id: id,
  line_no: optional(positiveInt),
});
export type OrderLineRow = z.infer<typeof OrderLineRow>;

/** A required property's rule (see `EventPropertySpec.required`) as a zod schema. */
const requiredPropertySchema: Record<PropertyType, (p: EventPropertySpec) => z.ZodType> = {
  string: () => z.string().min(1),
  number: ({ min, max }) => {
    const atLeast = min === undefined ? z.number() : z.number().min(min);
    return max === undefined ? atLeast : atLeast.max(max);
  },
  enum: ({ values }) => z.enum(values as [string, ...string[]]),
};

/** Properties required by the built-in event types; custom types take any properties. */
export const eventPropertySchemas: Partial<Record<EventType, z.ZodType>> = Object.fromEntries(
  (Object.keys(eventTypeSpecs) as EventType[]).flatMap((type) => {
    const props = requiredEventProperties(type);
    if (!props.length) return [];
    return [
      [type, z.looseObject(Object.fromEntries(props.map(([name, p]) => [name, requiredPropertySchema[p.type](p)])))],
    ];
  }),
);

export const Event = z
  .object({
    message_id: id,
    customer_id: optional(id),
    anonymous_id: optional(id),
    type: z.preprocess(
      (v) => (typeof v === 'string' ? v.trim() : v),
      z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/, 'must be a word such as page_view'),
    ),
    occurred_at: timestamp,
    properties: jsonObject.default({}),
  })
  .superRefine((e, ctx) => {
    if (e.customer_id === undefined && e.anonymous_id === undefined) {
      ctx.addIssue({ code: 'custom', path: ['customer_id'], message: 'an event needs customer_id or anonymous_id' });
    }
    const schema = eventPropertySchemas[e.type as EventType];
    if (schema) {
      const r = schema.safeParse(e.properties);
      if (!r.success) {
        for (const issue of r.error.issues) {
          ctx.addIssue({ code: 'custom', path: ['properties', ...issue.path.map(String)], message: issue.message });
        }
      }
    }
  });
export type Event = z.infer<typeof Event>;

export const TagSource = { manual: 'manual', rule: 'rule' } as const;
export const TagAssignment = z.object({
  customer_id: id,
  tag: text(100),
  source: z.enum(TagSource).default('manual'),
  assigned_by: text(200).default('import'),
  assigned_at: timestamp,
});
export type TagAssignment = z.infer<typeof TagAssignment>;

/**
 * A tag taken off a customer; with `assigned_by`, only when that is who assigned it (a
 * questionnaire takes back the tags its own answers gave, never one a person set by hand).
 */
export const TagRemoval = z.object({
  customer_id: id,
  tag: text(100),
  assigned_by: optional(text(200)),
});
export type TagRemoval = z.infer<typeof TagRemoval>;

/** Links an anonymous visitor (and optionally contact details) to a customer. */
export const IdentityLink = z.object({
  customer_id: id,
  anonymous_id: optional(id),
});
export type IdentityLink = z.infer<typeof IdentityLink>;


export interface EntityRows {
  customers: Customer;
  products: Product;
  locations: Location;
  orders: Order;
  order_lines: OrderLineRow;
  events: Event;
  tags: TagAssignment;
}

export const entitySchemas: { [K in Entity]: z.ZodType<EntityRows[K]> } = {
  customers: Customer,
  products: Product,
  locations: Location,
  orders: Order,
  order_lines: OrderLineRow,
  events: Event,
  tags: TagAssignment,
};
