import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelSenders, senderFor } from '../src/index.js';
import { startFakeTwilio, TWILIO_SID, TWILIO_TOKEN, type FakeTwilio } from './fake-twilio.js';
import { emailMessage, smsMessage, whatsAppTemplateMessage } from './messages.js';

describe('channelSenders', () => {
  let dir: string;
  let twilio: FakeTwilio;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-senders-'));
    twilio = await startFakeTwilio();
  });
  afterAll(async () => {
    await twilio.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('with no providers, every channel goes to the outbox', async () => {
    const sender = channelSenders({ outboxDir: dir });
    expect(sender.channels).toEqual(['email', 'sms', 'whatsapp']);
    await sender.send(emailMessage('e1', 'ada@customers.example'));
    await sender.send(smsMessage('s1', '+447700900123'));
    await sender.send(whatsAppTemplateMessage('w1', '+447700900123'));
    expect(await readdir(join(dir, 'email'))).toEqual(['e1.eml', 'e1.json']);
    expect(await readdir(join(dir, 'sms'))).toEqual(['s1.json']);
    expect(await readdir(join(dir, 'whatsapp'))).toEqual(['w1.json']);
    await sender.close();
  });

  it('hands each message to its channel’s provider: sms to Twilio, the rest still to the outbox', async () => {
    const sender = channelSenders({
      outboxDir: dir,
      sms: {
        provider: 'twilio',
        baseUrl: twilio.url,
        accountSid: TWILIO_SID,
        authToken: TWILIO_TOKEN,
        from: '+447700900001',
      },
    });
    const sms = await sender.send(smsMessage('s2', '+447700900123'));
    expect(sms).toEqual({ ok: true, providerId: twilio.messages.find((m) => m.token === 's2')?.sid });
    expect(await sender.send(emailMessage('e2', 'ada@customers.example'))).toEqual({
      ok: true,
      providerId: 'outbox:email/e2',
    });
    expect(await readdir(join(dir, 'sms'))).not.toContain('s2.json');
    await sender.close();
  });

  it('refuses a provider that cannot deliver the channel, and names the field of a wrong setting', () => {
    expect(() =>
      channelSenders({ outboxDir: dir, sms: { provider: 'smtp', host: 'mail.example', from: 'news@lumen.example' } }),
    ).toThrow(/^sms.provider: smtp cannot deliver sms$/);
    expect(() =>
      channelSenders({ outboxDir: dir, email: { provider: 'smtp', host: '', from: 'news@lumen.example' } }),
    ).toThrow(/^email: email \(smtp\) settings: host: the SMTP server’s host name is needed$/);
    expect(() => channelSenders({ outboxDir: dir, whatsapp: { provider: 'carrier-pigeon' } as never })).toThrow(
      /channel settings: whatsapp\.provider: provider must be one of outbox, smtp, twilio, whatsapp-cloud, webhook/,
    );
    expect(() => channelSenders({ outboxDir: '' })).toThrow(/channel settings: outboxDir: the outbox needs a folder/);
  });

  it('senderFor builds one channel’s adapter: a webhook for sms delivers sms only', () => {
    const sender = senderFor(
      'sms',
      { provider: 'webhook', url: 'https://shop.example/hook', secret: 'a-secret-of-16-chars' },
      dir,
    );
    expect(sender.channels).toEqual(['sms']);
  });
});
