/*
 * The unsubscribe page every campaign email links to (public: no key; the signed token is the
 * permission). `GET /u/<token>` (or `/u?token=`) only asks — mail scanners fetch links — and
 * `POST` to the same address withdraws the customer's consent for the token's channel; that POST
 * is also RFC 8058's one-click unsubscribe (`List-Unsubscribe-Post: List-Unsubscribe=One-Click`),
 * which mail providers send without a page. A token that is malformed, tampered with or signed by
 * another store gets a 404 page and changes nothing.
 */
import type { Context, Hono } from 'hono';
import { unsubscribeSource, verifyUnsubscribeToken, withdrawConsent, type UnsubscribeClaim } from '@strata/campaigns';
import { AppError, type Clock, type StoreReader, type StoreWriter } from '@strata/core';
import { UNSUBSCRIBE_PATH } from './campaign-service.js';

export interface UnsubscribeRouteDeps {
  /** The store's unsubscribe signing secret. */
  secret: () => string;
  /** Where the withdrawal is written (the ingest write path: consent history and live marks follow). */
  store: StoreWriter & StoreReader;
  clock: Clock;
  /** The shop's name on the page (default: none). */
  shopName?: string;
}

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const channelWords: Record<UnsubscribeClaim['channel'], string> = {
  email: 'emails',
  sms: 'text messages',
  whatsapp: 'WhatsApp messages',
};

/** A small page that works without scripts or images; the form posts back to the address it was loaded from. */
function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escape(title)}</title>
<style>
body { font: 1.125rem/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fafafa; }
main { max-width: 32rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: .5rem; }
h1 { font-size: 1.5rem; margin-top: 0; }
button { font: inherit; padding: .6rem 1.2rem; border: 2px solid #1a1a1a; border-radius: .4rem; background: #1a1a1a; color: #fff; cursor: pointer; }
button:focus-visible { outline: 3px solid #0a58ca; outline-offset: 3px; }
</style>
</head>
<body>
<main>
<h1>${escape(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

const headers = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // the token is in the address: never sent on to another site
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

const notFound = (c: Context) =>
  c.body(
    page(
      'This unsubscribe link is not valid',
      '<p>The link may be incomplete or changed. Please use the link from the message exactly as it came, or reply to the message to ask us to stop.</p>',
    ),
    404,
    headers,
  );

export function registerUnsubscribeRoutes(app: Hono, deps: UnsubscribeRouteDeps): void {
  const claimOf = (c: Context): UnsubscribeClaim | undefined => {
    const token = c.req.param('token') ?? c.req.query('token') ?? '';
    const r = verifyUnsubscribeToken(deps.secret(), token);
    return r.ok ? r.value : undefined;
  };
  const from = deps.shopName ? ` from ${escape(deps.shopName)}` : '';

  const ask = (c: Context) => {
    const claim = claimOf(c);
    if (!claim) return notFound(c);
    const what = channelWords[claim.channel];
    return c.body(
      page(
        `Unsubscribe from ${what}`,
        `<p>Press the button to stop receiving marketing ${what}${from}.</p>
<form method="post"><button type="submit">Unsubscribe</button></form>`,
      ),
      200,
      headers,
    );
  };

  const withdraw = async (c: Context) => {
    const claim = claimOf(c);
    if (!claim) return notFound(c);
    try {
      await withdrawConsent(deps.store, {
        customer: { id: claim.customerId },
        channel: claim.channel,
        at: deps.clock.now(),
        source: unsubscribeSource(claim.campaignId),
      });
    } catch (e) {
      // A customer deleted since the message went: nothing left to unsubscribe.
      if (e instanceof AppError && e.kind === 'not_found') return notFound(c);
      throw e;
    }
    const what = channelWords[claim.channel];
    return c.body(
      page('You are unsubscribed', `<p>You will not receive marketing ${what}${from} any more.</p>`),
      200,
      headers,
    );
  };

  app.get(UNSUBSCRIBE_PATH, ask);
  app.get(`${UNSUBSCRIBE_PATH}/:token`, ask);
  app.post(UNSUBSCRIBE_PATH, withdraw);
  app.post(`${UNSUBSCRIBE_PATH}/:token`, withdraw);
}
