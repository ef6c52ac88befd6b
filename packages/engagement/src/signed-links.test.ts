import { describe, expect, it } from 'vitest';
import { Questionnaire } from '@strata/core';
import { contentView, readContentLink, trackedLink, VIEW_PARAMETER } from './content-links.js';
import { questionnaireLink, readQuestionnaireToken } from './questionnaire-answers.js';
import { readToken, signToken, TokenPurpose } from './signed-tokens.js';

const secret = 'test-secret-0123456789';
const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1);
const at = new Date('2026-05-01T10:00:00Z');

describe('tracked content links', () => {
  const link = trackedLink(secret, {
    baseUrl: 'https://strata.example.com/',
    customerId: 'ann',
    url: 'https://shop.example.com/blog/spf?lang=en#tips',
    topic: 'skincare',
    sendId: 'send-1',
  });

  it('is the server address, /r/ and a token naming the customer, address and topic', () => {
    expect(link).toMatch(/^https:\/\/strata\.example\.com\/r\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(readContentLink(secret, tokenOf(link))).toEqual({
      customerId: 'ann',
      url: 'https://shop.example.com/blog/spf?lang=en#tips',
      topic: 'skincare',
      sendId: 'send-1',
    });
  });

  it('records a content_view with the topic, the address as content id, dwell 0 and the send id', () => {
    const followed = contentView(secret, tokenOf(link), at)!;
    expect(followed.location).toBe('https://shop.example.com/blog/spf?lang=en#tips');
    expect(followed.event).toMatchObject({
      customer_id: 'ann',
      type: 'content_view',
      occurred_at: '2026-05-01T10:00:00.000Z',
      properties: {
        content_id: 'https://shop.example.com/blog/spf?lang=en#tips',
        topic: 'skincare',
        dwell_seconds: 0,
        url: 'https://shop.example.com/blog/spf?lang=en#tips',
        send_id: 'send-1',
      },
    });
    // a second follow later is a second view
    expect(contentView(secret, tokenOf(link), new Date(at.getTime() + 1000))!.event.message_id).not.toBe(
      followed.event.message_id,
    );
  });

  it('adds a view token to the address only when the link asks for dwell, keeping its query and fragment', () => {
    const dwell = trackedLink(secret, {
      baseUrl: 'https://strata.example.com',
      customerId: 'ann',
      url: 'https://shop.example.com/blog/spf?lang=en#tips',
      topic: 'skincare',
      contentId: 'spf-guide',
      dwell: true,
    });
    const followed = contentView(secret, tokenOf(dwell), at)!;
    const u = new URL(followed.location);
    expect(u.searchParams.get('lang')).toBe('en');
    expect(u.hash).toBe('#tips');
    const view = u.searchParams.get(VIEW_PARAMETER)!;
    expect(readToken(secret, TokenPurpose.view, view)).toEqual({ m: followed.event.message_id });
    expect(followed.event.properties.content_id).toBe('spf-guide');
  });

  it('refuses to make a link to anything but an http(s) address, naming the field', () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,hi', 'file:///etc/passwd', '//evil.example', 'not a url'])
      expect(() => trackedLink(secret, { baseUrl: 'https://s', customerId: 'ann', url, topic: 't' })).toThrow(
        /url: must be an http or https address/,
      );
  });

  it('reads nothing from a tampered token, another store’s token or a token made for another purpose', () => {
    const token = tokenOf(link);
    const [payload, sig] = token.split('.') as [string, string];
    const otherPayload = Buffer.from(
      JSON.stringify({ c: 'ann', u: 'https://evil.example.com', t: 'skincare' }),
    ).toString('base64url');
    expect(readContentLink(secret, `${otherPayload}.${sig}`)).toBeUndefined();
    expect(readContentLink(secret, `${payload}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(readContentLink('another-secret', token)).toBeUndefined();
    expect(readContentLink(secret, `${token}.x`)).toBeUndefined();
    expect(readContentLink(secret, '')).toBeUndefined();
    const questionnaire = tokenOf(
      questionnaireLink(secret, { baseUrl: 'https://s', questionnaireId: 'q', customerId: 'ann' }),
    );
    expect(readContentLink(secret, questionnaire)).toBeUndefined();
    expect(readQuestionnaireToken(secret, token)).toBeUndefined();
  });

  it('never redirects to a signed address that is not http(s)', () => {
    // even a token carrying this store's signature (a bug elsewhere) cannot send anyone to script
    const token = signToken(secret, TokenPurpose.content, { c: 'ann', u: 'javascript:alert(1)', t: 'x' });
    expect(contentView(secret, token, at)).toBeUndefined();
  });
});

describe('questionnaire links', () => {
  it('name the questionnaire, the customer and the send id', () => {
    const link = questionnaireLink(secret, {
      baseUrl: 'https://strata.example.com',
      questionnaireId: 'skin',
      customerId: 'ann',
      sendId: 's1',
    });
    expect(link.startsWith('https://strata.example.com/q/')).toBe(true);
    expect(readQuestionnaireToken(secret, tokenOf(link))).toEqual({
      questionnaireId: 'skin',
      customerId: 'ann',
      sendId: 's1',
    });
  });
});

describe('the Questionnaire schema', () => {
  it('names a repeated option id by its path', () => {
    const r = Questionnaire.safeParse({
      id: 'skin',
      title: 'Your skin',
      questions: [
        {
          id: 'type',
          text: 'Skin type?',
          options: [
            { id: 'dry', label: 'Dry' },
            { id: 'dry', label: 'Oily' },
          ],
        },
      ],
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['questions.0.options.1.id', 'option id "dry" is given twice'],
    ]);
  });
});
