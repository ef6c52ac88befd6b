import {
  channels,
  emptyWriteCounts,
  onlineShop,
  type BatchCounts,
  type Customer,
  type Event,
  type IdentityLink,
  type Location,
  type Order,
  type OrderLineRow,
  type Product,
  type TagAssignment,
  type WriteBatch,
  type WriteCounts,
} from '@strata/core';
import type { DuckDbRunner } from './duckdb-runner.js';
import { insertEventStubs, resolvedEventsSql, stageEvents } from './event-rows.js';
import { markTouched } from './live-marks.js';
import { removeTags, replaceEvents } from './revisions.js';
import { claimIdentities, ensureCustomers, guestIdSql, linkIdentities, redirectMerged } from './identity-resolution.js';
import { customerPlainFields, insertOnlyCounts, stage, upsertFromStage, type AppendMode } from './staging.js';

/** Applies one batch (the caller holds the transaction): each entity kind in the order references need. */
export async function writeBatch(runner: DuckDbRunner, b: WriteBatch, now: () => Date): Promise<BatchCounts> {
  const counts: BatchCounts = {};
  // Before any tag of the batch is added (see WriteBatch.tag_removals).
  if (b.tag_removals?.length) await removeTags(runner, b.tag_removals);
  if (b.locations?.length) counts.locations = await upsertLocations(runner, b.locations);
  if (b.products?.length) counts.products = await upsertProducts(runner, b.products);
  if (b.customers?.length) {
    counts.customers = await upsertCustomers(runner, b.customers, now);
    const tags = b.customers.flatMap((c) =>
      c.tags.map((tag): TagAssignment => ({
        customer_id: c.id,
        tag,
        source: 'manual',
        assigned_by: 'import',
        assigned_at: c.created_at ?? now().toISOString(),
      })),
    );
    if (tags.length) {
      const t = await upsertTags(runner, tags);
      counts.tags = addCounts(counts.tags, t);
    }
  }
  // An event that carries both ids (a visitor signing in) links them, as an identify would.
  const links: IdentityLink[] = [...(b.identities ?? [])];
  for (const e of b.events ?? []) {
    if (e.customer_id !== undefined && e.anonymous_id !== undefined)
      links.push({ customer_id: e.customer_id, anonymous_id: e.anonymous_id });
  }
  if (links.length) counts.identities = await linkIdentities(runner, links, now);
  if (b.orders?.length) counts.orders = await upsertOrders(runner, b.orders, now);
  if (b.order_lines?.length) counts.order_lines = await upsertOrderLines(runner, b.order_lines);
  if (b.events?.length) counts.events = await insertEvents(runner, b.events);
  if (b.event_updates?.length) counts.events = addCounts(counts.events, await replaceEvents(runner, b.event_updates));
  if (b.tags?.length) counts.tags = addCounts(counts.tags, await upsertTags(runner, b.tags));
  return counts;
}

async function upsertLocations(runner: DuckDbRunner, rows: readonly Location[]): Promise<WriteCounts> {
  await stage(
    runner,
    'stage_locations',
    rows.map((l, i) => [i, l.id, l.name, l.kind, l.city, l.country, l.timezone]),
  );
  const cols = ['name', 'kind', 'city', 'country', 'timezone'];
  return upsertFromStage(runner, {
    stage: 'stage_locations',
    target: 'locations',
    key: ['id'],
    set: Object.fromEntries(cols.map((c) => [c, `s.${c}`])),
    insert: Object.fromEntries(['id', ...cols].map((c) => [c, `s.${c}`])),
  });
}

async function upsertProducts(runner: DuckDbRunner, rows: readonly Product[]): Promise<WriteCounts> {
  await stage(
    runner,
    'stage_products',
    rows.map((p, i) => [
      i,
      p.sku,
      p.name,
      p.category,
      p.brand,
      p.price,
      p.launched_at,
      p.collection,
      p.consumption_days,
    ]),
  );
  const set = {
    name: 's.name',
    category: 's.category',
    brand: 's.brand',
    price: 's.price::DECIMAL(18,4)',
    launched_at: 's.launched_at::TIMESTAMPTZ',
    collection: 's.collection',
    consumption_days: 's.consumption_days::INTEGER',
  };
  return upsertFromStage(runner, {
    stage: 'stage_products',
    target: 'products',
    key: ['sku'],
    set,
    insert: { sku: 's.sku', ...set },
  });
}

