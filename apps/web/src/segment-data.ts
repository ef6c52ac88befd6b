import { ReportBody, SegmentPreviewResponse, SegmentSizesResponse } from '@strata/api';
import { call, seg } from './api.js';
import { numberOf, tableOf, textOf } from './report-data.js';

/*
 * The reads of the segment pages beyond the builder's: a saved segment's size by day (what the live
 * engine records), its overlap with the other saved segments (the overlap report), a ready segment
 * filled with parameters, and the export files' addresses (docs/export.md).
 */

/** Days of size history a sparkline and the size chart show. */
export const HISTORY_DAYS = 30;

/** A saved segment's members now and its size at the end of each of the last days. */
export const segmentSizes = (id: string, signal?: AbortSignal) =>
  call(SegmentSizesResponse, `/v1/segments/${seg(id)}/sizes`, signal ? { signal } : {});

/** A ready segment with its parameters: the query it stands for, its count and a first page of members. */
export const previewReady = (ready: string, params: Record<string, string | number>, signal?: AbortSignal) =>
  call(SegmentPreviewResponse, '/v1/segments/preview', {
    method: 'POST',
    body: { ready, params, limit: 10, offset: 0 },
    ...(signal ? { signal } : {}),
  });

export interface OverlapRow {
  /** The other segment's name. */
  other: string;
  /** Members of both. */
  both: number;
  /** Share of this segment's members also in the other. */
  shareOfThis: number;
  /** Share of the other's members also in this one. */
  shareOfOther: number;
}

/**
 * How this segment's members are shared with each other saved segment (`GET
 * /v1/reports/overlap`, the 12 largest by default, this one always included), most shared first.
 */
export async function segmentOverlap(
  id: string,
  others: readonly string[],
  signal?: AbortSignal,
): Promise<OverlapRow[]> {
  const ids = [id, ...others.filter((o) => o !== id)].slice(0, 12);
  if (ids.length < 2) return [];
  const q = new URLSearchParams({ segments: ids.join(','), limit: '1' });
  const report = await call(ReportBody, `/v1/reports/overlap?${q.toString()}`, signal ? { signal } : {});
  const name = textOf(
    tableOf(report, 'segments').rows.find((r) => textOf(r, 'id') === id),
    'segment',
  );
  return tableOf(report, 'pairs')
    .rows.filter((r) => textOf(r, 'segment_a') === name || textOf(r, 'segment_b') === name)
    .map((r) => {
      const first = textOf(r, 'segment_a') === name;
      return {
        other: textOf(r, first ? 'segment_b' : 'segment_a'),
        both: numberOf(r, 'both') ?? 0,
        shareOfThis: numberOf(r, first ? 'share_of_a' : 'share_of_b') ?? 0,
        shareOfOther: numberOf(r, first ? 'share_of_b' : 'share_of_a') ?? 0,
      };
    })
    .sort((a, b) => b.both - a.both);
}

/** The export files a store owner downloads: the members as CSV, and hashed audiences for ad platforms. */
export const exportFiles = [
  { format: 'csv', label: 'Members (CSV)' },
  { format: 'meta', label: 'Meta audience (hashed)' },
  { format: 'google', label: 'Google audience (hashed)' },
] as const;

export const exportHref = (id: string, format: string) =>
  `/v1/segments/${seg(id)}/export?${new URLSearchParams({ format }).toString()}`;

/** A query that keeps the members of `text` whose email holds `search` (quotes and backslashes escaped). */
export const searchQuery = (text: string, search: string) =>
  search.trim() === ''
    ? text
    : `(${text}) and email contains "${search.trim().replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
