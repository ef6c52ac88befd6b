/**
 * Channels on a real server on 127.0.0.1: settings over /v1/channels (API key, secrets masked,
 * wrong fields named), the MessageSender the server composes from them (the outbox by default,
 * rebuilt when settings change, to a real SMTP server), the inbound routes signed as Twilio and
 * Meta document (tampered requests refused with nothing recorded; STOP withdraws consent through
 * the write path; WhatsApp messages open the 24-hour window the adapter then checks), and the
 * secrets at rest: never in clear in the store file, and a missing or wrong key says so.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Customer, ManualClock, type OutgoingMessage } from '@strata/core';
import { secretKeyFilePath, startServer, type RunningServer } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';

const dir = mkdtempSync(join(tmpdir(), 'strata-channels-api-'));
const db = join(dir, 's.duckdb');
const keys = { writeKey: 'wk', apiKey: 'api-key-for-channel-tests', webhookSecret: 'shopify-secret' };
const clock = new ManualClock('2026-06-10T12:00:00Z');

const TWILIO_TOKEN = 'f3a1c0ffee5eed0123456789abcd9f3a';
const WA_TOKEN = 'EAAGwhatsapp-access-token-0123456789';
const WA_APP_SECRET = 'meta-app-secret-00112233445566';
const WA_VERIFY = 'verify-token-for-the-subscription';
const SMTP_PASS = 'smtp-password-kept-secret-42';

const ann = { id: 'ann', phone: '+447700900123', email: 'ann@customers.example' };
const bob = { id: 'bob', phone: '+447700900456', email: 'bob@customers.example' };

let server: RunningServer;
let smtp: { port: number; received: { to: string[]; raw: string }[]; close: () => Promise<void> };
let whatsApp: { url: string; calls: { auth: string; body: Record<string, unknown> }[]; close: () => Promise<void> };

const api = (path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) =>
  fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.key === null ? {} : { authorization: `Bearer ${init.key ?? keys.apiKey}` }),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

/** X-Twilio-Signature as Twilio documents it: base64 HMAC-SHA1 of the URL, then each POST field name and value, sorted by name. */
function twilioSign(url: string, fields: Record<string, string>, token: string): string {
  const data =
    url +
    Object.keys(fields)
      .sort()
      .map((k) => k + fields[k])
      .join('');
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

function postTwilio(path: string, fields: Record<string, string>, signature: string | undefined, send = fields) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature !== undefined ? { 'x-twilio-signature': signature } : {}),
    },
    body: new URLSearchParams(send).toString(),
  });
}

/** X-Hub-Signature-256 as Meta documents it: sha256= and the hex HMAC-SHA256 of the raw body under the app secret. */
const metaSign = (raw: string, secret: string) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

const postWhatsApp = (raw: string, signature: string | undefined) =>
  fetch(`${server.url}/v1/inbound/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
    body: raw,
  });

const rows = <T>(sql: string, params: (string | number)[] = []) => server.store.rows<T>(sql, params);
const consentOf = async (id: string) =>
  (
    await rows<{ sms: boolean | null; whatsapp: boolean | null }>(
      'SELECT consent_sms_granted AS sms, consent_whatsapp_granted AS whatsapp FROM customers WHERE id = $1',
      [id],
    )
  )[0];
const countOf = async (table: string) => (await rows<{ n: number }>(`SELECT count(*)::INT AS n FROM ${table}`))[0]!.n;

/** A webhook POST as the Cloud API sends it (one entry, one change). */
function whatsAppHook(value: Record<string, unknown>): string {
  return JSON.stringify({
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
}
const unix = (iso: string) => String(Date.parse(iso) / 1000);

beforeAll(async () => {
  const store = await DuckDbStore.open(db);
  const granted = { granted: true, at: '2026-01-01T00:00:00Z', source: 'checkout' };
  await store.write({
    customers: [ann, bob].map((c) => Customer.parse({ ...c, consent: { sms: granted, whatsapp: granted } })),
  });
  await store.close();

  const received: { to: string[]; raw: string }[] = [];
  const smtpServer = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth: (auth, _s, cb) =>
      auth.username === 'shop' && auth.password === SMTP_PASS
        ? cb(null, { user: 'shop' })
        : cb(Object.assign(new Error('5.7.8 bad login'), { responseCode: 535 })),
    onData(stream, session, cb) {
      const parts: Buffer[] = [];
      stream.on('data', (d: Buffer) => parts.push(d));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(parts).toString() });
        cb();
      });
    },
  });
  const smtpSocket: Server = await new Promise((resolve) => {
    const s: Server = smtpServer.listen(0, '127.0.0.1', () => resolve(s));
  });
  smtp = {
    port: (smtpSocket.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => smtpServer.close(() => resolve())),
  };

  // The Cloud API's messages endpoint: a bearer token and a JSON body; answers a wamid.
  const calls: { auth: string; body: Record<string, unknown> }[] = [];
  const wa = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      calls.push({ auth: req.headers.authorization ?? '', body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ messaging_product: 'whatsapp', messages: [{ id: `wamid.test${calls.length}` }] }));
    });
  });
  await new Promise<void>((resolve) => wa.listen(0, '127.0.0.1', resolve));
  whatsApp = {
    url: `http://127.0.0.1:${(wa.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => wa.close(() => resolve())),
  };

  server = await startServer({ dbPath: db, port: 0, keys, clock, env: {}, log: () => {} });
});

