import {
  channels,
  isIanaTimeZone,
  jsonObject,
  onlineShop,
  type Entity,
  type ImportDefaults,
  type WriteCounts,
} from '@strata/core';
import type { DuckDbRunner } from './duckdb-runner.js';
import { applyCustomers, applyOrderLines, applyOrders, applyTags } from './entity-writes.js';
import type { KeyedTable } from './key-indexes.js';
import {
  boolValue,
  canonicalAge,
  canonicalBool,
  canonicalCountry,
  canonicalCurrency,
  canonicalDate,
  canonicalEmail,
  canonicalList,
  canonicalMoney,
  canonicalPositiveInt,
  canonicalText,
  isoTime,
  ident,
  jsonObjectOf,
  jsonSafeText,
  listJson,
  oneOf,
} from './native-sql.js';
import { insertOnlyCounts, type AppendMode } from './staging.js';

/** How a CSV entity is read natively (see csvSpecs). */
export interface CsvSpec {
  /** The entity's flat fields: a file with any other column is streamed instead. */
  fields: readonly string[];
  /** What identifies a record: records sharing it with one sent to zod go with it, keeping file order. */
  key: readonly string[];
  /** Columns that must be given on every record for the native path. */
  requireAll?: readonly string[];
  /** The phone column and its default-country expression: normalised once per distinct pair into bulk_phones. */
  phones?: { phone: string; country: string };
  /** SQL over bulk_raw's columns: true when the record is in canonical form. */
  ok: string;
  /** SQL over bulk_raw's columns, checked once the file is read: true sends the record to the caller (who reports it). */
  report?: string;
  /** Fills the entity's staging table from bulk_raw (as `r`) rows matching `range` (over `r.rowid`). */
  stage: (range: string) => string;
  /** Columns with few distinct values whose canonical form JS decides: `map` returns the stored text, null for none, undefined for "send to zod". */
  distinct?: readonly { column: string; map: (value: string) => string | null | undefined }[];
  /** The keyed table a large range is appended to with its key index dropped. */
  table?: KeyedTable;
  apply: (range: string, append: AppendMode | false) => Promise<WriteCounts>;
}