async function upsertCustomers(runner: DuckDbRunner, rows: readonly Customer[], now: () => Date): Promise<WriteCounts> {
  await stage(
    runner,
    'stage_customers',
    rows.map((c, i) => [
      i,
      c.id,
      c.email,
      c.phone,
      c.name,
      c.birthday,
      c.age,
      c.gender,
      c.city,
      c.region,
      c.postcode,
      c.country,
      c.shipping_address ? JSON.stringify(c.shipping_address) : undefined,
      c.billing_address ? JSON.stringify(c.billing_address) : undefined,
      c.timezone,
      c.language,
      c.currency,
      c.occupation,
      c.social_identity,
      Object.keys(c.attributes).length ? JSON.stringify(c.attributes) : undefined,
      c.acquisition_channel,
      c.referred_by,
      c.created_at,
      c.consent.email?.granted,
      c.consent.email?.at,
      c.consent.email?.source,
      c.consent.sms?.granted,
      c.consent.sms?.at,
      c.consent.sms?.source,
      c.consent.whatsapp?.granted,
      c.consent.whatsapp?.at,
      c.consent.whatsapp?.source,
      c.newsletter,
    ]),
  );
  return applyCustomers(runner, now);
}

/** Stores the customers in stage_customers: merged-field upsert, consent history, email/phone claims. */
export async function applyCustomers(runner: DuckDbRunner, now: () => Date): Promise<WriteCounts> {
  await redirectMerged(runner, 'stage_customers', 'id');
  const set: Record<string, string> = {};
  for (const f of customerPlainFields) set[f] = `coalesce(s.${f}, t.${f})`;
  set.birthday = 'coalesce(s.birthday::DATE, t.birthday)';
  set.age = 'coalesce(s.age::INTEGER, t.age)';
  set.shipping_address = 'coalesce(s.shipping_address::JSON, t.shipping_address)';
  set.billing_address = 'coalesce(s.billing_address::JSON, t.billing_address)';
  set.attributes = `CASE WHEN s.attributes IS NULL THEN t.attributes WHEN t.attributes IS NULL THEN s.attributes::JSON ELSE json_merge_patch(t.attributes, s.attributes::JSON) END`;
  set.created_at = 'coalesce(least(s.created_at::TIMESTAMPTZ, t.created_at), s.created_at::TIMESTAMPTZ, t.created_at)';
  set.newsletter = 'coalesce(s.newsletter, t.newsletter)';
  for (const ch of channels) {
    // Consent: the newest statement wins, whatever order the records arrive in.
    const newer = `(s.consent_${ch}_at IS NOT NULL AND (t.consent_${ch}_at IS NULL OR s.consent_${ch}_at::TIMESTAMPTZ >= t.consent_${ch}_at))`;
    set[`consent_${ch}_granted`] = `CASE WHEN ${newer} THEN s.consent_${ch}_granted ELSE t.consent_${ch}_granted END`;
    set[`consent_${ch}_source`] = `CASE WHEN ${newer} THEN s.consent_${ch}_source ELSE t.consent_${ch}_source END`;
    set[`consent_${ch}_at`] = `CASE WHEN ${newer} THEN s.consent_${ch}_at::TIMESTAMPTZ ELSE t.consent_${ch}_at END`;
  }
  set.is_stub = 'false';
  const insert: Record<string, string> = { id: 's.id' };
  for (const [col, expr] of Object.entries(set)) {
    insert[col] = expr.replace(/coalesce\((s\.[a-z_]+(?:::[A-Z]+)?), t\.[a-z_]+\)/, '$1');
  }
  insert.attributes = 's.attributes::JSON';
  insert.created_at = 's.created_at::TIMESTAMPTZ';
  for (const ch of channels) {
    insert[`consent_${ch}_granted`] = `s.consent_${ch}_granted`;
    insert[`consent_${ch}_source`] = `s.consent_${ch}_source`;
    insert[`consent_${ch}_at`] = `s.consent_${ch}_at::TIMESTAMPTZ`;
  }
  // A stub (known only from an order) becoming a real record counts as an update, not unchanged.
  const counts = await upsertFromStage(runner, {
    stage: 'stage_customers',
    target: 'customers',
    key: ['id'],
    set,
    insert,
  });
  await markTouched(runner, 'customer', 'SELECT id AS customer_id, id AS ref FROM stage_customers');
  for (const ch of channels) {
    await runner.run(`
      INSERT OR IGNORE INTO consent_history
      SELECT id, '${ch}', consent_${ch}_granted, consent_${ch}_at::TIMESTAMPTZ, consent_${ch}_source
      FROM dedup WHERE consent_${ch}_at IS NOT NULL AND consent_${ch}_granted IS NOT NULL`);
  }
  await claimIdentities(
    runner,
    `
    SELECT 'email' AS kind, email AS value, id AS customer_id, ord FROM dedup WHERE email IS NOT NULL
    UNION ALL SELECT 'phone', phone, id, ord FROM dedup WHERE phone IS NOT NULL`,
    now,
  );
  return counts;
}

