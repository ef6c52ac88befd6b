import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import {
  channels,
  systemClock,
  type Channel,
  type Clock,
  type MessageSender,
  type OutgoingMessage,
  type SendResult,
} from '@strata/core';
import type { ChannelTestRequest, ChannelTestResponse } from '@strata/api';
import { channelSenders, type ChannelSenderOptions, type ChannelSettings } from '@strata/channels';
import { channelView, nextChannelSettings, type ChannelSettingsStore, type ChannelView } from './channel-settings.js';

/**
 * The channels a server (or a command on the store file) sends through: one MessageSender built
 * from the stored settings by @strata/channels' registry, the outbox for every channel not set.
 * `sender` stays the same object for the life of the service; changing a channel's settings builds
 * new adapters behind it, and the old ones close once the sends they were given have finished.
 */

/** How long a test message may take (the adapters' own timeouts are shorter). */
const TEST_TIMEOUT_MS = 120_000;

/** The outbox's default folder: `outbox` beside the store file. */
export const defaultOutboxDir = (dbPath: string) => join(dirname(resolve(dbPath)), 'outbox');

interface Generation {
  sender: MessageSender;
  settings: Partial<Record<Channel, ChannelSettings>>;
  sending: number;
  retired: boolean;
}

export interface ChannelServiceOptions {
  settings: ChannelSettingsStore;
  outboxDir: string;
  clock?: Clock;
  /** WhatsApp: when the customer at a number last wrote (the server's record of inbound messages). */
  lastInboundAt?: ChannelSenderOptions['lastInboundAt'];
}

export class ChannelService {
  private current: Generation;
  private readonly clock: Clock;
  /** Every channel's adapter, as now set. Campaigns send through this. */
  readonly sender: MessageSender;

  private constructor(
    private readonly options: ChannelServiceOptions,
    first: Generation,
  ) {
    this.current = first;
    this.clock = options.clock ?? systemClock;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the facade's getter reads the current adapters
    const service = this;
    this.sender = {
      channels,
      get deduplicates() {
        return service.current.sender.deduplicates ?? [];
      },
      send: (message, signal) => this.sendThrough(message, signal),
      close: () => this.close(),
    };
  }

  /** Reads the stored settings and builds the adapters; wrong or unreadable settings stop it here, not at a send. */
  static async open(options: ChannelServiceOptions): Promise<ChannelService> {
    const settings = await options.settings.readAll();
    return new ChannelService(options, { sender: build(options, settings), settings, sending: 0, retired: false });
  }

  get outboxDir(): string {
    return this.options.outboxDir;
  }

  /** A channel's settings as the adapters have them (secrets in clear: for checking providers' signatures). */
  settingsOf(channel: Channel): ChannelSettings | undefined {
    return this.current.settings[channel];
  }

  list(): ChannelView[] {
    return channels.map((c) => this.show(c));
  }

  show(channel: Channel): ChannelView {
    return channelView(channel, this.current.settings[channel], this.options.outboxDir);
  }

  /**
   * Sets a channel's settings: all of them (`provider` given), or changes to the settings it has
   * (`merge`, without a provider; a setting given as null is removed). Checked, and the adapters
   * built, before anything is stored.
   */
  async set(channel: Channel, input: Record<string, unknown>, merge: boolean): Promise<ChannelView> {
    const next = nextChannelSettings(channel, input, this.current.settings[channel], merge);
    const settings = { ...this.current.settings, [channel]: next };
    const sender = build(this.options, settings);
    try {
      await this.options.settings.write(channel, next);
    } catch (e) {
      await sender.close();
      throw e;
    }
    this.swap({ sender, settings, sending: 0, retired: false });
    return this.show(channel);
  }

  /** Forgets a channel's settings: it goes to the outbox again. */
  async reset(channel: Channel): Promise<ChannelView> {
    const settings = { ...this.current.settings };
    delete settings[channel];
    const sender = build(this.options, settings);
    await this.options.settings.remove(channel);
    this.swap({ sender, settings, sending: 0, retired: false });
    return this.show(channel);
  }

  /** Sends one test message through the channel's adapter as set now; the answer is the provider's. */
  async test(channel: Channel, request: ChannelTestRequest): Promise<ChannelTestResponse> {
    const at = this.clock.now();
    const provider = this.current.settings[channel]?.provider ?? 'outbox';
    const text = `This is a test message from Strata (${at.toISOString()}): the ${channel} channel reaches you through ${provider}.`;
    const template = channel === 'whatsapp' ? request.template : undefined;
    const message: OutgoingMessage = {
      id: `test-${channel}-${randomUUID()}`,
      channel,
      customerId: 'strata-channel-test',
      to: request.to.trim(),
      text,
      ...(channel === 'email' ? { subject: 'Strata test message', html: `<p>${text}</p>` } : {}),
      ...(template
        ? {
            template: {
              name: template.name,
              language: template.language,
              parameters: [...(template.parameters ?? [])],
            },
          }
        : {}),
    };
    const r = await this.sender.send(message, AbortSignal.timeout(TEST_TIMEOUT_MS));
    return {
      channel,
      provider,
      send_id: message.id,
      ok: r.ok,
      ...(r.ok
        ? { provider_id: r.providerId }
        : {
            failure: r.failure,
            error: r.error,
            ...(r.providerCode !== undefined ? { provider_code: r.providerCode } : {}),
          }),
    };
  }

  async close(): Promise<void> {
    this.current.retired = true;
    await this.current.sender.close();
  }

  private swap(next: Generation): void {
    const old = this.current;
    this.current = next;
    old.retired = true;
    if (old.sending === 0) void old.sender.close();
  }

  private async sendThrough(message: OutgoingMessage, signal?: AbortSignal): Promise<SendResult> {
    const generation = this.current;
    generation.sending++;
    try {
      return await generation.sender.send(message, signal);
    } finally {
      generation.sending--;
      if (generation.retired && generation.sending === 0 && generation !== this.current) void generation.sender.close();
    }
  }
}

function build(options: ChannelServiceOptions, settings: Partial<Record<Channel, ChannelSettings>>): MessageSender {
  return channelSenders(
    { outboxDir: options.outboxDir, ...settings },
    {
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.lastInboundAt ? { lastInboundAt: options.lastInboundAt } : {}),
    },
  );
}
