/*
 * Campaigns over HTTP (docs/campaigns.md): create, change a draft, the dry run, start, pause,
 * status, the message log per campaign and per customer, a preview for one customer, and codes
 * imported from the shop system, and a coupon code looked up or redeemed by a till or shop.
 * Every route needs the API key. The work is CampaignService's,
 * which the CLI calls too when no server runs, so both answer alike.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import {
  CampaignPreviewRequest,
  CampaignResultsQuery,
  CampaignWriteRequest,
  CouponRedeemRequest,
  MessageLogQuery,
  TemplateCheckRequest,
  type CampaignListResponse,
  type CouponBody,
  type CouponImportBody,
  type TemplateCheckBody,
} from '@strata/api';
import { diagnoseTemplate } from '@strata/campaigns';
import { AppError } from '@strata/core';
import type { z } from 'zod';
import type { CampaignService } from './campaign-service.js';
import { checkedQuery } from './query-params.js';

export interface CampaignRouteDeps {
  campaigns: CampaignService;
  requireApiKey: MiddlewareHandler;
  /** A JSON body checked with a schema (the app's own helper: the same errors as every route). */
  body: <S extends z.ZodType>(c: Context, schema: S) => Promise<z.infer<S>>;
  /** Messages were queued: the send loop looks for due ones now. */
  onStarted?: () => void;
}

/** The coupon list's path, for its own body limit (a list of codes is larger than a JSON request). */
export const COUPON_IMPORT_PATH = /^\/v1\/campaigns\/[^/]+\/coupons$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function registerCampaignRoutes(app: Hono, deps: CampaignRouteDeps): void {
  const { campaigns, requireApiKey, body } = deps;
  const id = (c: Context) => c.req.param('id') ?? '';

  app.post('/v1/campaigns', requireApiKey, async (c) =>
    c.json(await campaigns.create(await body(c, CampaignWriteRequest)), 201),
  );
  // Before the `:id` routes. The form's dry run (a definition not saved) and its template check as typed.
  app.post('/v1/campaigns/dry-run', requireApiKey, async (c) =>
    c.json(await campaigns.planDraft(await body(c, CampaignWriteRequest))),
  );
  app.post('/v1/campaigns/templates/check', requireApiKey, async (c) => {
    const { text, html } = await body(c, TemplateCheckRequest);
    const answer: TemplateCheckBody = { diagnostics: diagnoseTemplate(text, { html }) };
    return c.json(answer);
  });
  app.get('/v1/campaigns', requireApiKey, async (c) => {
    const answer: CampaignListResponse = { campaigns: await campaigns.list() };
    return c.json(answer);
  });
  app.get('/v1/campaigns/:id', requireApiKey, async (c) => c.json(await campaigns.get(id(c))));
  app.patch('/v1/campaigns/:id', requireApiKey, async (c) =>
    c.json(await campaigns.update(id(c), await body(c, CampaignWriteRequest))),
  );
  app.post('/v1/campaigns/:id/plan', requireApiKey, async (c) => c.json(await campaigns.plan(id(c))));
  app.post('/v1/campaigns/:id/start', requireApiKey, async (c) => {
    const started = await campaigns.start(id(c));
    deps.onStarted?.();
    return c.json(started);
  });
  app.post('/v1/campaigns/:id/pause', requireApiKey, async (c) => c.json(await campaigns.pause(id(c))));
  app.get('/v1/campaigns/:id/report', requireApiKey, async (c) => c.json(await campaigns.report(id(c))));
  app.get('/v1/campaigns/:id/results', requireApiKey, async (c) =>
    c.json(await campaigns.results(id(c), checkedQuery(c, CampaignResultsQuery))),
  );
  app.get('/v1/campaigns/:id/messages', requireApiKey, async (c) =>
    c.json(await campaigns.messages({ campaignId: id(c) }, checkedQuery(c, MessageLogQuery))),
  );
  app.get('/v1/customers/:id/messages', requireApiKey, async (c) =>
    c.json(await campaigns.messages({ customerId: id(c) }, checkedQuery(c, MessageLogQuery))),
  );
  app.post('/v1/campaigns/:id/preview', requireApiKey, async (c) => {
    const { customer } = await body(c, CampaignPreviewRequest);
    return c.json(await campaigns.preview(id(c), customer));
  });
  /** A text body, one code a line (as the shop system exports them). */
  app.post('/v1/campaigns/:id/coupons', requireApiKey, async (c) => {
    let text: string;
    try {
      text = utf8.decode(await c.req.arrayBuffer());
    } catch {
      throw new AppError('invalid', 'the coupon list is not UTF-8 text', [{ where: 'body', message: 'not UTF-8' }]);
    }
    const answer: CouponImportBody = await campaigns.importCoupons(id(c), text);
    return c.json(answer);
  });

  app.get('/v1/coupons/:code', requireApiKey, async (c) => {
    const answer: CouponBody = await campaigns.coupon(c.req.param('code') ?? '');
    return c.json(answer);
  });
  app.post('/v1/coupons/:code/redeem', requireApiKey, async (c) => {
    const { order_id } = await body(c, CouponRedeemRequest);
    const answer: CouponBody = await campaigns.redeemCoupon(c.req.param('code') ?? '', order_id);
    return c.json(answer);
  });
}