/** How each CSV entity is read natively: its fields, the canonical-form check, staging and storing. */
export function csvSpecs(
  runner: DuckDbRunner,
  now: () => Date,
  defaults: ImportDefaults = {},
): Partial<Record<Entity, CsvSpec>> {
  // Spliced into SQL below: checked to be a currency code first.
  if (defaults.currency !== undefined && !/^[A-Z]{3}$/.test(defaults.currency))
    throw new Error(`not a currency code: ${defaults.currency}`);
  const opt = (c: string, check: string) => `(${c} IS NULL OR ${check})`;
  const id = (c: string) => canonicalText(c, 200);
  return {
    orders: {
      fields: [
        'id',
        'customer_id',
        'customer_email',
        'customer_phone',
        'customer_country',
        'location_id',
        'placed_at',
        'status',
        'currency',
        'total',
        'discount_total',
        'discount_codes',
      ],
      key: ['id'],
      phones: { phone: 'customer_phone', country: 'upper(customer_country)' },
      ok: [
        id('id'),
        opt('customer_id', id('customer_id')),
        opt('customer_email', canonicalEmail('lower(customer_email)')),
        opt('customer_country', canonicalCountry('upper(customer_country)')),
        'NOT (customer_id IS NULL AND customer_email IS NULL AND customer_phone IS NULL)',
        opt('location_id', id('location_id')),
        `${isoTime('placed_at')} IS NOT NULL`,
        opt('status', oneOf('status', ['confirmed', 'cancelled', 'refunded'])),
        defaults.currency ? opt('currency', canonicalCurrency('currency')) : canonicalCurrency('currency'),
        canonicalMoney('total', true),
        opt('discount_total', canonicalMoney('discount_total', false)),
        opt('discount_codes', canonicalList('discount_codes')),
      ].join(' AND '),
      stage: (range) => `
        CREATE OR REPLACE TEMP TABLE stage_orders AS
        SELECT r.rowid AS ord, id, customer_id AS source_customer_id, lower(customer_email) AS source_email, b.e AS source_phone, coalesce(location_id, '${onlineShop.id}') AS location_id, ${isoTime('placed_at')} AS placed_at,
               coalesce(status, 'confirmed') AS status, ${defaults.currency ? `coalesce(currency, '${defaults.currency}')` : 'currency'} AS currency, total::DOUBLE AS total, coalesce(discount_total::DOUBLE, 0) AS discount_total,
               ${listJson('discount_codes')} AS discount_codes, NULL::VARCHAR AS customer_id
        FROM bulk_raw r LEFT JOIN bulk_phones b ON b.p = r.customer_phone AND b.c IS NOT DISTINCT FROM upper(r.customer_country)
        WHERE ${range}`,
      table: 'orders',
      apply: (_range, append) => applyOrders(runner, now, append),
    },
    customers: customersSpec(runner, now),
    tags: {
      fields: ['customer_id', 'tag', 'source', 'assigned_by', 'assigned_at'],
      key: ['customer_id', 'tag'],
      ok: [
        id('customer_id'),
        canonicalText('tag', 100),
        opt('source', oneOf('source', ['manual', 'rule'])),
        opt('assigned_by', canonicalText('assigned_by', 200)),
        `${isoTime('assigned_at')} IS NOT NULL`,
      ].join(' AND '),
      stage: (range) => `
        CREATE OR REPLACE TEMP TABLE stage_tags AS
        SELECT r.rowid AS ord, customer_id, tag, coalesce(source, 'manual') AS source, coalesce(assigned_by, 'import') AS assigned_by, ${isoTime('assigned_at')} AS assigned_at
        FROM bulk_raw r WHERE ${range}`,
      apply: async () => {
        const total = await runner.count('stage_tags');
        return insertOnlyCounts(await applyTags(runner), total);
      },
    },
    order_lines: {
      fields: ['order_id', 'line_no', 'sku', 'quantity', 'unit_price', 'line_discount'],
      key: ['order_id', 'line_no'],
      // Lines without a number are numbered by their place among the file's lines of that order.
      requireAll: ['line_no'],
      // A line whose order is not stored yet is counted and reported (and kept or refused) by the caller.
      report: 'order_id NOT IN (SELECT id FROM orders)',
      ok: [
        id('order_id'),
        canonicalPositiveInt('line_no'),
        id('sku'),
        canonicalPositiveInt('quantity'),
        canonicalMoney('unit_price', false),
        opt('line_discount', canonicalMoney('line_discount', false)),
      ].join(' AND '),
      stage: (range) => `
        CREATE OR REPLACE TEMP TABLE stage_lines AS
        SELECT r.rowid AS ord, order_id, line_no::BIGINT AS line_no, sku, quantity::BIGINT AS quantity, unit_price::DOUBLE AS unit_price,
               coalesce(line_discount::DOUBLE, 0) AS line_discount
        FROM bulk_raw r WHERE ${range}`,
      table: 'order_lines',
      apply: (_range, append) => applyOrderLines(runner, append),
    },
  };
}

