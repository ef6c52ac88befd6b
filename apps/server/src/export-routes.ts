/*
 * Exports over HTTP: a saved segment (`GET /v1/segments/:id/export`), an unsaved query or ready
 * segment (`POST /v1/segments/export`), every profile (`GET /v1/profiles/export`). The store
 * writes the file first (see prepareExport); the counts go out in the X-Strata-Export header and
 * the file follows, read from disk only as fast as the client takes it, so memory stays flat
 * however large the segment.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { parseAsOf } from '@strata/core';
import { EXPORT_SUMMARY_HEADER, ExportQuery, SegmentExportRequest } from '@strata/api';
import { everyone, fileExtensions, prepareExport, type PreparedExport } from '@strata/export';
import type { SegmentDefinition, SegmentService } from '@strata/segments';
import type { z } from 'zod';
import { checkedQuery } from './query-params.js';

export interface ExportRouteDeps {
  segments: SegmentService;
  requireApiKey: MiddlewareHandler;
  /** A JSON body checked with a schema (the app's own helper: the same errors as every route). */
  body: <S extends z.ZodType>(c: Context, schema: S) => Promise<z.infer<S>>;
}

/** A file name for Content-Disposition: letters, digits, dot, dash and underscore only. */
const fileName = (base: string, prepared: PreparedExport) =>
  `${base.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'export'}.${fileExtensions[prepared.summary.format]}`;

function streamed(prepared: PreparedExport, base: string): Response {
  const chunks = prepared.chunks();
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      try {
        const next = await chunks.next();
        if (cancelled) return;
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (e) {
        if (cancelled) return;
        // The status line has gone out: the connection is cut, so the client sees an incomplete
        // transfer (shorter than Content-Length) rather than a file that looks whole. The reason
        // stays in the server log.
        console.error(e);
        controller.error(e);
      }
    },
    // The client went away: the file is closed and removed (the generator's finally).
    cancel: async () => {
      cancelled = true;
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      'content-type': prepared.contentType,
      'content-length': String(prepared.bytes),
      'content-disposition': `attachment; filename="${fileName(base, prepared)}"`,
      'cache-control': 'no-store',
      [EXPORT_SUMMARY_HEADER]: JSON.stringify(prepared.summary),
    },
  });
}

const asOfOf = (v: string | undefined) => (v ? parseAsOf(v, 'as_of') : undefined);

export function registerExportRoutes(app: Hono, deps: ExportRouteDeps): void {
  const { segments, requireApiKey } = deps;

  app.get('/v1/segments/:id/export', requireApiKey, async (c) => {
    const q = checkedQuery(c, ExportQuery);
    const id = c.req.param('id') ?? '';
    const prepared = await prepareExport(
      segments,
      { segment: id },
      { format: q.format, columns: q.columns, asOf: asOfOf(q.as_of) },
    );
    return streamed(prepared, (await segments.get(id)).name);
  });

  app.post('/v1/segments/export', requireApiKey, async (c) => {
    const b = await deps.body(c, SegmentExportRequest);
    const def: SegmentDefinition =
      b.text !== undefined ? { text: b.text } : { ready: b.ready ?? '', ...(b.params ? { params: b.params } : {}) };
    const prepared = await prepareExport(segments, def, {
      format: b.format,
      columns: b.columns,
      asOf: asOfOf(b.as_of),
    });
    return streamed(prepared, b.ready ?? 'segment');
  });

  app.get('/v1/profiles/export', requireApiKey, async (c) => {
    const q = checkedQuery(c, ExportQuery);
    return streamed(
      await prepareExport(segments, everyone, { format: q.format, columns: q.columns, asOf: asOfOf(q.as_of) }),
      'profiles',
    );
  });
}
