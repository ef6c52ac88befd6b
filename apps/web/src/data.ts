import { z } from 'zod';
import {
  ProfilesSummaryResponse,
  ReportBody,
  SavedSegmentBody,
  SegmentListResponse,
  SegmentPreviewResponse,
} from '@strata/api';
import { call, seg } from './api.js';
import { numberOf, periodQuery, tableOf, type Period } from './report-data.js';

/*
 * The reads and writes of the overview and the segment pages, in one module: when the server grows
 * a route that answers a page better (the overview report), only this file changes. The customer
 * page's are in customer-data.ts, loaded with that page.
 */

export interface Overview {
  /** When the numbers were measured (the last profile run), or null before the first run. */
  asOf: string | null;
  customers: number;
  buyers: number;
  orders: number;
  revenue: number;
  /** Average order value: revenue ÷ orders; null without orders. */
  aov: number | null;
  /** Share of buyers with more than one order in the period; null without buyers. */
  repeatRate: number | null;
  lifecycle: Record<string, number>;
  rfmSegments: Record<string, number>;
  /** Buyers per recency score (rows: 5 first) and frequency score (columns: 1 first). */
  rfmGrid: number[][];
  valueTiers: Record<string, number>;
  churnRisk: Record<string, number>;
  /** Customers per value tier × churn risk. */
  valueRisk: ProfilesSummaryResponse['valueRisk'];
  /** The overview report itself (cohorts, revenue by country, shop, brand, age group; docs/reports.md). */
  report: ReportBody;
}

/**
 * The overview: order figures for the period from the overview report (`GET /v1/reports/overview`),
 * the RFM grid by frequency score, value tiers and churn risk from the profiles' summary (the report
 * has no value tiers or churn risk, and its grid is by recency × FM).
 */
export async function loadOverview(period: Period, signal?: AbortSignal): Promise<Overview> {
  const opts = signal ? { signal } : {};
  const [report, summary] = await Promise.all([
    call(ReportBody, `/v1/reports/overview${periodQuery(period)}`, opts),
    call(ProfilesSummaryResponse, '/v1/profiles/summary', opts),
  ]);
  const totals = tableOf(report, 'totals').rows[0];
  return {
    asOf: summary.run?.as_of ?? null,
    customers: numberOf(totals, 'customers') ?? summary.customers,
    buyers: numberOf(totals, 'buyers') ?? 0,
    orders: numberOf(totals, 'orders') ?? 0,
    revenue: numberOf(totals, 'revenue') ?? 0,
    aov: numberOf(totals, 'aov'),
    repeatRate: numberOf(totals, 'repeat_rate'),
    lifecycle: summary.lifecycle,
    rfmSegments: summary.rfmSegments,
    rfmGrid: summary.rfmGrid,
    valueTiers: summary.valueTiers,
    churnRisk: summary.churnRisk,
    valueRisk: summary.valueRisk,
    report,
  };
}

/** An unsaved query evaluated by the server: its count and one page of members. */
export const previewSegment = (text: string, page: { limit: number; offset: number }, signal?: AbortSignal) =>
  call(SegmentPreviewResponse, '/v1/segments/preview', {
    method: 'POST',
    body: { text, limit: page.limit, offset: page.offset },
    ...(signal ? { signal } : {}),
  });

export const listSegments = () => call(SegmentListResponse, '/v1/segments');
export const getSegment = (id: string) => call(SavedSegmentBody, `/v1/segments/${seg(id)}`);
export const segmentCount = (id: string) =>
  call(z.object({ count: z.number() }), `/v1/segments/${seg(id)}/count`).then((r) => r.count);
export const saveSegment = (s: { id?: string; name: string; text: string; description?: string }) =>
  s.id === undefined
    ? call(SavedSegmentBody, '/v1/segments', {
        method: 'POST',
        body: { name: s.name, text: s.text, ...(s.description !== undefined ? { description: s.description } : {}) },
      })
    : call(SavedSegmentBody, `/v1/segments/${seg(s.id)}`, {
        method: 'PUT',
        body: { name: s.name, text: s.text, ...(s.description !== undefined ? { description: s.description } : {}) },
      });
