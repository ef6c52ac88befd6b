import { type Clock, EventType, OrderStatus, sqlLiteral, type SqlRunner } from '@strata/core';
import { TemplateVariable, type KnownFields, type TemplateContext } from './template.js';

/*
 * The template variables of a batch of recipients, from one SQL query: the customer's record, the
 * profile's traits, the products of abandoned carts, the product due for replenishment, and the
 * recommendations — the best sellers of the customer's favourite category (by units bought) that
 * they have not bought, ranked by units sold. Parts a template does not use are not read.
 */

async function tableColumns(db: SqlRunner, table: string): Promise<string[]> {
  const rows = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

/** The fields templates may name: customers' columns (with first_name) and, once computed, the profile's traits. */
export async function knownTemplateFields(db: SqlRunner): Promise<KnownFields> {
  const customer = [...(await tableColumns(db, 'customers')), 'first_name'];
  const profile = await tableColumns(db, 'customer_profile');
  return profile.length ? { customer, profile } : { customer };
}

export interface VariableNeeds {
  /** Which of cart, viewed, replenishment and recommendations the templates use. */
  readonly uses: ReadonlySet<string>;
  /** How many recommendations to give. */
  readonly recommendations: number;
  /** Units sold per product, kept between batches (else counted for this batch alone). */
  readonly bestSellers?: BestSellers;
}

const confirmed = sqlLiteral(OrderStatus.confirmed);

/** Units sold per product: confirmed orders' lines, one pass over all of them. */
const unitsSoldSql = `
  SELECT l.sku, sum(l.quantity)::DOUBLE AS units
  FROM order_lines l JOIN orders o ON o.id = l.order_id
  WHERE o.status = ${confirmed} GROUP BY l.sku`;

/**
 * The units sold per product that recommendations rank by, counted once and reused for `maxAgeMs`
 * (by `clock`): a pass over every order line costs seconds on a large store, and a send engine
 * renders a batch every few seconds. Sales an hour old rank best sellers well enough.
 */
export class BestSellers {
  private counted: { at: number; units: Promise<string> } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly maxAgeMs = 3_600_000,
  ) {}

  /** [{sku, units}] as JSON. */
  unitsJson(db: SqlRunner): Promise<string> {
    const now = this.clock.now().getTime();
    if (!this.counted || now - this.counted.at > this.maxAgeMs || now < this.counted.at) {
      const units = db
        .query<{ sku: string; units: number }>(unitsSoldSql)
        .then((rows) => JSON.stringify(rows.map((r) => ({ sku: r.sku, units: Number(r.units) }))));
      this.counted = { at: now, units };
      units.catch(() => (this.counted = undefined));
    }
    return this.counted.units;
  }
}

const product = (a: string) => `{sku: ${a}.sku, name: ${a}.name, category: ${a}.category, price: ${a}.price::DOUBLE}`;

/** Parses JSON text from the store, or null. */
const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : (v ?? null));

/**
 * The context of each customer in `ids`, keyed by id (coupon, unsubscribe link and campaign are
 * the caller's). A customer without a profile gets every trait as nil, so templates render.
 */
