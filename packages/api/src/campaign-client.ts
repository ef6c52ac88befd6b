import {
  CampaignBody,
  CampaignListResponse,
  CampaignPlanBody,
  CampaignReportBody,
  CampaignResultsBody,
  CampaignStartResponse,
  CouponBody,
  CouponImportBody,
  MessageLogResponse,
  MessagePreviewBody,
} from './campaign-schemas.js';
import type { ApiClient } from './client.js';
import type { ResultBreakdown } from '@strata/core';

/** A page of the message log: after the `next_after` of the previous page. */
export interface MessagePage {
  after?: string;
  limit?: number;
}

const id = (s: string) => encodeURIComponent(s);
const pageQuery = (p: MessagePage) => {
  const q = new URLSearchParams();
  if (p.after !== undefined) q.set('after', p.after);
  if (p.limit !== undefined) q.set('limit', String(p.limit));
  const s = q.toString();
  return s ? `?${s}` : '';
};

/** Results broken down `by` a group; `segments` saved segments added to a breakdown by segment. */
export interface ResultsAsk {
  by?: ResultBreakdown;
  segments?: readonly string[];
}

const resultsQuery = (ask: ResultsAsk) => {
  const q = new URLSearchParams();
  if (ask.by !== undefined) q.set('by', ask.by);
  if (ask.segments?.length) q.set('segments', ask.segments.join(','));
  const s = q.toString();
  return s ? `?${s}` : '';
};

/** The campaign routes (`/v1/campaigns`, the message log) as typed calls on an ApiClient. */
export class CampaignClient {
  constructor(private readonly api: ApiClient) {}

  create = (definition: Record<string, unknown>) =>
    this.api.call(CampaignBody, '/v1/campaigns', { method: 'POST', body: definition });
  list = async () => (await this.api.call(CampaignListResponse, '/v1/campaigns')).campaigns;
  get = (campaign: string) => this.api.call(CampaignBody, `/v1/campaigns/${id(campaign)}`);
  update = (campaign: string, definition: Record<string, unknown>) =>
    this.api.call(CampaignBody, `/v1/campaigns/${id(campaign)}`, { method: 'PATCH', body: definition });
  plan = (campaign: string) =>
    this.api.call(CampaignPlanBody, `/v1/campaigns/${id(campaign)}/plan`, { method: 'POST', body: {} });
  start = (campaign: string) =>
    this.api.call(CampaignStartResponse, `/v1/campaigns/${id(campaign)}/start`, { method: 'POST', body: {} });
  pause = (campaign: string) =>
    this.api.call(CampaignBody, `/v1/campaigns/${id(campaign)}/pause`, { method: 'POST', body: {} });
  report = (campaign: string) => this.api.call(CampaignReportBody, `/v1/campaigns/${id(campaign)}/report`);
  results = (campaign: string, ask: ResultsAsk = {}) =>
    this.api.call(CampaignResultsBody, `/v1/campaigns/${id(campaign)}/results${resultsQuery(ask)}`);
  messages = (campaign: string, page: MessagePage = {}) =>
    this.api.call(MessageLogResponse, `/v1/campaigns/${id(campaign)}/messages${pageQuery(page)}`);
  customerMessages = (customer: string, page: MessagePage = {}) =>
    this.api.call(MessageLogResponse, `/v1/customers/${id(customer)}/messages${pageQuery(page)}`);
  preview = (campaign: string, customer: string) =>
    this.api.call(MessagePreviewBody, `/v1/campaigns/${id(campaign)}/preview`, { method: 'POST', body: { customer } });
  /** Codes made in the shop system, one a line (the text of the file as it is). */
  importCoupons = (campaign: string, text: string) =>
    this.api.call(CouponImportBody, `/v1/campaigns/${id(campaign)}/coupons`, {
      method: 'POST',
      raw: new Blob([text], { type: 'text/plain; charset=utf-8' }),
    });
  /** A coupon code's state (whose, which campaign, issued when, redeemed or not). */
  coupon = (code: string) => this.api.call(CouponBody, `/v1/coupons/${id(code)}`);
  /** Marks a code used once (409 when it was used already). */
  redeemCoupon = (code: string, orderId?: string) =>
    this.api.call(CouponBody, `/v1/coupons/${id(code)}/redeem`, {
      method: 'POST',
      body: orderId !== undefined ? { order_id: orderId } : {},
    });
}
