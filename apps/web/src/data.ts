import { z } from 'zod';
import {
  ProfilesSummaryResponse,
  SavedSegmentBody,
  SegmentListResponse,
  SegmentPreviewResponse,
  StatsResponse,
} from '@strata/api';
import { call, seg } from './api.js';

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
  /** Share of buyers with more than one order; null when the source does not tell. */
  repeatRate: number | null;
  lifecycle: Record<string, number>;
  rfmSegments: Record<string, number>;
  /** Buyers per recency score (rows: 5 first) and frequency score (columns: 1 first). */
  rfmGrid: number[][];
  valueTiers: Record<string, number>;
  churnRisk: Record<string, number>;
}

/** The overview, from the profiles' summary and the store's counts. */
export async function loadOverview(signal?: AbortSignal): Promise<Overview> {
  const opts = signal ? { signal } : {};
  const [summary, stats, repeaters] = await Promise.all([
    call(ProfilesSummaryResponse, '/v1/profiles/summary', opts),
    call(StatsResponse, '/v1/stats', opts),
    countOf('order_count >= 2', signal).catch(() => null),
  ]);
  return {
    asOf: summary.run?.as_of ?? null,
    customers: summary.customers,
    buyers: summary.buyers,
    orders: stats.counts.orders ?? 0,
    repeatRate: repeaters === null || summary.buyers === 0 ? null : repeaters / summary.buyers,
    lifecycle: summary.lifecycle,
    rfmSegments: summary.rfmSegments,
    rfmGrid: summary.rfmGrid,
    valueTiers: summary.valueTiers,
    churnRisk: summary.churnRisk,
  };
}

/** An unsaved query evaluated by the server: its count and one page of members. */
export const previewSegment = (text: string, page: { limit: number; offset: number }, signal?: AbortSignal) =>
  call(SegmentPreviewResponse, '/v1/segments/preview', {
    method: 'POST',
    body: { text, limit: page.limit, offset: page.offset },
    ...(signal ? { signal } : {}),
  });

async function countOf(text: string, signal?: AbortSignal): Promise<number> {
  return (await previewSegment(text, { limit: 1, offset: 0 }, signal)).count;
}

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
