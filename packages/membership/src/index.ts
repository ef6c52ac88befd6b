/**
 * @strata/membership — the membership store: saved segments' current members, every entry and
 * exit with a stable id and a seq, daily sizes; reads of history and of a customer's segments now
 * or in the past; and the signals that go out of them (a change feed for streams, signed outgoing
 * webhooks with durable retries).
 */
export * from './membership-store.js';
export * from './membership-queries.js';
export * from './change-feed.js';
export * from './webhook-subscriptions.js';
export * from './webhook-dispatcher.js';
export * from './fetch-webhook-sender.js';
