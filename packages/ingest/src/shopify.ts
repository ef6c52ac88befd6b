/*
 * Shopify order webhooks (orders/create; orders/updated, orders/paid and orders/cancelled carry the
 * same order object) mapped to a Strata Customer and Order. Pure: verify the signature (hmac.ts)
 * and parse the JSON before calling this.
 */
import { z } from 'zod';
import { Customer, Order, type CustomerInput } from '@strata/core';

/* ---------- the payload, as far as it is read ---------- */

const absent = (v: unknown) => (v === null ? undefined : v);
const nullish = <T extends z.ZodType>(schema: T) => z.preprocess(absent, schema.optional());
/** Shopify sends "" as well as null for a field it has no value for. */
const text = z.preprocess(
  (v) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v),
  z.string({ error: 'must be a string' }).optional(),
);
/** Shopify's REST ids are JSON numbers (strings in some tools); see `shopifyId` for precision. */
const idValue = z.union([z.number(), z.string()], { error: 'must be a number' });
/** Amounts are decimal strings ("199.00") in the shop's currency. */
const amount = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(v) ? Number(v) : v),
  z.number({ error: 'must be an amount such as "19.99"' }).finite(),
);

export const ShopifyAddress = z.looseObject({
  first_name: text,
  last_name: text,
  name: text,
  address1: text,
  address2: text,
  city: text,
  province: text,
  province_code: text,
  zip: text,
  country: text,
  country_code: text,
  phone: text,
});
export type ShopifyAddress = z.infer<typeof ShopifyAddress>;

/** `email_marketing_consent` / `sms_marketing_consent`. */
export const ShopifyMarketingConsent = z.looseObject({
  state: z.string({ error: 'must be a string' }),
  opt_in_level: text,
  consent_updated_at: text,
});
export type ShopifyMarketingConsent = z.infer<typeof ShopifyMarketingConsent>;

export const ShopifyCustomer = z.looseObject({
  id: idValue,
  admin_graphql_api_id: text,
  email: text,
  phone: text,
  first_name: text,
  last_name: text,
  created_at: text,
  currency: text,
  tags: text,
  default_address: nullish(ShopifyAddress),
  email_marketing_consent: nullish(ShopifyMarketingConsent),
  sms_marketing_consent: nullish(ShopifyMarketingConsent),
  /** Before API version 2022-04; still sent by some shops' integrations. */
  accepts_marketing: nullish(z.boolean({ error: 'must be true or false' })),
  accepts_marketing_updated_at: text,
});
export type ShopifyCustomer = z.infer<typeof ShopifyCustomer>;

export const ShopifyLineItem = z.looseObject({
  id: nullish(idValue),
  sku: text,
  variant_id: nullish(idValue),
  product_id: nullish(idValue),
  title: text,
  name: text,
  quantity: z.number({ error: 'must be a number' }).int(),
  price: amount,
  /** Deprecated by Shopify in favour of discount_allocations, which win when present. */
  total_discount: nullish(amount),
  discount_allocations: nullish(z.array(z.looseObject({ amount }))),
});
export type ShopifyLineItem = z.infer<typeof ShopifyLineItem>;

export const ShopifyOrder = z.looseObject({
  id: idValue,
  admin_graphql_api_id: text,
  name: text,
  email: text,
  contact_email: text,
  phone: text,
  created_at: z.string({ error: 'must be a date-time string' }),
  processed_at: text,
  currency: z.string({ error: 'must be a currency code' }),
  total_price: amount,
  total_discounts: nullish(amount),
  discount_codes: nullish(z.array(z.looseObject({ code: z.string({ error: 'must be a string' }) }))),
  financial_status: text,
  cancelled_at: text,
  customer: nullish(ShopifyCustomer),
  line_items: z.array(ShopifyLineItem, { error: 'must be an array of line items' }),
  billing_address: nullish(ShopifyAddress),
  shipping_address: nullish(ShopifyAddress),
  location_id: nullish(idValue),
  source_name: text,
  customer_locale: text,
  refunds: nullish(z.array(z.unknown())),
});
export type ShopifyOrder = z.infer<typeof ShopifyOrder>;

/* ---------- mapping ---------- */

export interface ShopifyRecords {
  /** Absent for an order without a customer (a guest sale): the order then names its buyer by email or phone. */
  customer?: Customer;
  order: Order;
}

export type ShopifyOrderResult = { ok: true; value: ShopifyRecords } | { ok: false; errors: string[] };

/**
 * Maps a Shopify order webhook body (parsed JSON) to a Customer and an Order, both validated with
 * the core schemas. Errors are `path: reason` with the path in the Shopify payload
 * (`line_items.1.price: must be an amount such as "19.99"`).
 *
 * - ids: order `shopify:<id>`, customer `shopify:<customer.id>`; the digits are read from
 *   `admin_graphql_api_id` when present, since JSON numbers above 2^53 lose digits.
 * - location: `online` for every source except `pos`, which is `shopify-pos:<location_id>`.
 * - status: `cancelled` when cancelled_at is set, else `refunded` when financial_status is
 *   refunded, else `confirmed`.
 * - placed_at: processed_at (the date Shopify reports on, e.g. for imported orders), else created_at.
 * - a line without a SKU gets `variant:<variant_id>`, a custom item without a variant `custom:<title>`.
 * - email/SMS marketing consent: subscribed → granted, unsubscribed → withdrawn, at
 *   consent_updated_at (else the order's time); any other state says nothing.
 */