function customersSpec(runner: DuckDbRunner, now: () => Date): CsvSpec {
  const q = ident;
  const opt = (c: string, check: string) => `(${q(c)} IS NULL OR ${check})`;
  const text = (c: string, max: number) => opt(c, canonicalText(q(c), max));
  const addressParts = [
    ['line1', 500],
    ['line2', 500],
    ['city', 200],
    ['region', 200],
    ['postcode', 40],
  ] as const;
  const address = (a: string) => [...addressParts.map(([k]) => `${a}.${k}`), `${a}.country`];
  const addressOk = (a: string) =>
    [
      ...addressParts.map(([k, max]) => opt(`${a}.${k}`, jsonSafeText(q(`${a}.${k}`), max))),
      opt(`${a}.country`, canonicalCountry(`upper(${q(`${a}.country`)})`)),
    ].join(' AND ');
  const addressJson = (a: string) =>
    jsonObjectOf([
      ...addressParts.map(([k]) => [k, `r.${q(`${a}.${k}`)}`] as const),
      ['country', `upper(r.${q(`${a}.country`)})`] as const,
    ]);
  const consentOk = (ch: string) => {
    const [g, at, src] = [`consent.${ch}.granted`, `consent.${ch}.at`, `consent.${ch}.source`].map(q);
    return `((${g} IS NULL AND ${at} IS NULL AND ${src} IS NULL) OR (${g} IS NOT NULL AND ${canonicalBool(g!)} AND ${isoTime(at!)} IS NOT NULL AND (${src} IS NULL OR ${canonicalText(src!, 200)})))`;
  };
  const consentCols = channels.flatMap((ch) => [
    `${boolValue(`r.${q(`consent.${ch}.granted`)}`)} AS consent_${ch}_granted`,
    `${isoTime(`r.${q(`consent.${ch}.at`)}`)} AS consent_${ch}_at`,
    `r.${q(`consent.${ch}.source`)} AS consent_${ch}_source`,
  ]);
  return {
    fields: [
      'id',
      'email',
      'phone',
      'name',
      'birthday',
      'age',
      'gender',
      'city',
      'region',
      'postcode',
      'country',
      ...address('shipping_address'),
      ...address('billing_address'),
      'timezone',
      'language',
      'currency',
      'occupation',
      'social_identity',
      'attributes',
      'tags',
      'acquisition_channel',
      'referred_by',
      'created_at',
      ...channels.flatMap((ch) => [`consent.${ch}.granted`, `consent.${ch}.at`, `consent.${ch}.source`]),
      'newsletter',
    ],
    key: ['id'],
    phones: { phone: 'phone', country: `upper(coalesce(${q('country')}, ${q('shipping_address.country')}))` },
    distinct: [
      // Zones, attribute objects and tag lists have few distinct values: zod's own rules decide them in JS.
      { column: 'timezone', map: (v) => (v === v.trim() && isIanaTimeZone(v) ? v : undefined) },
      {
        column: 'attributes',
        map: (v) => {
          const r = jsonObject.safeParse(v);
          if (!r.success) return undefined;
          return Object.keys(r.data).length ? JSON.stringify(r.data) : null;
        },
      },
      {
        column: 'tags',
        map: (v) => {
          const tags = v
            .split(/[;|]/)
            .map((t) => t.trim())
            .filter((t) => t !== '');
          return tags.every((t) => t.length <= 200) ? JSON.stringify(tags) : undefined;
        },
      },
    ],
    ok: [
      canonicalText(q('id'), 200),
      opt('email', canonicalEmail(`lower(${q('email')})`)),
      opt('phone', `strlen(${q('phone')}) <= 40`),
      text('name', 300),
      opt('birthday', canonicalDate(q('birthday'))),
      opt('age', canonicalAge(q('age'))),
      text('gender', 40),
      text('city', 200),
      text('region', 200),
      text('postcode', 40),
      opt('country', canonicalCountry(`upper(${q('country')})`)),
      addressOk('shipping_address'),
      addressOk('billing_address'),
      text('language', 35),
      opt('currency', canonicalCurrency(`upper(${q('currency')})`)),
      text('occupation', 200),
      text('social_identity', 200),
      text('acquisition_channel', 100),
      text('referred_by', 200),
      opt('created_at', `${isoTime(q('created_at'))} IS NOT NULL`),
      ...channels.map(consentOk),
      opt('newsletter', canonicalBool(q('newsletter'))),
    ].join(' AND '),
    stage: (range) => `
      CREATE OR REPLACE TEMP TABLE stage_customers AS
      SELECT r.rowid AS ord, r.id, lower(r.email) AS email, b.e AS phone, r.name, r.birthday, r.age::BIGINT AS age, r.gender, r.city, r.region,
             r.postcode, upper(r.country) AS country, ${addressJson('shipping_address')} AS shipping_address,
             ${addressJson('billing_address')} AS billing_address, r.timezone, r.language, upper(r.currency) AS currency, r.occupation,
             r.social_identity, m_attributes.v_out AS attributes, r.acquisition_channel, r.referred_by, ${isoTime('r.created_at')} AS created_at,
             ${consentCols.join(', ')}, ${boolValue('r.newsletter')} AS newsletter
      FROM bulk_raw r
      LEFT JOIN bulk_phones b ON b.p = r.phone AND b.c IS NOT DISTINCT FROM upper(coalesce(r.country, r."shipping_address.country"))
      LEFT JOIN bulk_map_attributes m_attributes ON m_attributes.v_in = r.attributes
      WHERE ${range}`,
    apply: async (range) => {
      const counts = await applyCustomers(runner, now);
      // Tags listed on the records: assigned by the import, when the customer was created.
      await runner.run(
        `CREATE OR REPLACE TEMP TABLE stage_tags AS
         SELECT r.rowid * 1000 + t.pos AS ord, r.id AS customer_id, t.tag, 'manual' AS source, 'import' AS assigned_by, coalesce(${isoTime('r.created_at')}, $1) AS assigned_at
         FROM bulk_raw r JOIN bulk_map_tags m ON m.v_in = r.tags,
              LATERAL (SELECT unnest(m.v_out::JSON::VARCHAR[]) AS tag, generate_subscripts(m.v_out::JSON::VARCHAR[], 1) AS pos) t
         WHERE ${range}`,
        [now().toISOString()],
      );
      await applyTags(runner);
      return counts;
    },
  };
}