async function upsertOrders(runner: DuckDbRunner, rows: readonly Order[], now: () => Date): Promise<WriteCounts> {
  await stage(
    runner,
    'stage_orders',
    rows.map((o, i) => [
      i,
      o.id,
      o.customer_id,
      o.customer_email,
      o.customer_phone,
      o.location_id,
      o.placed_at,
      o.status,
      o.currency,
      o.total,
      o.discount_total,
      JSON.stringify(o.discount_codes),
      null,
    ]),
  );
  const counts = await applyOrders(runner, now);
  const lines = rows.flatMap((o) => o.lines.map((l, i): OrderLineRow => ({ ...l, order_id: o.id, line_no: i + 1 })));
  if (lines.length) {
    await upsertOrderLines(runner, lines);
    // An order re-sent with fewer lines loses the lines it no longer has.
    await runner.run(`
      DELETE FROM order_lines USING (SELECT order_id, max(line_no) AS n FROM stage_lines GROUP BY order_id) k
      WHERE order_lines.order_id = k.order_id AND order_lines.line_no > k.n`);
  }
  return counts;
}

/** Stores the orders in stage_orders: resolves who bought, creates guests, upserts, claims emails/phones. */
export async function applyOrders(
  runner: DuckDbRunner,
  now: () => Date,
  append: AppendMode | false = false,
): Promise<WriteCounts> {
  // Who bought: the store's customer id if given, else whoever owns the email, then the phone,
  // else a guest customer keyed by the email or phone.
  await runner.run(`
    UPDATE stage_orders SET customer_id = coalesce(
      (SELECT coalesce(c.merged_into, c.id) FROM customers c WHERE c.id = stage_orders.source_customer_id),
      stage_orders.source_customer_id,
      (SELECT coalesce(c.merged_into, c.id) FROM identities i JOIN customers c ON c.id = i.customer_id WHERE i.kind = 'email' AND i.value = stage_orders.source_email),
      (SELECT coalesce(c.merged_into, c.id) FROM identities i JOIN customers c ON c.id = i.customer_id WHERE i.kind = 'phone' AND i.value = stage_orders.source_phone),
      CASE WHEN source_email IS NOT NULL THEN ${guestIdSql('email', 'source_email')} ELSE ${guestIdSql('phone', 'source_phone')} END)`);
  await runner.run(`
    INSERT OR IGNORE INTO customers (id, email, phone, is_stub, attributes)
    SELECT customer_id, first(source_email ORDER BY ord), first(source_phone ORDER BY ord), true, '{}'::JSON
    FROM stage_orders GROUP BY customer_id`);
  // Orders that name no location are the online shop's: its location is made the first time one arrives.
  await runner.run(
    `INSERT INTO locations (id, name, kind)
     SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM stage_orders WHERE location_id = $1) AND NOT EXISTS (SELECT 1 FROM locations WHERE id = $1)`,
    [onlineShop.id, onlineShop.name, onlineShop.kind],
  );
  const set = {
    customer_id: 's.customer_id',
    location_id: 's.location_id',
    placed_at: 's.placed_at::TIMESTAMPTZ',
    status: 's.status',
    currency: 's.currency',
    total: 's.total::DECIMAL(18,4)',
    discount_total: 's.discount_total::DECIMAL(18,4)',
    discount_codes: 's.discount_codes::JSON::VARCHAR[]',
    source_customer_id: 's.source_customer_id',
    source_email: 's.source_email',
    source_phone: 's.source_phone',
  };
  // The buyer, and whoever held an order re-sent under another customer before.
  await markTouched(
    runner,
    'order',
    'SELECT o.customer_id, o.id AS ref FROM orders o JOIN stage_orders s ON s.id = o.id UNION ALL SELECT customer_id, id FROM stage_orders',
  );
  const counts = await upsertFromStage(runner, {
    stage: 'stage_orders',
    target: 'orders',
    key: ['id'],
    set,
    insert: { id: 's.id', ...set },
    append,
  });
  await claimIdentities(
    runner,
    `
    SELECT 'email' AS kind, source_email AS value, customer_id, ord FROM stage_orders WHERE source_email IS NOT NULL
    UNION ALL SELECT 'phone', source_phone, customer_id, ord FROM stage_orders WHERE source_phone IS NOT NULL`,
    now,
  );
  return counts;
}

