import { Customer, Order } from '@strata/core';
import { describe, expect, it } from 'vitest';
import { signHmacSha256, verifyHmacSha256 } from './hmac.js';
import { shopifyOrderToRecords, type ShopifyOrderResult } from './shopify.js';

/*
 * An orders/create body shaped like Shopify's documented example (REST Admin API order, as the
 * webhook sends it), made a paid, discounted web order. Kept as JSON text: the ids are above
 * 2^53, as in Shopify's example, so JSON.parse rounds the numbers and only the GraphQL ids keep
 * every digit.
 */
const WEB_ORDER = `{
  "id": 820982911946154508,
  "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
  "app_id": null,
  "browser_ip": null,
  "buyer_accepts_marketing": true,
  "cancel_reason": null,
  "cancelled_at": null,
  "cart_token": null,
  "checkout_id": null,
  "checkout_token": null,
  "confirmed": true,
  "contact_email": "jon@example.com",
  "created_at": "2024-03-02T14:05:33-05:00",
  "currency": "USD",
  "current_subtotal_price": "393.00",
  "current_total_discounts": "5.00",
  "current_total_price": "403.00",
  "customer_locale": "en-US",
  "discount_codes": [{ "code": "SPRING5", "amount": "5.00", "type": "fixed_amount" }],
  "email": "jon@example.com",
  "financial_status": "paid",
  "fulfillment_status": null,
  "landing_site": null,
  "location_id": null,
  "name": "#9999",
  "note": null,
  "number": 234,
  "order_number": 1234,
  "phone": null,
  "presentment_currency": "USD",
  "processed_at": "2024-03-02T14:05:32-05:00",
  "source_name": "web",
  "subtotal_price": "393.00",
  "tags": "",
  "test": false,
  "total_discounts": "5.00",
  "total_discounts_set": { "shop_money": { "amount": "5.00", "currency_code": "USD" }, "presentment_money": { "amount": "5.00", "currency_code": "USD" } },
  "total_line_items_price": "398.00",
  "total_price": "403.00",
  "total_tax": "0.00",
  "updated_at": "2024-03-02T14:05:34-05:00",
  "billing_address": {
    "first_name": "Bob", "address1": "123 Billing Street", "phone": "555-555-BILL", "city": "Billtown", "zip": "K2P0B0",
    "province": "Kentucky", "country": "United States", "last_name": "Biller", "address2": null, "company": "My Company",
    "latitude": null, "longitude": null, "name": "Bob Biller", "country_code": "US", "province_code": "KY"
  },
  "customer": {
    "id": 115310627314723954,
    "email": "john@example.com",
    "created_at": "2023-08-14T10:12:00-04:00",
    "updated_at": "2024-03-02T14:05:34-05:00",
    "first_name": "John",
    "last_name": "Smith",
    "state": "enabled",
    "note": null,
    "verified_email": true,
    "multipass_identifier": null,
    "tax_exempt": false,
    "phone": "+16135550142",
    "email_marketing_consent": { "state": "subscribed", "opt_in_level": "confirmed_opt_in", "consent_updated_at": "2023-08-14T10:15:00-04:00" },
    "sms_marketing_consent": { "state": "not_subscribed", "opt_in_level": "single_opt_in", "consent_updated_at": null, "consent_collected_from": "OTHER" },
    "tags": "wholesale, vip",
    "currency": "USD",
    "tax_exemptions": [],
    "admin_graphql_api_id": "gid://shopify/Customer/115310627314723954",
    "default_address": {
      "id": 715243470612851245, "customer_id": 115310627314723954, "first_name": null, "last_name": null, "company": null,
      "address1": "123 Elm St.", "address2": null, "city": "Ottawa", "province": "Ontario", "country": "Canada", "zip": "K2H7A8",
      "phone": "123-123-1234", "name": "", "province_code": "ON", "country_code": "CA", "country_name": "Canada", "default": true
    }
  },
  "discount_applications": [
    { "target_type": "line_item", "type": "discount_code", "value": "5.0", "value_type": "fixed_amount", "allocation_method": "one", "target_selection": "explicit", "code": "SPRING5" }
  ],
  "fulfillments": [],
  "line_items": [
    {
      "id": 866550311766439020, "admin_graphql_api_id": "gid://shopify/LineItem/866550311766439020", "fulfillable_quantity": 1,
      "fulfillment_service": "manual", "fulfillment_status": null, "gift_card": false, "grams": 567, "name": "IPod Nano - 8GB - Pink",
      "price": "199.00", "price_set": { "shop_money": { "amount": "199.00", "currency_code": "USD" }, "presentment_money": { "amount": "199.00", "currency_code": "USD" } },
      "product_exists": true, "product_id": 632910392, "properties": [], "quantity": 1, "requires_shipping": true, "sku": "IPOD2008PINK",
      "taxable": true, "title": "IPod Nano - 8GB", "total_discount": "0.00", "variant_id": 808950810, "variant_inventory_management": "shopify",
      "variant_title": "Pink", "vendor": null, "tax_lines": [], "duties": [], "discount_allocations": []
    },
    {
      "id": 141249953214522974, "admin_graphql_api_id": "gid://shopify/LineItem/141249953214522974", "fulfillable_quantity": 1,
      "fulfillment_service": "manual", "fulfillment_status": null, "gift_card": false, "grams": 567, "name": "IPod Nano - 8GB - Black",
      "price": "199.00", "product_exists": true, "product_id": 632910392, "properties": [], "quantity": 1, "requires_shipping": true,
      "sku": "IPOD2008BLACK", "taxable": true, "title": "IPod Nano - 8GB", "total_discount": "0.00", "variant_id": 457924702,
      "variant_title": "Black", "vendor": null, "tax_lines": [], "duties": [],
      "discount_allocations": [{ "amount": "5.00", "amount_set": { "shop_money": { "amount": "5.00", "currency_code": "USD" } }, "discount_application_index": 0 }]
    }
  ],
  "payment_terms": null,
  "refunds": [],
  "shipping_address": {
    "first_name": "Steve", "address1": "123 Shipping Street", "phone": "555-555-SHIP", "city": "Shippington", "zip": "40003",
    "province": "Kentucky", "country": "United States", "last_name": "Shipper", "address2": null, "company": "Shipping Company",
    "latitude": null, "longitude": null, "name": "Steve Shipper", "country_code": "US", "province_code": "KY"
  },
  "shipping_lines": [{ "id": 271878346596884015, "title": "Generic Shipping", "price": "10.00", "code": null, "source": "shopify", "discount_allocations": [], "tax_lines": [] }]
}`;

