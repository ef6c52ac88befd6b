import { OrderStatus, SqlParams, type SqlRunner } from '@strata/core';
import {
  DateTrait,
  productFilterProperties,
  TriggerEvent,
  type DateTrigger,
  type EventTrigger,
} from './automation-trigger.js';

/*
 * The occurrences that start runs for event and date triggers, read from the store between two
 * instants: events of a type (and orders placed) with the properties asked for, and the moments a
 * date trait comes round (N days before or after it, at a local hour). Occurrences the automation
 * has handled already (automation_triggers) are left out, so reading a window twice is harmless:
 * this is what lets the engine look back for late events and survive a restart mid-batch.
 */

/** One event, order or date occurrence that may start a run. */
export interface TriggerOccurrence {
  /** event:<message id>, order:<order id> or <trait>:<YYYY-MM-DD> (the date that came round). */
  ref: string;
  customer_id: string;
  /** When it happened (ISO). */
  at: string;
}

const isoSql = (c: string) => `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
const notHandled = (automation: string, ref: string, customer: string) =>
  `NOT EXISTS (SELECT 1 FROM automation_triggers t WHERE t.automation_id = ${automation} AND t.ref = ${ref} AND t.customer_id = ${customer})`;

/** A parameter holding a list of texts, as a DuckDB subquery for IN. */
function textList(p: SqlParams, vs: string | number | (string | number)[]): string {
  const list = (Array.isArray(vs) ? vs : [vs]).map(String);
  return `(SELECT unnest(from_json(${p.add(JSON.stringify(list))}, '["VARCHAR"]')))`;
}

/** Events (or orders) in (from, to] that match the trigger, oldest first. */
export async function eventOccurrences(
  db: SqlRunner,
  automationId: string,
  trigger: EventTrigger,
  from: Date,
  to: Date,
  limit: number,
): Promise<TriggerOccurrence[]> {
  const p = new SqlParams();
  const id = p.add(automationId);
  const window = (col: string) =>
    `${col} > ${p.add(from.toISOString())}::TIMESTAMPTZ AND ${col} <= ${p.add(to.toISOString())}::TIMESTAMPTZ`;
  const filters: string[] = [];
  if (trigger.event === TriggerEvent.order) {
    for (const [key, values] of Object.entries(trigger.where)) {
      const inList = textList(p, values);
      if (key === 'location_id') filters.push(`o.location_id IN ${inList}`);
      else if (key === 'sku')
        filters.push(`EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.sku IN ${inList})`);
      else
        filters.push(
          `EXISTS (SELECT 1 FROM order_lines l JOIN products pr ON pr.sku = l.sku WHERE l.order_id = o.id AND pr.${key === 'brand' ? 'brand' : 'category'} IN ${inList})`,
        );
    }
    const ref = `'order:' || o.id`;
    return db.query<TriggerOccurrence>(
      `SELECT ${ref} AS ref, coalesce(c.merged_into, o.customer_id) AS customer_id, ${isoSql('o.placed_at')} AS at
       FROM orders o JOIN customers c ON c.id = o.customer_id
       WHERE o.status = '${OrderStatus.confirmed}' AND ${window('o.placed_at')}
         ${filters.map((f) => `AND ${f}`).join(' ')}
         AND ${notHandled(id, ref, 'coalesce(c.merged_into, o.customer_id)')}
       ORDER BY o.placed_at, o.id LIMIT ${limit}`,
      p.values,
    );
  }
  const type = p.add(trigger.event);
  for (const [key, values] of Object.entries(trigger.where)) {
    const own = `json_extract_string(e.properties, ${p.add(`$.${key}`)})`;
    const value = (productFilterProperties as readonly string[]).includes(key)
      ? `coalesce(${own}, (SELECT pr.${key === 'brand' ? 'brand' : 'category'} FROM products pr WHERE pr.sku = json_extract_string(e.properties, '$.sku')))`
      : own;
    filters.push(`${value} IN ${textList(p, values)}`);
  }
  const ref = `'event:' || e.message_id`;
  return db.query<TriggerOccurrence>(
    `SELECT ${ref} AS ref, coalesce(c.merged_into, e.customer_id) AS customer_id, ${isoSql('e.occurred_at')} AS at
     FROM events e JOIN customers c ON c.id = e.customer_id
     WHERE e.type = ${type} AND ${window('e.occurred_at')}
       ${filters.map((f) => `AND ${f}`).join(' ')}
       AND ${notHandled(id, ref, 'coalesce(c.merged_into, e.customer_id)')}
     ORDER BY e.occurred_at, e.message_id LIMIT ${limit}`,
    p.values,
  );
}

/** Whether profiles have been computed in this store (their table exists). */
export async function hasProfiles(db: SqlRunner): Promise<boolean> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'customer_profile'`,
  );
  return Number(row?.n ?? 0) > 0;
}

