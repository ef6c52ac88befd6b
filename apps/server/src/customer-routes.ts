/*
 * One customer's record and orders, for the dashboard's customer page (the computed traits are
 * `/v1/customers/:id/profile`, tags, segments and messages have their own routes). A merged
 * customer's id answers the customer it was merged into, as everywhere else.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { AppError, channels, type SqlRunner } from '@strata/core';
import { CustomerOrdersQuery, type ConsentBody, type CustomerOrdersResponse, type CustomerResponse } from '@strata/api';
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
}
