import {
  CampaignBody,
  CampaignListResponse,
  CampaignPlanBody,
  CampaignResultsBody,
  CampaignStartResponse,
  MessagePreviewBody,
  SegmentMembersResponse,
  TemplateCheckBody,
} from '@strata/api';
import type { Channel } from '@strata/core';
import { call, seg } from './api.js';

/*
 * The campaign pages' reads and writes (the server's campaign-routes.ts, docs/campaigns.md):
 * the list, a draft from the form, the dry run, a preview for one customer, start, and results.
 */

export type Campaign = CampaignBody;

/** When the messages go (the campaigns package's CampaignSchedule, as the form offers it). */
export type DraftSchedule =
  | { kind: 'now' }
  /** One moment for everyone (an ISO timestamp). */
  | { kind: 'at'; at: string }
  /** An hour of each customer's own day, in their time zone (the store's for those without one). */
  | { kind: 'local_hour'; hour: number };

/** A code of their own for each recipient: made by Strata, or imported from the shop system. */
export type DraftCoupons = { source: 'generated'; prefix: string; length: number } | { source: 'imported' };

/** What the new-campaign form asks for. */
export interface CampaignDraft {
  /** The id it will be saved under (the dry run draws the holdout by it, so the numbers stay once saved). */
  id?: string;
  name: string;
  /** Saved segments (names or ids): someone in two gets one message. */
  include: string[];
  /** Saved segments left out, even when included. */
  exclude?: string[];
  channel: Channel;
  subject: string;
  text: string;
  /** Between 0 and 0.5. */
  holdoutShare: number;
  schedule?: DraftSchedule;
  coupons?: DraftCoupons;
  /** The store's time zone, for customers without one of their own. */
  storeTimeZone?: string;
}

/** The campaign definition the server checks (templates too: a typo is refused with its field). */
export const toCampaignDefinition = (d: CampaignDraft) => ({
  ...(d.id ? { id: d.id } : {}),
  name: d.name,
  audience: { include: d.include, exclude: d.exclude ?? [] },
  message: { channel: d.channel, ...(d.channel === 'email' ? { subject: d.subject } : {}), text: d.text },
  holdoutShare: d.holdoutShare,
  ...(d.schedule ? { schedule: d.schedule } : {}),
  ...(d.coupons ? { coupons: d.coupons } : {}),
  ...(d.storeTimeZone ? { storeTimeZone: d.storeTimeZone } : {}),
});

/** Up to 20 members of each of the audience's segments, for choosing whom to preview. */
export async function audienceSample(segments: readonly string[]): Promise<string[]> {
  const pages = await Promise.all(
    segments.map((s) => call(SegmentMembersResponse, `/v1/segments/${seg(s)}/members?limit=20`).catch(() => undefined)),
  );
  return [...new Set(pages.flatMap((p) => p?.members ?? []))];
}

/** The dry run of the form as it stands (nothing saved). */
export const dryRunDraft = (d: CampaignDraft, signal?: AbortSignal) =>
  call(CampaignPlanBody, '/v1/campaigns/dry-run', {
    method: 'POST',
    body: toCampaignDefinition(d),
    ...(signal ? { signal } : {}),
  });
/** One Liquid text's problems, each at its characters. */
export const checkTemplate = (text: string, signal?: AbortSignal) =>
  call(TemplateCheckBody, '/v1/campaigns/templates/check', {
    method: 'POST',
    body: { text },
    ...(signal ? { signal } : {}),
  }).then((r) => r.diagnostics);
export type TemplateDiagnostic = TemplateCheckBody['diagnostics'][number];

export const listCampaigns = () => call(CampaignListResponse, '/v1/campaigns').then((r) => r.campaigns);
export const getCampaign = (id: string) => call(CampaignBody, `/v1/campaigns/${seg(id)}`);
export const createCampaign = (d: CampaignDraft) =>
  call(CampaignBody, '/v1/campaigns', { method: 'POST', body: toCampaignDefinition(d) });
export const planCampaign = (id: string) => call(CampaignPlanBody, `/v1/campaigns/${seg(id)}/plan`, { method: 'POST' });
export const previewCampaign = (id: string, customer: string) =>
  call(MessagePreviewBody, `/v1/campaigns/${seg(id)}/preview`, { method: 'POST', body: { customer } });
export const startCampaign = (id: string) =>
  call(CampaignStartResponse, `/v1/campaigns/${seg(id)}/start`, { method: 'POST' });
export const pauseCampaign = (id: string) => call(CampaignBody, `/v1/campaigns/${seg(id)}/pause`, { method: 'POST' });
export const campaignResults = (id: string) => call(CampaignResultsBody, `/v1/campaigns/${seg(id)}/results`);
