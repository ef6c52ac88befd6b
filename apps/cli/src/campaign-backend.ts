import type {
  CampaignBody,
  CampaignClient,
  CampaignPlanBody,
  CampaignReportBody,
  CampaignResultsBody,
  CouponBody,
  CouponImportBody,
  MessageLogResponse,
  MessagePreviewBody,
  ResultsAsk,
} from '@strata/api';
import type { CampaignService } from '@strata/server';

/** A page of the message log: after the `next_after` of the previous page. */
export interface MessagePageAsk {
  after?: string;
  limit: number;
}

/**
 * What `strata campaign …` and `strata coupons …` ask of a store: straight on the file
 * (CampaignService, as the server's routes use it) or through the running server's API. Either
 * way the work and its errors are CampaignService's, so both answer alike.
 */
export interface CampaignBackend {
  create(definition: Record<string, unknown>): Promise<CampaignBody>;
  update(id: string, definition: Record<string, unknown>): Promise<CampaignBody>;
  list(): Promise<CampaignBody[]>;
  get(id: string): Promise<CampaignBody>;
  plan(id: string): Promise<CampaignPlanBody>;
  start(id: string): Promise<{ campaign: CampaignBody; queued: number }>;
  pause(id: string): Promise<CampaignBody>;
  report(id: string): Promise<CampaignReportBody>;
  results(id: string, ask?: ResultsAsk): Promise<CampaignResultsBody>;
  messages(filter: { campaign: string } | { customer: string }, page: MessagePageAsk): Promise<MessageLogResponse>;
  preview(id: string, customer: string): Promise<MessagePreviewBody>;
  importCoupons(id: string, text: string): Promise<CouponImportBody>;
  coupon(code: string): Promise<CouponBody>;
}

/** On the store file: the service the server's routes call. */
export function localCampaigns(service: CampaignService): CampaignBackend {
  return {
    create: (d) => service.create(d),
    update: (id, d) => service.update(id, d),
    list: () => service.list(),
    get: (id) => service.get(id),
    plan: (id) => service.plan(id),
    start: (id) => service.start(id),
    pause: (id) => service.pause(id),
    report: (id) => service.report(id),
    results: (id, ask) => service.results(id, ask),
    messages: (f, page) =>
      service.messages('campaign' in f ? { campaignId: f.campaign } : { customerId: f.customer }, page),
    preview: (id, customer) => service.preview(id, customer),
    importCoupons: (id, text) => service.importCoupons(id, text),
    coupon: (code) => service.coupon(code),
  };
}

/** Through the running server's API. */
export function serverCampaigns(api: CampaignClient): CampaignBackend {
  return {
    create: (d) => api.create(d),
    update: (id, d) => api.update(id, d),
    list: () => api.list(),
    get: (id) => api.get(id),
    plan: (id) => api.plan(id),
    start: (id) => api.start(id),
    pause: (id) => api.pause(id),
    report: (id) => api.report(id),
    results: (id, ask) => api.results(id, ask),
    messages: (f, page) => ('campaign' in f ? api.messages(f.campaign, page) : api.customerMessages(f.customer, page)),
    preview: (id, customer) => api.preview(id, customer),
    importCoupons: (id, text) => api.importCoupons(id, text),
    coupon: (code) => api.coupon(code),
  };
}
