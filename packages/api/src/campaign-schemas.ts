import { z } from 'zod';
import {
  campaignStatuses,
  messageLogStatuses,
  resultBreakdowns,
  sendReasons,
  type CampaignStatus,
  type ResultBreakdown,
} from '@strata/core';

/**
 * Campaigns over HTTP: what the routes take and answer. A campaign's definition itself is checked
 * by the server with @strata/campaigns' schema (each mistake named by its field, templates against
 * the store's fields); here it travels as a JSON object, so this package stays browser-safe.
 */

/** A campaign id people may choose (`POST /v1/campaigns` with `id`); the server makes one otherwise. */
export const CampaignId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (up to 64, starting with a letter or digit)');

const definition = z.record(z.string(), z.unknown());

/** `POST /v1/campaigns` and `PATCH /v1/campaigns/:id`: a campaign definition (docs/campaigns.md), `id` optional on create. */
export const CampaignWriteRequest = z.looseObject({ id: CampaignId.exactOptional() });

export const CampaignStatusName = z.enum(campaignStatuses as [CampaignStatus, ...CampaignStatus[]]);

export const CampaignBody = z.object({
  id: z.string(),
  name: z.string(),
  status: CampaignStatusName,
  definition,
  created_at: z.string(),
  updated_at: z.string(),
  started_at: z.string().nullable(),
});
export type CampaignBody = z.infer<typeof CampaignBody>;

export const CampaignListResponse = z.object({ campaigns: z.array(CampaignBody) });
export type CampaignListResponse = z.infer<typeof CampaignListResponse>;

const reasonCounts = z.partialRecord(z.enum(sendReasons), z.number().int());

/** `POST /v1/campaigns/:id/plan`: the dry run — what starting now would do, counted by reason. */
export const CampaignPlanBody = z.object({
  campaignId: z.string(),
  at: z.string(),
  audience: z.number().int(),
  counts: reasonCounts,
  wouldSend: z.number().int(),
  firstDueAt: z.string().nullable(),
  lastDueAt: z.string().nullable(),
  coupons: z.object({ needed: z.number().int(), available: z.number().int().nullable() }).exactOptional(),
});
export type CampaignPlanBody = z.infer<typeof CampaignPlanBody>;

export const CampaignStartResponse = z.object({ campaign: CampaignBody, queued: z.number().int() });

export const CampaignReportBody = z.object({
  campaign: CampaignBody,
  byStatus: z.record(z.string(), z.number().int()),
  byReason: z.record(z.string(), z.number().int()),
  nextDueAt: z.string().nullable(),
});
export type CampaignReportBody = z.infer<typeof CampaignReportBody>;

/** A 95% interval; unbounded ends (too few customers for Welch) travel as null. */
const IntervalBody = z.object({ estimate: z.number(), lower: z.number().nullable(), upper: z.number().nullable() });

export const UpliftBody = z.object({
  conversionRate: IntervalBody,
  revenuePerRecipient: IntervalBody.extend({ df: z.number().nullable() }),
  significant: z.boolean(),
  moreRecipientsNeeded: z.number().int().nullable(),
  verdict: z.string(),
});

/** What results can be broken down by (core's ResultBreakdown). */
export const ResultBreakdownName = z.enum(resultBreakdowns as [ResultBreakdown, ...ResultBreakdown[]]);

/** `GET /v1/campaigns/:id/results` query: `by` a breakdown; `segments` (comma-separated) saved segments to add to `by=segment`. */
export const CampaignResultsQuery = z.object({
  by: ResultBreakdownName.exactOptional(),
  segments: z
    .string()
    .max(2_000)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .exactOptional(),
});
export type CampaignResultsQuery = z.input<typeof CampaignResultsQuery>;

/** One group of a breakdown: the totals' measures within it (see @strata/campaigns results-breakdown.ts). */
export const ResultGroupBody = z.object({
  group: z.string(),
  name: z.string(),
  audience: z.number().int(),
  heldOut: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  recipients: z.number().int(),
  converted: z.number().int(),
  orders: z.number().int(),
  revenue: z.number(),
  revenuePerRecipient: z.number(),
  conversionRate: z.number(),
  holdout: z.object({
    customers: z.number().int(),
    converted: z.number().int(),
    revenue: z.number(),
    revenuePerCustomer: z.number(),
    conversionRate: z.number(),
  }),
  uplift: UpliftBody.nullable(),
});
export type ResultGroupBody = z.infer<typeof ResultGroupBody>;

export const ResultsBreakdownBody = z.object({
  by: ResultBreakdownName,
  basis: z.string(),
  groups: z.array(ResultGroupBody),
});
export type ResultsBreakdownBody = z.infer<typeof ResultsBreakdownBody>;

