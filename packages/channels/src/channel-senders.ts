import { AppError, channels, type Channel, type Clock, type MessageSender } from '@strata/core';
import { z } from 'zod';
import { checked } from './checked.js';
import { outboxChannel, type OutboxSettings } from './outbox-channel.js';
import { wrongChannel } from './send-failures.js';
import { smtpChannel, type SmtpSettings } from './smtp-channel.js';
import { twilioChannel, type TwilioSettings } from './twilio-channel.js';
import { webhookChannel, type WebhookSettings } from './webhook-channel.js';
import { whatsAppChannel, type WhatsAppChannelOptions } from './whatsapp-channel.js';
import type { WhatsAppSettings } from './whatsapp-channel.js';

/**
 * Which provider delivers each channel, from one settings object: the outbox unless told
 * otherwise, so a fresh install sends to files. Each provider's own settings are checked by
 * its adapter, with errors that name the channel and the field.
 */

/** The providers and the channels each can deliver. */
export const providerChannels = {
  outbox: channels,
  smtp: ['email'],
  twilio: ['sms'],
  'whatsapp-cloud': ['whatsapp'],
  webhook: channels,
} as const satisfies Record<string, readonly Channel[]>;
export type Provider = keyof typeof providerChannels;
export const providers = Object.keys(providerChannels) as Provider[];

/** One channel's provider and its settings. */
export type ChannelSettings =
  | ({ provider: 'outbox' } & Partial<OutboxSettings>)
  | ({ provider: 'smtp' } & SmtpSettings)
  | ({ provider: 'twilio' } & TwilioSettings)
  | ({ provider: 'whatsapp-cloud' } & WhatsAppSettings)
  | ({ provider: 'webhook' } & WebhookSettings);

const ProviderChoice = z.looseObject({
  provider: z.enum(providers, { error: `provider must be one of ${providers.join(', ')}` }),
});

export const ChannelsConfig = z.object({
  /** Where the outbox writes (every channel without a provider of its own, and `provider: outbox`). */
  outboxDir: z.string().min(1, 'the outbox needs a folder'),
  email: ProviderChoice.optional(),
  sms: ProviderChoice.optional(),
  whatsapp: ProviderChoice.optional(),
});
export interface ChannelsConfig {
  outboxDir: string;
  email?: ChannelSettings;
  sms?: ChannelSettings;
  whatsapp?: ChannelSettings;
}

export interface ChannelSenderOptions {
  clock?: Clock;
  /** WhatsApp: when a customer last wrote, to keep free text inside the 24-hour window. */
  lastInboundAt?: WhatsAppChannelOptions['lastInboundAt'];
}

function withoutProvider<T extends { provider: string }>(settings: T): Omit<T, 'provider'> {
  const { provider: _provider, ...rest } = settings;
  return rest;
}

/**
 * The adapter that delivers `channel` with these settings (the outbox in `outboxDir` when none
 * are given). Throws AppError `invalid` for a provider that cannot deliver the channel (smtp
 * for sms) or settings that are wrong.
 */
export function senderFor(
  channel: Channel,
  settings: ChannelSettings | undefined,
  outboxDir: string,
  options: ChannelSenderOptions = {},
): MessageSender {
  const clockOption = options.clock ? { clock: options.clock } : {};
  if (!settings) return outboxChannel({ dir: outboxDir, channels: [channel] }, clockOption);
  const can: readonly Channel[] = providerChannels[settings.provider] ?? [];
  if (!can.includes(channel))
    throw new AppError('invalid', `${channel}.provider: ${settings.provider} cannot deliver ${channel}`, [
      { field: `${channel}.provider`, message: `${settings.provider} delivers ${can.join(', ') || 'nothing'}` },
    ]);
  const prefixed = <T>(build: () => T): T => {
    try {
      return build();
    } catch (e) {
      if (e instanceof AppError) throw new AppError(e.kind, `${channel}: ${e.message}`, e.details, { cause: e });
      throw e;
    }
  };
  switch (settings.provider) {
    case 'outbox':
      return prefixed(() =>
        outboxChannel({ dir: outboxDir, ...withoutProvider(settings), channels: [channel] }, clockOption),
      );
    case 'smtp':
      return prefixed(() => smtpChannel(withoutProvider(settings), clockOption));
    case 'twilio':
      return prefixed(() => twilioChannel(withoutProvider(settings), clockOption));
    case 'whatsapp-cloud':
      return prefixed(() =>
        whatsAppChannel(withoutProvider(settings), {
          ...clockOption,
          ...(options.lastInboundAt ? { lastInboundAt: options.lastInboundAt } : {}),
        }),
      );
    case 'webhook':
      return prefixed(() => webhookChannel({ ...withoutProvider(settings), channels: [channel] }, clockOption));
  }
}

/**
 * One MessageSender for every channel, each message handed to its channel's adapter. Settings
 * are checked (and every adapter built) here, so a wrong setting stops the start, not a send.
 */
export function channelSenders(config: ChannelsConfig, options: ChannelSenderOptions = {}): MessageSender {
  const outer = checked(ChannelsConfig, config, 'channel settings');
  const adapters = new Map<Channel, MessageSender>();
  try {
    for (const channel of channels)
      adapters.set(channel, senderFor(channel, config[channel], outer.outboxDir, options));
  } catch (e) {
    void Promise.all([...adapters.values()].map((a) => a.close()));
    throw e;
  }
  const delivers: readonly Channel[] = [...adapters.keys()];
  return {
    channels: delivers,
    deduplicates: delivers.filter((ch) => adapters.get(ch)?.deduplicates?.includes(ch)),
    send(message, signal) {
      const adapter = adapters.get(message.channel);
      return adapter ? adapter.send(message, signal) : Promise.resolve(wrongChannel('channels', delivers, message));
    },
    async close() {
      await Promise.all([...adapters.values()].map((a) => a.close()));
    },
  };
}
