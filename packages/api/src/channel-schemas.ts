import { z } from 'zod';
import { channels, SendFailure } from '@strata/core';

/**
 * The channels' settings over HTTP (`/v1/channels`): each channel's provider and settings with
 * every secret masked, the settings a client sends (checked by the server against the provider's
 * own schema, which names each wrong field), and a test message's outcome.
 */

const channel = z.enum(channels);

export const ChannelViewBody = z.object({
  channel,
  provider: z.string(),
  /** False: nothing set, so the channel goes to the outbox in the default folder. */
  configured: z.boolean(),
  /** Secrets masked: `…9f3a` (their last four characters) or `…`. */
  settings: z.record(z.string(), z.unknown()),
  secrets: z.array(z.string()),
});
export type ChannelViewBody = z.infer<typeof ChannelViewBody>;

export const ChannelListResponse = z.object({
  /** Where the outbox writes for channels without settings of their own. */
  outbox_dir: z.string(),
  channels: z.array(ChannelViewBody),
});

/**
 * `PUT /v1/channels/:channel` (all settings, with `provider`) and `PATCH` (changes to the
 * settings it has; null removes one). Which settings a provider takes is the server's to check.
 */
export const ChannelSetRequest = z.record(z.string(), z.unknown());

export const ChannelTestRequest = z.object({
  /** An email address, or an E.164 phone number for sms and whatsapp. */
  to: z.string().trim().min(1, 'give the address to send the test to').max(320),
  /** WhatsApp outside the 24-hour window: an approved template (e.g. hello_world, en_US). */
  template: z
    .object({
      name: z.string().min(1),
      language: z.string().min(1),
      parameters: z.array(z.string()).default([]),
    })
    .exactOptional(),
});
export type ChannelTestRequest = z.input<typeof ChannelTestRequest>;

export const ChannelTestResponse = z.object({
  channel,
  provider: z.string(),
  /** The test message's send id (the outbox's file name). */
  send_id: z.string(),
  ok: z.boolean(),
  provider_id: z.string().exactOptional(),
  failure: z.enum(Object.values(SendFailure)).exactOptional(),
  error: z.string().exactOptional(),
  provider_code: z.string().exactOptional(),
});
export type ChannelTestResponse = z.infer<typeof ChannelTestResponse>;
