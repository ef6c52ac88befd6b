import { describeMessageSenderContract } from '@strata/testkit/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioChannel, type TwilioSettings } from '../src/index.js';
import { startFakeTwilio, TWILIO_SID, TWILIO_TOKEN, twilioNumbers, type FakeTwilio } from './fake-twilio.js';
import { closedPort } from './local-http.js';
import { smsMessage } from './messages.js';

const settingsFor = (baseUrl: string): TwilioSettings => ({
  baseUrl,
  accountSid: TWILIO_SID,
  authToken: TWILIO_TOKEN,
  from: '+447700900001',
  statusCallback: 'https://strata.example/webhooks/twilio/status',
  timeoutMs: 5_000,
});

let contractTwilio: FakeTwilio | undefined;

describeMessageSenderContract({
  name: 'twilio',
  async open() {
    const twilio = await startFakeTwilio();
    contractTwilio = twilio;
    const sender = twilioChannel(settingsFor(twilio.url));
    const port = await closedPort();
    return {
      sender,
      addresses: twilioNumbers,
      message: smsMessage,
      received: (id) => Promise.resolve(twilio.messages.filter((m) => m.token === id).length),
      unreachable: () => twilioChannel(settingsFor(`http://127.0.0.1:${port}`)),
      async close() {
        await sender.close();
        await twilio.close();
      },
    };
  },
});

describe('SMS through the Twilio API', () => {
  let twilio: FakeTwilio;
  beforeAll(async () => {
    twilio = await startFakeTwilio();
  });
  afterAll(() => twilio.close());

  it('every request of the contract run had the documented shape', () => {
    expect(contractTwilio?.requests.length).toBeGreaterThan(5);
    expect(contractTwilio?.shapeErrors).toEqual([]);
  });

  it('posts To, From, Body and StatusCallback as a form with Basic auth and the send id as idempotency token', async () => {
    const sender = twilioChannel(settingsFor(twilio.url));
    const result = await sender.send(smsMessage('camp3-s1-cust-ada', '+447700900123'));
    const message = twilio.messages.find((m) => m.token === 'camp3-s1-cust-ada')!;
    expect(result).toEqual({ ok: true, providerId: message.sid });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.form).toEqual({
      To: '+447700900123',
      From: '+447700900001',
      Body: 'Lumen: 10% off today, code ADA10 (camp3-s1-cust-ada). Reply STOP to opt out.',
      StatusCallback: 'https://strata.example/webhooks/twilio/status',
    });
    expect(twilio.shapeErrors).toEqual([]);
  });

  it('sends through a Messaging Service instead of a number when one is given', async () => {
    const { from: _from, ...rest } = settingsFor(twilio.url);
    const sender = twilioChannel({ ...rest, messagingServiceSid: 'MG00000000000000000000000000000002' });
    expect(await sender.send(smsMessage('via-service', '+447700900123'))).toMatchObject({ ok: true });
    const message = twilio.messages.find((m) => m.token === 'via-service')!;
    expect(message.form.MessagingServiceSid).toBe('MG00000000000000000000000000000002');
    expect(message.form.From).toBeUndefined();
  });

  it('keeps Twilio’s error code and honours Retry-After on a 429', async () => {
    const sender = twilioChannel(settingsFor(twilio.url));
    expect(await sender.send(smsMessage('bad-number', twilioNumbers.refused))).toEqual({
      ok: false,
      failure: 'permanent',
      providerCode: '21211',
      error: `Twilio 400 error 21211: The 'To' number ${twilioNumbers.refused} is not a valid phone number.`,
    });
    expect(await sender.send(smsMessage('throttled', twilioNumbers.throttled))).toMatchObject({
      failure: 'rate_limited',
      providerCode: '20429',
      retryAfterMs: 3_000,
    });
  });

  it('a wrong auth token is a permanent failure (Twilio 20003)', async () => {
    const sender = twilioChannel({ ...settingsFor(twilio.url), authToken: 'wrong' });
    expect(await sender.send(smsMessage('bad-auth', '+447700900123'))).toMatchObject({
      ok: false,
      failure: 'permanent',
      providerCode: '20003',
    });
  });

  it('refuses settings with both a number and a Messaging Service, or a number that is not E.164', () => {
    expect(() =>
      twilioChannel({ ...settingsFor(twilio.url), messagingServiceSid: 'MG00000000000000000000000000000002' }),
    ).toThrow(/sms \(twilio\) settings: from: give either from \(a number\) or messagingServiceSid/);
    expect(() => twilioChannel({ ...settingsFor(twilio.url), from: '07700 900001' })).toThrow(
      /from: from must be an E\.164 number/,
    );
    expect(() => twilioChannel({ ...settingsFor(twilio.url), accountSid: 'XX1' })).toThrow(
      /accountSid: an Account SID starts with AC/,
    );
  });
});
