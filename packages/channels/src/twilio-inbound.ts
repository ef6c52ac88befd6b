import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  AppError,
  systemClock,
  type Clock,
  type DeliveryReport,
  type MessageStatus,
  type OptOutReply,
} from '@strata/core';
import { isOptOutText } from './opt-out.js';

/**
 * What Twilio posts back: status callbacks (a message's progress, by MessageSid) and inbound
 * messages (a reply; STOP and its kin withdraw consent). Both arrive as form fields, signed with
 * X-Twilio-Signature. Pure functions: the server's routes hand them the parsed form.
 */

/** A form as the server parsed it: a record of fields, or URLSearchParams. */
export type TwilioForm = Readonly<Record<string, string>> | URLSearchParams;

function fieldsOf(form: TwilioForm): [string, string][] {
  return form instanceof URLSearchParams ? [...form.entries()] : Object.entries(form);
}

function field(form: TwilioForm, name: string): string | undefined {
  const value = form instanceof URLSearchParams ? form.get(name) : form[name];
  return value === null || value === undefined || value === '' ? undefined : value;
}

function required(form: TwilioForm, name: string, what: string): string {
  const value = field(form, name);
  if (value === undefined)
    throw new AppError('invalid', `${what}: the field ${name} is missing`, [{ field: name, message: 'missing' }]);
  return value;
}

/** Twilio's MessageStatus values and where each puts a message in its life. */
const TWILIO_STATUSES: Readonly<Record<string, MessageStatus>> = {
  accepted: 'sent',
  scheduled: 'sent',
  queued: 'sent',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'opened',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

/**
 * A Twilio status callback as a DeliveryReport. Twilio sends no time with it, so `at` is when it
 * arrived (by `clock`). Throws AppError `invalid` naming a missing MessageSid or MessageStatus,
 * or a status that is not a message's (an inbound message's `received`).
 */
export function parseTwilioStatusCallback(form: TwilioForm, clock: Clock = systemClock): DeliveryReport {
  const what = 'Twilio status callback';
  const providerId = required(form, 'MessageSid', what);
  const twilioStatus = required(form, 'MessageStatus', what);
  const status = TWILIO_STATUSES[twilioStatus.toLowerCase()];
  if (!status)
    throw new AppError('invalid', `${what}: MessageStatus ${twilioStatus} is not a sent message's status`, [
      { field: 'MessageStatus', message: `unknown status ${twilioStatus}` },
    ]);
  const code = field(form, 'ErrorCode');
  const error =
    status === 'failed'
      ? `Twilio ${twilioStatus}${code !== undefined ? ` (error ${code})` : ''}`
      : code !== undefined
        ? `Twilio error ${code}`
        : undefined;
  return { providerId, status, at: clock.now().toISOString(), ...(error !== undefined ? { error } : {}) };
}

/**
 * An inbound SMS as an opt-out when its Body is STOP, STOPALL, UNSUBSCRIBE, CANCEL, END or QUIT
 * (any case, spaces around ignored); undefined for any other reply. Throws AppError `invalid`
 * when From is missing.
 */
export function parseTwilioInbound(form: TwilioForm, clock: Clock = systemClock): OptOutReply | undefined {
  const from = required(form, 'From', 'Twilio inbound message');
  if (!isOptOutText(field(form, 'Body'))) return undefined;
  return { channel: 'sms', from, at: clock.now().toISOString() };
}

/**
 * The X-Twilio-Signature Twilio would send: base64 HMAC-SHA1, under the auth token, of the full
 * URL it posted to followed by each form field's name and value, sorted by name.
 */
export function twilioSignature(url: string, params: TwilioForm, authToken: string): string {
  const sorted = fieldsOf(params).sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const data = url + sorted.map(([k, v]) => k + v).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * True when `header` (X-Twilio-Signature) signs this URL and these form fields under the auth
 * token. `url` must be the URL exactly as Twilio was given it (scheme, host, port, query); false
 * for a missing header or an empty token.
 */
export function verifyTwilioSignature(
  url: string,
  params: TwilioForm,
  authToken: string,
  header: string | undefined,
): boolean {
  if (authToken === '' || header === undefined || header.trim() === '') return false;
  // Compared as text: decoding base64 first would skip stray characters and accept them.
  const expected = Buffer.from(twilioSignature(url, params, authToken));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
