/*
 * Segment history and signals over HTTP: a segment's entries and exits (`GET
 * /v1/segments/:id/history`), its daily sizes, a customer's segments now or at a past time, the
 * server-sent-events stream of changes (`GET /v1/changes/stream`, resumable with Last-Event-ID)
 * and outgoing webhook subscriptions. The changes themselves are written by the live engine
 * through @strata/membership; these routes only read them.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { checkedQuery } from './query-params.js';
import { AppError, parseAsOf, type Clock, type SqlRunner } from '@strata/core';
import {
  ChangeStreamQuery,
  CustomerSegmentHistoryQuery,
  CustomerSegmentsQuery,
  SegmentHistoryQuery,
  SegmentSizesQuery,
  WebhookSubscriptionRequest,
  type CustomerSegmentHistoryResponse,
  type CustomerSegmentsResponse,
  type SegmentHistoryResponse,
  type SegmentSizesResponse,
  type WebhookSubscriptionCreated,
  type WebhookSubscriptionsResponse,
} from '@strata/api';
import {
  changesAfter,
  createWebhookSubscription,
  customerHistory,
  customerSegments,
  dailySizes,
  deleteWebhookSubscription,
  latestChangeSeq,
  listWebhookSubscriptions,
  memberCount,
  segmentHistory,
  segmentKnown,
  type ChangeFeed,
} from '@strata/membership';
import type { z } from 'zod';

export interface LiveRouteDeps {
  db: SqlRunner;
  clock: Clock;
  /** Wakes change streams when changes commit; closing it ends every stream (shutdown). */
  changes: ChangeFeed;
  requireApiKey: MiddlewareHandler;
  /** A JSON body checked with a schema (the app's own helper: the same errors as every route). */
  body: <S extends z.ZodType>(c: Context, schema: S) => Promise<z.infer<S>>;
  /** How often a stream looks for changes without a notification (ms of the clock; default 1000). */
  streamPollMs?: number;
}

/** Changes one stream read takes at a time (a stream catching up reads again at once). */
const STREAM_BATCH = 500;
/** A comment line goes out after this long without changes, so proxies and clients see the stream alive. */
const KEEP_ALIVE_MS = 15_000;
const MS_PER_DAY = 86_400_000;

/** `since`: a date alone is the start of that day (parseAsOf reads it as its end); any other time as given. */
function sinceOf(v: string): Date {
  const at = parseAsOf(v, 'since');
  return /^\d{4}-?\d{2}-?\d{2}$/.test(v.trim()) ? new Date(at.getTime() - MS_PER_DAY + 1) : at;
}

/** The seq a stream starts after: Last-Event-ID (a reconnecting client), `after`, or the last change now. */
async function streamStart(c: Context, db: SqlRunner): Promise<number> {
  const lastId = c.req.header('last-event-id');
  if (lastId !== undefined && lastId.trim() !== '') {
    if (!/^\d{1,15}$/.test(lastId.trim()))
      throw new AppError(
        'invalid',
        `Last-Event-ID must be the seq of a change (a whole number), not "${lastId.slice(0, 40)}"`,
        [{ field: 'Last-Event-ID', message: 'not a seq' }],
      );
    return Number(lastId.trim());
  }
  const { after } = checkedQuery(c, ChangeStreamQuery);
  return after ?? (await latestChangeSeq(db));
}

