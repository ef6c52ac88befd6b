import { createHmac } from 'node:crypto';
import { AppError, fixedClock } from '@strata/core';
import { describe, expect, it } from 'vitest';
import { parseTwilioInbound, parseTwilioStatusCallback, verifyTwilioSignature } from './twilio-inbound.js';

const clock = fixedClock('2026-03-02T09:15:00Z');

/** A status callback as Twilio documents it. */
const delivered = {
  SmsSid: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
  SmsStatus: 'delivered',
  MessageStatus: 'delivered',
  To: '+447700900123',
  MessageSid: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
  AccountSid: 'AC00000000000000000000000000000001',
  From: '+447700900001',
  ApiVersion: '2010-04-01',
};

describe('parseTwilioStatusCallback', () => {
  it('reads a delivered callback as a delivery report at the time it arrived', () => {
    expect(parseTwilioStatusCallback(delivered, clock)).toEqual({
      providerId: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
      status: 'delivered',
      at: '2026-03-02T09:15:00.000Z',
    });
  });

  it('maps each of Twilio’s statuses, and keeps the error code of a failure', () => {
    const statusOf = (MessageStatus: string) =>
      parseTwilioStatusCallback({ ...delivered, MessageStatus }, clock).status;
    expect(['queued', 'sending', 'sent', 'delivered', 'read'].map(statusOf)).toEqual([
      'sent',
      'sent',
      'sent',
      'delivered',
      'opened',
    ]);
    const undelivered = parseTwilioStatusCallback(
      new URLSearchParams({ ...delivered, MessageStatus: 'undelivered', ErrorCode: '30003' }),
      clock,
    );
    expect(undelivered).toMatchObject({ status: 'failed', error: 'Twilio undelivered (error 30003)' });
    expect(parseTwilioStatusCallback({ ...delivered, MessageStatus: 'failed', ErrorCode: '30008' }, clock).error).toBe(
      'Twilio failed (error 30008)',
    );
  });

  it('names the missing or unknown field', () => {
    const { MessageSid: _sid, ...noSid } = delivered;
    const thrown = (form: Record<string, string>) => {
      try {
        parseTwilioStatusCallback(form, clock);
      } catch (e) {
        return e;
      }
      throw new Error('no error thrown');
    };
    const missing = thrown(noSid);
    expect(missing).toBeInstanceOf(AppError);
    expect(missing).toMatchObject({
      kind: 'invalid',
      message: 'Twilio status callback: the field MessageSid is missing',
      details: [{ field: 'MessageSid', message: 'missing' }],
    });
    expect(thrown({ ...delivered, MessageStatus: 'received' })).toMatchObject({
      message: "Twilio status callback: MessageStatus received is not a sent message's status",
      details: [{ field: 'MessageStatus' }],
    });
  });
});

describe('parseTwilioInbound', () => {
  const reply = (Body: string) => ({
    MessageSid: 'SMa1',
    AccountSid: 'AC1',
    From: '+447700900123',
    To: '+447700900001',
    Body,
  });

  it('STOP and its kin, in any case and with spaces around, withdraw consent for sms', () => {
    for (const body of ['STOP', 'stop', ' Stop ', 'STOPALL', 'unsubscribe', 'Cancel', 'END', 'quit\n'])
      expect(parseTwilioInbound(reply(body), clock)).toEqual({
        channel: 'sms',
        from: '+447700900123',
        at: '2026-03-02T09:15:00.000Z',
      });
  });

  it('any other reply is not an opt-out', () => {
    for (const body of ['Stop sending me these please', 'STOP!', 'yes', '', 'halt'])
      expect(parseTwilioInbound(reply(body), clock)).toBeUndefined();
  });

  it('a reply without From is invalid', () => {
    expect(() => parseTwilioInbound({ Body: 'STOP' }, clock)).toThrow(
      /Twilio inbound message: the field From is missing/,
    );
  });
});

describe('verifyTwilioSignature', () => {
  const url = 'https://strata.example/webhooks/twilio/status?shop=lumen';
  const token = '12345';
  // Twilio's algorithm written out: URL, then each field name and value sorted by name, HMAC-SHA1, base64.
  const signed = createHmac('sha1', token)
    .update(
      `${url}AccountSid${delivered.AccountSid}ApiVersion2010-04-01From${delivered.From}MessageSid${delivered.MessageSid}MessageStatusdeliveredSmsSid${delivered.SmsSid}SmsStatusdeliveredTo${delivered.To}`,
    )
    .digest('base64');

  it('accepts the signature Twilio computes, from a record or URLSearchParams', () => {
    expect(verifyTwilioSignature(url, delivered, token, signed)).toBe(true);
    expect(verifyTwilioSignature(url, new URLSearchParams(delivered), token, signed)).toBe(true);
  });

  it('refuses a tampered field, another URL, another token, extra characters and a missing header', () => {
    expect(verifyTwilioSignature(url, { ...delivered, MessageStatus: 'failed' }, token, signed)).toBe(false);
    expect(verifyTwilioSignature(url.replace('lumen', 'other'), delivered, token, signed)).toBe(false);
    expect(verifyTwilioSignature(url, delivered, 'another', signed)).toBe(false);
    expect(verifyTwilioSignature(url, delivered, token, `${signed}!`)).toBe(false);
    expect(verifyTwilioSignature(url, delivered, token, undefined)).toBe(false);
    expect(verifyTwilioSignature(url, delivered, '', signed)).toBe(false);
  });
});