/** A till sale: Shopify POS, a customer known by phone, a line without a SKU and a custom item. */
const POS_ORDER = {
  id: 5940139491234,
  name: '#1042',
  email: '',
  contact_email: null,
  phone: null,
  created_at: '2024-04-06T11:20:00+01:00',
  processed_at: '2024-04-06T11:20:00+01:00',
  currency: 'GBP',
  total_price: '27.50',
  total_discounts: '0.00',
  discount_codes: [],
  financial_status: 'paid',
  cancelled_at: null,
  source_name: 'pos',
  location_id: 48752903,
  customer_locale: 'en',
  billing_address: null,
  shipping_address: null,
  customer: {
    id: 6147919642668,
    email: null,
    phone: '+447700900123',
    first_name: 'Ada',
    last_name: 'Lovelace',
    created_at: '2024-04-06T11:19:00+01:00',
    currency: 'GBP',
    tags: '',
    default_address: null,
    email_marketing_consent: null,
    sms_marketing_consent: {
      state: 'subscribed',
      opt_in_level: 'single_opt_in',
      consent_updated_at: '2024-04-06T11:19:30+01:00',
      consent_collected_from: 'SHOPIFY',
    },
  },
  line_items: [
    {
      id: 1,
      sku: '',
      variant_id: 44610569208040,
      product_id: 8266836345064,
      title: 'Oat latte beans 250g',
      quantity: 2,
      price: '11.25',
      total_discount: '0.00',
      discount_allocations: [],
    },
    {
      id: 2,
      sku: null,
      variant_id: null,
      product_id: null,
      title: 'Gift wrap',
      quantity: 1,
      price: '5.00',
      total_discount: '0.00',
      discount_allocations: [],
    },
  ],
  refunds: [],
};

const webOrder = () => JSON.parse(WEB_ORDER) as Record<string, unknown>;

function ok(r: ShopifyOrderResult) {
  if (!r.ok) throw new Error(`expected ok, got errors:\n${r.errors.join('\n')}`);
  return r.value;
}

