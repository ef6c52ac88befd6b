import { ManualClock } from '@strata/core';
import { describeMessageSenderContract } from '@strata/testkit/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whatsAppChannel, type WhatsAppSettings } from '../src/index.js';
import {
  startFakeWhatsApp,
  WA_PHONE_NUMBER_ID,
  WA_TOKEN,
  WA_VERSION,
  whatsAppNumbers,
  type FakeWhatsApp,
} from './fake-whatsapp.js';
import { closedPort } from './local-http.js';
import { whatsAppTemplateMessage } from './messages.js';

const settingsFor = (baseUrl: string): WhatsAppSettings => ({
  baseUrl,
  version: WA_VERSION,
  phoneNumberId: WA_PHONE_NUMBER_ID,
  accessToken: WA_TOKEN,
  timeoutMs: 5_000,
});

/** The send id a template message carries as its second body parameter. */
const sendIdOf = (body: Record<string, unknown>) =>
  (body as { template?: { components?: { parameters?: { text: string }[] }[] } }).template?.components?.[0]
    ?.parameters?.[1]?.text;

let contractWhatsApp: FakeWhatsApp | undefined;

describeMessageSenderContract({
  name: 'whatsapp cloud api',
  async open() {
    const wa = await startFakeWhatsApp();
    contractWhatsApp = wa;
    const sender = whatsAppChannel(settingsFor(wa.url));
    const port = await closedPort();
    return {
      sender,
      addresses: whatsAppNumbers,
      message: whatsAppTemplateMessage,
      received: (id) => Promise.resolve(wa.messages.filter((m) => sendIdOf(m.body) === id).length),
      unreachable: () => whatsAppChannel(settingsFor(`http://127.0.0.1:${port}`)),
      async close() {
        await sender.close();
        await wa.close();
      },
    };
  },
  skip: [
    {
      reason:
        'the Cloud API has no idempotency key: the caller records the send id before it sends, so it never sends one twice',
      cases: ['sameIdTwice'],
    },
  ],
});

describe('WhatsApp through the Cloud API', () => {
  let wa: FakeWhatsApp;
  beforeAll(async () => {
    wa = await startFakeWhatsApp();
  });
  afterAll(() => wa.close());

  it('every request of the contract run had the documented shape', () => {
    expect(contractWhatsApp?.requests.length).toBeGreaterThan(5);
    expect(contractWhatsApp?.shapeErrors).toEqual([]);
  });

  it('sends an approved template with its language and body parameters, with the bearer token', async () => {
    const sender = whatsAppChannel(settingsFor(wa.url));
    const result = await sender.send(whatsAppTemplateMessage('camp9-s1-cust-ada', whatsAppNumbers.accepted));
    const sent = wa.messages.find((m) => sendIdOf(m.body) === 'camp9-s1-cust-ada')!;
    expect(result).toEqual({ ok: true, providerId: sent.id });
    expect(sent.id).toMatch(/^wamid\./);
    expect(sent.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '447700900123',
      type: 'template',
      template: {
        name: 'order_reminder',
        language: { code: 'en_GB' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ada' },
              { type: 'text', text: 'camp9-s1-cust-ada' },
            ],
          },
        ],
      },
    });
    expect(wa.requests.at(-1)?.headers.authorization).toBe(`Bearer ${WA_TOKEN}`);
  });

  it('template mistakes are permanent, with WhatsApp’s 132xxx code', async () => {
    const sender = whatsAppChannel(settingsFor(wa.url));
    const message = whatsAppTemplateMessage('bad-template', whatsAppNumbers.accepted);
    const unknown = await sender.send({ ...message, template: { ...message.template!, name: 'no_such_template' } });
    expect(unknown).toMatchObject({ ok: false, failure: 'permanent', providerCode: '132001' });
    const short = await sender.send({ ...message, template: { ...message.template!, parameters: ['Ada'] } });
    expect(short).toMatchObject({ ok: false, failure: 'permanent', providerCode: '132000' });
    if (!short.ok) expect(short.error).toContain('number of localizable_params (1)');
  });

  it('free text: WhatsApp refuses it outside the window (131047, permanent) and takes it inside', async () => {
    const sender = whatsAppChannel(settingsFor(wa.url));
    const { template: _template, ...text } = whatsAppTemplateMessage('free-1', whatsAppNumbers.accepted);
    expect(await sender.send(text)).toMatchObject({ ok: false, failure: 'permanent', providerCode: '131047' });
    const inside = await sender.send({ ...text, id: 'free-2', to: whatsAppNumbers.inWindow });
    expect(inside).toMatchObject({ ok: true });
    expect(wa.messages.at(-1)?.body).toMatchObject({
      type: 'text',
      text: { body: 'Hello Ada, your order is ready (free-1).' },
    });
  });

  it('with lastInboundAt, free text outside the 24 hours is refused without calling WhatsApp', async () => {
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    const lastWrote = new Date('2026-03-01T10:00:00Z');
    const sender = whatsAppChannel(settingsFor(wa.url), {
      clock,
      lastInboundAt: (to) => Promise.resolve(to === whatsAppNumbers.inWindow ? lastWrote : undefined),
    });
    const { template: _template, ...text } = whatsAppTemplateMessage('window-1', whatsAppNumbers.inWindow);
    const before = wa.requests.length;
    expect(await sender.send(text)).toMatchObject({ ok: true });
    clock.advance(3_600_000); // 10:00: exactly 24 hours since they wrote
    const late = await sender.send({ ...text, id: 'window-2' });
    expect(late).toMatchObject({ ok: false, failure: 'permanent', providerCode: 'outside_service_window' });
    if (!late.ok) expect(late.error).toContain('send an approved template instead');
    const never = await sender.send({ ...text, id: 'window-3', to: whatsAppNumbers.accepted });
    expect(never).toMatchObject({ ok: false, failure: 'permanent' });
    expect(wa.requests.length - before).toBe(1);
    // A template needs no window.
    expect(await sender.send(whatsAppTemplateMessage('window-4', whatsAppNumbers.accepted))).toMatchObject({
      ok: true,
    });
  });

  it('an expired token is permanent (Graph error 190)', async () => {
    const sender = whatsAppChannel({ ...settingsFor(wa.url), accessToken: 'expired' });
    expect(await sender.send(whatsAppTemplateMessage('bad-token', whatsAppNumbers.accepted))).toMatchObject({
      ok: false,
      failure: 'permanent',
      providerCode: '190',
    });
  });

  it('refuses settings with a phone number instead of its id, naming the field', () => {
    expect(() => whatsAppChannel({ ...settingsFor(wa.url), phoneNumberId: '+44 7700 900001' })).toThrow(
      /whatsapp \(cloud api\) settings: phoneNumberId: the phone number id is the digits/,
    );
  });
});