afterAll(async () => {
  await server?.close().catch(() => undefined);
  await smtp?.close();
  await whatsApp?.close();
});

const message = (over: Partial<OutgoingMessage>): OutgoingMessage => ({
  id: `send-${randomBytes(4).toString('hex')}`,
  channel: 'email',
  customerId: 'ann',
  to: ann.email,
  subject: 'Spring is here',
  text: 'New arrivals in the shop.',
  ...over,
});

describe('channel settings over HTTP', () => {
  it('need the API key', async () => {
    expect((await api('/v1/channels', { key: null })).status).toBe(401);
    expect((await api('/v1/channels/sms', { method: 'PUT', body: { provider: 'outbox' }, key: 'wrong' })).status).toBe(
      401,
    );
  });

  it('default to the outbox beside the store, and a set channel answers its secrets masked', async () => {
    const before = (await (await api('/v1/channels')).json()) as { outbox_dir: string; channels: unknown[] };
    expect(before.outbox_dir).toBe(join(dir, 'outbox'));
    expect(before.channels).toContainEqual({
      channel: 'sms',
      provider: 'outbox',
      configured: false,
      settings: { dir: join(dir, 'outbox') },
      secrets: [],
    });
    const res = await api('/v1/channels/sms', {
      method: 'PUT',
      body: { provider: 'twilio', accountSid: 'AC0123456789abcdef', authToken: TWILIO_TOKEN, from: '+447700900001' },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(TWILIO_TOKEN);
    expect(JSON.parse(text)).toMatchObject({
      channel: 'sms',
      provider: 'twilio',
      configured: true,
      settings: { accountSid: 'AC0123456789abcdef', authToken: '…9f3a', from: '+447700900001' },
      secrets: ['authToken'],
    });
    expect(await (await api('/v1/channels')).text()).not.toContain(TWILIO_TOKEN);
  });

  it('refuse wrong settings naming the field, and keep the settings they had', async () => {
    const res = await api('/v1/channels/sms', { method: 'PATCH', body: { authTokn: 'x', from: '07700' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { field: string; message: string }[] } };
    expect(body.error.details.map((d) => d.field)).toEqual(['sms.authTokn', 'sms.from']);
    expect(body.error.details[0]!.message).toContain('did you mean authToken?');
    const wrongProvider = await api('/v1/channels/sms', { method: 'PUT', body: { provider: 'smtp', host: 'x' } });
    expect(((await wrongProvider.json()) as { error: { message: string } }).error.message).toBe(
      'sms.provider: smtp cannot deliver sms (it delivers email)',
    );
    expect(server.channels.show('sms').settings.from).toBe('+447700900001');
  });
});

describe("the server's MessageSender", () => {
  it('writes to the outbox by default, and sends through SMTP once email is set, as the same object', async () => {
    const sender = server.channels.sender;
    const first = message({});
    expect(await sender.send(first)).toEqual({ ok: true, providerId: `outbox:email/${first.id}` });
    expect(readdirSync(join(dir, 'outbox', 'email'))).toContain(`${first.id}.eml`);

    const res = await api('/v1/channels/email', {
      method: 'PUT',
      body: {
        provider: 'smtp',
        host: '127.0.0.1',
        port: smtp.port,
        user: 'shop',
        pass: SMTP_PASS,
        from: 'Lumen <news@lumen.example>',
        timeoutMs: 10_000,
      },
    });
    expect(res.status).toBe(200);
    const second = message({ to: 'cy@customers.example' });
    const result = await sender.send(second);
    expect(result.ok).toBe(true);
    expect(smtp.received.map((m) => m.to)).toEqual([['cy@customers.example']]);
    expect(smtp.received[0]!.raw).toContain('Subject: Spring is here');
    expect(readdirSync(join(dir, 'outbox', 'email'))).not.toContain(`${second.id}.eml`);
  });

  it('POST /v1/channels/:channel/test sends one message through the adapter as set', async () => {
    const res = await api('/v1/channels/email/test', { method: 'POST', body: { to: 'owner@lumen.example' } });
    const body = (await res.json()) as { ok: boolean; provider: string; provider_id: string };
    expect(body).toMatchObject({ ok: true, provider: 'smtp' });
    expect(smtp.received.at(-1)!.to).toEqual(['owner@lumen.example']);
    expect(smtp.received.at(-1)!.raw).toContain('Subject: Strata test message');
  });
});

describe('Twilio status callbacks and replies', () => {
  const statusPath = '/v1/inbound/twilio/status';
  const statusUrl = () => `${server.url}${statusPath}`;
  const callback = {
    AccountSid: 'AC0123456789abcdef',
    ApiVersion: '2010-04-01',
    From: '+447700900001',
    MessageSid: 'SM1f0e8c6c3e9e4a4b8a9a2f3e4d5c6b7a',
    MessageStatus: 'delivered',
    SmsSid: 'SM1f0e8c6c3e9e4a4b8a9a2f3e4d5c6b7a',
    SmsStatus: 'delivered',
    To: ann.phone,
  };

  it('a signed status callback goes to the delivery-report sink (message_reports)', async () => {
    const res = await postTwilio(statusPath, callback, twilioSign(statusUrl(), callback, TWILIO_TOKEN));
    expect(res.status).toBe(204);
    expect(
      await rows('SELECT channel, provider_id, status, error FROM message_reports WHERE channel = $1', ['sms']),
    ).toEqual([{ channel: 'sms', provider_id: callback.MessageSid, status: 'delivered', error: null }]);
  });

  it('a tampered, unsigned or wrongly keyed callback is refused with 401 and records nothing', async () => {
    const before = await countOf('message_reports');
    const signed = twilioSign(statusUrl(), callback, TWILIO_TOKEN);
    const failed = { ...callback, MessageStatus: 'failed', ErrorCode: '30003' };
    const tampered = await postTwilio(statusPath, callback, signed, failed);
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as { error: { message: string } }).error.message).toContain(
      'bad X-Twilio-Signature',
    );
    expect((await postTwilio(statusPath, failed, undefined)).status).toBe(401);
    expect((await postTwilio(statusPath, failed, twilioSign(statusUrl(), failed, 'another-token'))).status).toBe(401);
    // Signed for another URL (a replay to another route).
    expect(
      (await postTwilio(statusPath, failed, twilioSign(`${server.url}/elsewhere`, failed, TWILIO_TOKEN))).status,
    ).toBe(401);
    expect(await countOf('message_reports')).toBe(before);
  });

  it('behind a proxy, a callback signed for the public address (X-Forwarded-Proto and -Host) is taken', async () => {
    const publicUrl = `https://strata.lumen.example${statusPath}`;
    const sent = { ...callback, MessageSid: 'SMproxied1', MessageStatus: 'sent' };
    const res = await fetch(statusUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'strata.lumen.example',
        'x-twilio-signature': twilioSign(publicUrl, sent, TWILIO_TOKEN),
      },
      body: new URLSearchParams(sent).toString(),
    });
    expect(res.status).toBe(204);
    expect(await rows(`SELECT status FROM message_reports WHERE provider_id = 'SMproxied1'`)).toEqual([
      { status: 'sent' },
    ]);
  });

  it('STOP withdraws the SMS consent of the customer with that number, through the write path', async () => {
    const path = '/v1/inbound/twilio/sms';
    const reply = {
      AccountSid: 'AC0123456789abcdef',
      Body: ' stop ',
      From: ann.phone,
      MessageSid: 'SMreply1',
      To: '+447700900001',
    };
    const tampered = { ...reply, From: bob.phone };
    const refused = await postTwilio(path, reply, twilioSign(`${server.url}${path}`, reply, TWILIO_TOKEN), tampered);
    expect(refused.status).toBe(401);
    expect(await consentOf('bob')).toEqual({ sms: true, whatsapp: true });

    const res = await postTwilio(path, reply, twilioSign(`${server.url}${path}`, reply, TWILIO_TOKEN));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/xml');
    expect(await res.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(await consentOf('ann')).toEqual({ sms: false, whatsapp: true });
    expect(
      await rows(
        `SELECT channel, granted, source, stated_at::VARCHAR AS at FROM consent_history WHERE customer_id = 'ann' ORDER BY stated_at`,
      ),
    ).toEqual([
      { channel: 'sms', granted: true, source: 'checkout', at: '2026-01-01 00:00:00+00' },
      { channel: 'whatsapp', granted: true, source: 'checkout', at: '2026-01-01 00:00:00+00' },
      { channel: 'sms', granted: false, source: 'sms STOP', at: '2026-06-10 12:00:00+00' },
    ]);
    // The live engine's mark: the customer is re-evaluated at its next step.
    expect(await rows(`SELECT cause FROM live_pending WHERE customer_id = 'ann' AND cause = 'customer'`)).not.toEqual(
      [],
    );
    // A reply that is not STOP changes nothing.
    const hello = { ...reply, Body: 'Is the shop open on Sunday?', From: bob.phone, MessageSid: 'SMreply2' };
    expect((await postTwilio(path, hello, twilioSign(`${server.url}${path}`, hello, TWILIO_TOKEN))).status).toBe(200);
    expect(await consentOf('bob')).toEqual({ sms: true, whatsapp: true });
  });
});

