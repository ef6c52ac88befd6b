/*
 * What providers post back, under /v1/inbound: public routes, each request authenticated by the
 * provider's own signature with the channel's stored secret (never by the API key), checked on
 * the bytes as received before anything is parsed or recorded.
 *
 * - `POST /v1/inbound/twilio/status`: a status callback (X-Twilio-Signature) → the delivery-report sink.
 * - `POST /v1/inbound/twilio/sms`: a customer's text; STOP and its kin withdraw their SMS consent.
 * - `GET /v1/inbound/whatsapp`: Meta's subscription challenge (hub.verify_token).
 * - `POST /v1/inbound/whatsapp` (X-Hub-Signature-256): statuses → the sink; a customer's message
 *   opens the 24-hour window; STOP withdraws their WhatsApp consent.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import {
  AppError,
  type Clock,
  type DeliveryReportSink,
  type OptOutReply,
  type SqlRunner,
  type StoreReader,
  type StoreWriter,
} from '@strata/core';
import {
  parseTwilioInbound,
  parseTwilioStatusCallback,
  parseWhatsAppWebhook,
  verifyTwilioSignature,
  verifyWhatsAppSignature,
} from '@strata/channels';
import { parseJsonText } from '@strata/ingest';
import { withdrawConsent } from '@strata/campaigns';
import type { ChannelService } from './channel-service.js';
import { recordInbound } from './provider-records.js';

/** The variable giving the server's public address, as providers are told it (behind a proxy). */
export const PUBLIC_URL_VARIABLE = 'STRATA_PUBLIC_URL';