export function shopifyOrderToRecords(payload: unknown): ShopifyOrderResult {
  const parsed = ShopifyOrder.safeParse(payload);
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error.issues) };
  const o = parsed.data;
  const errors: string[] = [];

  const orderId = shopifyId(o.id, o.admin_graphql_api_id, 'id', errors);
  const customerId = o.customer
    ? shopifyId(o.customer.id, o.customer.admin_graphql_api_id, 'customer.id', errors)
    : undefined;
  const placedAt = o.processed_at ?? o.created_at;
  const isPos = o.source_name === 'pos';
  const locationId = isPos
    ? o.location_id === undefined
      ? 'shopify-pos'
      : `shopify-pos:${shopifyId(o.location_id, undefined, 'location_id', errors)}`
    : 'online';

  const lines = o.line_items.map((line, i) => {
    const sources: Record<string, string> = {
      sku: `line_items.${i}.sku`,
      quantity: `line_items.${i}.quantity`,
      unit_price: `line_items.${i}.price`,
      line_discount: line.discount_allocations?.length
        ? `line_items.${i}.discount_allocations`
        : `line_items.${i}.total_discount`,
    };
    const sku = line.sku?.trim()
      ? line.sku
      : line.variant_id !== undefined
        ? `variant:${shopifyId(line.variant_id, undefined, `line_items.${i}.variant_id`, errors)}`
        : line.title?.trim()
          ? `custom:${line.title.trim()}`
          : undefined;
    if (sku === undefined) errors.push(`line_items.${i}.sku: a line needs a sku, a variant_id or a title`);
    const allocations = line.discount_allocations ?? [];
    const lineDiscount = allocations.length
      ? allocations.reduce((sum, a) => sum + a.amount, 0)
      : (line.total_discount ?? 0);
    return {
      input: compact({
        sku,
        quantity: line.quantity,
        unit_price: line.price,
        line_discount: roundAmount(lineDiscount),
      }),
      sources,
    };
  });

  const status = o.cancelled_at ? 'cancelled' : o.financial_status === 'refunded' ? 'refunded' : 'confirmed';
  const country =
    o.billing_address?.country_code ?? o.shipping_address?.country_code ?? o.customer?.default_address?.country_code;
  const orderInput = compact({
    id: `shopify:${orderId}`,
    customer_id: customerId === undefined ? undefined : `shopify:${customerId}`,
    // The order's own contact details; a customer's are on the customer record.
    customer_email: o.email ?? o.contact_email,
    customer_phone: o.phone,
    customer_country: country,
    location_id: locationId,
    placed_at: placedAt,
    status,
    currency: o.currency,
    total: o.total_price,
    discount_total: o.total_discounts,
    discount_codes: (o.discount_codes ?? []).map((d) => d.code),
    lines: lines.map((l) => l.input),
  });
  const orderSources: Record<string, string> = {
    customer_id: 'customer',
    customer_email: o.email !== undefined ? 'email' : 'contact_email',
    customer_phone: 'phone',
    customer_country: 'billing_address.country_code',
    placed_at: o.processed_at !== undefined ? 'processed_at' : 'created_at',
    status: 'financial_status',
    total: 'total_price',
    discount_total: 'total_discounts',
  };

  let customer: Customer | undefined;
  if (o.customer && customerId !== undefined) {
    const draft = toCustomerInput(o, o.customer, customerId, placedAt);
    const r = Customer.safeParse(draft.input);
    if (r.success) customer = r.data;
    else errors.push(...formatIssues(r.error.issues, draft.sources, customerPath));
  }
  const order = Order.safeParse(orderInput);
  if (!order.success) {
    errors.push(
      ...formatIssues(order.error.issues, orderSources, (path) => {
        // lines.<i>.<field> → the line item's own path
        const [head, index, field] = path;
        if (head !== 'lines' || index === undefined) return undefined;
        const line = lines[Number(index)];
        return field !== undefined && line?.sources[field]
          ? [line.sources[field], ...path.slice(3)].join('.')
          : `line_items.${[index, ...path.slice(2)].join('.')}`;
      }),
    );
  }
  if (errors.length || !order.success) return { ok: false, errors: [...new Set(errors)] };
  return { ok: true, value: customer ? { customer, order: order.data } : { order: order.data } };
}

