/*
 * One customer's record, orders and event timeline, for the dashboard's customer page (the computed traits are
 * `/v1/customers/:id/profile`, tags, segments and messages have their own routes). A merged
 * customer's id answers the customer it was merged into, as everywhere else.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { AppError, channels, type SqlRunner } from '@strata/core';
import {
  CustomerEventsQuery,
  CustomerOrdersQuery,
  type ConsentBody,
  type CustomerEventsResponse,
  type CustomerOrdersResponse,
  type CustomerResponse,
} from '@strata/api';
import { checkedQuery } from './query-params.js';

export interface CustomerRouteDeps {
  db: SqlRunner;
  requireApiKey: MiddlewareHandler;
}

/** A time as the store hands it back (a Date or text), as ISO 8601. */
const text = (v: unknown): string | null =>
  v === null || v === undefined
    ? null
    : typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean'
        ? String(v)
        : JSON.stringify(v);
const timeText = (v: unknown): string | null =>
  v instanceof Date ? v.toISOString() : typeof v === 'string' ? new Date(v).toISOString() : text(v);

async function resolve(db: SqlRunner, id: string): Promise<Record<string, unknown>> {
  const [row] = await db.query<Record<string, unknown>>(
    'SELECT * FROM customers WHERE id = (SELECT coalesce(merged_into, id) FROM customers WHERE id = $1)',
    [id],
  );
  if (!row) throw new AppError('not_found', `no customer "${id}"`);
  return row;
}

export function registerCustomerRoutes(app: Hono, deps: CustomerRouteDeps): void {
  const { db, requireApiKey } = deps;

  app.get('/v1/customers/:id', requireApiKey, async (c) => {
    const row = await resolve(db, c.req.param('id') ?? '');
    const consent = channels.map((channel): ConsentBody => ({
      channel,
      granted: row[`consent_${channel}_granted`] === null ? null : Boolean(row[`consent_${channel}_granted`]),
      at: timeText(row[`consent_${channel}_at`]),
      source: text(row[`consent_${channel}_source`]),
    }));
    const body: CustomerResponse = {
      customer_id: text(row.id) ?? '',
      email: text(row.email),
      phone: text(row.phone),
      name: text(row.name),
      city: text(row.city),
      country: text(row.country),
      language: text(row.language),
      created_at: timeText(row.created_at),
      consent,
    };
    return c.json(body);
  });

  app.get('/v1/customers/:id/orders', requireApiKey, async (c) => {
    const { limit } = checkedQuery(c, CustomerOrdersQuery);
    const id = text((await resolve(db, c.req.param('id') ?? '')).id) ?? '';
    const [count] = await db.query<{ n: number | bigint }>('SELECT count(*) AS n FROM orders WHERE customer_id = $1', [
      id,
    ]);
    const rows = await db.query<Record<string, unknown>>(
      `SELECT id, placed_at, location_id, status, currency, total, discount_codes FROM orders
       WHERE customer_id = $1 ORDER BY placed_at DESC, id LIMIT ${limit}`,
      [id],
    );
    const body: CustomerOrdersResponse = {
      customer_id: id,
      total: Number(count?.n ?? 0),
      orders: rows.map((r) => ({
        id: text(r.id) ?? '',
        placed_at: timeText(r.placed_at) ?? '',
        location_id: text(r.location_id) ?? '',
        status: text(r.status) ?? '',
        currency: text(r.currency) ?? '',
        total: Number(r.total),
        discount_codes: Array.isArray(r.discount_codes) ? r.discount_codes.map((code) => text(code) ?? '') : [],
      })),
    };
    return c.json(body);
  });

  /*
   * The timeline: newest first, paged by a cursor of the last event's time and id (`<iso>|<id>`),
   * so a page is found by the index order, not by skipping rows. Events recorded under ids merged
   * into this customer are theirs too.
   */
  app.get('/v1/customers/:id/events', requireApiKey, async (c) => {
    const q = checkedQuery(c, CustomerEventsQuery);
    const id = text((await resolve(db, c.req.param('id') ?? '')).id) ?? '';
    let before: { at: string; id: string } | undefined;
    if (q.before !== undefined) {
      const cut = q.before.indexOf('|');
      const at = cut > 0 ? new Date(q.before.slice(0, cut)) : undefined;
      if (!at || Number.isNaN(at.getTime()))
        throw new AppError('invalid', `before: "${q.before}" is not a cursor from next_before`, [
          { field: 'before', message: 'not a cursor from next_before' },
        ]);
      before = { at: at.toISOString(), id: q.before.slice(cut + 1) };
    }
    const rows = await db.query<Record<string, unknown>>(
      `SELECT message_id, type, occurred_at, CAST(properties AS VARCHAR) AS properties FROM events
       WHERE customer_id IN (SELECT id FROM customers WHERE coalesce(merged_into, id) = $1)
         AND ($2::VARCHAR IS NULL OR type = $2)
         AND ($3::TIMESTAMPTZ IS NULL OR occurred_at < $3::TIMESTAMPTZ OR (occurred_at = $3::TIMESTAMPTZ AND message_id < $4))
       ORDER BY occurred_at DESC, message_id DESC LIMIT ${q.limit}`,
      [id, q.type ?? null, before?.at ?? null, before?.id ?? null],
    );
    const events = rows.map((r) => ({
      id: text(r.message_id) ?? '',
      type: text(r.type) ?? '',
      occurred_at: timeText(r.occurred_at) ?? '',
      properties: propertiesOf(r.properties),
    }));
    const last = events.at(-1);
    const body: CustomerEventsResponse = {
      customer_id: id,
      events,
      next_before: events.length === q.limit && last ? `${last.occurred_at}|${last.id}` : null,
    };
    return c.json(body);
  });
}

function propertiesOf(v: unknown): Record<string, unknown> {
  try {
    const parsed: unknown = typeof v === 'string' ? JSON.parse(v) : v;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
