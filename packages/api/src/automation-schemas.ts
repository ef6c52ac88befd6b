import { z } from 'zod';
import { UpliftBody } from './campaign-schemas.js';

/**
 * Automations and tag rules over HTTP: what the routes answer. An automation's definition is
 * checked by the server with @strata/automations' schema (each mistake named by its field); here it
 * travels as a JSON object, so this package stays browser-safe.
 */

export const AutomationBody = z.object({
  id: z.string(),
  name: z.string(),
  /** active | paused */
  status: z.string(),
  definition: z.record(z.string(), z.unknown()),
  after_seq: z.number(),
  after_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type AutomationBody = z.infer<typeof AutomationBody>;

export const AutomationListResponse = z.object({ automations: z.array(AutomationBody) });

/** `POST /v1/automations/playbooks/:name`: what a ready playbook can be told. */
export interface PlaybookInstallBody {
  id?: string;
  shop_name?: string;
  channel?: 'email' | 'sms';
  discount_percent?: number;
  reentry_days?: number;
  holdout_share?: number;
  /** The playbook's own parameters (docs/automations.md). */
  params?: Record<string, unknown>;
}

/** `GET /v1/automations/playbooks`: the ready playbooks a shop can install, for the dashboard's gallery. */
export const PlaybookListResponse = z.object({
  playbooks: z.array(z.object({ name: z.string(), title: z.string(), description: z.string() })),
});
export type PlaybookListResponse = z.infer<typeof PlaybookListResponse>;

/** One customer's pass through an automation. */
export const AutomationRunBody = z.object({
  automation_id: z.string(),
  customer_id: z.string(),
  entry: z.number().int(),
  entered_at: z.string(),
  /** The next step's name; null once finished. */
  step: z.string().nullable(),
  due_at: z.string().nullable(),
  /** active | completed | goal | exited | held_out */
  status: z.string(),
  finished_at: z.string().nullable(),
});
export type AutomationRunBody = z.infer<typeof AutomationRunBody>;
export const AutomationRunsResponse = z.object({ runs: z.array(AutomationRunBody) });

/** A tag that follows a saved segment (`POST /v1/tags/rules` with `{ tag, segment }`). */
export const TagRuleBody = z.object({
  tag: z.string(),
  segment_id: z.string(),
  after_seq: z.number(),
  created_at: z.string(),
});
export type TagRuleBody = z.infer<typeof TagRuleBody>;
export const TagRuleListResponse = z.object({ rules: z.array(TagRuleBody) });

export const TagHistoryEntryBody = z.object({
  tag: z.string(),
  customer_id: z.string(),
  /** added | removed */
  action: z.string(),
  at: z.string(),
  ref: z.string(),
});
export type TagHistoryEntryBody = z.infer<typeof TagHistoryEntryBody>;
export const TagHistoryResponse = z.object({ history: z.array(TagHistoryEntryBody) });

/** The measures of a group of recipients against the automation's holdout. */
const AutomationMeasuresBody = z.object({
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
  uplift: UpliftBody,
});

/** `GET /v1/automations/:id/results`: in total and per send step (@strata/automations' automationResults). */
export const AutomationResultsBody = z.object({
  automation: z.object({ id: z.string(), name: z.string(), status: z.string() }),
  runs: z.number().int(),
  heldOutRuns: z.number().int(),
  total: AutomationMeasuresBody,
  steps: z.array(
    AutomationMeasuresBody.extend({
      step: z.string(),
      campaignId: z.string(),
      funnel: z.object({
        audience: z.number().int(),
        heldOut: z.number().int(),
        excluded: z.record(z.string(), z.number().int()),
        sent: z.number().int(),
        delivered: z.number().int(),
        failed: z.number().int(),
        opened: z.number().int(),
        clicked: z.number().int(),
        unsubscribed: z.number().int(),
      }),
      medianSecondsFromEntry: z.number().nullable(),
    }),
  ),
});
export type AutomationResultsBody = z.infer<typeof AutomationResultsBody>;
