import { AppError, channels, type Channel, type SqlParam } from '@strata/core';
import {
  isSecretSetting,
  parseChannelSettings,
  providerNamed,
  providers,
  type ChannelSettings,
} from '@strata/channels';
import type { SettingsStore } from './keys.js';
import { isSealed, type SecretBox } from './secret-box.js';

/**
 * Each channel's provider settings, kept in the store's settings table as `channel.<channel>`:
 * JSON whose secret settings (secretSettings of @strata/channels) are sealed by the SecretBox, so
 * the store file never holds them in clear. Read back whole for the adapters; shown masked.
 */

const settingKey = (channel: Channel) => `channel.${channel}`;
const secretContext = (channel: Channel, name: string) => `channel.${channel}.${name}`;

/** What the settings table needs here: read, write, and delete a row. */
export type ChannelSettingsDb = SettingsStore & { exec(sql: string, params?: readonly SqlParam[]): Promise<void> };

/** The channel a name means, or AppError `invalid` listing the channels. */
export function channelNamed(name: string): Channel {
  if ((channels as readonly string[]).includes(name)) return name as Channel;
  throw new AppError('invalid', `unknown channel "${name}": one of ${channels.join(', ')}`, [
    { field: 'channel', message: `one of ${channels.join(', ')}` },
  ]);
}

/** A secret as it may be shown: its last four characters, and only when it is long enough to keep twelve hidden. */
export function maskSecret(secret: string): string {
  return secret.length >= 16 ? `…${secret.slice(-4)}` : '…';
}

/** One channel as `strata channel list/show` and `GET /v1/channels` show it: never a secret in full. */
export interface ChannelView {
  channel: Channel;
  provider: ChannelSettings['provider'];
  /** False: nothing is set, so the channel goes to the outbox in the default folder. */
  configured: boolean;
  /** The settings, each secret masked (`…9f3a`). */
  settings: Record<string, unknown>;
  /** Which settings are secrets (masked above). */
  secrets: string[];
}

export function channelView(channel: Channel, settings: ChannelSettings | undefined, outboxDir: string): ChannelView {
  if (!settings) return { channel, provider: 'outbox', configured: false, settings: { dir: outboxDir }, secrets: [] };
  const { provider, ...rest } = settings;
  const shown: Record<string, unknown> = {};
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(rest)) {
    if (isSecretSetting(provider, name) && typeof value === 'string') {
      shown[name] = maskSecret(value);
      secrets.push(name);
    } else shown[name] = value;
  }
  if (provider === 'outbox' && shown.dir === undefined) shown.dir = outboxDir;
  return { channel, provider, configured: true, settings: shown, secrets };
}

/**
 * The settings a change leads to, checked: `input` whole when it names a provider or `merge` is
 * off; otherwise `input` over the settings the channel has (`before`), a setting given as null
 * removed. AppError `invalid` names each wrong field as `<channel>.<setting>`.
 */
export function nextChannelSettings(
  channel: Channel,
  input: Readonly<Record<string, unknown>>,
  before: ChannelSettings | undefined,
  merge: boolean,
): ChannelSettings {
  let next: Record<string, unknown> = { ...input };
  if (merge && input.provider === undefined) {
    if (!before)
      throw new AppError(
        'invalid',
        `${channel} has no settings to change: give a provider (one of ${providers.join(', ')})`,
        [{ field: `${channel}.provider`, message: 'needed: nothing is set yet' }],
      );
    next = { ...before, ...input };
  }
  next = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== null && v !== undefined));
  return parseChannelSettings(channel, next);
}

export class ChannelSettingsStore {
  constructor(
    private readonly db: ChannelSettingsDb,
    readonly secrets: SecretBox,
  ) {}

  /** A channel's settings with its secrets opened, or undefined when none are set. */
  async read(channel: Channel): Promise<ChannelSettings | undefined> {
    const raw = await this.db.getSetting(settingKey(channel));
    if (raw === undefined) return undefined;
    let stored: Record<string, unknown>;
    try {
      stored = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new AppError('internal', `the store's ${settingKey(channel)} setting is not JSON: set the channel again`);
    }
    const provider = providerNamed(stored.provider, `${channel}.provider`);
    const open: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(stored))
      open[name] =
        isSecretSetting(provider, name) && isSealed(value)
          ? this.secrets.open(value, secretContext(channel, name))
          : value;
    return open as ChannelSettings;
  }

  async readAll(): Promise<Partial<Record<Channel, ChannelSettings>>> {
    const all: Partial<Record<Channel, ChannelSettings>> = {};
    for (const channel of channels) {
      const settings = await this.read(channel);
      if (settings) all[channel] = settings;
    }
    return all;
  }

  /** Checks and keeps a channel's settings, its secrets sealed; returns them as checked. */
  async write(channel: Channel, input: unknown): Promise<ChannelSettings> {
    const settings = parseChannelSettings(channel, input);
    const stored: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(settings))
      stored[name] =
        isSecretSetting(settings.provider, name) && typeof value === 'string'
          ? this.secrets.seal(value, secretContext(channel, name))
          : value;
    await this.db.setSetting(settingKey(channel), JSON.stringify(stored));
    return settings;
  }

  /** Forgets a channel's settings: it goes to the outbox again. */
  async remove(channel: Channel): Promise<void> {
    await this.db.exec('DELETE FROM settings WHERE key = $1', [settingKey(channel)]);
  }
}
