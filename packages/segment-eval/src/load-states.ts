/*
 * Reads the states of a set of customers from a store: one query per table, over the ids loaded
 * once into a work table, inside one transaction (a consistent view; the work table is dropped
 * with it).
 */
import type { SqlParam, SqlRunner } from '@strata/core';
import { defaultChannels } from '@strata/segment-lang';
import {
  jsonObject,
  jsonText,
  type CustomerState,
  type EventState,
  type OrderLineState,
  type OrderState,
  type StoredRow,
} from './customer-state.js';
import type { EventNeeds } from './event-needs.js';
import { toEpochMs } from './time-values.js';

const text = jsonText;

function group<T>(rows: readonly StoredRow[], key: string, to: (r: StoredRow) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = String(r[key]);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(to(r));
  }
  return out;
}

function lineOf(r: StoredRow): OrderLineState {
  return {
    sku: String(r.sku),
    quantity: Number(r.quantity),
    unitPrice: Number(r.unit_price),
    lineDiscount: Number(r.line_discount),
    ...(r.known
      ? { product: { category: text(r.category), brand: text(r.brand), collection: text(r.collection) } }
      : {}),
  };
}

/**
 * The state of each customer id given (an id with neither a record nor a profile comes back with
 * empty data). A merged customer's orders, events and tags have moved to the customer it was
 * merged into, as the store moves them: its state says `mergedInto`, and it is in no segment that
 * reads customer records.
 */
export interface LoadOptions {
  /**
   * Load only the events these needs name (event-needs.ts), and every event dated after `now`;
   * without it, every event. The state then answers the segments the needs came from (and
   * anything reading no events) as the whole history would, at `now`.
   */
  readonly events?: { readonly needs: EventNeeds; readonly now: number };
}

/** The SQL condition on events `e` that keeps what `needs` names, with its parameters. */
function eventFilter(events: LoadOptions['events']): { sql: string; params: SqlParam[] } {
  if (!events) return { sql: '', params: [] };
  const params: SqlParam[] = [new Date(events.now).toISOString()];
  const terms = ['e.occurred_at > $1::TIMESTAMPTZ'];
  for (const [type, since] of events.needs) {
    params.push(type);
    if (since === null) terms.push(`e.type = $${params.length}`);
    else {
      params.push(new Date(since).toISOString());
      terms.push(`(e.type = $${params.length - 1} AND e.occurred_at >= $${params.length}::TIMESTAMPTZ)`);
    }
  }
  return { sql: `AND (${terms.join(' OR ')})`, params };
}

export async function loadCustomerStates(
  db: SqlRunner,
  ids: readonly string[],
  options: LoadOptions = {},
): Promise<Map<string, CustomerState>> {
  const unique = [...new Set(ids)];
  const states = new Map<string, CustomerState>();
  if (unique.length === 0) return states;
  const ids_ = `segment_eval_ids_${Math.random().toString(36).slice(2, 10)}`;
  const rows = await db.transaction(async (tx) => {
    await tx.loadTable(
      ids_,
      [['id', 'text']],
      unique.map((id) => [id]),
    );
    const [hasProfiles] = await tx.query<{ n: number }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'customer_profile'`,
    );
    const profiles =
      Number(hasProfiles?.n) > 0
        ? await tx.query(`SELECT p.* FROM customer_profile p JOIN ${ids_} k ON k.id = p.customer_id`)
        : [];
    const customers = await tx.query(`SELECT c.* FROM customers c JOIN ${ids_} k ON k.id = c.id`);
    const orders = await tx.query(
      `SELECT o.id, o.customer_id, o.placed_at, o.status, o.total, o.location_id
       FROM orders o JOIN ${ids_} k ON k.id = o.customer_id ORDER BY o.placed_at, o.id`,
    );
    const lines = await tx.query(
      `SELECT li.order_id, li.sku, li.quantity, li.unit_price, li.line_discount,
              pr.sku IS NOT NULL AS known, pr.category, pr.brand, pr.collection
       FROM order_lines li JOIN orders o ON o.id = li.order_id JOIN ${ids_} k ON k.id = o.customer_id
       LEFT JOIN products pr ON pr.sku = li.sku ORDER BY li.order_id, li.line_no`,
    );
    const filter = eventFilter(options.events);
    const events = await tx.query(
      `SELECT e.customer_id, e.type, e.occurred_at, e.properties
       FROM events e JOIN ${ids_} k ON k.id = e.customer_id WHERE true ${filter.sql} ORDER BY e.occurred_at, e.message_id`,
      filter.params,
    );
    const tags = await tx.query(`SELECT t.customer_id, t.tag FROM tags t JOIN ${ids_} k ON k.id = t.customer_id`);
    await tx.exec(`DROP TABLE ${ids_}`);
    return { profiles, customers, orders, lines, events, tags };
  });

  const profileOf = new Map(rows.profiles.map((r) => [String(r.customer_id), r]));
  const customerOf = new Map(rows.customers.map((r) => [String(r.id), r]));
  const linesOf = group(rows.lines, 'order_id', lineOf);
  const ordersOf = group(rows.orders, 'customer_id', (r): OrderState => ({
    id: String(r.id),
    placedAt: toEpochMs(r.placed_at)!,
    status: String(r.status),
    total: Number(r.total),
    locationId: String(r.location_id),
    lines: linesOf.get(String(r.id)) ?? [],
  }));
  const eventsOf = group(rows.events, 'customer_id', (r): EventState => ({
    type: String(r.type),
    occurredAt: toEpochMs(r.occurred_at)!,
    properties: jsonObject(r.properties),
  }));
  const tagsOf = group(rows.tags, 'customer_id', (r) => String(r.tag));
  for (const id of unique) {
    const profile = profileOf.get(id);
    const customer = customerOf.get(id);
    const mergedInto = text(customer?.merged_into);
    states.set(id, {
      id,
      profile,
      customer,
      mergedInto: mergedInto ?? undefined,
      orders: ordersOf.get(id) ?? [],
      events: eventsOf.get(id) ?? [],
      tags: tagsOf.get(id) ?? [],
      consents: Object.fromEntries(defaultChannels.map((ch) => [ch, customer?.[`consent_${ch}_granted`] === true])),
      answers: Object.fromEntries(
        Object.entries(jsonObject(profile?.questionnaire_answers)).map(([q, a]) => [q, jsonText(a)]),
      ),
    });
  }
  return states;
}
