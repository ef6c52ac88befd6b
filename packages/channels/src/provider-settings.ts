import { AppError, closest, type Channel, type ErrorDetail } from '@strata/core';
import type { z } from 'zod';
import { providerChannels, providers, type ChannelSettings, type Provider } from './channel-senders.js';
import { OutboxSettings } from './outbox-channel.js';
import { SmtpSettings } from './smtp-channel.js';
import { TwilioSettings } from './twilio-channel.js';
import { WebhookSettings } from './webhook-channel.js';
import { WhatsAppSettings } from './whatsapp-channel.js';

/**
 * One channel's settings as a person gives them (`strata channel set sms --provider twilio …`,
 * `PUT /v1/channels/sms`) and as a store keeps them: which provider, its own settings checked by
 * that adapter's schema, and which of them are secrets (kept encrypted, shown masked).
 */

/** Each provider's settings for one channel. The registry decides the folder and channels itself. */
export const providerSettings = {
  outbox: OutboxSettings.pick({ from: true }).extend({ dir: OutboxSettings.shape.dir.optional() }),
  smtp: SmtpSettings,
  twilio: TwilioSettings,
  'whatsapp-cloud': WhatsAppSettings,
  webhook: WebhookSettings.omit({ channels: true }),
} as const satisfies Record<Provider, z.ZodObject>;

/** The settings of each provider that are secrets: encrypted at rest, never shown in full. */
export const secretSettings = {
  outbox: [],
  smtp: ['pass'],
  twilio: ['authToken'],
  'whatsapp-cloud': ['accessToken', 'appSecret', 'verifyToken'],
  webhook: ['secret'],
} as const satisfies { [P in Provider]: readonly (keyof z.input<(typeof providerSettings)[P]>)[] };

/** Other names people use for a provider. */
const providerAliases: Readonly<Record<string, Provider>> = { whatsapp: 'whatsapp-cloud' };

/** The provider a name means (`whatsapp` is `whatsapp-cloud`), or AppError `invalid` naming `field`. */
export function providerNamed(name: unknown, field = 'provider'): Provider {
  const text = typeof name === 'string' ? name.trim().toLowerCase() : '';
  const provider = providerAliases[text] ?? (providers as readonly string[]).find((p) => p === text);
  if (provider) return provider as Provider;
  const guess = typeof name === 'string' ? closest(name, providers) : undefined;
  const message =
    name === undefined
      ? `a provider is needed: one of ${providers.join(', ')}`
      : `${JSON.stringify(name)} is not a provider${guess ? `; did you mean ${guess}?` : ''} (one of ${providers.join(', ')})`;
  throw new AppError('invalid', `${field}: ${message}`, [{ field, message }]);
}

/** The names of a provider's settings. */
export function settingNames(provider: Provider): string[] {
  return Object.keys(providerSettings[provider].shape);
}

/** Whether a provider's setting is a secret. */
export function isSecretSetting(provider: Provider, name: string): boolean {
  return (secretSettings[provider] as readonly string[]).includes(name);
}

/**
 * Checks one channel's settings: a provider that delivers the channel, only settings the
 * provider has (a misspelt one is named, with the likely one), each as its adapter's schema
 * wants. Returns them as given (defaults stay defaults), with the provider's own name. Throws
 * AppError `invalid` whose details name each field as `<channel>.<setting>`.
 */
export function parseChannelSettings(channel: Channel, input: unknown): ChannelSettings {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new AppError('invalid', `${channel}: the settings must be an object with a provider`, [
      { field: channel, message: 'not an object' },
    ]);
  const { provider: name, ...rest } = input as Record<string, unknown>;
  const provider = providerNamed(name, `${channel}.provider`);
  const can: readonly Channel[] = providerChannels[provider];
  if (!can.includes(channel)) {
    const message = `${provider} cannot deliver ${channel} (it delivers ${can.join(', ')})`;
    throw new AppError('invalid', `${channel}.provider: ${message}`, [{ field: `${channel}.provider`, message }]);
  }
  const known = settingNames(provider);
  const details: ErrorDetail[] = [];
  for (const key of Object.keys(rest)) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    details.push({
      field: `${channel}.${key}`,
      message: `not a ${provider} setting${guess ? `; did you mean ${guess}?` : ''} (settings: ${known.join(', ')})`,
    });
  }
  const parsed = providerSettings[provider].safeParse(rest);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const missing =
        issue.code === 'invalid_type' && issue.path.length === 1 && rest[String(issue.path[0])] === undefined;
      details.push({
        field: [channel, ...issue.path.map(String)].join('.'),
        message: missing ? `needed by ${provider}` : issue.message,
      });
    }
  if (details.length)
    throw new AppError(
      'invalid',
      `${channel} (${provider}) settings: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
      details,
    );
  return { provider, ...rest } as ChannelSettings;
}

/** What a schema takes, under its optional and default wrappers. */
function baseType(schema: z.ZodType): string {
  let def = (schema as { def: { type: string; innerType?: z.ZodType } }).def;
  while (def.innerType && ['optional', 'default', 'nullable', 'exact_optional', 'prefault'].includes(def.type))
    def = (def.innerType as unknown as { def: typeof def }).def;
  return def.type;
}

/**
 * Settings typed as text (command-line options) turned into what the provider's schema takes:
 * numbers, true/false, comma-separated lists. A value that is not what the setting takes throws
 * AppError `invalid` naming `<channel>.<setting>`; settings the provider lacks are left for
 * `parseChannelSettings` to name.
 */
export function settingsFromText(
  channel: Channel,
  provider: Provider,
  values: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const shape = providerSettings[provider].shape as Record<string, z.ZodType>;
  const out: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(values)) {
    const field = shape[key];
    const type = field ? baseType(field) : 'string';
    const wrong = (what: string) => {
      const message = `${JSON.stringify(text)} is not ${what}`;
      return new AppError('invalid', `${channel}.${key}: ${message}`, [{ field: `${channel}.${key}`, message }]);
    };
    if (type === 'number') {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw wrong('a number');
      out[key] = n;
    } else if (type === 'boolean') {
      const t = text.trim().toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(t)) out[key] = true;
      else if (['false', 'no', 'off', '0'].includes(t)) out[key] = false;
      else throw wrong('true or false');
    } else if (type === 'array') {
      out[key] = text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    } else out[key] = text;
  }
  return out;
}
