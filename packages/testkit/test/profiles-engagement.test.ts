import { beforeAll, describe, expect, it } from 'vitest';
import { customers, event, json, order, profilesOf, type Profile } from './profiles-fixture.js';

/*
 * Browsing and engagement traits on a hand-made store: carts and abandoned carts, visits, product
 * views, chat sessions, content dwell, questionnaire answers, reviews, events attended, referrals.
 */

describe('browsing and engagement', () => {
  let p: (id: string) => Profile;

  beforeAll(async () => {
    const pageView = (at: string) => event('visitor', 'page_view', at, { page_kind: 'home' });
    const cartAdd = (at: string, sku: string) => event('shopper', 'add_to_cart', at, { sku });
    p = await profilesOf({
      customers: customers('shopper', 'visitor', 'friend-a', 'friend-b', 'friend-c', {
        id: 'invited',
        referred_by: 'visitor',
      }),
      orders: [
        order('shopper', '2026-06-13T11:35:00Z', 25), // 55 minutes after cart B's last addition
        order('shopper', '2026-06-10T09:30:00Z', 10, { status: 'cancelled' }), // rescues no cart
        order('shopper', '2026-06-10T10:05:00Z', 10), // 65 minutes after cart D1, 4 after cart D2
      ],
      events: [
        // cart A: 07:00 and 07:30 today, no order: abandoned (the 60 minutes ended at 08:30)
        cartAdd('2026-06-15T07:00:00Z', 'MUG'),
        cartAdd('2026-06-15T07:30:00Z', 'TEA'),
        // cart B: followed by an order within the hour
        cartAdd('2026-06-13T10:00:00Z', 'SOAP'),
        cartAdd('2026-06-13T10:40:00Z', 'MUG'),
        // cart C: 30 minutes before the as-of time, not abandoned yet
        cartAdd('2026-06-15T11:30:00Z', 'SOAP'),
        // 61 minutes apart: two carts. D1 (soap) has no confirmed order by 10:00: abandoned
        cartAdd('2026-06-10T09:00:00Z', 'SOAP'),
        cartAdd('2026-06-10T10:01:00Z', 'TEA'),
        // after the as-of time: not seen
        cartAdd('2026-06-15T13:00:00Z', 'BAG'),

        // visit 1: 10:00, 10:20, 10:45 (gaps 20 and 25 minutes)
        pageView('2026-06-13T10:00:00Z'),
        pageView('2026-06-13T10:20:00Z'),
        pageView('2026-06-13T10:45:00Z'),
        // visit 2: 35 minutes later; then exactly 30 minutes, which is not over 30: the same visit
        pageView('2026-06-13T11:20:00Z'),
        pageView('2026-06-13T11:50:00Z'),
        // visit 3: 10 days 3 hours ago; visit 4: 45 days ago
        pageView('2026-06-05T09:00:00Z'),
        pageView('2026-05-01T09:00:00Z'),
        pageView('2026-06-15T12:30:00Z'), // after the as-of time

        event('visitor', 'product_view', '2026-06-14T09:00:00Z', { sku: 'MUG' }), // 1 day ago
        event('visitor', 'product_view', '2026-06-07T09:00:00Z', { sku: 'MUG' }), // 8 days ago
        event('visitor', 'product_view', '2026-05-10T09:00:00Z', { sku: 'TEA' }), // 36 days ago

        // chat: 09:00, 09:10 | 09:45 (35 minutes later), 10:14 (29 minutes) | 10 June
        event('visitor', 'chat_message', '2026-06-14T09:00:00Z'),
        event('visitor', 'chat_message', '2026-06-14T09:10:00Z'),
        event('visitor', 'chat_message', '2026-06-14T09:45:00Z'),
        event('visitor', 'chat_message', '2026-06-14T10:14:00Z'),
        event('visitor', 'chat_message', '2026-06-10T15:00:00Z'),

        event('visitor', 'content_view', '2026-06-01T10:00:00Z', {
          content_id: 'c1',
          topic: 'brewing',
          dwell_seconds: 30,
        }),
        event('visitor', 'content_view', '2026-06-02T10:00:00Z', {
          content_id: 'c2',
          topic: 'brewing',
          dwell_seconds: 45,
        }),
        event('visitor', 'content_view', '2026-06-03T10:00:00Z', {
          content_id: 'c3',
          topic: 'recipes',
          dwell_seconds: 60,
        }),
        event('visitor', 'content_view', '2026-06-16T10:00:00Z', {
          content_id: 'c4',
          topic: 'news',
          dwell_seconds: 700,
        }),

        // household: single, then parent (latest); diet: vegan; an answer after the as-of time is not seen
        event('visitor', 'questionnaire_answer', '2026-06-05T10:00:00Z', { question: 'household', option: 'single' }),
        event('visitor', 'questionnaire_answer', '2026-06-12T10:00:00Z', { question: 'household', option: 'parent' }),
        event('visitor', 'questionnaire_answer', '2026-06-08T10:00:00Z', { question: 'diet', option: 'vegan' }),
        event('visitor', 'questionnaire_answer', '2026-06-16T10:00:00Z', { question: 'household', option: 'couple' }),

        event('visitor', 'review', '2026-06-01T10:00:00Z', { rating: 5 }),
        event('visitor', 'review', '2026-06-02T10:00:00Z', { rating: 4 }),
        event('visitor', 'review', '2026-06-03T10:00:00Z', { rating: 2 }),
        event('visitor', 'review', '2026-06-16T10:00:00Z', { rating: 1 }),

        event('visitor', 'event_attended', '2026-05-20T18:00:00Z'),
        event('visitor', 'event_attended', '2026-06-01T18:00:00Z'),
        event('visitor', 'event_attended', '2026-06-20T18:00:00Z'),

        // friend-a named twice, friend-b once: 2 people; friend-c only after the as-of time
        event('visitor', 'referral', '2026-06-01T10:00:00Z', { referrer: 'visitor', referee: 'friend-a' }),
        event('visitor', 'referral', '2026-06-03T10:00:00Z', { referrer: 'visitor', referee: 'friend-a' }),
        event('visitor', 'referral', '2026-06-04T10:00:00Z', { referrer: 'visitor', referee: 'friend-b' }),
        event('visitor', 'referral', '2026-06-16T10:00:00Z', { referrer: 'visitor', referee: 'friend-c' }),
      ],
    });
  });

  it('carts: abandoned, followed by an order within the hour, and too recent to tell', () => {
    expect(p('shopper')).toMatchObject({
      carts_started: 5, // A, B, C, D1, D2
      carts_abandoned: 2, // A and D1
      last_abandoned_cart_at: '2026-06-15T07:30:00.000Z', // cart A's last addition
      last_add_to_cart_at: '2026-06-15T11:30:00.000Z', // cart C (the bag came after the as-of time)
      abandoned_skus: ['MUG', 'SOAP', 'TEA'], // A: mug, tea; D1: soap
      abandoned_categories: ['care', 'kitchen', 'tea'],
    });
  });

  it('visits are runs of page views with no gap over 30 minutes', () => {
    expect(p('visitor')).toMatchObject({
      last_visit_at: '2026-06-13T11:50:00.000Z',
      visits_7d: 2, // visits 1 and 2
      visits_30d: 3, // and visit 3
      product_views_7d: 1,
      product_views_30d: 2,
    });
  });

  it('chat sessions, content dwell by topic, questionnaire answers, reviews and events attended', () => {
    const v = p('visitor');
    expect(v).toMatchObject({
      chat_sessions: 3,
      content_dwell_seconds: 135, // 30 + 45 + 60
      top_content_topic: 'brewing',
      avg_review_rating: expect.closeTo(11 / 3, 9), // (5 + 4 + 2) / 3
      reviews: 3,
      events_attended: 2,
    });
    expect(json(v.content_dwell_by_topic)).toEqual({ brewing: 75, recipes: 60 });
    expect(json(v.questionnaire_answers)).toEqual({ household: 'parent', diet: 'vegan' });
  });

  it('referrals made and came by referral', () => {
    expect(p('visitor')).toMatchObject({ referrals_made: 2, came_by_referral: false });
    expect(p('friend-a')).toMatchObject({ referrals_made: 0, came_by_referral: true });
    expect(p('friend-b')).toMatchObject({ came_by_referral: true });
    expect(p('friend-c')).toMatchObject({ came_by_referral: false });
    expect(p('invited')).toMatchObject({ came_by_referral: true }); // referred_by on the record
  });

  it('a customer without events has zero counts and empty collections', () => {
    expect(p('friend-b')).toMatchObject({
      last_visit_at: null,
      visits_7d: 0,
      visits_30d: 0,
      product_views_30d: 0,
      carts_started: 0,
      carts_abandoned: 0,
      last_abandoned_cart_at: null,
      last_add_to_cart_at: null,
      abandoned_skus: [],
      chat_sessions: 0,
      content_dwell_seconds: 0,
      top_content_topic: null,
      avg_review_rating: null,
      reviews: 0,
      events_attended: 0,
    });
    expect(json(p('friend-b').content_dwell_by_topic)).toEqual({});
    expect(json(p('friend-b').questionnaire_answers)).toEqual({});
  });
});