describe('the WhatsApp webhook', () => {
  beforeAll(async () => {
    const res = await api('/v1/channels/whatsapp', {
      method: 'PUT',
      body: {
        provider: 'whatsapp',
        baseUrl: whatsApp.url,
        phoneNumberId: '106540352242922',
        accessToken: WA_TOKEN,
        appSecret: WA_APP_SECRET,
        verifyToken: WA_VERIFY,
      },
    });
    expect(res.status).toBe(200);
  });

  it('answers the subscription challenge only with the verify token', async () => {
    const q = (token: string) =>
      fetch(
        `${server.url}/v1/inbound/whatsapp?${new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '1158201444' }).toString()}`,
      );
    const ok = await q(WA_VERIFY);
    expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
    const wrong = await q('guess');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('1158201444');
  });

  const wroteAt = '2026-06-10T11:00:00Z';
  const hook = whatsAppHook({
    contacts: [{ profile: { name: 'Ann' }, wa_id: '447700900123' }],
    messages: [
      {
        from: '447700900123',
        id: 'wamid.in1',
        timestamp: unix(wroteAt),
        type: 'text',
        text: { body: 'Do you have it in blue?' },
      },
      { from: '447700900456', id: 'wamid.in2', timestamp: unix(wroteAt), type: 'text', text: { body: 'STOP' } },
    ],
    statuses: [
      { id: 'wamid.out1', status: 'delivered', timestamp: unix(wroteAt), recipient_id: '447700900123' },
      {
        id: 'wamid.out2',
        status: 'failed',
        timestamp: unix(wroteAt),
        recipient_id: '447700900999',
        errors: [{ code: 131026, title: 'Message undeliverable' }],
      },
    ],
  });

  it('refuses a tampered or unsigned body with 401 and records nothing', async () => {
    const counts = [await countOf('message_reports'), await countOf('channel_inbound')];
    const tampered = hook.replace('Do you have it in blue?', 'STOP');
    const res = await postWhatsApp(tampered, metaSign(hook, WA_APP_SECRET));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('X-Hub-Signature-256');
    expect((await postWhatsApp(hook, undefined)).status).toBe(401);
    expect((await postWhatsApp(hook, metaSign(hook, 'another-secret'))).status).toBe(401);
    expect([await countOf('message_reports'), await countOf('channel_inbound')]).toEqual(counts);
    expect(await consentOf('bob')).toEqual({ sms: true, whatsapp: true });
  });

  it('statuses go to the sink, STOP withdraws WhatsApp consent, messages are remembered', async () => {
    const res = await postWhatsApp(hook, metaSign(hook, WA_APP_SECRET));
    expect(res.status).toBe(200);
    expect(
      await rows(
        `SELECT provider_id, status, error, "at"::VARCHAR AS at FROM message_reports WHERE channel = 'whatsapp' ORDER BY provider_id`,
      ),
    ).toEqual([
      { provider_id: 'wamid.out1', status: 'delivered', error: null, at: '2026-06-10 11:00:00+00' },
      {
        provider_id: 'wamid.out2',
        status: 'failed',
        error: 'WhatsApp error 131026: Message undeliverable',
        at: '2026-06-10 11:00:00+00',
      },
    ]);
    expect(await consentOf('bob')).toEqual({ sms: true, whatsapp: false });
    expect(await consentOf('ann')).toEqual({ sms: false, whatsapp: true });
    expect(
      await rows(
        `SELECT address, customer_id, last_inbound_at::VARCHAR AS at FROM channel_inbound WHERE channel = 'whatsapp' ORDER BY address`,
      ),
    ).toEqual([
      { address: ann.phone, customer_id: 'ann', at: '2026-06-10 11:00:00+00' },
      { address: bob.phone, customer_id: 'bob', at: '2026-06-10 11:00:00+00' },
    ]);
    // Meta sends a webhook again when unsure it arrived: the same reports are kept once.
    expect((await postWhatsApp(hook, metaSign(hook, WA_APP_SECRET))).status).toBe(200);
    expect(await countOf(`message_reports WHERE channel = 'whatsapp'`)).toBe(2);
  });

  it("free text goes only inside the 24 hours after the customer's last message", async () => {
    const text = (to: string): OutgoingMessage => {
      const { subject: _subject, ...m } = message({ channel: 'whatsapp', to, text: 'Yes, in blue too.' });
      return m;
    };
    const inside = await server.channels.sender.send(text(ann.phone));
    expect(inside).toEqual({ ok: true, providerId: 'wamid.test1' });
    expect(whatsApp.calls[0]).toMatchObject({
      auth: `Bearer ${WA_TOKEN}`,
      body: { messaging_product: 'whatsapp', to: '447700900123', type: 'text', text: { body: 'Yes, in blue too.' } },
    });
    const never = await server.channels.sender.send(text('+447700900789'));
    expect(never).toMatchObject({ ok: false, failure: 'permanent', providerCode: 'outside_service_window' });
    clock.advance(24 * 3_600_000);
    const after = await server.channels.sender.send(text(ann.phone));
    expect(after).toMatchObject({ ok: false, failure: 'permanent', providerCode: 'outside_service_window' });
    expect(whatsApp.calls).toHaveLength(1);
  });
});

