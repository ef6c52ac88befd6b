import { describeMessageSenderContract } from '@strata/testkit/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifySmtpError, smtpChannel, type SmtpSettings } from '../src/index.js';
import { headerOf, SMTP_PASS, SMTP_USER, smtpAddresses, startFakeSmtp, type FakeSmtp } from './fake-smtp.js';
import { closedPort } from './local-http.js';
import { emailMessage } from './messages.js';

const settingsFor = (port: number): SmtpSettings => ({
  host: '127.0.0.1',
  port,
  user: SMTP_USER,
  pass: SMTP_PASS,
  from: 'Lumen <news@lumen.example>',
  timeoutMs: 5_000,
});

describeMessageSenderContract({
  name: 'smtp',
  async open() {
    const smtp = await startFakeSmtp();
    const sender = smtpChannel(settingsFor(smtp.port));
    const port = await closedPort();
    return {
      sender,
      addresses: smtpAddresses,
      message: emailMessage,
      received: (id) =>
        Promise.resolve(smtp.deliveries.filter((d) => headerOf(d.raw, 'X-Strata-Send-ID') === id).length),
      unreachable: () => smtpChannel(settingsFor(port)),
      async close() {
        await sender.close();
        await smtp.close();
      },
    };
  },
  skip: [
    {
      reason:
        'SMTP has no idempotency key: the caller records the send id before it sends, so it never sends one twice',
      cases: ['sameIdTwice'],
    },
  ],
});

describe('email over SMTP', () => {
  let smtp: FakeSmtp;
  beforeAll(async () => {
    smtp = await startFakeSmtp();
  });
  afterAll(() => smtp.close());

  it('delivers the message with its unsubscribe headers, the send id as Message-ID and header, and both bodies', async () => {
    const sender = smtpChannel(settingsFor(smtp.port));
    try {
      const result = await sender.send(emailMessage('camp7-s1-cust-ada', smtpAddresses.accepted));
      expect(result).toEqual({ ok: true, providerId: '<camp7-s1-cust-ada@lumen.example>' });
      const got = smtp.deliveries.find((d) => headerOf(d.raw, 'X-Strata-Send-ID') === 'camp7-s1-cust-ada')!;
      expect(got.from).toBe('news@lumen.example');
      expect(got.to).toEqual([smtpAddresses.accepted]);
      expect(headerOf(got.raw, 'Message-ID')).toBe('<camp7-s1-cust-ada@lumen.example>');
      expect(headerOf(got.raw, 'List-Unsubscribe')).toBe('<https://shop.example/u/tok123>');
      expect(headerOf(got.raw, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(headerOf(got.raw, 'Subject')).toBe('Your basket misses you, Ada');
      expect(got.raw).toContain('Content-Type: text/plain');
      expect(got.raw).toContain('<p>Hello Ada, your basket is waiting (camp7-s1-cust-ada).</p>');
    } finally {
      await sender.close();
    }
  });

  it('sends many messages over the pool, each once', async () => {
    const sender = smtpChannel(settingsFor(smtp.port));
    try {
      const ids = Array.from({ length: 20 }, (_, i) => `pool-${i}`);
      const results = await Promise.all(ids.map((id) => sender.send(emailMessage(id, smtpAddresses.accepted))));
      expect(results.every((r) => r.ok)).toBe(true);
      for (const id of ids)
        expect(smtp.deliveries.filter((d) => headerOf(d.raw, 'X-Strata-Send-ID') === id)).toHaveLength(1);
    } finally {
      await sender.close();
    }
  });

  it('a wrong password is a permanent failure with the server’s 535', async () => {
    const sender = smtpChannel({ ...settingsFor(smtp.port), pass: 'wrong' });
    try {
      const result = await sender.send(emailMessage('bad-login', smtpAddresses.accepted));
      expect(result).toMatchObject({ ok: false, failure: 'permanent', providerCode: '535' });
      expect(smtp.badLogins).toContain(SMTP_USER);
    } finally {
      await sender.close();
    }
  });

  it('classifies replies by class, and 421/450/451 that speak of rates as rate-limited', () => {
    const reply = (responseCode: number, response: string) =>
      Object.assign(new Error(response), { responseCode, response });
    expect(classifySmtpError(reply(421, '421 4.7.0 Too many connections, slow down'))).toMatchObject({
      failure: 'rate_limited',
      retryAfterMs: 60_000,
    });
    expect(classifySmtpError(reply(450, '450 4.2.1 rate limited'), 5_000)).toMatchObject({
      failure: 'rate_limited',
      retryAfterMs: 5_000,
    });
    expect(classifySmtpError(reply(452, '452 4.3.1 Insufficient system storage'))).toMatchObject({
      failure: 'retryable',
      providerCode: '452',
    });
    expect(classifySmtpError(reply(554, '554 5.7.1 Message rejected as spam'))).toMatchObject({
      failure: 'permanent',
      providerCode: '554',
    });
    expect(classifySmtpError(reply(503, '503 5.5.1 Bad sequence of commands'))).toMatchObject({ failure: 'retryable' });
    expect(classifySmtpError(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' }))).toMatchObject({
      failure: 'retryable',
      providerCode: 'ECONNECTION',
    });
    expect(classifySmtpError(Object.assign(new Error('No recipients defined'), { code: 'EENVELOPE' }))).toMatchObject({
      failure: 'permanent',
    });
  });

  it('refuses settings that name a user without a password, or a From that is not an address', () => {
    expect(() => smtpChannel({ host: 'mail.example', user: 'shop', from: 'news@lumen.example' })).toThrow(
      /email \(smtp\) settings: pass: give both user and pass, or neither/,
    );
    expect(() => smtpChannel({ host: 'mail.example', from: 'Lumen' })).toThrow(/from: from must be an email address/);
  });
});