/**
 * The moments in (from, to] at which the trigger's date comes round for a customer: the trait's
 * local date (in the customer's zone, else `storeZone`) plus `days`, at `hour` local time. A
 * birthday comes round every year (29 February on the 28th in other years).
 */
export async function dateOccurrences(
  db: SqlRunner,
  automationId: string,
  trigger: DateTrigger,
  storeZone: string,
  from: Date,
  to: Date,
  limit: number,
): Promise<TriggerOccurrence[]> {
  const p = new SqlParams();
  const id = p.add(automationId);
  const zone = `coalesce(c.timezone, ${p.add(storeZone)})`;
  const fromSql = `${p.add(from.toISOString())}::TIMESTAMPTZ`;
  const toSql = `${p.add(to.toISOString())}::TIMESTAMPTZ`;
  const fire = (day: string) => `timezone(zone, (${day} + ${trigger.days})::DATE + INTERVAL ${trigger.hour} HOUR)`;
  let dated: string;
  if (trigger.trait === DateTrait.birthday) {
    // The anniversaries in the years the window (moved back by the offset) touches.
    const spread = Math.ceil(Math.abs(trigger.days) / 365) + 1;
    const years = `range(${from.getUTCFullYear() - spread}, ${to.getUTCFullYear() + spread + 1})`;
    dated = `SELECT c.id AS customer_id, ${zone} AS zone,
        make_date(y, month(c.birthday), least(day(c.birthday), day(last_day(make_date(y, month(c.birthday), 1))))) AS day
      FROM customers c, (SELECT unnest(${years}) AS y)
      WHERE c.birthday IS NOT NULL AND c.merged_into IS NULL`;
  } else {
    if (!(await hasProfiles(db))) return [];
    // A first narrowing on the stored instant (two days either side covers every zone and hour).
    const margin = (d: number) => `to_days(${d})`;
    dated = `SELECT p.customer_id, ${zone} AS zone, timezone(${zone}, p.${trigger.trait})::DATE AS day
      FROM customer_profile p JOIN customers c ON c.id = p.customer_id
      WHERE c.merged_into IS NULL AND p.${trigger.trait} IS NOT NULL
        AND p.${trigger.trait} > ${fromSql} - ${margin(trigger.days + 2)}
        AND p.${trigger.trait} <= ${toSql} - ${margin(trigger.days - 2)}`;
  }
  const ref = `'${trigger.trait}:' || strftime(day, '%Y-%m-%d')`;
  return db.query<TriggerOccurrence>(
    `SELECT ref, customer_id, ${isoSql('fire')} AS at FROM (
       SELECT ${ref} AS ref, customer_id, ${fire('day')} AS fire FROM (${dated}) d
     ) f
     WHERE fire > ${fromSql} AND fire <= ${toSql}
       AND NOT EXISTS (SELECT 1 FROM automation_triggers t WHERE t.automation_id = ${id} AND t.ref = f.ref AND t.customer_id = f.customer_id)
     ORDER BY fire, customer_id LIMIT ${limit}`,
    p.values,
  );
}
