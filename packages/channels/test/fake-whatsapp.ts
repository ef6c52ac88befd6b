import { startLocalHttp, type LocalAnswer, type LocalHttp, type LocalRequest } from './local-http.js';

/**
 * The WhatsApp Cloud API's messages endpoint as documented, on 127.0.0.1: it checks the bearer
 * token, the JSON body (messaging_product, to, a template with its language and body parameters,
 * or free text) and answers as Graph does, error objects included. It knows one approved
 * template and which numbers wrote in the last 24 hours.
 */

export const WA_PHONE_NUMBER_ID = '106540352242922';
export const WA_TOKEN = 'whatsapp-access-token-for-tests';
export const WA_VERSION = 'v21.0';

/** The approved template: its name, language and number of body parameters. */
export const approvedTemplate = { name: 'order_reminder', language: 'en_GB', parameterCount: 2 } as const;

export const whatsAppNumbers = {
  accepted: '+447700900123',
  /** Wrote within the window: free text is taken. */
  inWindow: '+447700900124',
  refused: '+15005550001',
  throttled: '+15005550002',
  unavailable: '+15005550003',
  slow: '+15005550004',
} as const;

export interface WhatsAppMessage {
  readonly id: string;
  readonly body: Record<string, unknown>;
}

export interface FakeWhatsApp extends LocalHttp {
  readonly messages: WhatsAppMessage[];
  readonly shapeErrors: string[];
}

const digits = (e164: string) => e164.slice(1);

function graphError(status: number, code: number, message: string, details?: string): LocalAnswer {
  return {
    status,
    json: {
      error: {
        message: `(#${code}) ${message}`,
        type: 'OAuthException',
        code,
        ...(details ? { error_data: { messaging_product: 'whatsapp', details } } : {}),
        fbtrace_id: 'AbCdEf123',
      },
    },
  };
}

interface Body {
  messaging_product?: unknown;
  to?: unknown;
  type?: unknown;
  text?: { body?: unknown };
  template?: {
    name?: unknown;
    language?: { code?: unknown };
    components?: { type?: unknown; parameters?: { type?: unknown; text?: unknown }[] }[];
  };
}

function shapeError(req: LocalRequest, body: Body | undefined): string | undefined {
  if (req.method !== 'POST') return `method ${req.method}`;
  if (req.path !== `/${WA_VERSION}/${WA_PHONE_NUMBER_ID}/messages`) return `path ${req.path}`;
  if (req.headers['content-type'] !== 'application/json') return `content-type ${req.headers['content-type']}`;
  if (!body) return 'not JSON';
  if (body.messaging_product !== 'whatsapp') return 'messaging_product';
  if (typeof body.to !== 'string' || !/^\d{7,15}$/.test(body.to)) return `to ${String(body.to)}`;
  if (body.type === 'text') return typeof body.text?.body === 'string' && body.text.body ? undefined : 'text.body';
  if (body.type !== 'template') return `type ${String(body.type)}`;
  const t = body.template;
  if (typeof t?.name !== 'string' || typeof t.language?.code !== 'string') return 'template name or language.code';
  for (const c of t.components ?? []) {
    if (c.type !== 'body') return `component type ${String(c.type)}`;
    if (!c.parameters?.every((p) => p.type === 'text' && typeof p.text === 'string')) return 'body parameters';
  }
  return undefined;
}

export async function startFakeWhatsApp(): Promise<FakeWhatsApp> {
  const messages: WhatsAppMessage[] = [];
  const shapeErrors: string[] = [];
  const http = await startLocalHttp((req) => {
    if (req.headers.authorization !== `Bearer ${WA_TOKEN}`)
      return graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    let body: Body | undefined;
    try {
      body = JSON.parse(req.raw) as Body;
    } catch {
      body = undefined;
    }
    const wrong = shapeError(req, body);
    if (wrong || !body) {
      shapeErrors.push(wrong ?? 'no body');
      return graphError(400, 100, `Invalid parameter: ${wrong}`);
    }
    const to = body.to as string;
    if (to === digits(whatsAppNumbers.refused))
      return graphError(400, 131026, 'Message Undeliverable.', 'Message Undeliverable.');
    if (to === digits(whatsAppNumbers.throttled))
      return graphError(400, 130429, 'Rate limit hit', 'Cloud API message throughput has been reached.');
    if (to === digits(whatsAppNumbers.unavailable)) return graphError(503, 2, 'Service temporarily unavailable');
    if (to === digits(whatsAppNumbers.slow)) return { status: 200, json: {}, holdMs: 10_000 };
    if (body.type === 'text' && to !== digits(whatsAppNumbers.inWindow))
      return graphError(
        400,
        131047,
        'Re-engagement message',
        'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
      );
    if (body.type === 'template') {
      const t = body.template!;
      if (t.name !== approvedTemplate.name || t.language?.code !== approvedTemplate.language)
        return graphError(
          404,
          132001,
          'Template name does not exist in the translation',
          `template name (${String(t.name)}) does not exist in ${String(t.language?.code)}`,
        );
      const count = t.components?.[0]?.parameters?.length ?? 0;
      if (count !== approvedTemplate.parameterCount)
        return graphError(
          400,
          132000,
          'Number of parameters does not match the expected number of params',
          `body: number of localizable_params (${count}) does not match the expected number of params (${approvedTemplate.parameterCount})`,
        );
    }
    const id = `wamid.HBgM${Buffer.from(`${messages.length}:${to}`).toString('base64url')}`;
    messages.push({ id, body: body as Record<string, unknown> });
    return {
      status: 200,
      json: { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id }] },
    };
  });
  return Object.assign(http, { messages, shapeErrors });
}
