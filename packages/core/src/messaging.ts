/*
 * Messages to customers: the vocabulary of a message's life and the port every channel adapter
 * implements. Campaigns and automations (@strata/campaigns) decide who gets what and record it;
 * adapters (@strata/channels) only deliver one message and say what became of it. The guardrails
 * (consent, caps, quiet hours, holdouts, one send id) live with the campaigns, never in an adapter.
 */
import type { Channel } from './vocabulary.js';

/** Where a message is in its life. Provider callbacks move it from `sent` on. */
export const MessageStatus = {
  /** Recorded under its send id; the provider has not confirmed it yet (or the process died meanwhile). */
  sending: 'sending',
  /** The provider accepted it. */
  sent: 'sent',
  delivered: 'delivered',
  /** Opened (email) or read (WhatsApp). */
  opened: 'opened',
  clicked: 'clicked',
  /** The provider refused it for good, or every retry failed. */
  failed: 'failed',
} as const;
export type MessageStatus = (typeof MessageStatus)[keyof typeof MessageStatus];
export const messageStatuses = Object.values(MessageStatus);

/** How a failed send is treated: tried again later, never again, or after the provider's pause. */
export const SendFailure = { retryable: 'retryable', permanent: 'permanent', rate_limited: 'rate_limited' } as const;
export type SendFailure = (typeof SendFailure)[keyof typeof SendFailure];
export const sendFailures = Object.values(SendFailure);

/** A WhatsApp Cloud API template message: an approved template's name, language and body parameters. */
export interface TemplateMessage {
  readonly name: string;
  /** The template's language code as approved, e.g. `en_GB`. */
  readonly language: string;
  readonly parameters: readonly string[];
}

/** One message, rendered and addressed, that has passed every guardrail. */
export interface OutgoingMessage {
  /**
   * The deterministic send id (campaign or automation step + customer), recorded before the
   * provider is called. Adapters pass it on as the provider's idempotency key where there is one.
   */
  readonly id: string;
  readonly channel: Channel;
  readonly customerId: string;
  /** An email address (email) or an E.164 phone number (sms, whatsapp). */
  readonly to: string;
  /** Email only. */
  readonly subject?: string;
  /** The plain-text body (every channel). */
  readonly text: string;
  /** Email only: the HTML body. */
  readonly html?: string;
  /** Email only: extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * WhatsApp only: the approved template to send. Without one, `text` is sent as free text, which
   * WhatsApp accepts only inside the 24-hour service window after the customer last wrote.
   */
  readonly template?: TemplateMessage;
}

/** What became of one send. A failure is a result, never a throw. */
export type SendResult =
  | { readonly ok: true; readonly providerId: string }
  | {
      readonly ok: false;
      readonly failure: SendFailure;
      readonly error: string;
      /** The provider's own error code where it gave one (SMTP reply code, Twilio 21610, WhatsApp 131026). */
      readonly providerCode?: string;
      /** For `rate_limited` (and `retryable` when the provider says): wait at least this long. */
      readonly retryAfterMs?: number;
    };

/**
 * Port: delivers messages on one or more channels (SMTP for email, a Twilio-compatible API for
 * SMS, the WhatsApp Cloud API, a signed webhook, or the local outbox). `send` never throws for a
 * provider's answer; it rejects only when `signal` aborts. The contract suite in
 * @strata/testkit/contracts checks every adapter.
 */
export interface MessageSender {
  /** The channels this adapter delivers. */
  readonly channels: readonly Channel[];
  /**
   * The channels on which a message sent twice with the same id is delivered once, because the
   * provider de-duplicates by the id (Twilio's idempotency token; the outbox's one file per id).
   * After a crash, a message whose outcome is unknown is sent again only on these; on the others
   * (SMTP, WhatsApp, webhooks) it is recorded failed rather than risk a second copy. Absent: none.
   */
  readonly deduplicates?: readonly Channel[];
  send(message: OutgoingMessage, signal?: AbortSignal): Promise<SendResult>;
  close(): Promise<void>;
}

