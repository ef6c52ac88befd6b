import { fixedClock } from '@strata/core';
import { describeMessageSenderContract } from '@strata/testkit/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookChannel, type WebhookSettings } from '../src/index.js';
import {
  startFakeWebhookReceiver,
  WEBHOOK_SECRET,
  webhookAddresses,
  type FakeWebhookReceiver,
} from './fake-webhook-receiver.js';
import { closedPort } from './local-http.js';
import { emailMessage, whatsAppTemplateMessage } from './messages.js';

const settingsFor = (url: string): WebhookSettings => ({
  url: `${url}/strata/messages`,
  secret: WEBHOOK_SECRET,
  timeoutMs: 5_000,
});

let contractReceiver: FakeWebhookReceiver | undefined;

describeMessageSenderContract({
  name: 'signed webhook',
  async open() {
    const receiver = await startFakeWebhookReceiver();
    contractReceiver = receiver;
    // Email only here, so that a message for another channel shows the refusal.
    const sender = webhookChannel({ ...settingsFor(receiver.url), channels: ['email'] });
    const port = await closedPort();
    return {
      sender,
      addresses: webhookAddresses,
      message: emailMessage,
      received: (id) => Promise.resolve(receiver.deliveries.filter((d) => d.delivery === id).length),
      unreachable: () => webhookChannel(settingsFor(`http://127.0.0.1:${port}`)),
      async close() {
        await sender.close();
        await receiver.close();
      },
    };
  },
});

describe('signed outgoing webhook', () => {
  let receiver: FakeWebhookReceiver;
  beforeAll(async () => {
    receiver = await startFakeWebhookReceiver();
  });
  afterAll(() => receiver.close());

  it('every request of the contract run carried a signature the receiver verified', () => {
    expect(contractReceiver?.requests.length).toBeGreaterThan(5);
    expect(contractReceiver?.badSignatures).toEqual([]);
  });

  it('posts the message as signed JSON with the send id as X-Strata-Delivery; the answer’s id is the providerId', async () => {
    const sender = webhookChannel(settingsFor(receiver.url), { clock: fixedClock('2026-03-02T09:00:00Z') });
    const result = await sender.send(whatsAppTemplateMessage('camp2-s1-cust-ada', '+447700900123'));
    expect(result).toEqual({ ok: true, providerId: 'shop-camp2-s1-cust-ada' });
    const got = receiver.deliveries.find((d) => d.delivery === 'camp2-s1-cust-ada')!;
    expect(got.body).toEqual({
      id: 'camp2-s1-cust-ada',
      channel: 'whatsapp',
      customer_id: 'cust-ada',
      to: '+447700900123',
      text: 'Hello Ada, your order is ready (camp2-s1-cust-ada).',
      template: { name: 'order_reminder', language: 'en_GB', parameters: ['Ada', 'camp2-s1-cust-ada'] },
      sent_at: '2026-03-02T09:00:00.000Z',
    });
    expect(got.headers['x-strata-timestamp']).toBe('2026-03-02T09:00:00.000Z');
    expect(got.headers['content-type']).toBe('application/json');
  });

  it('a receiver that does not share the secret refuses it: a permanent failure with its 401', async () => {
    const sender = webhookChannel({ ...settingsFor(receiver.url), secret: 'another-secret-of-16+chars' });
    expect(await sender.send(emailMessage('wrong-secret', webhookAddresses.accepted))).toMatchObject({
      ok: false,
      failure: 'permanent',
      providerCode: '401',
    });
    expect(receiver.badSignatures).toEqual(['wrong-secret']);
  });

  it('honours the receiver’s Retry-After', async () => {
    const sender = webhookChannel(settingsFor(receiver.url));
    expect(await sender.send(emailMessage('throttled', webhookAddresses.throttled))).toMatchObject({
      failure: 'rate_limited',
      retryAfterMs: 7_000,
    });
  });

  it('refuses a short secret and a URL that is not http(s)', () => {
    expect(() => webhookChannel({ url: 'https://shop.example/hook', secret: 'short' })).toThrow(
      /webhook settings: secret: the secret needs at least 16 characters/,
    );
    expect(() => webhookChannel({ url: 'ftp://shop.example/hook', secret: WEBHOOK_SECRET })).toThrow(
      /url: url must be an http\(s\) URL/,
    );
  });
});