async function upsertOrderLines(runner: DuckDbRunner, rows: readonly OrderLineRow[]): Promise<WriteCounts> {
  // Lines without a number are numbered in the order they arrive within their order.
  const next = new Map<string, number>();
  await stage(
    runner,
    'stage_lines',
    rows.map((l, i) => {
      const n = l.line_no ?? (next.get(l.order_id) ?? 0) + 1;
      next.set(l.order_id, n);
      return [i, l.order_id, n, l.sku, l.quantity, l.unit_price, l.line_discount];
    }),
  );
  return applyOrderLines(runner);
}

export async function applyOrderLines(runner: DuckDbRunner, append: AppendMode | false = false): Promise<WriteCounts> {
  await markTouched(
    runner,
    'order',
    'SELECT o.customer_id, o.id AS ref FROM orders o WHERE o.id IN (SELECT order_id FROM stage_lines)',
  );
  const set = {
    sku: 's.sku',
    quantity: 's.quantity::INTEGER',
    unit_price: 's.unit_price::DECIMAL(18,4)',
    line_discount: 's.line_discount::DECIMAL(18,4)',
  };
  return upsertFromStage(runner, {
    stage: 'stage_lines',
    target: 'order_lines',
    key: ['order_id', 'line_no'],
    set,
    insert: { order_id: 's.order_id', line_no: 's.line_no::INTEGER', ...set },
    append,
  });
}

async function insertEvents(runner: DuckDbRunner, rows: readonly Event[]): Promise<WriteCounts> {
  await stageEvents(runner, rows);
  return applyEvents(runner, 'stage_events', rows.length, false);
}

/**
 * Stores staged events (a relation with stage_events' columns), the first of each message id.
 * With an append mode the unique index on message_id is dropped (writeKeyed), so events already
 * stored are skipped by an anti-join; 'unique' assumes the batch has no message id twice
 * (building the index again checks it), 'dedup' keeps the first of each.
 */
export async function applyEvents(
  runner: DuckDbRunner,
  source: string,
  total: number,
  mode: AppendMode | false,
): Promise<WriteCounts> {
  await insertEventStubs(runner, source);
  // The first of each message id in the batch (skipped for an append that assumes none twice).
  const rows =
    mode === 'unique'
      ? source
      : `(SELECT * FROM ${source} QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY ord) = 1)`;
  const select = resolvedEventsSql(rows);
  const insert =
    mode === false
      ? `INSERT OR IGNORE INTO events ${select}`
      : (await runner.count('(SELECT 1 FROM events LIMIT 1)'))
        ? `INSERT INTO events ${select} WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = s.message_id)`
        : `INSERT INTO events ${select}`;
  const r = await runner.run(insert);
  // A referral changes the profiles of the two people it names as well.
  await markTouched(
    runner,
    'event',
    `SELECT customer_id, message_id AS ref FROM (${select})
     UNION ALL SELECT unnest([properties::JSON->>'referrer', properties::JSON->>'referee']), message_id FROM ${rows} WHERE type = 'referral'`,
  );
  return insertOnlyCounts(Number(r.rowsChanged), total);
}

async function upsertTags(runner: DuckDbRunner, rows: readonly TagAssignment[]): Promise<WriteCounts> {
  await stage(
    runner,
    'stage_tags',
    rows.map((t, i) => [i, t.customer_id, t.tag, t.source, t.assigned_by, t.assigned_at]),
  );
  return insertOnlyCounts(await applyTags(runner), rows.length);
}

/** Stores the tags in stage_tags (ord, customer_id, tag, source, assigned_by, assigned_at); returns how many were new. */
export async function applyTags(runner: DuckDbRunner): Promise<number> {
  await redirectMerged(runner, 'stage_tags', 'customer_id');
  await ensureCustomers(runner, 'SELECT customer_id FROM stage_tags');
  // A tag already on the customer keeps who assigned it first.
  await runner.run(
    `CREATE OR REPLACE TEMP TABLE dedup AS SELECT * FROM stage_tags QUALIFY row_number() OVER (PARTITION BY customer_id, tag ORDER BY ord) = 1`,
  );
  const r = await runner.run(`
    INSERT OR IGNORE INTO tags SELECT customer_id, tag, source, assigned_by, assigned_at::TIMESTAMPTZ FROM dedup`);
  await markTouched(runner, 'tag', 'SELECT customer_id, tag AS ref FROM dedup');
  return Number(r.rowsChanged);
}

function addCounts(a: WriteCounts | undefined, b: WriteCounts): WriteCounts {
  const base = a ?? emptyWriteCounts();
  return {
    inserted: base.inserted + b.inserted,
    updated: base.updated + b.updated,
    unchanged: base.unchanged + b.unchanged,
  };
}