/** A provider's report about a message it accepted (Twilio status callback, WhatsApp status). */
export interface DeliveryReport {
  readonly providerId: string;
  readonly status: MessageStatus;
  readonly at: string;
  readonly error?: string;
}

/**
 * Port: where the server hands the delivery reports providers post back (Twilio status
 * callbacks, WhatsApp statuses), after their signatures are checked. Campaigns implement it to
 * move their messages along; until then the server records them as they came. Called once per
 * verified webhook request; a report for a message it does not know is not an error.
 */
export interface DeliveryReportSink {
  record(channel: Channel, reports: readonly DeliveryReport[]): Promise<void>;
}

/** A customer's inbound reply that withdraws consent (SMS or WhatsApp "STOP"). */
export interface OptOutReply {
  readonly channel: Channel;
  /** The E.164 number it came from. */
  readonly from: string;
  readonly at: string;
}

/**
 * A message's state before a provider has it: waiting for its due time (scheduled, deferred by
 * quiet hours, or waiting to retry), kept back as the campaign's holdout, or stopped for good by
 * a guardrail (the reason says which). With MessageStatus, the states of a row of the message log.
 */
export const UnsentStatus = { queued: 'queued', held_out: 'held_out', skipped: 'skipped' } as const;
export type UnsentStatus = (typeof UnsentStatus)[keyof typeof UnsentStatus];
export type MessageLogStatus = MessageStatus | UnsentStatus;
export const messageLogStatuses: readonly MessageLogStatus[] = [...Object.values(UnsentStatus), ...messageStatuses];

/**
 * What the guardrails decided for one message, and why: the one vocabulary of the dry run's counts,
 * the message log's reasons and (later) the automations'. Every send goes through one decision.
 */
export const SendReason = {
  /** Passed every guardrail: sent now. */
  send: 'send',
  /** In an exclusion segment, or no longer a customer of their own (merged into another). */
  excluded: 'excluded',
  /** No consent for the channel at send time (withdrawn, refused or never given). */
  no_consent: 'no_consent',
  /** No email address (email) or phone number (sms, whatsapp). */
  missing_address: 'missing_address',
  /** In the campaign's holdout group: receives nothing, kept for comparing results. */
  held_out: 'held_out',
  /** Over the frequency cap (messages per customer in a window, per channel or overall). */
  capped: 'capped',
  /** Inside quiet hours in the customer's time zone: deferred to the next allowed hour. */
  quiet_hours: 'quiet_hours',
  /** The schedule needs a trait the customer lacks (favourite weekday, replenishment date). */
  unscheduled: 'unscheduled',
  /** The campaign's imported coupon codes ran out before this message. */
  no_coupon: 'no_coupon',
  /** An automation's goal was met (e.g. the customer ordered) while the message waited: it is not sent. */
  goal_met: 'goal_met',
} as const;
export type SendReason = (typeof SendReason)[keyof typeof SendReason];
export const sendReasons = Object.values(SendReason);

/**
 * A campaign's state: written, sending (or waiting for due times), paused by hand, or with nothing
 * left to send. `standing`: an automation's send step — its messages are queued one at a time as
 * customers reach the step (enqueueMessage), it sends like a running campaign and never finishes.
 */
export const CampaignStatus = {
  draft: 'draft',
  running: 'running',
  paused: 'paused',
  done: 'done',
  standing: 'standing',
} as const;
export type CampaignStatus = (typeof CampaignStatus)[keyof typeof CampaignStatus];
export const campaignStatuses = Object.values(CampaignStatus);

/**
 * What a campaign's results can be broken down by: the customer's segments (the campaign's
 * audience segments and any asked for), age group, the brands in the converted orders, the
 * customer's country, the shop an order was placed at, the RFM segment and the value tier.
 */
export const ResultBreakdown = {
  segment: 'segment',
  age_group: 'age_group',
  brand: 'brand',
  country: 'country',
  shop: 'shop',
  rfm: 'rfm',
  value_tier: 'value_tier',
} as const;
export type ResultBreakdown = (typeof ResultBreakdown)[keyof typeof ResultBreakdown];
export const resultBreakdowns = Object.values(ResultBreakdown);
