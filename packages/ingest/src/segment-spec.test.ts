import { Analytics, type HTTPClientRequest } from '@segment/analytics-node';
import { Customer, Event, IdentityLink } from '@strata/core';
import { describe, expect, it } from 'vitest';
import { parseSegmentBatch, SegmentMessage } from './segment-messages.js';
import { inferPageKind, toEventType, toWriteBatch } from './segment-spec.js';

const RECEIVED_AT = '2024-05-01T12:00:00.000Z';

/**
 * Runs `calls` against the real @segment/analytics-node client with an HTTP client that keeps
 * the request instead of sending it, and returns the parsed request bodies.
 */
async function sentByRealClient(
  calls: (analytics: Analytics) => void,
): Promise<{ requests: HTTPClientRequest[]; bodies: Record<string, unknown>[] }> {
  const requests: HTTPClientRequest[] = [];
  const analytics = new Analytics({
    writeKey: 'test-write-key',
    flushAt: 100,
    httpClient: {
      makeRequest: (request) => {
        requests.push(request);
        return Promise.resolve({ status: 200, statusText: 'OK' });
      },
    },
  });
  calls(analytics);
  await analytics.closeAndFlush({ timeout: 5000 });
  return { requests, bodies: requests.map((r) => JSON.parse(r.body) as Record<string, unknown>) };
}

async function realClientBatch(calls: (analytics: Analytics) => void): Promise<Record<string, unknown>[]> {
  const { bodies } = await sentByRealClient(calls);
  expect(bodies).toHaveLength(1);
  return bodies[0]!.batch as Record<string, unknown>[];
}