export async function loadTemplateVariables(
  db: SqlRunner,
  ids: readonly string[],
  needs: VariableNeeds,
): Promise<Map<string, Omit<TemplateContext, 'coupon' | 'unsubscribe_url' | 'campaign'>>> {
  const known = await knownTemplateFields(db);
  const hasProfile = known.profile !== undefined;
  const recs = needs.uses.has(TemplateVariable.recommendations) && needs.recommendations > 0;
  const params: string[] = [JSON.stringify(ids)];
  const sellers =
    recs && needs.bestSellers
      ? `SELECT unnest(from_json($${params.push(await needs.bestSellers.unitsJson(db))}, '[{"sku":"VARCHAR","units":"DOUBLE"}]'), recursive := true)`
      : `SELECT l.sku, sum(l.quantity) AS units
         FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN products p ON p.sku = l.sku
         WHERE o.status = ${confirmed} AND p.category IN (SELECT category FROM favourite) GROUP BY l.sku`;
  const ctes = [`ids AS (SELECT DISTINCT unnest(from_json($1, '["VARCHAR"]')) AS customer_id)`];
  if (recs)
    ctes.push(
      `mine AS (
         SELECT o.customer_id, l.sku, p.category, sum(l.quantity) AS units
         FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN products p ON p.sku = l.sku
         WHERE o.status = ${confirmed} AND o.customer_id IN (SELECT customer_id FROM ids) GROUP BY ALL)`,
      `favourite AS (
         SELECT customer_id, arg_max(category, units) AS category
         FROM (SELECT customer_id, category, sum(units) AS units FROM mine WHERE category IS NOT NULL GROUP BY ALL)
         GROUP BY customer_id)`,
      `sellers AS (${sellers})`,
      `recs AS (
         SELECT f.customer_id, ${product('p')} AS item,
                row_number() OVER (PARTITION BY f.customer_id ORDER BY s.units DESC, p.sku) AS rank
         FROM favourite f JOIN products p ON p.category = f.category JOIN sellers s ON s.sku = p.sku
         WHERE NOT EXISTS (SELECT 1 FROM mine m WHERE m.customer_id = f.customer_id AND m.sku = p.sku)
         QUALIFY rank <= ${needs.recommendations})`,
    );
  const columns = ['i.customer_id', 'to_json(c) AS customer'];
  if (hasProfile) columns.push('to_json(p) AS profile');
  if (hasProfile && needs.uses.has(TemplateVariable.cart))
    columns.push(
      `(SELECT to_json(list(${product('pr')} ORDER BY pr.sku)) FROM products pr WHERE list_contains(p.abandoned_skus, pr.sku)) AS cart`,
    );
  if (needs.uses.has(TemplateVariable.viewed))
    // Each product's latest view, unless a confirmed order with it came after that view.
    columns.push(
      `(SELECT to_json(list(v.item ORDER BY v.seen DESC, v.sku)[1:5]) FROM (
          SELECT pr.sku, ${product('pr')} AS item, max(e.occurred_at) AS seen
          FROM events e JOIN products pr ON pr.sku = json_extract_string(e.properties, '$.sku')
          WHERE e.customer_id = i.customer_id AND e.type = ${sqlLiteral(EventType.product_view)}
          GROUP BY pr.sku, pr.name, pr.category, pr.price) v
        WHERE NOT EXISTS (SELECT 1 FROM orders o JOIN order_lines l ON l.order_id = o.id
                          WHERE o.customer_id = i.customer_id AND o.status = ${confirmed} AND l.sku = v.sku
                            AND o.placed_at >= v.seen)) AS viewed`,
    );
  if (hasProfile && needs.uses.has(TemplateVariable.replenishment))
    columns.push(
      `(SELECT to_json({sku: pr.sku, name: pr.name, category: pr.category, price: pr.price::DOUBLE, due_at: strftime(p.next_replenishment_due_at, '%Y-%m-%d')})
        FROM products pr WHERE pr.sku = p.next_replenishment_sku) AS replenishment`,
    );
  if (recs)
    columns.push(
      `(SELECT to_json(list(r.item ORDER BY r.rank)) FROM recs r WHERE r.customer_id = i.customer_id) AS recommendations`,
    );
  const rows = await db.query<Record<string, unknown>>(
    `WITH ${ctes.join(',\n')}
     SELECT ${columns.join(', ')}
     FROM ids i JOIN customers c ON c.id = i.customer_id
     ${hasProfile ? 'LEFT JOIN customer_profile p ON p.customer_id = i.customer_id' : ''}`,
    params,
  );
  const emptyProfile = Object.fromEntries((known.profile ?? []).map((k) => [k, null]));
  const out = new Map<string, Omit<TemplateContext, 'coupon' | 'unsubscribe_url' | 'campaign'>>();
  for (const r of rows) {
    const customer = json(r.customer) as Record<string, unknown>;
    const name = typeof customer.name === 'string' ? customer.name.trim() : '';
    customer.first_name = name ? name.split(/\s+/)[0] : null;
    out.set(String(r.customer_id), {
      customer,
      profile: (json(r.profile) as Record<string, unknown> | null) ?? emptyProfile,
      cart: (json(r.cart) as Record<string, unknown>[] | null) ?? [],
      viewed: (json(r.viewed) as Record<string, unknown>[] | null) ?? [],
      replenishment: (json(r.replenishment) as Record<string, unknown> | null) ?? null,
      recommendations: (json(r.recommendations) as Record<string, unknown>[] | null) ?? [],
    });
  }
  return out;
}