function toCustomerInput(
  o: ShopifyOrder,
  c: ShopifyCustomer,
  customerId: string,
  placedAt: string,
): { input: CustomerInput; sources: Record<string, string> } {
  const home = c.default_address ?? o.shipping_address ?? o.billing_address;
  const homePath = c.default_address
    ? 'customer.default_address'
    : o.shipping_address
      ? 'shipping_address'
      : 'billing_address';
  const nameParts = [c.first_name, c.last_name].filter((s): s is string => s !== undefined && s.trim() !== '');
  const billingName =
    o.billing_address?.name ?? [o.billing_address?.first_name, o.billing_address?.last_name].filter(Boolean).join(' ');
  const consent = compact({
    email: c.email_marketing_consent
      ? toConsent(c.email_marketing_consent, placedAt)
      : c.accepts_marketing === true || (c.accepts_marketing === false && c.accepts_marketing_updated_at !== undefined)
        ? { granted: c.accepts_marketing, at: c.accepts_marketing_updated_at ?? placedAt, source: 'shopify' }
        : undefined,
    sms: c.sms_marketing_consent ? toConsent(c.sms_marketing_consent, placedAt) : undefined,
  });
  const input = compact({
    id: `shopify:${customerId}`,
    email: c.email ?? o.email ?? o.contact_email,
    phone: c.phone ?? o.phone,
    name: nameParts.length ? nameParts.join(' ') : billingName || undefined,
    city: home?.city,
    region: home?.province ?? home?.province_code,
    postcode: home?.zip,
    country: home?.country_code,
    shipping_address: o.shipping_address ? toAddress(o.shipping_address) : undefined,
    billing_address: o.billing_address ? toAddress(o.billing_address) : undefined,
    language: o.customer_locale,
    currency: c.currency,
    tags: c.tags
      ? c.tags
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== '')
      : undefined,
    created_at: c.created_at,
    consent,
  });
  const sources: Record<string, string> = {
    id: 'customer.id',
    email: c.email !== undefined ? 'customer.email' : 'email',
    phone: c.phone !== undefined ? 'customer.phone' : 'phone',
    name: 'customer.first_name',
    city: `${homePath}.city`,
    region: `${homePath}.province`,
    postcode: `${homePath}.zip`,
    country: `${homePath}.country_code`,
    shipping_address: 'shipping_address',
    billing_address: 'billing_address',
    language: 'customer_locale',
    currency: 'customer.currency',
    tags: 'customer.tags',
    created_at: 'customer.created_at',
  };
  return { input, sources };
}

const addressFields: Record<string, string> = {
  line1: 'address1',
  line2: 'address2',
  region: 'province',
  postcode: 'zip',
  country: 'country_code',
};

/** Customer paths `formatIssues` cannot map by their first segment alone. */
function customerPath(path: string[]): string | undefined {
  const [head, sub, ...rest] = path;
  if (sub === undefined) return undefined;
  if (head === 'shipping_address' || head === 'billing_address')
    return [head, addressFields[sub] ?? sub, ...rest].join('.');
  if (head === 'consent') return `customer.${sub}_marketing_consent${rest[0] === 'at' ? '.consent_updated_at' : ''}`;
  return undefined;
}

function toAddress(a: ShopifyAddress) {
  return compact({
    line1: a.address1,
    line2: a.address2,
    city: a.city,
    region: a.province ?? a.province_code,
    postcode: a.zip,
    country: a.country_code,
  });
}

function toConsent(c: ShopifyMarketingConsent, fallbackAt: string) {
  const granted = c.state === 'subscribed' ? true : c.state === 'unsubscribed' ? false : undefined;
  if (granted === undefined) return undefined; // not_subscribed, pending, redacted, invalid: no statement either way
  return {
    granted,
    at: c.consent_updated_at ?? fallbackAt,
    source: c.opt_in_level ? `shopify:${c.opt_in_level}` : 'shopify',
  };
}

/**
 * The digits of a Shopify id: from the GraphQL id (`gid://shopify/Order/820982911946154508`) when
 * given, else from the REST id. A JSON number above 2^53 has already lost digits in JSON.parse,
 * so it is refused rather than stored wrong.
 */
function shopifyId(value: number | string, gid: string | undefined, path: string, errors: string[]): string {
  const fromGid = gid === undefined ? undefined : /^gid:\/\/shopify\/[A-Za-z]+\/(\d+)$/.exec(gid)?.[1];
  if (fromGid !== undefined) return fromGid;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return value.trim();
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  errors.push(
    typeof value === 'number' && Number.isInteger(value)
      ? `${path}: ${value} is above 2^53, so its last digits were lost when the JSON was read (send admin_graphql_api_id, or parse ids as strings)`
      : `${path}: must be a whole number`,
  );
  return String(value);
}

/** Sums of decimal amounts, rid of float noise (0.1 + 0.2), at the store's 4 decimal places. */
const roundAmount = (n: number) => Math.round(n * 10_000) / 10_000;

/** Drops undefined values, so optional fields are absent rather than present-but-undefined. */
function compact<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/**
 * `path: message` per issue. `sources` renames a record field's path back to the payload's
 * (`total` → `total_price`); `rewrite` handles nested paths it cannot.
 */
function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  sources: Record<string, string> = {},
  rewrite: (path: string[]) => string | undefined = () => undefined,
): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String);
    const [head, ...rest] = path;
    const where = head === undefined ? '' : (rewrite(path) ?? [sources[head] ?? head, ...rest].join('.'));
    return where ? `${where}: ${issue.message}` : issue.message;
  });
}
