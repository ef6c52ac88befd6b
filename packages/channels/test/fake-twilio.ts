import { createHash } from 'node:crypto';
import { startLocalHttp, type LocalAnswer, type LocalHttp, type LocalRequest } from './local-http.js';

/**
 * Twilio's Messages API as the docs describe it, on 127.0.0.1: it checks each request's shape
 * (path, Basic auth, a form body with To, Body and From or MessagingServiceSid) and answers as
 * Twilio does, error bodies included. Numbers in the 555-0100 range answer set ways; a repeated
 * I-Twilio-Idempotency-Token gets the first answer again.
 */

export const TWILIO_SID = 'AC00000000000000000000000000000001';
export const TWILIO_TOKEN = 'twilio-auth-token-for-tests';

export const twilioNumbers = {
  accepted: '+447700900123',
  refused: '+15005550001',
  throttled: '+15005550002',
  unavailable: '+15005550003',
  slow: '+15005550004',
} as const;

export interface TwilioMessage {
  readonly sid: string;
  readonly token: string | undefined;
  readonly form: Record<string, string>;
}

export interface FakeTwilio extends LocalHttp {
  readonly messages: TwilioMessage[];
  /** What was wrong with requests that did not have the documented shape. */
  readonly shapeErrors: string[];
}

const E164 = /^\+[1-9]\d{6,14}$/;

function twilioError(status: number, code: number, message: string, headers?: Record<string, string>): LocalAnswer {
  return {
    status,
    json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    ...(headers ? { headers } : {}),
  };
}

function shapeError(req: LocalRequest, form: URLSearchParams): string | undefined {
  if (req.method !== 'POST') return `method ${req.method}`;
  if (req.path !== `/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`) return `path ${req.path}`;
  if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
    return `content-type ${req.headers['content-type']}`;
  const to = form.get('To');
  if (!to || !E164.test(to)) return `To ${to}`;
  if (!form.get('Body')) return 'no Body';
  if (form.has('From') === form.has('MessagingServiceSid')) return 'From and MessagingServiceSid: exactly one';
  const callback = form.get('StatusCallback');
  if (callback !== null && !/^https?:\/\//.test(callback)) return `StatusCallback ${callback}`;
  return undefined;
}

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const messages: TwilioMessage[] = [];
  const shapeErrors: string[] = [];
  const byToken = new Map<string, LocalAnswer>();
  const expectedAuth = `Basic ${Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64')}`;
  const http = await startLocalHttp((req) => {
    if (req.headers.authorization !== expectedAuth) return twilioError(401, 20003, 'Authenticate');
    const form = new URLSearchParams(req.raw);
    const wrong = shapeError(req, form);
    if (wrong) {
      shapeErrors.push(wrong);
      return twilioError(400, 21000, `fake Twilio: ${wrong}`);
    }
    const token = req.headers['i-twilio-idempotency-token'] as string | undefined;
    const earlier = token ? byToken.get(token) : undefined;
    if (earlier) return earlier;
    const to = form.get('To')!;
    if (to === twilioNumbers.refused)
      return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (to === twilioNumbers.throttled) return twilioError(429, 20429, 'Too Many Requests', { 'retry-after': '3' });
    if (to === twilioNumbers.unavailable) return twilioError(503, 20503, 'Service Unavailable');
    if (to === twilioNumbers.slow) return { status: 201, json: {}, holdMs: 10_000 };
    const sid = `SM${createHash('sha256')
      .update(`${messages.length}:${token ?? ''}`)
      .digest('hex')
      .slice(0, 32)}`;
    messages.push({ sid, token, form: Object.fromEntries(form) });
    const answer: LocalAnswer = {
      status: 201,
      json: { sid, account_sid: TWILIO_SID, to, from: form.get('From'), body: form.get('Body'), status: 'queued' },
    };
    if (token) byToken.set(token, answer);
    return answer;
  });
  return Object.assign(http, { messages, shapeErrors });
}
