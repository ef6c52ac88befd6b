import { AppError, Channel, type OutgoingMessage, type SqlRunner } from '@strata/core';
import { trackEmailHtml, type EmailTracking } from '@strata/engagement';
import type { Campaign } from './campaign-store.js';
import { createUnsubscribeToken, unsubscribeHeaders } from './consent.js';
import { addressSql } from './guardrails.js';
import { MessageRenderer, type RenderedMessage, type TemplateContext } from './template.js';
import { loadTemplateVariables, type BestSellers } from './template-variables.js';

/*
 * Turning a campaign and its recipients into messages: the template variables of a batch from
 * one query, each recipient's coupon and unsubscribe link, rendered, and shaped as the messaging
 * port's OutgoingMessage. With tracking, an email's HTML links go through the server and it
 * carries an open pixel (@strata/engagement's trackEmailHtml; the unsubscribe link is left as it
 * is). The send engine and the preview use the same path.
 */

export interface UnsubscribeLinks {
  /** Where the server's unsubscribe page is; the token is added as `?token=…`. */
  readonly baseUrl: string;
  /** The store's signing secret (unsubscribeSecret). */
  readonly secret: string;
}

export interface Recipient {
  /** The send id. */
  readonly id: string;
  readonly customerId: string;
  readonly address: string;
  readonly coupon: string | null;
}

export function unsubscribeUrl(
  links: UnsubscribeLinks,
  customerId: string,
  channel: Channel,
  campaignId: string,
): string {
  const url = new URL(links.baseUrl);
  url.searchParams.set('token', createUnsubscribeToken(links.secret, { customerId, channel, campaignId }));
  return url.toString();
}

/** A renderer per campaign, made once (templates parsed once). */
const renderers = new WeakMap<Campaign, MessageRenderer>();
export function rendererOf(campaign: Campaign): MessageRenderer {
  let r = renderers.get(campaign);
  if (!r) renderers.set(campaign, (r = new MessageRenderer(campaign.definition.message)));
  return r;
}

/** Whether `url` is an unsubscribe link (left alone by tracking: it must work as sent, and is no click). */
const isUnsubscribeLink = (links: UnsubscribeLinks | undefined) => (url: string) =>
  links !== undefined && (url.startsWith(`${links.baseUrl}?`) || url.startsWith(`${links.baseUrl}/`));

function toOutgoing(
  campaign: Campaign,
  r: Recipient,
  rendered: RenderedMessage,
  link: string | null,
  links: UnsubscribeLinks | undefined,
  tracking: EmailTracking | undefined,
): OutgoingMessage {
  const m = campaign.definition.message;
  const base = { id: r.id, channel: m.channel, customerId: r.customerId, to: r.address, text: rendered.text };
  if (m.channel === Channel.email) {
    const html =
      rendered.html !== undefined && tracking
        ? trackEmailHtml(
            rendered.html,
            tracking,
            { sendId: r.id, customerId: r.customerId, campaign: campaign.definition.name, campaignId: campaign.id },
            isUnsubscribeLink(links),
          )
        : rendered.html;
    return {
      ...base,
      subject: rendered.subject ?? '',
      ...(html !== undefined ? { html } : {}),
      ...(link ? { headers: unsubscribeHeaders(link) } : {}),
    };
  }
  if (m.channel === Channel.whatsapp && m.template)
    return {
      ...base,
      template: { name: m.template.name, language: m.template.language, parameters: rendered.parameters ?? [] },
    };
  return base;
}

/**
 * The messages of a batch of one campaign's recipients, by send id: an OutgoingMessage, or the
 * AppError that kept it from rendering (recorded as a permanent failure). `bestSellers` keeps the
 * units sold between batches (else they are counted for this batch). `tracking`: emails' opens
 * and clicks are tracked (HTML emails only; the plain-text part is left as written).
 */
export async function composeMessages(
  db: SqlRunner,
  campaign: Campaign,
  recipients: readonly Recipient[],
  links: UnsubscribeLinks | undefined,
  bestSellers?: BestSellers,
  tracking?: EmailTracking,
): Promise<Map<string, OutgoingMessage | AppError>> {
  const renderer = rendererOf(campaign);
  const def = campaign.definition;
  const variables = await loadTemplateVariables(
    db,
    recipients.map((r) => r.customerId),
    { uses: renderer.uses, recommendations: def.recommendations, ...(bestSellers ? { bestSellers } : {}) },
  );
  const out = new Map<string, OutgoingMessage | AppError>();
  for (const r of recipients) {
    const vars = variables.get(r.customerId);
    if (!vars) {
      out.set(r.id, new AppError('not_found', `no customer "${r.customerId}"`));
      continue;
    }
    const link = links ? unsubscribeUrl(links, r.customerId, def.message.channel, campaign.id) : null;
    const ctx: TemplateContext = {
      ...vars,
      coupon: r.coupon,
      unsubscribe_url: link,
      campaign: { id: campaign.id, name: def.name },
    };
    try {
      out.set(r.id, toOutgoing(campaign, r, renderer.renderFor(ctx), link, links, tracking));
    } catch (e) {
      out.set(r.id, e instanceof AppError ? e : new AppError('internal', String(e)));
    }
  }
  return out;
}

/**
 * The message a customer would get from a campaign, rendered now (nothing is sent or recorded;
 * links are not tracked, so opening a preview records nothing for the customer).
 * The coupon is the one they were given, or a sample code; the address may be empty.
 */
export async function previewMessage(
  db: SqlRunner,
  campaign: Campaign,
  customerId: string,
  links?: UnsubscribeLinks,
): Promise<OutgoingMessage> {
  const [row] = await db.query<{ address: string | null; coupon: string | null; id: string | null }>(
    `SELECT ${addressSql} AS address,
            (SELECT k.code FROM coupons k WHERE k.campaign_id = $2 AND k.customer_id = c.id LIMIT 1) AS coupon,
            (SELECT m.id FROM messages m WHERE m.campaign_id = $2 AND m.customer_id = c.id LIMIT 1) AS id
     FROM (SELECT *, $3 AS channel FROM customers WHERE id = $1) c`,
    [customerId, campaign.id, campaign.definition.message.channel],
  );
  if (!row) throw new AppError('not_found', `no customer "${customerId}"`);
  const coupons = campaign.definition.coupons;
  const sample = coupons ? `${coupons.source === 'generated' ? coupons.prefix : ''}SAMPLE${'X'.repeat(4)}` : null;
  const recipient: Recipient = {
    id: row.id ?? 'preview',
    customerId,
    address: row.address ?? '',
    coupon: row.coupon ?? sample,
  };
  const message = (await composeMessages(db, campaign, [recipient], links)).get(recipient.id);
  if (!message) throw new AppError('not_found', `no customer "${customerId}"`);
  if (message instanceof AppError) throw message;
  return message;
}