/** `GET /v1/campaigns/:id/results`: funnel, attributed revenue and uplift over the holdout (see @strata/campaigns results.ts). */
export const CampaignResultsBody = z.object({
  campaign: z.object({ id: z.string(), name: z.string(), status: z.string(), started_at: z.string().nullable() }),
  windowDays: z.record(z.string(), z.number()),
  audience: z.number().int(),
  heldOut: z.number().int(),
  excluded: z.record(z.string(), z.number().int()),
  sent: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
  opened: z.number().int(),
  clicked: z.number().int(),
  unsubscribed: z.number().int(),
  recipients: z.number().int(),
  converted: z.number().int(),
  orders: z.number().int(),
  revenue: z.number(),
  revenuePerRecipient: z.number(),
  holdout: z.object({
    customers: z.number().int(),
    converted: z.number().int(),
    revenue: z.number(),
    revenuePerCustomer: z.number(),
  }),
  uplift: UpliftBody,
  /** With `?by=`: the same measures by group. */
  breakdown: ResultsBreakdownBody.exactOptional(),
});
export type CampaignResultsBody = z.infer<typeof CampaignResultsBody>;

/** `GET /v1/campaigns/:id/messages` and `GET /v1/customers/:id/messages`: keyset pages in send-id order. */
export const MessageLogQuery = z.object({
  /** The `next_after` of the previous page. */
  after: z.string().min(1).max(200).exactOptional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});

export const MessageLogEntryBody = z.object({
  id: z.string(),
  campaign_id: z.string(),
  step: z.string(),
  customer_id: z.string(),
  channel: z.string(),
  status: z.enum(messageLogStatuses as [string, ...string[]]),
  reason: z.enum(sendReasons).nullable(),
  due_at: z.string(),
  attempts: z.number().int(),
  sent_at: z.string().nullable(),
  provider_id: z.string().nullable(),
  failure: z.string().nullable(),
  error: z.string().nullable(),
  address: z.string().nullable(),
  coupon: z.string().nullable(),
});
export type MessageLogEntryBody = z.infer<typeof MessageLogEntryBody>;

export const MessageLogResponse = z.object({
  messages: z.array(MessageLogEntryBody),
  /** Pass as `after` for the next page; null on the last page. */
  next_after: z.string().nullable(),
});
export type MessageLogResponse = z.infer<typeof MessageLogResponse>;

/** `POST /v1/campaigns/:id/preview`: the message one customer would get, rendered now (nothing sent). */
export const CampaignPreviewRequest = z.object({ customer: z.string().trim().min(1, 'name a customer id').max(200) });

export const MessagePreviewBody = z.object({
  id: z.string(),
  channel: z.string(),
  customerId: z.string(),
  to: z.string(),
  subject: z.string().exactOptional(),
  text: z.string(),
  html: z.string().exactOptional(),
  headers: z.record(z.string(), z.string()).exactOptional(),
  template: z
    .object({ name: z.string(), language: z.string(), parameters: z.array(z.string()).readonly() })
    .exactOptional(),
});
export type MessagePreviewBody = z.infer<typeof MessagePreviewBody>;

/** `POST /v1/campaigns/:id/coupons` (a text body, one code a line): codes added, codes stored before, bad lines. */
export const CouponImportBody = z.object({
  added: z.number().int(),
  existing: z.number().int(),
  rejected: z.array(
    z.object({ line: z.number().int().exactOptional(), field: z.string().exactOptional(), message: z.string() }),
  ),
});
export type CouponImportBody = z.infer<typeof CouponImportBody>;

/** `GET /v1/coupons/:code` (and the answer of a redemption): whose code, from which campaign, given when, used or not. */
export const CouponBody = z.object({
  code: z.string(),
  campaign_id: z.string(),
  campaign_name: z.string(),
  customer_id: z.string().nullable(),
  message_id: z.string().nullable(),
  issued_at: z.string().nullable(),
  redeemed: z.boolean(),
  redemption: z
    .object({ at: z.string(), order_id: z.string().nullable(), source: z.enum(['reported', 'order']) })
    .nullable(),
});
export type CouponBody = z.infer<typeof CouponBody>;

/** `POST /v1/coupons/:code/redeem`: the order the code was used in, when the till knows it. */
export const CouponRedeemRequest = z.object({ order_id: z.string().trim().min(1).max(200).exactOptional() });
export type CouponRedeemRequest = z.infer<typeof CouponRedeemRequest>;

/** `POST /v1/campaigns/templates/check`: one Liquid text (an HTML body when `html`), checked as it is typed. */
export const TemplateCheckRequest = z.object({ text: z.string().max(500_000), html: z.boolean().default(false) });

/** Its problems, each at the characters it names (UTF-16 offsets, end exclusive), with line and column from 1. */
export const TemplateCheckBody = z.object({
  diagnostics: z.array(
    z.object({
      message: z.string(),
      line: z.number().int(),
      column: z.number().int(),
      span: z.object({ start: z.number().int(), end: z.number().int() }),
    }),
  ),
});
export type TemplateCheckBody = z.infer<typeof TemplateCheckBody>;
