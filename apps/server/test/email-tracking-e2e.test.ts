/**
 * Email opens and clicks, from inbox back to a segment: a real Strata server (on a test clock)
 * sends an HTML campaign through a real SMTP server on 127.0.0.1; the test takes the links from
 * the mail as received, follows them over HTTP, and finds the customer who clicked — and only
 * her — with `did email_clicked where campaign = "Spring sale"`. The unsubscribe link is left as
 * it was, a forged link records nothing, and the redirect goes only to the address in the mail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignReportBody, MessageLogResponse, MessagePreviewBody, SegmentPreviewResponse } from '@strata/api';
import { Customer, ManualClock } from '@strata/core';
import { startServer, type RunningServer } from '@strata/server';
import { recipient, startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { until } from './until.js';

const START = '2026-03-02T10:00:00.000Z';
const CAMPAIGN = 'spring-sale';
const keys = { writeKey: 'wk-track', apiKey: 'api-key-track', webhookSecret: 'secret-track' };

const dir = mkdtempSync(join(tmpdir(), 'strata-tracking-e2e-'));
const clock = new ManualClock(START);
let smtp: SmtpSink;
let server: RunningServer;

const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${keys.apiKey}`, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, json: await res.json() };
};

const members = async (text: string) =>
  SegmentPreviewResponse.parse(
    (await api('/v1/segments/preview', { method: 'POST', body: { text } })).json,
  ).members.sort();

const granted = { granted: true, at: '2026-01-01T00:00:00Z', source: 'checkout' };
const people = ['ann', 'bob', 'cat'];

const definition = {
  id: CAMPAIGN,
  name: 'Spring sale',
  audience: { include: ['everyone'] },
  message: {
    channel: 'email',
    subject: 'Spring sale, {{ customer.first_name }}',
    text: 'Shop the sale: https://shop.example/sale\nUnsubscribe: {{ unsubscribe_url }}',
    html: `<html><body>
<p>Hello {{ customer.first_name }}, <a href="https://shop.example/sale?from=mail&amp;utm=spring">shop the sale</a>
or <a class="b" href='https://shop.example/tea'>see the teas</a>.</p>
<p><a href="mailto:help@shop.example">Write to us</a> · <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>
</body></html>`,
  },
  holdoutShare: 0,
};

const mailOf = (id: string) => smtp.received.find((m) => recipient(m) === id)!;
const hrefs = (mail: ParsedMail) => [...String(mail.html).matchAll(/<a\b[^>]*href="([^"]*)"/g)].map((m) => m[1]!);
const pixel = (mail: ParsedMail) => /<img src="([^"]+)" width="1" height="1"/.exec(String(mail.html))?.[1];

beforeAll(async () => {
  smtp = await startSmtpSink();
  server = await startServer({ dbPath: join(dir, 'shop.duckdb'), port: 0, keys, clock, timer: clock });
  const email = await api('/v1/channels/email', {
    method: 'PUT',
    body: { provider: 'smtp', host: '127.0.0.1', port: smtp.port, from: 'Shop <news@shop.example>' },
  });
  expect(email.status).toBe(200);
  await server.store.write({
    customers: people.map((id) =>
      Customer.parse({
        id,
        email: `${id}@example.com`,
        name: `${id.toUpperCase()} Smith`,
        consent: { email: granted },
      }),
    ),
  });
  expect((await api('/v1/profiles/compute', { method: 'POST', body: { as_of: START } })).status).toBe(200);
  expect((await api('/v1/config/quiet_hours', { method: 'PUT', body: { value: 'none' } })).status).toBe(200);
  expect(
    (await api('/v1/segments', { method: 'POST', body: { name: 'everyone', text: 'consent email' } })).status,
  ).toBe(201);
  expect((await api('/v1/campaigns', { method: 'POST', body: definition })).status).toBe(201);
  const started = await api(`/v1/campaigns/${CAMPAIGN}/start`, { method: 'POST' });
  expect(started.status, JSON.stringify(started.json)).toBe(200);
  await until('the campaign sent', async () => {
    const report = CampaignReportBody.parse((await api(`/v1/campaigns/${CAMPAIGN}/report`)).json);
    return report.byStatus.sent === people.length && smtp.received.length >= people.length;
  });
});

afterAll(async () => {
  await server?.close();
  await smtp?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('email opens and clicks through the server', () => {
  it('rewrites every web link in the HTML through /c/, adds an open pixel, and leaves the unsubscribe link and mailto alone', () => {
    expect(smtp.received.map(recipient).sort()).toEqual(people);
    const links = hrefs(mailOf('ann'));
    expect(links).toHaveLength(4);
    expect(links[0]).toMatch(new RegExp(`^${server.url}/c/[\\w-]+\\.[\\w-]+$`));
    expect(links[1]).toMatch(new RegExp(`^${server.url}/c/[\\w-]+\\.[\\w-]+$`));
    expect(links[2]).toBe('mailto:help@shop.example');
    expect(links[3]).toMatch(new RegExp(`^${server.url}/u\\?token=`));
    expect(pixel(mailOf('ann'))).toMatch(new RegExp(`^${server.url}/o/[\\w-]+\\.[\\w-]+$`));
    // Each recipient's links are their own.
    expect(hrefs(mailOf('bob'))[0]).not.toBe(links[0]);
    // The plain-text part is left as written.
    expect(mailOf('ann').text).toContain('Shop the sale: https://shop.example/sale\n');
  });

  it('previews the message with its links as written and no pixel (opening a preview records nothing)', async () => {
    const preview = await api(`/v1/campaigns/${CAMPAIGN}/preview`, { method: 'POST', body: { customer: 'ann' } });
    expect(preview.status).toBe(200);
    const html = MessagePreviewBody.parse(preview.json).html!;
    expect(html).toContain('<a href="https://shop.example/sale?from=mail&amp;utm=spring">');
    expect(html).not.toContain('/o/');
    expect(html).not.toContain('/c/');
  });

  it('redirects a click to the address in the mail and records email_clicked for that customer and campaign', async () => {
    const [sale, tea] = hrefs(mailOf('ann'));
    const res = await fetch(sale!, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://shop.example/sale?from=mail&utm=spring');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const again = await fetch(tea!, { redirect: 'manual' });
    expect(again.headers.get('location')).toBe('https://shop.example/tea');
    // Bob only opens.
    const open = await fetch(pixel(mailOf('bob'))!);
    expect(open.status).toBe(200);
    expect(open.headers.get('content-type')).toBe('image/gif');
    expect(open.headers.get('cache-control')).toContain('no-store');
    expect(
      Buffer.from(await open.arrayBuffer())
        .subarray(0, 6)
        .toString(),
    ).toBe('GIF89a');

    await until('the events to be written', async () => (await members('did email_clicked')).length > 0, 10_000);
    expect(await members('did email_clicked where campaign = "Spring sale"')).toEqual(['ann']);
    expect(await members('did email_clicked where campaign = "Summer sale"')).toEqual([]);
    expect(await members('did email_clicked where url = "https://shop.example/tea"')).toEqual(['ann']);
    expect(await members('did email_opened where campaign = "Spring sale"')).toEqual(['bob']);
    expect(await members(`did email_opened where campaign_id = "${CAMPAIGN}" within last 7 days`)).toEqual(['bob']);
    const log = MessageLogResponse.parse((await api(`/v1/customers/ann/messages`)).json);
    expect(await members(`did email_clicked where message_id = "${log.messages[0]!.id}"`)).toEqual(['ann']);
  });

  it('records a repeated open or click of the same link once (one event per message, one per link)', async () => {
    const [sale] = hrefs(mailOf('ann'));
    await fetch(sale!, { redirect: 'manual' });
    await fetch(pixel(mailOf('bob'))!);
    await fetch(pixel(mailOf('bob'))!);
    await fetch(pixel(mailOf('ann'))!);
    await until('ann’s open', async () => (await members('did email_opened')).includes('ann'), 10_000);
    expect(await members('did email_clicked at least 2 times')).toEqual(['ann']); // two links
    expect(await members('did email_clicked at least 3 times')).toEqual([]);
    expect(await members('did email_opened at least 2 times')).toEqual([]);
  });

  it('moves the messages to opened and clicked in the message log', async () => {
    // The send loop applies the reports at its next step (it looks again each minute).
    clock.advance(61_000);
    await until('the log to follow', async () => {
      const log = MessageLogResponse.parse((await api(`/v1/campaigns/${CAMPAIGN}/messages`)).json);
      const status = Object.fromEntries(log.messages.map((m) => [m.customer_id, m.status]));
      return status.ann === 'clicked' && status.bob === 'opened' && status.cat === 'sent';
    });
  });

  it('refuses a forged or changed token with a 404 and records nothing', async () => {
    const [sale] = hrefs(mailOf('cat'));
    const token = sale!.split('/c/')[1]!;
    const [payload, signature] = token.split('.') as [string, string];
    // A claim naming another address, signed with a made-up signature: no redirect anywhere.
    const evil = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), u: 'https://evil.example/' }),
    ).toString('base64url');
    for (const forged of [
      `${server.url}/c/${evil}.${signature}`,
      `${server.url}/c/${payload}.${signature.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'))}`,
      `${server.url}/c/not-a-token`,
    ]) {
      const res = await fetch(forged, { redirect: 'manual' });
      expect(res.status).toBe(404);
      expect(res.headers.get('location')).toBeNull();
    }
    // A click token is no open token, and the reverse.
    expect((await fetch(`${server.url}/o/${token}`)).status).toBe(404);
    const openToken = pixel(mailOf('cat'))!.split('/o/')[1]!;
    expect((await fetch(`${server.url}/c/${openToken}`, { redirect: 'manual' })).status).toBe(404);
    // Nothing was recorded for cat; a real open still is.
    expect(await members('did email_clicked or did email_opened')).toEqual(['ann', 'bob']);
    expect((await fetch(pixel(mailOf('cat'))!)).status).toBe(200);
    // Segments are evaluated as of the profiles' time: brought up to the test clock's.
    const now = clock.now().toISOString();
    expect((await api('/v1/profiles/compute', { method: 'POST', body: { as_of: now } })).status).toBe(200);
    await until('cat’s open', async () => (await members('did email_opened')).includes('cat'), 10_000);
  });
});
