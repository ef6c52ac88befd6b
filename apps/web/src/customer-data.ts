import {
  AutomationListResponse,
  CampaignListResponse,
  CustomerEventsResponse,
  CustomerOrdersResponse,
  CustomerResponse,
  CustomerSegmentHistoryResponse,
  CustomerSegmentsResponse,
  MessageLogResponse,
  ProfileBody,
  SegmentExplanation,
  TagsResponse,
} from '@strata/api';
import { call, seg } from './api.js';

/*
 * What the customer page reads and changes. Apart from data.ts so that the schemas only this page
 * needs (tags and their questionnaire vocabulary) load with the page, not with the login page.
 */

export const customerProfile = (id: string) => call(ProfileBody, `/v1/customers/${seg(id)}/profile`);
export const customerRecord = (id: string) => call(CustomerResponse, `/v1/customers/${seg(id)}`);
export const customerOrders = (id: string) => call(CustomerOrdersResponse, `/v1/customers/${seg(id)}/orders?limit=50`);
export const customerTags = (id: string) => call(TagsResponse, `/v1/customers/${seg(id)}/tags`);
export const customerSegments = (id: string) => call(CustomerSegmentsResponse, `/v1/customers/${seg(id)}/segments`);
export const addTag = (id: string, tag: string, by: string) =>
  call(TagsResponse, `/v1/customers/${seg(id)}/tags`, { method: 'POST', body: { tags: [tag], by } });
export const removeTag = (id: string, tag: string) =>
  call(TagsResponse, `/v1/customers/${seg(id)}/tags/${seg(tag)}`, { method: 'DELETE' });

/** A page of the event timeline, newest first; `before` is the previous page's `next_before`. */
export const customerEvents = (id: string, before?: string, limit = 25) =>
  call(
    CustomerEventsResponse,
    `/v1/customers/${seg(id)}/events?${new URLSearchParams({ limit: String(limit), ...(before ? { before } : {}) }).toString()}`,
  );
/** Entries and exits of segments, newest first. */
export const customerSegmentHistory = (id: string, before?: number) =>
  call(
    CustomerSegmentHistoryResponse,
    `/v1/customers/${seg(id)}/segments/history?limit=50${before !== undefined ? `&before=${before}` : ''}`,
  );
/** The message log's entries for the customer (campaigns and automations). */
export const customerMessages = (id: string) =>
  call(MessageLogResponse, `/v1/customers/${seg(id)}/messages?limit=200`);
/** Why the customer is (or is not) in a saved segment: each condition, matched or not, with its reason. */
export const explainMembership = (segmentId: string, customer: string) =>
  call(SegmentExplanation, `/v1/segments/${seg(segmentId)}/explain/${seg(customer)}`);

/** Campaign and automation names by id, to name what sent each message. */
export async function senderNames(): Promise<Map<string, string>> {
  const [campaigns, automations] = await Promise.all([
    call(CampaignListResponse, '/v1/campaigns'),
    call(AutomationListResponse, '/v1/automations'),
  ]);
  return new Map([
    ...campaigns.campaigns.map((c) => [c.id, `campaign ${c.name}`] as const),
    ...automations.automations.map((a) => [a.id, `automation ${a.name}`] as const),
  ]);
}
