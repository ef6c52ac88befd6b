/**
 * @strata/channels — the adapters behind core's MessageSender port: the local outbox (the
 * default), email over SMTP, SMS through a Twilio-compatible API, the WhatsApp Cloud API and a
 * signed webhook; `channelSenders` builds them from one settings object. Also the pure parsers
 * of what providers post back (Twilio status callbacks and replies, WhatsApp webhooks) and their
 * signature checks. Guardrails (consent, caps, send ids) are the caller's, never an adapter's.
 */
export * from './send-failures.js';
export * from './outbox-channel.js';
export { SEND_ID_HEADER, messageIdOf } from './email-message.js';
export * from './smtp-channel.js';
export * from './twilio-channel.js';
export * from './whatsapp-channel.js';
export * from './webhook-channel.js';
export * from './channel-senders.js';
export * from './opt-out.js';
export * from './twilio-inbound.js';
export * from './whatsapp-inbound.js';
export * from './provider-settings.js';
