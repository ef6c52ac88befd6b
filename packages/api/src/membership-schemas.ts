import { z } from 'zod';
import { SegmentChange } from '@strata/core';

/**
 * Segment history and signals over HTTP: a segment's entries and exits, its daily sizes, a
 * customer's segments now or in the past, the change stream's options, and outgoing webhook
 * subscriptions. Each change has the one shape of @strata/core's SegmentChange, wherever it is read.
 */

/** A time as the API takes it: ISO 8601, or a date alone (its meaning is given per parameter). */
const time = z.string().min(1).max(64);
const seq = z.coerce.number().int().min(0);

/** `GET /v1/segments/:id/history` query parameters. */
export const SegmentHistoryQuery = z.object({
  /** Only changes after this seq (the `next_after` of the previous page). */
  after: seq.exactOptional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Changes at or after this time; a date alone is the start of that day (UTC). */
  since: time.exactOptional(),
  /** Changes at or before this time; a date alone is the end of that day (UTC). */
  until: time.exactOptional(),
});

export const SegmentHistoryResponse = z.object({
  segment_id: z.string(),
  changes: z.array(SegmentChange),
  /** Pass as `after` for the next page; null when this page is the last one for now. */
  next_after: z.number().int().nullable(),
});
export type SegmentHistoryResponse = z.infer<typeof SegmentHistoryResponse>;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day as YYYY-MM-DD');

/** `GET /v1/segments/:id/sizes`: days (UTC) from `from` to `to`; default the 30 days up to today. */
export const SegmentSizesQuery = z.object({ from: day.exactOptional(), to: day.exactOptional() });

export const SegmentSizesResponse = z.object({
  segment_id: z.string(),
  /** Members now. */
  members: z.number().int(),
  /** The size at the end of each day (today: now), from the first day with members recorded. */
  sizes: z.array(z.object({ day: z.string(), size: z.number().int() })),
});
export type SegmentSizesResponse = z.infer<typeof SegmentSizesResponse>;

/** `GET /v1/customers/:id/segments?at=`: a date alone is the end of that day (UTC). */
export const CustomerSegmentsQuery = z.object({ at: time.exactOptional() });

export const CustomerSegmentsResponse = z.object({
  /** The customer the id resolves to (a merged customer's id gives the customer it was merged into). */
  customer_id: z.string(),
  /** The time asked about; null: now. */
  at: z.string().nullable(),
  segments: z.array(z.object({ segment_id: z.string(), segment_name: z.string().nullable(), entered_at: z.string() })),
});
export type CustomerSegmentsResponse = z.infer<typeof CustomerSegmentsResponse>;

/** `GET /v1/customers/:id/segments/history`: newest first; `before` is the `next_before` of the previous page. */
export const CustomerSegmentHistoryQuery = z.object({
  before: seq.exactOptional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

export const CustomerSegmentHistoryResponse = z.object({
  customer_id: z.string(),
  changes: z.array(SegmentChange),
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_before: z.number().int().nullable(),
});
export type CustomerSegmentHistoryResponse = z.infer<typeof CustomerSegmentHistoryResponse>;

/**
 * `GET /v1/changes/stream` query parameters: where to start when no Last-Event-ID header is sent
 * (default: only changes from now on), and `segment` (repeatable) to follow only some segments.
 */
export const ChangeStreamQuery = z.object({ after: seq.exactOptional() });

export const WebhookSubscriptionRequest = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2000),
  /** Saved segment ids to follow; absent: every segment. */
  segments: z.array(z.string().min(1).max(200)).min(1).max(1000).exactOptional(),
});
export type WebhookSubscriptionRequest = z.infer<typeof WebhookSubscriptionRequest>;

export const WebhookSubscriptionBody = z.object({
  id: z.string(),
  url: z.string(),
  segments: z.array(z.string()).nullable(),
  created_at: z.string(),
  /** Every change up to this seq has been delivered (or was recorded before the subscription). */
  delivered_through: z.number().int(),
});

/** The answer to `POST /v1/webhooks/subscriptions`: the only one that shows the secret. */
export const WebhookSubscriptionCreated = WebhookSubscriptionBody.extend({ secret: z.string() });
export type WebhookSubscriptionCreated = z.infer<typeof WebhookSubscriptionCreated>;

export const WebhookSubscriptionsResponse = z.object({
  subscriptions: z.array(
    WebhookSubscriptionBody.extend({
      pending: z
        .object({
          first_seq: z.number().int(),
          last_seq: z.number().int(),
          attempts: z.number().int(),
          next_attempt_at: z.string(),
          last_error: z.string().nullable(),
        })
        .nullable(),
      /** Deliveries given up after the last attempt. */
      failed: z.number().int(),
    }),
  ),
});
export type WebhookSubscriptionsResponse = z.infer<typeof WebhookSubscriptionsResponse>;
