import { createHmac, timingSafeEqual } from 'node:crypto';
import { startLocalHttp, type LocalHttp } from './local-http.js';

/**
 * A shop's message webhook on 127.0.0.1, written as the docs tell a receiver to be: it checks
 * X-Strata-Signature over the raw body (401 when it is wrong), keeps each X-Strata-Delivery
 * once, and answers some addresses with a refusal, a throttle or an outage.
 */

export const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123456789';

export const webhookAddresses = {
  accepted: 'ada@customers.example',
  refused: 'nobody@customers.example',
  throttled: 'throttled@customers.example',
  unavailable: 'unavailable@customers.example',
  slow: 'slow@customers.example',
} as const;

export interface WebhookDelivery {
  readonly delivery: string;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface FakeWebhookReceiver extends LocalHttp {
  readonly deliveries: WebhookDelivery[];
  /** The X-Strata-Delivery of each request whose signature did not match. */
  readonly badSignatures: string[];
}

function signatureMatches(raw: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startFakeWebhookReceiver(): Promise<FakeWebhookReceiver> {
  const deliveries: WebhookDelivery[] = [];
  const badSignatures: string[] = [];
  const http = await startLocalHttp((req) => {
    if (!signatureMatches(req.raw, req.headers['x-strata-signature'] as string | undefined)) {
      badSignatures.push(String(req.headers['x-strata-delivery']));
      return { status: 401, json: { error: 'bad signature' } };
    }
    const body = JSON.parse(req.raw) as Record<string, unknown>;
    const delivery = req.headers['x-strata-delivery'] as string;
    switch (body.to) {
      case webhookAddresses.refused:
        return { status: 422, json: { error: 'no such customer' } };
      case webhookAddresses.throttled:
        return { status: 429, json: { error: 'slow down' }, headers: { 'retry-after': '7' } };
      case webhookAddresses.unavailable:
        return { status: 503, json: { error: 'down for maintenance' } };
      case webhookAddresses.slow:
        return { status: 200, json: {}, holdMs: 10_000 };
    }
    if (!deliveries.some((d) => d.delivery === delivery)) deliveries.push({ delivery, body, headers: req.headers });
    return { status: 202, json: { id: `shop-${delivery}` } };
  });
  return Object.assign(http, { deliveries, badSignatures });
}
