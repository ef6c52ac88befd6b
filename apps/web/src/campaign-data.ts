import {
  CampaignBody,
  CampaignListResponse,
  CampaignPlanBody,
  CampaignResultsBody,
  CampaignStartResponse,
  MessagePreviewBody,
} from '@strata/api';
import type { Channel } from '@strata/core';
import { call, seg } from './api.js';

/*
 * The campaign pages' reads and writes (the server's campaign-routes.ts, docs/campaigns.md):
 * the list, a draft from the form, the dry run, a preview for one customer, start, and results.
 */

export type Campaign = CampaignBody;

/** What the new-campaign form asks for. */
export interface CampaignDraft {
  name: string;
  /** Saved segments (names or ids): someone in two gets one message. */
  include: string[];
  channel: Channel;
  subject: string;
  text: string;
  /** Between 0 and 0.5. */
  holdoutShare: number;
}

/** The campaign definition the server checks (templates too: a typo is refused with its field). */
export const toCampaignDefinition = (d: CampaignDraft) => ({
  name: d.name,
  audience: { include: d.include },
  message: { channel: d.channel, ...(d.channel === 'email' ? { subject: d.subject } : {}), text: d.text },
  holdoutShare: d.holdoutShare,
});

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
