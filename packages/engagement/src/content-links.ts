import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError, Event, EventType, id, text, type Clock, type SqlRunner, type StoreWriter } from '@strata/core';
import { readToken, signToken, TokenPurpose } from './signed-tokens.js';

/*
 * Content radar: a link to an article or video, made for one recipient. Following it records a
 * `content_view` event (its content id and topic, dwell 0) and redirects to the content. When the
 * link asks for it, the redirect carries a view token (`strata_view=`) that the content's page
 * sends back with the seconds spent (`POST /v1/content/dwell`), which become the view's
 * `dwell_seconds`.
 */

/** The query parameter the content's page finds its view token in. */
export const VIEW_PARAMETER = 'strata_view';

/** An address a customer may be sent to: http or https only, so a link can never run script or open a local file. */
export const webUrl = z
  .string()
  .trim()
  .max(2000)
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
      } catch {
        return false;
      }
    },
    { message: 'must be an http or https address (e.g. https://shop.example.com/blog/spf)' },
  );

export const ContentLink = z.object({
  customerId: id,
  url: webUrl,
  topic: text(100),
  /** What the content is, for segments (`where content_id = …`); default: its address. */
  contentId: text(200).exactOptional(),
  /** The message that carried the link (a campaign's send id). */
  sendId: id.exactOptional(),
  /** Add a view token to the address, for the page's dwell beacon. */
  dwell: z.boolean().exactOptional(),
});
export type ContentLink = z.infer<typeof ContentLink>;
export type ContentLinkInput = z.input<typeof ContentLink>;

/** The link's fields checked, each mistake named by its field. */
export function checkedContentLink(link: ContentLinkInput): ContentLink {
  const r = ContentLink.safeParse(link);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
  throw new AppError(
    'invalid',
    `bad content link: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    issues,
  );
}

/** The token of a tracked link (the part after `/r/`). */
export function contentLinkToken(secret: string, link: ContentLinkInput): string {
  const l = checkedContentLink(link);
  return signToken(secret, TokenPurpose.content, {
    c: l.customerId,
    u: l.url,
    t: l.topic,
    ...(l.contentId !== undefined ? { i: l.contentId } : {}),
    ...(l.sendId !== undefined ? { s: l.sendId } : {}),
    ...(l.dwell ? { d: 1 } : {}),
  });
}

/**
 * A tracked link for one recipient: `<baseUrl>/r/<token>`. `baseUrl` is where customers reach the
 * server (the `public_url` setting). Campaign templates make their content links with it.
 */
export function trackedLink(secret: string, link: ContentLinkInput & { baseUrl: string }): string {
  const { baseUrl, ...rest } = link;
  return `${baseUrl.replace(/\/+$/, '')}/r/${contentLinkToken(secret, rest)}`;
}

/** The link a token stands for; undefined when it is not one of this store's content links. */
export function readContentLink(secret: string, token: string): ContentLink | undefined {
  const claim = readToken(secret, TokenPurpose.content, token);
  if (!claim) return undefined;
  const r = ContentLink.safeParse({
    customerId: claim.c,
    url: claim.u,
    topic: claim.t,
    ...(claim.i !== undefined ? { contentId: claim.i } : {}),
    ...(claim.s !== undefined ? { sendId: claim.s } : {}),
    ...(claim.d === 1 ? { dwell: true } : {}),
  });
  return r.success ? r.data : undefined;
}

const hashed = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 32);

export interface FollowedLink {
  /** Where to send the visitor (with the view token when the link asked for one). */
  location: string;
  event: Event;
}

/** What following a link records: one content_view event per follow (two follows in the same millisecond are one). */
export function contentView(secret: string, token: string, at: Date): FollowedLink | undefined {
  const link = readContentLink(secret, token);
  if (!link) return undefined;
  const event = Event.parse({
    message_id: `content_view:${hashed(`${token}@${at.toISOString()}`)}`,
    customer_id: link.customerId,
    type: EventType.content_view,
    occurred_at: at.toISOString(),
    properties: {
      content_id: link.contentId ?? link.url,
      topic: link.topic,
      dwell_seconds: 0,
      url: link.url,
      ...(link.sendId !== undefined ? { send_id: link.sendId } : {}),
    },
  });
  let location = link.url;
  if (link.dwell) {
    const u = new URL(link.url);
    u.searchParams.set(VIEW_PARAMETER, signToken(secret, TokenPurpose.view, { m: event.message_id }));
    location = u.toString();
  }
  return { location, event };
}

/** Records a follow of a tracked link; the address to redirect to, or undefined for a token that is not a link. */
export async function followContentLink(
  deps: { writer: StoreWriter; clock: Clock; secret: string },
  token: string,
): Promise<string | undefined> {
  const followed = contentView(deps.secret, token, deps.clock.now());
  if (!followed) return undefined;
  await deps.writer.write({ events: [followed.event] });
  return followed.location;
}

/** A page's report of how long its reader stayed (checked by the API's DwellRequest). */
export interface DwellReport {
  /** The view token the page found in its address. */
  view: string;
  seconds: number;
}

/**
 * Records the seconds a view lasted: the view's content_view event keeps the longest dwell
 * reported (a page sends its beacon more than once as the reader comes and goes). A view token
 * that is not this store's, or whose view is not stored, is not_found.
 */
export async function recordDwell(
  deps: { db: SqlRunner; writer: StoreWriter; secret: string },
  report: DwellReport,
): Promise<{ dwell_seconds: number }> {
  const claim = readToken(deps.secret, TokenPurpose.view, report.view);
  const messageId = typeof claim?.m === 'string' ? claim.m : undefined;
  const [stored] = messageId
    ? await deps.db.query<{
        customer_id: string | null;
        anonymous_id: string | null;
        occurred_at: string;
        properties: string;
      }>(`SELECT customer_id, anonymous_id, occurred_at, properties FROM events WHERE message_id = $1 AND type = $2`, [
        messageId,
        EventType.content_view,
      ])
    : [];
  if (!messageId || !stored)
    throw new AppError('not_found', 'no content view for this view token (the token is not one this server made)', [
      { field: 'view', message: 'unknown view' },
    ]);
  const properties = JSON.parse(stored.properties) as Record<string, unknown>;
  const before = typeof properties.dwell_seconds === 'number' ? properties.dwell_seconds : 0;
  const seconds = Math.round(report.seconds);
  if (seconds <= before) return { dwell_seconds: before };
  await deps.writer.write({
    event_updates: [
      Event.parse({
        message_id: messageId,
        ...(stored.customer_id !== null ? { customer_id: stored.customer_id } : {}),
        ...(stored.anonymous_id !== null ? { anonymous_id: stored.anonymous_id } : {}),
        type: EventType.content_view,
        occurred_at: stored.occurred_at,
        properties: { ...properties, dwell_seconds: seconds },
      }),
    ],
  });
  return { dwell_seconds: seconds };
}