export function registerLiveRoutes(app: Hono, deps: LiveRouteDeps): void {
  const { db, clock, changes: feed, requireApiKey } = deps;
  const pollMs = deps.streamPollMs ?? 1000;

  const knownSegment = async (c: Context): Promise<string> => {
    const id = c.req.param('id') ?? '';
    if (!(await segmentKnown(db, id))) throw new AppError('not_found', `no segment "${id}"`);
    return id;
  };

  app.get('/v1/segments/:id/history', requireApiKey, async (c) => {
    const q = checkedQuery(c, SegmentHistoryQuery);
    const id = await knownSegment(c);
    const until = q.until === undefined ? undefined : parseAsOf(q.until, 'until');
    const changes = await segmentHistory(db, id, {
      limit: q.limit,
      ...(q.after !== undefined ? { after: q.after } : {}),
      ...(q.since !== undefined ? { since: sinceOf(q.since) } : {}),
      // until is inclusive: the store reads "before", so one millisecond on
      ...(until ? { until: new Date(until.getTime() + 1) } : {}),
    });
    const body: SegmentHistoryResponse = {
      segment_id: id,
      changes,
      next_after: changes.length === q.limit ? changes.at(-1)!.seq : null,
    };
    return c.json(body);
  });

  app.get('/v1/segments/:id/sizes', requireApiKey, async (c) => {
    const q = checkedQuery(c, SegmentSizesQuery);
    const id = await knownSegment(c);
    const to = q.to ?? clock.now().toISOString().slice(0, 10);
    const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * MS_PER_DAY).toISOString().slice(0, 10);
    const body: SegmentSizesResponse = {
      segment_id: id,
      members: await memberCount(db, id),
      sizes: await dailySizes(db, id, { from, to }),
    };
    return c.json(body);
  });

  app.get('/v1/customers/:id/segments', requireApiKey, async (c) => {
    const q = checkedQuery(c, CustomerSegmentsQuery);
    const at = q.at === undefined || q.at === '' ? undefined : parseAsOf(q.at, 'at');
    const found = await customerSegments(db, c.req.param('id') ?? '', at);
    const body: CustomerSegmentsResponse = { ...found, at: at ? at.toISOString() : null };
    return c.json(body);
  });

  app.get('/v1/customers/:id/segments/history', requireApiKey, async (c) => {
    const q = checkedQuery(c, CustomerSegmentHistoryQuery);
    const found = await customerHistory(db, c.req.param('id') ?? '', {
      limit: q.limit,
      ...(q.before !== undefined ? { before: q.before } : {}),
    });
    const body: CustomerSegmentHistoryResponse = {
      ...found,
      next_before: found.changes.length === q.limit ? found.changes.at(-1)!.seq : null,
    };
    return c.json(body);
  });

  /*
   * Server-sent events: `event: segment.entered|segment.exited`, `id: <seq>`, `data: <change>`.
   * A client that reconnects sends the last id it saw (Last-Event-ID) and gets every change after
   * it, so nothing is lost (a change may come twice: its `id` field tells). The stream wakes when
   * changes commit (the feed) and looks on its own every `pollMs`; it ends when the client goes
   * away or the server shuts down.
   */
  app.get('/v1/changes/stream', requireApiKey, async (c) => {
    let cursor = await streamStart(c, db);
    const segments = c.req.queries('segment');
    const response = streamSSE(c, async (stream: SSEStreamingApi) => {
      const left = new AbortController();
      stream.onAbort(() => left.abort());
      const stop = AbortSignal.any([left.signal, feed.signal]);
      try {
        await stream.write(`: changes after seq ${cursor}\n\n`);
        let quietSince = clock.now().getTime();
        while (!stop.aborted) {
          const mark = feed.mark;
          const batch = await changesAfter(db, cursor, STREAM_BATCH, segments);
          for (const change of batch) {
            if (stop.aborted) return;
            await stream.writeSSE({ id: String(change.seq), event: change.type, data: JSON.stringify(change) });
            cursor = change.seq;
          }
          if (batch.length === STREAM_BATCH) continue;
          const now = clock.now().getTime();
          if (batch.length) quietSince = now;
          else if (now - quietSince >= KEEP_ALIVE_MS) {
            await stream.write(': keep-alive\n\n');
            quietSince = now;
          }
          await feed.wait(pollMs, mark, stop);
        }
      } catch (e) {
        if (stop.aborted) return;
        // What went wrong may quote SQL or data: it goes to the log; the client reconnects with its Last-Event-ID.
        console.error(e);
        await stream.writeSSE({
          event: 'error',
          data: 'the change stream stopped (the server log has the details); reconnect to resume',
        });
      }
    });
    // One stream per connection: once it ends the socket closes, so a shutdown does not wait for it to idle out.
    response.headers.set('connection', 'close');
    response.headers.set('x-accel-buffering', 'no');
    return response;
  });

  /* ---- outgoing webhooks ---- */
  app.post('/v1/webhooks/subscriptions', requireApiKey, async (c) => {
    const b = await deps.body(c, WebhookSubscriptionRequest);
    const created: WebhookSubscriptionCreated = await createWebhookSubscription(db, b, clock.now());
    return c.json(created, 201, { 'cache-control': 'no-store' });
  });
  app.get('/v1/webhooks/subscriptions', requireApiKey, async (c) => {
    const body: WebhookSubscriptionsResponse = { subscriptions: await listWebhookSubscriptions(db) };
    return c.json(body);
  });
  app.delete('/v1/webhooks/subscriptions/:id', requireApiKey, async (c) => {
    await deleteWebhookSubscription(db, c.req.param('id') ?? '');
    return c.body(null, 204);
  });
}
