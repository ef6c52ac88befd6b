import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Event, EventType, id, text, type Clock, type StoreWriter } from '@strata/core';
import { webUrl } from './content-links.js';
import { readToken, signToken, TokenPurpose } from './signed-tokens.js';

/*
 * Email opens and clicks. Before a campaign's (or an automation step's) HTML email goes out,
 * every http(s) link in it is rewritten to `<base>/c/<token>` and a 1x1 image `<base>/o/<token>`
 * is added. The token signs the message (send id, customer, campaign) and, for a link, the
 * address it stood for: the redirect can only ever go to an address that was in the message, so
 * the server is no open redirect. Following them records `email_opened` / `email_clicked`
 * events, which segments read (`did email_clicked where campaign = "Spring sale"`).
 *
 * Repeats are deduplicated: one `email_opened` per message (the first open is kept: mail apps
 * load the image again on every look, and some load it before anyone looks) and one
 * `email_clicked` per message and address (the first click on each link). So `at least 2 times`
 * counts messages opened, or different links clicked.
 */

/** Where the open pixel and the rewritten links are served. */
export const EMAIL_OPEN_PATH = '/o';
export const EMAIL_CLICK_PATH = '/c';

/** How links in emails are made: where customers reach the server, and the store's link secret. */
export interface EmailTracking {
  readonly baseUrl: string;
  /** linkSecret(store). */
  readonly secret: string;
}

/** The message an open or click belongs to. */
export const TrackedEmail = z.object({
  /** The send id. */
  sendId: id,
  customerId: id,
  /** The campaign's name (what segments compare `campaign` with). */
  campaign: text(200),
  campaignId: id,
});
export type TrackedEmail = z.infer<typeof TrackedEmail>;

const claimOf = (m: TrackedEmail) => ({ m: m.sendId, c: m.customerId, n: m.campaign, k: m.campaignId });
const fromClaim = (claim: Record<string, unknown>) =>
  TrackedEmail.safeParse({ sendId: claim.m, customerId: claim.c, campaign: claim.n, campaignId: claim.k });

const base = (tracking: EmailTracking) => tracking.baseUrl.replace(/\/+$/, '');

/** The open pixel's address for one message. */
export function emailOpenUrl(tracking: EmailTracking, message: TrackedEmail): string {
  return `${base(tracking)}${EMAIL_OPEN_PATH}/${signToken(tracking.secret, TokenPurpose.email_open, claimOf(message))}`;
}

/** A link of one message, through the server. `url` must be an http(s) address. */
export function emailClickUrl(tracking: EmailTracking, message: TrackedEmail, url: string): string {
  const token = signToken(tracking.secret, TokenPurpose.email_click, { ...claimOf(message), u: url });
  return `${base(tracking)}${EMAIL_CLICK_PATH}/${token}`;
}

const entities: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', '#38': '&', '#x26': '&' };
/** An attribute value as the mail app reads it (the few entities an address holds). */
const decodeAttribute = (v: string) =>
  v.replace(/&(amp|quot|apos|lt|gt|#38|#x26);/gi, (m, e: string) => entities[e.toLowerCase()] ?? m);

const ANCHOR_HREF = /(<a\b[^>]*?\shref\s*=\s*)(?:"([^"]*)"|'([^']*)')/gi;

/**
 * An email's HTML with every http(s) link (`<a href>`) rewritten through the server and the open
 * pixel added (before `</body>`, or at the end). Links for which `keep` says so are left alone
 * (the unsubscribe link: it must work as it is, and following it is not a click). Other links
 * (mailto:, tel:, #anchors) are left as they are.
 */
export function trackEmailHtml(
  html: string,
  tracking: EmailTracking,
  message: TrackedEmail,
  keep: (url: string) => boolean = () => false,
): string {
  const rewritten = html.replace(ANCHOR_HREF, (whole, start: string, dq?: string, sq?: string) => {
    const url = decodeAttribute((dq ?? sq ?? '').trim());
    if (!webUrl.safeParse(url).success || keep(url)) return whole;
    return `${start}"${emailClickUrl(tracking, message, url)}"`;
  });
  const pixel = `<img src="${emailOpenUrl(tracking, message)}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0">`;
  const end = rewritten.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
  return end === -1 ? rewritten + pixel : rewritten.slice(0, end) + pixel + rewritten.slice(end);
}

/** The message an open pixel's token names; undefined when it is not one of this store's. */
export function readEmailOpen(secret: string, token: string): TrackedEmail | undefined {
  const claim = readToken(secret, TokenPurpose.email_open, token);
  const r = claim ? fromClaim(claim) : undefined;
  return r?.success ? r.data : undefined;
}

/** The message and address a rewritten link's token names; undefined when it is not one of this store's. */
export function readEmailClick(secret: string, token: string): (TrackedEmail & { url: string }) | undefined {
  const claim = readToken(secret, TokenPurpose.email_click, token);
  const r = claim ? fromClaim(claim) : undefined;
  const url = webUrl.safeParse(claim?.u);
  return r?.success && url.success ? { ...r.data, url: url.data } : undefined;
}

const hashed = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 32);

const properties = (m: TrackedEmail) => ({ campaign: m.campaign, campaign_id: m.campaignId, message_id: m.sendId });

/** The email_opened event of a message (its id is the message's: one per message). */
export function emailOpenedEvent(message: TrackedEmail, at: Date): Event {
  return Event.parse({
    message_id: `email_opened:${hashed(message.sendId)}`,
    customer_id: message.customerId,
    type: EventType.email_opened,
    occurred_at: at.toISOString(),
    properties: properties(message),
  });
}

/** The email_clicked event of a link in a message (its id is the message's and the address's: one per link). */
export function emailClickedEvent(message: TrackedEmail & { url: string }, at: Date): Event {
  return Event.parse({
    message_id: `email_clicked:${hashed(`${message.sendId} ${message.url}`)}`,
    customer_id: message.customerId,
    type: EventType.email_clicked,
    occurred_at: at.toISOString(),
    properties: { ...properties(message), url: message.url },
  });
}

export interface EmailTrackingDeps {
  writer: StoreWriter;
  clock: Clock;
  secret: string;
}

/** Records an open; the message opened, or undefined (nothing recorded) for a token that is not this store's. */
export async function recordEmailOpen(deps: EmailTrackingDeps, token: string): Promise<TrackedEmail | undefined> {
  const message = readEmailOpen(deps.secret, token);
  if (message) await deps.writer.write({ events: [emailOpenedEvent(message, deps.clock.now())] });
  return message;
}

/** Records a click; the message and the address to redirect to, or undefined (nothing recorded) for a token that is not this store's. */
export async function recordEmailClick(
  deps: EmailTrackingDeps,
  token: string,
): Promise<(TrackedEmail & { url: string }) | undefined> {
  const click = readEmailClick(deps.secret, token);
  if (click) await deps.writer.write({ events: [emailClickedEvent(click, deps.clock.now())] });
  return click;
}

/** A transparent 1x1 GIF: what the open pixel answers. */
export const TRANSPARENT_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