describe('shopifyOrderToRecords', () => {
  it('maps a web order (Shopify’s documented example shape) to a customer and an order', () => {
    const { customer, order } = ok(shopifyOrderToRecords(webOrder()));

    expect(order).toEqual({
      id: 'shopify:820982911946154508',
      customer_id: 'shopify:115310627314723954',
      customer_email: 'jon@example.com',
      customer_country: 'US',
      location_id: 'online',
      placed_at: '2024-03-02T19:05:32.000Z',
      status: 'confirmed',
      currency: 'USD',
      total: 403,
      discount_total: 5,
      discount_codes: ['SPRING5'],
      lines: [
        { sku: 'IPOD2008PINK', quantity: 1, unit_price: 199, line_discount: 0 },
        { sku: 'IPOD2008BLACK', quantity: 1, unit_price: 199, line_discount: 5 },
      ],
    });
    expect(customer).toEqual({
      id: 'shopify:115310627314723954',
      email: 'john@example.com',
      phone: '+16135550142',
      name: 'John Smith',
      city: 'Ottawa',
      region: 'Ontario',
      postcode: 'K2H7A8',
      country: 'CA',
      shipping_address: {
        line1: '123 Shipping Street',
        city: 'Shippington',
        region: 'Kentucky',
        postcode: '40003',
        country: 'US',
      },
      billing_address: {
        line1: '123 Billing Street',
        city: 'Billtown',
        region: 'Kentucky',
        postcode: 'K2P0B0',
        country: 'US',
      },
      language: 'en-US',
      currency: 'USD',
      tags: ['wholesale', 'vip'],
      created_at: '2023-08-14T14:12:00.000Z',
      consent: { email: { granted: true, at: '2023-08-14T14:15:00.000Z', source: 'shopify:confirmed_opt_in' } },
      attributes: {},
    });
    // Both are records the store accepts as they are.
    expect(Customer.parse(customer)).toEqual(customer);
    expect(Order.parse(order)).toEqual(order);
  });

  it('maps a POS sale to the till’s location, with SKU fallbacks and SMS consent', () => {
    const { customer, order } = ok(shopifyOrderToRecords(POS_ORDER));
    expect(order).toMatchObject({
      id: 'shopify:5940139491234',
      customer_id: 'shopify:6147919642668',
      location_id: 'shopify-pos:48752903',
      placed_at: '2024-04-06T10:20:00.000Z',
      status: 'confirmed',
      currency: 'GBP',
      total: 27.5,
      lines: [
        { sku: 'variant:44610569208040', quantity: 2, unit_price: 11.25, line_discount: 0 },
        { sku: 'custom:Gift wrap', quantity: 1, unit_price: 5, line_discount: 0 },
      ],
    });
    expect(order.customer_email).toBeUndefined();
    expect(customer).toMatchObject({
      id: 'shopify:6147919642668',
      phone: '+447700900123',
      name: 'Ada Lovelace',
      consent: { sms: { granted: true, at: '2024-04-06T10:19:30.000Z', source: 'shopify:single_opt_in' } },
    });
    expect(customer!.email).toBeUndefined();
    expect(customer!.consent.email).toBeUndefined();
  });

  it('gives cancelled, refunded and confirmed statuses from cancelled_at and financial_status', () => {
    const status = (patch: Record<string, unknown>) =>
      ok(shopifyOrderToRecords({ ...webOrder(), ...patch })).order.status;
    expect(
      status({ cancelled_at: '2024-03-03T09:00:00-05:00', cancel_reason: 'customer', financial_status: 'voided' }),
    ).toBe('cancelled');
    expect(status({ cancelled_at: '2024-03-03T09:00:00-05:00', financial_status: 'refunded' })).toBe('cancelled');
    expect(status({ financial_status: 'refunded' })).toBe('refunded');
    expect(status({ financial_status: 'partially_refunded' })).toBe('confirmed');
    expect(status({ financial_status: 'pending' })).toBe('confirmed');
  });

  it('a guest order (no customer) names its buyer by email or phone and brings no customer record', () => {
    const value = ok(shopifyOrderToRecords({ ...webOrder(), customer: null, email: 'Guest@Example.com' }));
    expect(value.customer).toBeUndefined();
    expect(value.order.customer_id).toBeUndefined();
    expect(value.order.customer_email).toBe('guest@example.com');

    const byPhone = ok(
      shopifyOrderToRecords({
        ...POS_ORDER,
        customer: null,
        phone: '07700 900456',
        billing_address: { country_code: 'GB' },
      }),
    );
    expect(byPhone.order.customer_phone).toBe('+447700900456');
  });

  it('refuses an order that names no buyer at all', () => {
    expect(shopifyOrderToRecords({ ...POS_ORDER, customer: null })).toEqual({
      ok: false,
      errors: ['customer: an order needs customer_id, customer_email or customer_phone'],
    });
  });

  it('maps marketing consent states: unsubscribed withdraws, not_subscribed and pending say nothing', () => {
    const consent = (state: string, at: string | null) => {
      const o = webOrder();
      const c = o.customer as Record<string, unknown>;
      return ok(
        shopifyOrderToRecords({
          ...o,
          customer: { ...c, email_marketing_consent: { state, opt_in_level: null, consent_updated_at: at } },
        }),
      ).customer!.consent.email;
    };
    expect(consent('unsubscribed', '2024-01-01T00:00:00Z')).toEqual({
      granted: false,
      at: '2024-01-01T00:00:00.000Z',
      source: 'shopify',
    });
    // Subscribed without a date: known from this order on.
    expect(consent('subscribed', null)).toEqual({ granted: true, at: '2024-03-02T19:05:32.000Z', source: 'shopify' });
    expect(consent('not_subscribed', null)).toBeUndefined();
    expect(consent('pending', null)).toBeUndefined();
  });

  it('reads the legacy accepts_marketing flag when a payload has no email_marketing_consent', () => {
    const o = webOrder();
    const { email_marketing_consent: _dropped, ...c } = o.customer as Record<string, unknown>;
    const r = ok(
      shopifyOrderToRecords({
        ...o,
        customer: { ...c, accepts_marketing: true, accepts_marketing_updated_at: '2022-01-01T00:00:00Z' },
      }),
    );
    expect(r.customer!.consent.email).toEqual({ granted: true, at: '2022-01-01T00:00:00.000Z', source: 'shopify' });
  });

  it('refuses an id above 2^53 that has no GraphQL id to read the digits from', () => {
    const { admin_graphql_api_id: _gid, ...o } = webOrder();
    const r = shopifyOrderToRecords(o);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual([expect.stringMatching(/^id: 820982911946154500 is above 2\^53/)]);
    // A safe integer without a GraphQL id is read as is.
    expect(ok(shopifyOrderToRecords({ ...o, id: 5940139491234 })).order.id).toBe('shopify:5940139491234');
  });

  it('rejects a malformed payload, naming each field by its path in the payload', () => {
    const o = webOrder();
    const lines = o.line_items as Record<string, unknown>[];
    const r = shopifyOrderToRecords({
      ...o,
      created_at: undefined,
      total_price: 'a lot',
      line_items: [lines[0], { ...lines[1], price: null, quantity: '1' }],
      discount_codes: [{ amount: '5.00' }],
    });
    expect(r).toEqual({
      ok: false,
      errors: [
        'created_at: must be a date-time string',
        'total_price: must be an amount such as "19.99"',
        'discount_codes.0.code: must be a string',
        'line_items.1.quantity: must be a number',
        'line_items.1.price: must be an amount such as "19.99"',
      ],
    });
    expect(shopifyOrderToRecords({ ...o, line_items: undefined })).toEqual({
      ok: false,
      errors: ['line_items: must be an array of line items'],
    });
    expect(shopifyOrderToRecords('{"id": 1}')).toMatchObject({ ok: false });
    expect(shopifyOrderToRecords(null)).toMatchObject({ ok: false });
  });

  it('rejects values the store would refuse, naming the Shopify field they came from', () => {
    const o = webOrder();
    const lines = o.line_items as Record<string, unknown>[];
    const r = shopifyOrderToRecords({
      ...o,
      currency: 'dollars',
      processed_at: 'soon',
      line_items: [{ ...lines[0], quantity: 0 }, lines[1]],
      customer: { ...(o.customer as Record<string, unknown>), email: 'not-an-email' },
      shipping_address: { ...(o.shipping_address as Record<string, unknown>), country_code: 'ZZ' },
    });
    expect(r.ok).toBe(false);
    const fields = !r.ok ? r.errors.map((e) => e.slice(0, e.indexOf(':'))) : [];
    expect(fields.sort()).toEqual([
      'currency',
      'customer.email',
      'line_items.0.quantity',
      'processed_at',
      'shipping_address.country_code',
    ]);
  });

  it('works end to end on a signed webhook: verify the raw body, parse it, map it', () => {
    const secret = 'shpss_test_secret';
    const raw = new TextEncoder().encode(WEB_ORDER);
    const header = signHmacSha256(raw, secret);
    expect(verifyHmacSha256(raw, secret, header)).toBe(true);
    const r = shopifyOrderToRecords(JSON.parse(new TextDecoder().decode(raw)));
    expect(r.ok && r.value.order.id).toBe('shopify:820982911946154508');
    // The same payload re-sent maps to the same records, so the store's upsert makes it a no-op.
    expect(shopifyOrderToRecords(webOrder())).toEqual(r);
  });
});
