import { describe, expect, it } from 'vitest';
import {
  emailClickedEvent,
  emailOpenedEvent,
  readEmailClick,
  readEmailOpen,
  trackEmailHtml,
  type TrackedEmail,
} from './email-tracking.js';

const tracking = { baseUrl: 'https://strata.example/', secret: 'test-secret' };
const message: TrackedEmail = { sendId: 'send-1', customerId: 'ann', campaign: 'Spring sale', campaignId: 'spring' };
const tokenOf = (url: string, path: string) => url.split(`https://strata.example${path}/`)[1]!;

describe('trackEmailHtml', () => {
  it('rewrites web links (entities decoded) and leaves other links, kept links and the text alone', () => {
    const html = [
      '<body><p><a href="https://shop.example/a?x=1&amp;y=2">A</a>',
      "<A class='b' HREF='http://shop.example/b'>B</A>",
      '<a href="mailto:hi@shop.example">mail</a> <a href="#top">top</a> <a href="javascript:alert(1)">js</a>',
      '<a href="https://strata.example/u?token=abc">Unsubscribe</a> https://shop.example/plain</p></body>',
    ].join('\n');
    const out = trackEmailHtml(html, tracking, message, (u) => u.startsWith('https://strata.example/u?'));
    const hrefs = [...out.matchAll(/href\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]!);
    expect(hrefs.slice(2)).toEqual([
      'mailto:hi@shop.example',
      '#top',
      'javascript:alert(1)',
      'https://strata.example/u?token=abc',
    ]);
    expect(readEmailClick(tracking.secret, tokenOf(hrefs[0]!, '/c'))).toEqual({
      ...message,
      url: 'https://shop.example/a?x=1&y=2',
    });
    expect(readEmailClick(tracking.secret, tokenOf(hrefs[1]!, '/c'))?.url).toBe('http://shop.example/b');
    expect(out).toContain(' https://shop.example/plain</p>');
    // The pixel goes just before </body>.
    const pixel = /<img src="([^"]+)" width="1" height="1" alt=""[^>]*><\/body>$/.exec(out)?.[1];
    expect(readEmailOpen(tracking.secret, tokenOf(pixel!, '/o'))).toEqual(message);
  });

  it('adds the pixel at the end of HTML without a body, and a token is good for its own purpose only', () => {
    const out = trackEmailHtml('<p><a href="https://shop.example/">x</a></p>', tracking, message);
    const click = tokenOf(/href="([^"]+)"/.exec(out)![1]!, '/c');
    const open = tokenOf(/<img src="([^"]+)"[^>]*>$/.exec(out)![1]!, '/o');
    expect(readEmailOpen(tracking.secret, click)).toBeUndefined();
    expect(readEmailClick(tracking.secret, open)).toBeUndefined();
    expect(readEmailClick('another-store', click)).toBeUndefined();
    expect(
      readEmailClick(
        tracking.secret,
        click.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      ),
    ).toBeUndefined();
  });
});

describe('email events', () => {
  it('give one id per message for opens and one per message and address for clicks', () => {
    const at = new Date('2026-03-02T10:00:00Z');
    const later = new Date('2026-03-03T10:00:00Z');
    expect(emailOpenedEvent(message, at).message_id).toBe(emailOpenedEvent(message, later).message_id);
    expect(emailOpenedEvent(message, at).message_id).not.toBe(
      emailOpenedEvent({ ...message, sendId: 'send-2' }, at).message_id,
    );
    const a = emailClickedEvent({ ...message, url: 'https://shop.example/a' }, at);
    expect(a).toMatchObject({
      customer_id: 'ann',
      type: 'email_clicked',
      properties: {
        campaign: 'Spring sale',
        campaign_id: 'spring',
        message_id: 'send-1',
        url: 'https://shop.example/a',
      },
    });
    expect(emailClickedEvent({ ...message, url: 'https://shop.example/a' }, later).message_id).toBe(a.message_id);
    expect(emailClickedEvent({ ...message, url: 'https://shop.example/b' }, at).message_id).not.toBe(a.message_id);
  });
});
