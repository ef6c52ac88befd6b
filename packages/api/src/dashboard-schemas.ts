import { z } from 'zod';
import { channels } from '@strata/core';

/**
 * Answers the dashboard reads that had no schema of their own: the profiles' summary (overview),
 * one customer's record as stored (`GET /v1/customers/:id`) and their orders
 * (`GET /v1/customers/:id/orders`). The computed traits are `GET /v1/customers/:id/profile`.
 */

const counts = z.record(z.string(), z.number());

/** `GET /v1/profiles/summary`: the last profile run, and customers per lifecycle stage, RFM cell and segment, tier and risk. */
export const ProfilesSummaryResponse = z.object({
  run: z
    .object({
      id: z.string(),
      kind: z.string(),
      as_of: z.string(),
      finished_at: z.string(),
      ran_by: z.string(),
      customers: z.number(),
    })
    .nullable(),
  customers: z.number(),
  buyers: z.number(),
  lifecycle: counts,
  rfmSegments: counts,
  /** Buyers per recency score (rows: 5, the most recent, first) and frequency score (columns 1–5). */
  rfmGrid: z.array(z.array(z.number())),
  valueTiers: counts,
  churnRisk: counts,
  /** Customers per value tier × churn risk (`none` where a profile has neither); absent from older servers. */
  valueRisk: z.array(z.object({ value_tier: z.string(), churn_risk: z.string(), customers: z.number() })).default([]),
  model: z.unknown(),
});
export type ProfilesSummaryResponse = z.infer<typeof ProfilesSummaryResponse>;

export const ConsentBody = z.object({
  channel: z.enum(channels),
  /** null: the customer never said either way. */
  granted: z.boolean().nullable(),
  at: z.string().nullable(),
  source: z.string().nullable(),
});
export type ConsentBody = z.infer<typeof ConsentBody>;

export const CustomerResponse = z.object({
  /** The customer the id resolves to (a merged customer's id gives the customer it was merged into). */
  customer_id: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  name: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
  language: z.string().nullable(),
  created_at: z.string().nullable(),
  consent: z.array(ConsentBody),
});
export type CustomerResponse = z.infer<typeof CustomerResponse>;

export const CustomerOrdersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

export const CustomerOrderBody = z.object({
  id: z.string(),
  placed_at: z.string(),
  location_id: z.string(),
  status: z.string(),
  currency: z.string(),
  total: z.number(),
  discount_codes: z.array(z.string()),
});
export type CustomerOrderBody = z.infer<typeof CustomerOrderBody>;

/** Newest first; `total` is how many orders the customer has in all. */
export const CustomerOrdersResponse = z.object({
  customer_id: z.string(),
  total: z.number().int(),
  orders: z.array(CustomerOrderBody),
});
export type CustomerOrdersResponse = z.infer<typeof CustomerOrdersResponse>;

/**
 * `GET /v1/customers/:id/events`: the customer's event timeline, newest first, a page at a time
 * (`before` is the `next_before` of the previous page); `type` keeps one event type.
 */
export const CustomerEventsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().min(1).max(300).exactOptional(),
  type: z.string().min(1).max(100).exactOptional(),
});

export const CustomerEventBody = z.object({
  id: z.string(),
  type: z.string(),
  occurred_at: z.string(),
  properties: z.record(z.string(), z.unknown()),
});
export type CustomerEventBody = z.infer<typeof CustomerEventBody>;

export const CustomerEventsResponse = z.object({
  customer_id: z.string(),
  events: z.array(CustomerEventBody),
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_before: z.string().nullable(),
});
export type CustomerEventsResponse = z.infer<typeof CustomerEventsResponse>;

/** `GET /v1/config` and `PUT /v1/config/:name`: every store setting that has a value (names: @strata/core configNames). */
export const ConfigResponse = z.object({ settings: z.record(z.string(), z.string()) });
export type ConfigResponse = z.infer<typeof ConfigResponse>;