describe('messages sent by @segment/analytics-node', () => {
  it('posts the envelope the parser expects: { batch, writeKey, sentAt } to /v1/batch with Basic auth', async () => {
    const { requests, bodies } = await sentByRealClient((a) => a.track({ userId: 'u1', event: 'Signed Up' }));
    expect(requests[0]!.url).toBe('https://api.segment.io/v1/batch');
    expect(requests[0]!.headers.Authorization).toBe(`Basic ${Buffer.from('test-write-key:').toString('base64')}`);
    const body = bodies[0]!;
    expect(Object.keys(body).sort()).toEqual(['batch', 'sentAt', 'writeKey']);
    const message = (body.batch as Record<string, unknown>[])[0]!;
    expect(message).toMatchObject({
      type: 'track',
      event: 'Signed Up',
      userId: 'u1',
      properties: {},
      integrations: {},
    });
    expect(message.messageId).toMatch(/^node-next-\d+-/);
    expect(message._metadata).toMatchObject({ jsRuntime: 'node' });
    expect((message.context as { library: unknown }).library).toEqual({
      name: '@segment/analytics-node',
      version: expect.any(String),
    });

    const parsed = parseSegmentBatch(body);
    expect(parsed.ok && parsed.value.writeKey).toBe('test-write-key');
    expect(parsed.ok && parsed.value.messages).toEqual(body.batch);
  });

  it('maps identify, track, page, screen, alias and group to one WriteBatch', async () => {
    const messages = await realClientBatch((a) => {
      a.identify({
        userId: 'user-42',
        anonymousId: 'anon-1',
        traits: {
          email: 'Ann.Example@Example.COM',
          firstName: 'Ann',
          lastName: 'Example',
          phone: '+49 151 23456789',
          birthday: '1990-05-14T00:00:00.000Z',
          gender: 'female',
          address: { street: 'Hauptstr. 1', city: 'Berlin', state: 'BE', postalCode: '10115', country: 'Germany' },
          createdAt: '2023-11-02T09:30:00Z',
          plan: 'gold',
          tags: ['vip', 'newsletter'],
        },
        context: { timezone: 'Europe/Berlin', locale: 'de-DE' },
        timestamp: new Date('2024-05-01T10:00:00Z'),
      });
      a.track({
        userId: 'user-42',
        anonymousId: 'anon-1',
        event: 'Product Viewed',
        properties: { product_id: 'p-1', sku: 'SKU-RED-M', name: 'Red shirt', price: 19.99 },
        timestamp: new Date('2024-05-01T10:01:00Z'),
      });
      a.track({
        userId: 'user-42',
        event: 'Product Added',
        properties: { product_id: 123, quantity: 2 },
        timestamp: new Date('2024-05-01T10:02:00Z'),
      });
      a.track({
        userId: 'user-42',
        event: 'Product Removed',
        properties: { sku: 'SKU-RED-M' },
        timestamp: new Date('2024-05-01T10:03:00Z'),
      });
      a.track({
        userId: 'user-42',
        event: 'Checkout Started',
        properties: { order_id: 'o-1', value: 39.98, currency: 'EUR' },
        timestamp: new Date('2024-05-01T10:04:00Z'),
      });
      a.track({
        userId: 'user-42',
        event: 'Coupon Applied',
        properties: { coupon_id: 'SPRING' },
        timestamp: new Date('2024-05-01T10:05:00Z'),
      });
      a.page({
        anonymousId: 'anon-2',
        category: 'Shop',
        name: 'Red shirt',
        properties: {
          url: 'https://shop.example/products/red-shirt',
          path: '/products/red-shirt',
          title: 'Red shirt – Shop',
        },
        timestamp: new Date('2024-05-01T10:06:00Z'),
      });
      a.screen({ anonymousId: 'anon-3', name: 'Home', timestamp: new Date('2024-05-01T10:07:00Z') });
      a.alias({ userId: 'user-42', previousId: 'anon-2', timestamp: new Date('2024-05-01T10:08:00Z') });
      a.group({
        userId: 'user-42',
        groupId: 'acme',
        traits: { name: 'Acme Inc.' },
        timestamp: new Date('2024-05-01T10:09:00Z'),
      });
    });
    const ids = messages.map((m) => m.messageId as string);

    // analytics-node runs on the shop's server: its messages are trusted with email and phone.
    const { batch, rejected } = toWriteBatch(messages, { receivedAt: RECEIVED_AT, source: 'server' });

    expect(rejected).toEqual([]);
    expect(batch.customers).toEqual([
      {
        id: 'user-42',
        email: 'ann.example@example.com',
        phone: '+4915123456789',
        name: 'Ann Example',
        birthday: '1990-05-14',
        gender: 'female',
        city: 'Berlin',
        region: 'BE',
        postcode: '10115',
        country: 'DE',
        timezone: 'Europe/Berlin',
        language: 'de-DE',
        created_at: '2023-11-02T09:30:00.000Z',
        attributes: { plan: 'gold', address: { street: 'Hauptstr. 1' } },
        tags: ['vip', 'newsletter'],
        consent: {},
      },
    ]);
    expect(batch.identities).toEqual([
      { customer_id: 'user-42', anonymous_id: 'anon-1' },
      { customer_id: 'user-42', anonymous_id: 'anon-2' },
    ]);
    expect(batch.events.map((e) => [e.message_id, e.type, e.customer_id, e.anonymous_id, e.occurred_at])).toEqual([
      [ids[0], 'identify', 'user-42', 'anon-1', '2024-05-01T10:00:00.000Z'],
      [ids[1], 'product_view', 'user-42', 'anon-1', '2024-05-01T10:01:00.000Z'],
      [ids[2], 'add_to_cart', 'user-42', undefined, '2024-05-01T10:02:00.000Z'],
      [ids[3], 'remove_from_cart', 'user-42', undefined, '2024-05-01T10:03:00.000Z'],
      [ids[4], 'checkout_started', 'user-42', undefined, '2024-05-01T10:04:00.000Z'],
      [ids[5], 'coupon_applied', 'user-42', undefined, '2024-05-01T10:05:00.000Z'],
      [ids[6], 'page_view', undefined, 'anon-2', '2024-05-01T10:06:00.000Z'],
      [ids[7], 'page_view', undefined, 'anon-3', '2024-05-01T10:07:00.000Z'],
      [ids[8], 'alias', 'user-42', undefined, '2024-05-01T10:08:00.000Z'],
      [ids[9], 'group', 'user-42', undefined, '2024-05-01T10:09:00.000Z'],
    ]);
    const props = batch.events.map((e) => e.properties);
    expect(props[0]).toMatchObject({ email: 'Ann.Example@Example.COM', plan: 'gold' });
    expect(props[1]).toEqual({ product_id: 'p-1', sku: 'SKU-RED-M', name: 'Red shirt', price: 19.99 });
    expect(props[2]).toEqual({ product_id: 123, sku: '123', quantity: 2 });
    expect(props[4]).toEqual({ order_id: 'o-1', value: 39.98, currency: 'EUR' });
    expect(props[6]).toEqual({
      url: 'https://shop.example/products/red-shirt',
      path: '/products/red-shirt',
      title: 'Red shirt – Shop',
      category: 'Shop',
      name: 'Red shirt',
      page_kind: 'product',
    });
    expect(props[7]).toEqual({ name: 'Home', page_kind: 'home' });
    expect(props[8]).toEqual({ previous_id: 'anon-2' });
    expect(props[9]).toEqual({ group_id: 'acme', traits: { name: 'Acme Inc.' } });

    // Every record is one the store accepts as it is.
    for (const c of batch.customers) expect(Customer.parse(c)).toEqual(c);
    for (const e of batch.events) expect(Event.parse(e)).toEqual(e);
    for (const l of batch.identities) expect(IdentityLink.parse(l)).toEqual(l);
  });

  it('uses the time the client stamped on the message, and receivedAt only when there is none', async () => {
    const before = Date.now();
    const [message] = await realClientBatch((a) => a.track({ anonymousId: 'a', event: 'Signed Up' }));
    const { batch } = toWriteBatch([message, { ...message, messageId: 'no-time', timestamp: undefined }], {
      receivedAt: RECEIVED_AT,
    });
    expect(Date.parse(batch.events[0]!.occurred_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(batch.events[0]!.occurred_at).toBe(message!.timestamp);
    expect(batch.events[1]!.occurred_at).toBe(RECEIVED_AT);
  });

  it('is deterministic: the same messages give the same batch, so a re-sent batch changes nothing in the store', async () => {
    const messages = await realClientBatch((a) => {
      a.identify({ userId: 'u1', traits: { email: 'a@example.com' } });
      a.track({ userId: 'u1', event: 'Product Viewed', properties: { sku: 'S1' } });
    });
    const resent = JSON.parse(JSON.stringify(messages)) as unknown[];
    expect(toWriteBatch(resent, { receivedAt: RECEIVED_AT })).toEqual(
      toWriteBatch(messages, { receivedAt: RECEIVED_AT }),
    );
  });

  it('every message the client builds matches the exported SegmentMessage schema', async () => {
    const messages = await realClientBatch((a) => {
      a.identify({ anonymousId: 'a', traits: {} });
      a.track({ anonymousId: 'a', event: 'x' });
      a.page({ anonymousId: 'a' });
      a.screen({ anonymousId: 'a' });
      a.group({ anonymousId: 'a', groupId: 'g' });
      a.alias({ userId: 'u', previousId: 'a' });
    });
    expect(messages.map((m) => SegmentMessage.safeParse(m).success)).toEqual([true, true, true, true, true, true]);
  });
});

describe('bad messages are rejected with reasons; good ones in the same batch are kept', () => {
  const good = (messageId: string, extra: Record<string, unknown> = {}) => ({
    type: 'track',
    messageId,
    userId: 'u1',
    event: 'Signed Up',
    timestamp: '2024-05-01T10:00:00Z',
    ...extra,
  });

  it('names the message, its messageId and each field at fault', () => {
    const { batch, rejected } = toWriteBatch(
      [
        good('m1'),
        { type: 'track', userId: 'u1', event: 'Signed Up' },
        good('m3', { userId: null, anonymousId: '' }),
        { type: 'identify', messageId: 'm4', userId: 'u2', traits: { email: 'not-an-email', age: 'old' } },
        good('m5', { event: 'Product Viewed', properties: { name: 'no sku' } }),
        { type: 'constructor', messageId: 'm6', userId: 'u1' },
        'not a message',
        good('m8', { timestamp: 'yesterday' }),
        { type: 'alias', messageId: 'm9', userId: 'u1' },
        { type: 'page', messageId: 'm10', anonymousId: 'a', properties: { page_kind: 'blog' } },
        good('m11', { event: '!!!' }),
        good('m12', { anonymousId: 'anon-9' }),
      ],
      { receivedAt: RECEIVED_AT },
    );

    expect(batch.events.map((e) => e.message_id)).toEqual(['m1', 'm12']);
    expect(batch.identities).toEqual([{ customer_id: 'u1', anonymous_id: 'anon-9' }]);
    expect(batch.customers).toEqual([]);
    expect(rejected).toEqual([
      {
        index: 1,
        errors: [
          'messageId: required: the message has no messageId, so a re-send could not be told from a new message',
        ],
      },
      { index: 2, messageId: 'm3', errors: ['userId: a message needs userId or anonymousId'] },
      {
        index: 3,
        messageId: 'm4',
        errors: ['traits.email: not an email address', expect.stringMatching(/^traits\.age: /)],
      },
      {
        index: 4,
        messageId: 'm5',
        errors: ['properties.sku: "Product Viewed" needs properties.sku or properties.product_id'],
      },
      {
        index: 5,
        messageId: 'm6',
        errors: ['type: must be one of identify, track, page, screen, group, alias (got "constructor")'],
      },
      { index: 6, errors: ['message: must be a JSON object'] },
      { index: 7, messageId: 'm8', errors: [expect.stringMatching(/^timestamp: not a date-time: "yesterday"/)] },
      { index: 8, messageId: 'm9', errors: ['previousId: required: the id the person was known by before'] },
      { index: 9, messageId: 'm10', errors: [expect.stringMatching(/^properties\.page_kind: /)] },
      { index: 10, messageId: 'm11', errors: ['event: "!!!" has no letters or digits to name an event type'] },
    ]);
  });

  it('reports every field of an identify that fails, by its trait name', () => {
    const { rejected } = toWriteBatch(
      [
        {
          type: 'identify',
          messageId: 'm',
          userId: 'u',
          traits: { email: 'nope', phone: '12', first_name: 7 },
          context: { timezone: 'Mars/Olympus' },
        },
      ],
      { receivedAt: RECEIVED_AT },
    );
    expect(rejected).toHaveLength(1);
    const fields = rejected[0]!.errors.map((e) => e.split(':')[0]);
    expect(fields.sort()).toEqual(['context.timezone', 'traits.email', 'traits.first_name'].sort());
  });

  it('rejects a phone that cannot be a number, naming traits.phone', () => {
    const { rejected } = toWriteBatch([{ type: 'identify', messageId: 'm', userId: 'u', traits: { phone: '12' } }], {
      receivedAt: RECEIVED_AT,
    });
    expect(rejected[0]!.errors).toEqual(['traits.phone: not a phone number: "12"']);
  });
});

describe('identify', () => {
  const identify = (messageId: string, traits: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    type: 'identify',
    messageId,
    userId: 'u1',
    traits,
    timestamp: '2024-05-01T10:00:00Z',
    ...extra,
  });

  it('merges several identifies of one person in a batch into one customer, later fields winning', () => {
    const { batch } = toWriteBatch(
      [
        identify('m1', {
          email: 'old@example.com',
          name: 'Ann',
          plan: 'basic',
          tags: ['a'],
          createdAt: '2020-01-01T00:00:00Z',
        }),
        identify('m2', { email: 'new@example.com', tags: ['b'], createdAt: '2021-01-01T00:00:00Z', city_hint: 'x' }),
      ],
      { receivedAt: RECEIVED_AT, source: 'server' },
    );
    expect(batch.customers).toEqual([
      {
        id: 'u1',
        email: 'new@example.com',
        name: 'Ann',
        created_at: '2020-01-01T00:00:00.000Z',
        attributes: { plan: 'basic', city_hint: 'x' },
        tags: ['a', 'b'],
        consent: {},
      },
    ]);
    expect(batch.events.map((e) => e.message_id)).toEqual(['m1', 'm2']);
  });

  it('takes a messageId once per batch (the first), as the store does across batches', () => {
    const { batch, rejected } = toWriteBatch([identify('m1', { name: 'First' }), identify('m1', { name: 'Second' })], {
      receivedAt: RECEIVED_AT,
    });
    expect(rejected).toEqual([]);
    expect(batch.events).toHaveLength(1);
    expect(batch.customers[0]!.name).toBe('First');
  });

  it('an anonymous identify records the traits as an event but makes no customer', () => {
    const { batch } = toWriteBatch(
      [identify('m1', { email: 'x@example.com' }, { userId: undefined, anonymousId: 'anon' })],
      { receivedAt: RECEIVED_AT },
    );
    expect(batch.customers).toEqual([]);
    expect(batch.identities).toEqual([]);
    expect(batch.events).toEqual([
      {
        message_id: 'm1',
        anonymous_id: 'anon',
        type: 'identify',
        occurred_at: '2024-05-01T10:00:00.000Z',
        properties: { email: 'x@example.com' },
      },
    ]);
  });

  it('reads snake_case traits, numeric createdAt and country codes; keeps what it cannot map in attributes', () => {
    const { batch } = toWriteBatch(
      [
        identify('m1', {
          first_name: 'Bo',
          last_name: 'Lee',
          created_at: 1_700_000_000,
          address: { city: 'Austin', state: 'TX', postal_code: '73301', country: 'us' },
          tags: 'not-a-list',
          age: 41,
        }),
        identify('m2', { address: { country: 'Narnia' } }, { userId: 'u2' }),
        identify('m3', { address: { country: 'United States' } }, { userId: 'u3' }),
      ],
      { receivedAt: RECEIVED_AT },
    );
    expect(batch.customers[0]).toMatchObject({
      name: 'Bo Lee',
      created_at: '2023-11-14T22:13:20.000Z',
      city: 'Austin',
      region: 'TX',
      postcode: '73301',
      country: 'US',
      age: 41,
      attributes: { tags: 'not-a-list' },
      tags: [],
    });
    expect(batch.customers[1]).toMatchObject({ id: 'u2', attributes: { address: { country: 'Narnia' } } });
    expect(batch.customers[1]!.country).toBeUndefined();
    expect(batch.customers[2]!.country).toBe('US');
  });
});

describe("who sent it: the public write key or the shop's server", () => {
  const messages = [
    {
      type: 'identify',
      messageId: 'm1',
      userId: 'visitor-7',
      anonymousId: 'anon-7',
      traits: { email: 'Maria@Example.com', phone: '+49 151 23456789', name: 'Eve', plan: 'free' },
      timestamp: '2024-05-01T10:00:00Z',
    },
  ];

  it("a public identify keeps email and phone as unverified attributes, never as the customer's own", () => {
    const { batch, rejected } = toWriteBatch(messages, { receivedAt: RECEIVED_AT, source: 'public' });
    expect(rejected).toEqual([]);
    expect(batch.customers).toEqual([
      {
        id: 'visitor-7',
        name: 'Eve',
        attributes: { plan: 'free', unverified_email: 'maria@example.com', unverified_phone: '+4915123456789' },
        tags: [],
        consent: {},
      },
    ]);
    // The visitor is still linked to their own userId, and the event keeps the traits as sent.
    expect(batch.identities).toEqual([{ customer_id: 'visitor-7', anonymous_id: 'anon-7' }]);
    expect(batch.events[0]!.properties).toMatchObject({ email: 'Maria@Example.com', phone: '+49 151 23456789' });
    expect(Customer.parse(batch.customers[0])).toEqual(batch.customers[0]);
  });

  it('public is the default: a caller that does not say who sent the messages cannot merge customers', () => {
    expect(toWriteBatch(messages, { receivedAt: RECEIVED_AT })).toEqual(
      toWriteBatch(messages, { receivedAt: RECEIVED_AT, source: 'public' }),
    );
  });

  it('a server identify gives the customer the email and phone, for the store to claim and merge on', () => {
    const { batch } = toWriteBatch(messages, { receivedAt: RECEIVED_AT, source: 'server' });
    expect(batch.customers).toEqual([
      {
        id: 'visitor-7',
        email: 'maria@example.com',
        phone: '+4915123456789',
        name: 'Eve',
        attributes: { plan: 'free' },
        tags: [],
        consent: {},
      },
    ]);
  });

  it('a public identify is validated as strictly: a bad phone is rejected by its trait name', () => {
    const { rejected } = toWriteBatch([{ ...messages[0], traits: { phone: '12' } }], {
      receivedAt: RECEIVED_AT,
      source: 'public',
    });
    expect(rejected).toEqual([{ index: 0, messageId: 'm1', errors: ['traits.phone: not a phone number: "12"'] }]);
  });
});

describe('parseSegmentBatch', () => {
  it('applies the batch-level context under each message context', () => {
    const r = parseSegmentBatch({
      batch: [
        { type: 'track', messageId: 'm1', userId: 'u', event: 'x', context: { locale: 'en-GB' } },
        { type: 'track', messageId: 'm2', userId: 'u', event: 'x' },
      ],
      context: { locale: 'de-DE', timezone: 'Europe/Berlin' },
      sentAt: '2024-05-01T10:00:00Z',
    });
    expect(r).toEqual({
      ok: true,
      value: {
        sentAt: '2024-05-01T10:00:00.000Z',
        messages: [
          {
            type: 'track',
            messageId: 'm1',
            userId: 'u',
            event: 'x',
            context: { locale: 'en-GB', timezone: 'Europe/Berlin' },
          },
          {
            type: 'track',
            messageId: 'm2',
            userId: 'u',
            event: 'x',
            context: { locale: 'de-DE', timezone: 'Europe/Berlin' },
          },
        ],
      },
    });
  });

  it('refuses a body that is not a batch', () => {
    expect(parseSegmentBatch({ messages: [] })).toEqual({ ok: false, errors: ['batch: must be an array of messages'] });
    expect(parseSegmentBatch([])).toMatchObject({ ok: false });
    expect(parseSegmentBatch({ batch: [], context: 'x' })).toEqual({
      ok: false,
      errors: ['context: must be a JSON object'],
    });
  });
});

describe('toEventType', () => {
  it.each([
    ['Product Viewed', 'product_view'],
    ['product_viewed', 'product_view'],
    ['Product Added', 'add_to_cart'],
    ['Product Removed', 'remove_from_cart'],
    ['Checkout Started', 'checkout_started'],
    ['Order Completed', 'order_completed'],
    ['videoPlaybackStarted', 'video_playback_started'],
    ['Newsletter – Opt-In', 'newsletter_opt_in'],
    ['Café Visited', 'cafe_visited'],
    ['404 Seen', 'event_404_seen'],
    ['***', ''],
  ])('%s → %s', (name, type) => expect(toEventType(name)).toBe(type));
});

describe('page_kind', () => {
  it.each([
    [{ name: 'Home' }, 'home'],
    [{ path: '/' }, 'home'],
    [{ url: 'https://shop.example/' }, 'home'],
    [{ name: 'Red shirt', path: '/products/red-shirt' }, 'product'],
    [{ name: 'Product Detail' }, 'product'],
    [{ name: 'Summer', category: 'Collection' }, 'category'],
    [{ url: 'https://shop.example/collections/summer' }, 'category'],
    [{ title: 'Demo video: the blender' }, 'demo_video'],
    [{ name: 'Product demo video', path: '/products/blender' }, 'demo_video'],
    [{ name: 'Imprint', path: '/pages/imprint' }, 'other'],
    [{}, 'other'],
  ])('%j → %s', (page, kind) => expect(inferPageKind(page)).toBe(kind));

  it('a page_kind sent by the page wins, normalised ("Demo Video" → demo_video)', () => {
    const { batch } = toWriteBatch(
      [{ type: 'page', messageId: 'm', anonymousId: 'a', name: 'Home', properties: { page_kind: 'Demo Video' } }],
      {
        receivedAt: RECEIVED_AT,
      },
    );
    expect(batch.events[0]!.properties.page_kind).toBe('demo_video');
  });

  it('fills url, path and title from context.page (analytics.js puts them there)', () => {
    const { batch } = toWriteBatch(
      [
        {
          type: 'page',
          messageId: 'm',
          anonymousId: 'a',
          context: { page: { url: 'https://s.example/collections/all', path: '/collections/all', title: 'All' } },
        },
      ],
      { receivedAt: RECEIVED_AT },
    );
    expect(batch.events[0]!.properties).toEqual({
      url: 'https://s.example/collections/all',
      path: '/collections/all',
      title: 'All',
      page_kind: 'category',
    });
  });
});
