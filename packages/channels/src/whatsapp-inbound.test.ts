import { createHmac } from 'node:crypto';
import { AppError } from '@strata/core';
import { describe, expect, it } from 'vitest';
import { parseWhatsAppWebhook, verifyWhatsAppSignature } from './whatsapp-inbound.js';

/** Payloads as the Cloud API documents them (statuses and messages webhooks). */
const change = (value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
            ...value,
          },
        },
      ],
    },
  ],
});

const statuses = change({
  statuses: [
    {
      id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA',
      status: 'sent',
      timestamp: '1772442000',
      recipient_id: '447700900123',
      conversation: { id: 'c1', origin: { type: 'marketing' } },
      pricing: { billable: true, pricing_model: 'CBP', category: 'marketing' },
    },
    {
      id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA',
      status: 'delivered',
      timestamp: '1772442005',
      recipient_id: '447700900123',
    },
    {
      id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA',
      status: 'read',
      timestamp: '1772442060',
      recipient_id: '447700900123',
    },
    {
      id: 'wamid.FAILED',
      status: 'failed',
      timestamp: '1772442010',
      recipient_id: '15005550001',
      errors: [
        {
          code: 131026,
          title: 'Message undeliverable',
          message: 'Message undeliverable',
          error_data: { details: 'Message Undeliverable.' },
        },
      ],
    },
  ],
});

const messages = change({
  contacts: [{ profile: { name: 'Ada' }, wa_id: '447700900123' }],
  messages: [
    { from: '447700900123', id: 'wamid.in1', timestamp: '1772442100', type: 'text', text: { body: ' Stop ' } },
    {
      from: '447700900124',
      id: 'wamid.in2',
      timestamp: '1772442200',
      type: 'text',
      text: { body: 'When does my order arrive?' },
    },
    {
      from: '447700900125',
      id: 'wamid.in3',
      timestamp: '1772442300',
      type: 'button',
      button: { text: 'UNSUBSCRIBE', payload: 'opt-out' },
    },
    {
      from: '447700900126',
      id: 'wamid.in4',
      timestamp: '1772442400',
      type: 'image',
      image: { id: 'img1', mime_type: 'image/jpeg' },
    },
  ],
});

describe('parseWhatsAppWebhook', () => {
  it('reads statuses as delivery reports: read is opened, a failure keeps its code', () => {
    const { reports, optOuts, inbound } = parseWhatsAppWebhook(statuses);
    expect(reports).toEqual([
      {
        providerId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA',
        status: 'sent',
        at: '2026-03-02T09:00:00.000Z',
      },
      {
        providerId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA',
        status: 'delivered',
        at: '2026-03-02T09:00:05.000Z',
      },
      {
        providerId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA',
        status: 'opened',
        at: '2026-03-02T09:01:00.000Z',
      },
      {
        providerId: 'wamid.FAILED',
        status: 'failed',
        at: '2026-03-02T09:00:10.000Z',
        error: 'WhatsApp error 131026: Message undeliverable',
      },
    ]);
    expect(optOuts).toEqual([]);
    expect(inbound).toEqual([]);
  });

  it('reads customers’ messages: each opens the window, STOP (text or button) withdraws consent', () => {
    const { reports, optOuts, inbound } = parseWhatsAppWebhook(messages);
    expect(reports).toEqual([]);
    expect(inbound.map((m) => m.from)).toEqual(['+447700900123', '+447700900124', '+447700900125', '+447700900126']);
    expect(inbound[0]!.at).toBe('2026-03-02T09:01:40.000Z');
    expect(optOuts).toEqual([
      { channel: 'whatsapp', from: '+447700900123', at: '2026-03-02T09:01:40.000Z' },
      { channel: 'whatsapp', from: '+447700900125', at: '2026-03-02T09:05:00.000Z' },
    ]);
  });

  it('names the field of a malformed payload', () => {
    const bad = structuredClone(statuses) as unknown as {
      entry: { changes: { value: { statuses: { timestamp: string }[] } }[] }[];
    };
    bad.entry[0]!.changes[0]!.value.statuses[1]!.timestamp = 'yesterday';
    expect(() => parseWhatsAppWebhook(bad)).toThrow(AppError);
    expect(() => parseWhatsAppWebhook(bad)).toThrow(
      'WhatsApp webhook: entry[0].changes[0].value.statuses[1].timestamp: a Unix time in seconds',
    );
    expect(() => parseWhatsAppWebhook({ object: 'page', entry: [] })).toThrow(
      /object: not a WhatsApp Business Account webhook/,
    );
    expect(() => parseWhatsAppWebhook('not json')).toThrow(/WhatsApp webhook/);
  });
});

describe('verifyWhatsAppSignature', () => {
  const raw = JSON.stringify(messages);
  const secret = 'app-secret';
  const header = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

  it('accepts X-Hub-Signature-256 over the raw body', () => {
    expect(verifyWhatsAppSignature(raw, secret, header)).toBe(true);
    expect(verifyWhatsAppSignature(Buffer.from(raw), secret, header)).toBe(true);
  });

  it('refuses a tampered body, another secret, a header without sha256= and none at all', () => {
    expect(verifyWhatsAppSignature(raw.replace('Stop', 'Stay'), secret, header)).toBe(false);
    expect(verifyWhatsAppSignature(raw, 'other-secret', header)).toBe(false);
    expect(verifyWhatsAppSignature(raw, secret, header.slice('sha256='.length))).toBe(false);
    expect(verifyWhatsAppSignature(raw, secret, undefined)).toBe(false);
    expect(verifyWhatsAppSignature(raw, '', header)).toBe(false);
  });
});