describe('secrets at rest', () => {
  it('the store file never holds a secret in clear; the key file beside it is owner-only', async () => {
    await server.close();
    const bytes = Buffer.concat([db, `${db}.wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
    // What is not secret is there to be found, so the search below can see settings at all.
    expect(bytes.includes('AC0123456789abcdef')).toBe(true);
    for (const secret of [TWILIO_TOKEN, WA_TOKEN, WA_APP_SECRET, WA_VERIFY, SMTP_PASS]) {
      expect(bytes.includes(secret)).toBe(false);
      expect(bytes.includes(secret.slice(0, 12))).toBe(false);
    }
    const store = await DuckDbStore.open(db);
    try {
      const row = (await store.rows<{ value: string }>(`SELECT value FROM settings WHERE key = 'channel.sms'`))[0]!;
      expect(JSON.parse(row.value)).toMatchObject({ provider: 'twilio', authToken: expect.stringMatching(/^enc:v1:/) });
    } finally {
      await store.close();
    }
    expect(statSync(secretKeyFilePath(db)).mode & 0o777).toBe(0o600);
  });

  it('a wrong key or a missing key file stops the start with a message naming it, and frees the store', async () => {
    const other = randomBytes(32).toString('base64');
    await expect(startServer({ dbPath: db, port: 0, keys, env: { STRATA_SECRET_KEY: other } })).rejects.toThrow(
      /channel\.(email|sms|whatsapp)\.\w+ was encrypted with another secret key \(id [0-9a-f]{12}\) than STRATA_SECRET_KEY holds/,
    );
    const keyFile = secretKeyFilePath(db);
    renameSync(keyFile, `${keyFile}.away`);
    await expect(startServer({ dbPath: db, port: 0, keys, env: {} })).rejects.toThrow(
      `there is no key file ${keyFile} and STRATA_SECRET_KEY is not set`,
    );
    renameSync(`${keyFile}.away`, keyFile);
    const again = await startServer({ dbPath: db, port: 0, keys, env: {} });
    try {
      expect(again.channels.settingsOf('sms')).toMatchObject({ authToken: TWILIO_TOKEN });
    } finally {
      await again.close();
    }
  });
});
