import { z } from 'zod';
import { Questionnaire } from '@strata/core';

/**
 * Tags by hand, tracked content links and questionnaires over HTTP. The tag texts, link fields
 * and questionnaire definitions are checked by @strata/engagement (the same messages as on the
 * store file); these schemas fix the shapes.
 */

export const CustomerTagBody = z.object({
  tag: z.string(),
  source: z.string(),
  assigned_by: z.string(),
  assigned_at: z.string(),
});

/** `POST /v1/customers/:id/tags`; `by` names who adds them (kept as the tags' assigned_by; default `api`). */
export const TagsAddRequest = z.object({
  tags: z.array(z.string()).min(1).max(100),
  by: z.string().trim().min(1).max(200).exactOptional(),
});

/** `GET /v1/customers/:id/tags`; adding answers `added`, removing `removed` as well. */
export const TagsResponse = z.object({
  customer_id: z.string(),
  tags: z.array(CustomerTagBody),
  added: z.array(z.string()).exactOptional(),
  removed: z.array(z.string()).exactOptional(),
});
export type TagsResponse = z.infer<typeof TagsResponse>;

/** `POST /v1/content/links`: a tracked link for one recipient. */
export const ContentLinkRequest = z.object({
  customer: z.string(),
  url: z.string(),
  topic: z.string(),
  content_id: z.string().exactOptional(),
  send_id: z.string().exactOptional(),
  dwell: z.boolean().exactOptional(),
});
export type ContentLinkRequest = z.infer<typeof ContentLinkRequest>;

/** A link made for a customer; `warning` when the server has no public_url and used its own address. */
export const LinkResponse = z.object({
  url: z.string(),
  customer_id: z.string(),
  warning: z.string().exactOptional(),
});
export type LinkResponse = z.infer<typeof LinkResponse>;

/** `POST /v1/content/dwell` (a page's beacon; the body may come as text/plain). */
export const DwellRequest = z.object({
  view: z.string().min(1).max(500),
  seconds: z.number().min(0).max(86_400),
});
export const DwellResponse = z.object({ dwell_seconds: z.number() });

export const QuestionnaireBody = Questionnaire;
export const QuestionnaireSavedResponse = z.object({ questionnaire: Questionnaire, created: z.boolean() });
export type QuestionnaireSavedResponse = z.infer<typeof QuestionnaireSavedResponse>;
export const QuestionnaireListResponse = z.object({
  questionnaires: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      questions: z.number().int(),
      created_at: z.string(),
      updated_at: z.string(),
    }),
  ),
});

/** `POST /v1/questionnaires/:id/links`: the questionnaire's page for one recipient. */
export const QuestionnaireLinkRequest = z.object({
  customer: z.string(),
  send_id: z.string().exactOptional(),
});