export interface InboundRouteDeps {
  channels: ChannelService;
  reports: DeliveryReportSink;
  /** Reads and customers' identities (resolving a phone number). */
  store: StoreReader & Pick<SqlRunner, 'exec'>;
  /** The normal write path: consent_history records a withdrawal and the live engine sees it. */
  writer: StoreWriter;
  clock: Clock;
  /** The server's address as Twilio was given it, e.g. `https://shop.example/strata` (default: as the request came). */
  publicUrl?: string;
  log: (line: string) => void;
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

export function registerInboundRoutes(app: Hono, deps: InboundRouteDeps): void {
  const { channels, clock } = deps;

  /** The URLs Twilio may have signed: the public address (when set), and the request's own. */
  const signedUrls = (c: Context, extra: readonly (string | undefined)[] = []): string[] => {
    const own = new URL(c.req.url);
    const path = own.pathname + own.search;
    const urls: string[] = [];
    if (deps.publicUrl) urls.push(deps.publicUrl.replace(/\/+$/, '') + path);
    const proto = c.req.header('x-forwarded-proto');
    if (proto) urls.push(`${proto.split(',')[0]!.trim()}://${c.req.header('x-forwarded-host') ?? own.host}${path}`);
    urls.push(own.toString());
    for (const u of extra) if (u) urls.push(u);
    return [...new Set(urls)];
  };

  /** The sms channel's Twilio auth token, and the form Twilio signed, or a 401 that records nothing. */
  const verifiedTwilioForm = async (
    c: Context,
    extra: (s: { statusCallback?: string | undefined }) => (string | undefined)[],
  ) => {
    const settings = channels.settingsOf('sms');
    if (settings?.provider !== 'twilio')
      throw new AppError(
        'unavailable',
        'the sms channel is not set up with Twilio (`strata channel set sms --provider twilio …`), so there is no auth token to check Twilio’s signature with',
      );
    const form = new URLSearchParams(await c.req.text());
    const urls = signedUrls(c, extra(settings));
    const header = c.req.header('x-twilio-signature');
    if (!urls.some((url) => verifyTwilioSignature(url, form, settings.authToken, header)))
      throw new AppError(
        'unauthorized',
        `${header ? 'bad' : 'missing'} X-Twilio-Signature: the request is not signed with the sms channel's Twilio auth token for ${urls[0]}${deps.publicUrl ? '' : ` (behind a proxy, set ${PUBLIC_URL_VARIABLE} to the address Twilio posts to)`}`,
      );
    return form;
  };

  /** Withdraws consent for the customer whose number wrote STOP; a number nobody has is only logged. */
  const withdraw = async (reply: OptOutReply, source: string): Promise<string | undefined> => {
    const through = {
      write: deps.writer.write.bind(deps.writer),
      resolveCustomer: deps.store.resolveCustomer.bind(deps.store),
    };
    try {
      return await withdrawConsent(through, {
        customer: { phone: reply.from },
        channel: reply.channel,
        at: new Date(reply.at),
        source,
      });
    } catch (e) {
      if (!(e instanceof AppError && e.kind === 'not_found')) throw e;
      deps.log(`inbound: ${reply.channel} STOP from ${reply.from}, which is no customer's number: nothing to withdraw`);
      return undefined;
    }
  };

  app.post('/v1/inbound/twilio/status', async (c) => {
    const form = await verifiedTwilioForm(c, (s) => [s.statusCallback]);
    await deps.reports.record('sms', [parseTwilioStatusCallback(form, clock)]);
    return c.body(null, 204);
  });

  app.post('/v1/inbound/twilio/sms', async (c) => {
    const form = await verifiedTwilioForm(c, () => []);
    const optOut = parseTwilioInbound(form, clock);
    const from = form.get('From') ?? '';
    const at = clock.now().toISOString();
    const customerId = optOut ? await withdraw(optOut, 'sms STOP') : await deps.store.resolveCustomer({ phone: from });
    await recordInbound(deps.store, { channel: 'sms', address: from, customerId, at });
    // Empty TwiML: no automatic reply from here (Twilio sends the carrier's own STOP confirmation).
    return c.body(EMPTY_TWIML, 200, { 'content-type': 'text/xml; charset=utf-8' });
  });

  const whatsAppSettings = (need: 'appSecret' | 'verifyToken') => {
    const settings = channels.settingsOf('whatsapp');
    const value = settings?.provider === 'whatsapp-cloud' ? settings[need] : undefined;
    if (!value)
      throw new AppError(
        'unavailable',
        `the whatsapp channel has no ${need} (\`strata channel set whatsapp --${need === 'appSecret' ? 'app-secret' : 'verify-token'} …\`), so WhatsApp's webhook cannot be checked`,
      );
    return value;
  };

  app.get('/v1/inbound/whatsapp', (c) => {
    const verifyToken = whatsAppSettings('verifyToken');
    const mode = c.req.query('hub.mode');
    const given = Buffer.from(c.req.query('hub.verify_token') ?? '');
    const expected = Buffer.from(verifyToken);
    if (mode !== 'subscribe' || given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new AppError(
        'unauthorized',
        mode !== 'subscribe'
          ? 'hub.mode must be subscribe'
          : "hub.verify_token is not the whatsapp channel's verifyToken",
      );
    return c.text(c.req.query('hub.challenge') ?? '', 200);
  });

  app.post('/v1/inbound/whatsapp', async (c) => {
    const appSecret = whatsAppSettings('appSecret');
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const header = c.req.header('x-hub-signature-256');
    if (!verifyWhatsAppSignature(raw, appSecret, header))
      throw new AppError(
        'unauthorized',
        `${header ? 'bad' : 'missing'} X-Hub-Signature-256: the body is not signed with the whatsapp channel's app secret`,
      );
    const json = parseJsonText(raw);
    if (!json.ok) throw new AppError('invalid', `body is ${json.message}`);
    const { reports, optOuts, inbound } = parseWhatsAppWebhook(json.value);
    if (reports.length) await deps.reports.record('whatsapp', reports);
    for (const message of inbound) {
      const customerId = await deps.store.resolveCustomer({ phone: message.from });
      await recordInbound(deps.store, { channel: 'whatsapp', address: message.from, customerId, at: message.at });
    }
    for (const reply of optOuts) await withdraw(reply, 'whatsapp STOP');
    return c.json({ success: true, reports: reports.length, inbound: inbound.length, opt_outs: optOuts.length });
  });
}
