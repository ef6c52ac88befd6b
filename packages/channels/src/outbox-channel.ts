import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  channels,
  systemClock,
  type Channel,
  type Clock,
  type MessageSender,
  type OutgoingMessage,
} from '@strata/core';
import MailComposer from 'nodemailer/lib/mail-composer';
import { z } from 'zod';
import { checked } from './checked.js';
import { mailOf } from './email-message.js';
import { failed, throwIfAborted, wrongChannel } from './send-failures.js';

/**
 * The local outbox, the default channel: each message becomes a file, `<dir>/<channel>/<send
 * id>.json` (and, for email, the message as it would go over SMTP beside it as `.eml`), so the
 * demo and a first campaign work without any provider. Files appear whole (written aside, then
 * linked into place) and are never overwritten: the same send id twice finds its file and
 * answers the same providerId.
 */

export const OutboxSettings = z.object({
  /** The folder messages are written under (created when missing). */
  dir: z.string().min(1, 'the outbox needs a folder'),
  /** The From of the .eml files. */
  from: z.string().min(1).default('Strata outbox <outbox@strata.invalid>'),
  /** The channels it takes (default: every channel). */
  channels: z
    .array(z.enum(channels))
    .min(1)
    .default([...channels]),
});
export type OutboxSettings = z.input<typeof OutboxSettings>;

/** What the outbox writes for one message (`.json`). */
export interface OutboxRecord {
  readonly id: string;
  readonly provider_id: string;
  readonly channel: Channel;
  readonly customer_id: string;
  readonly to: string;
  readonly subject?: string;
  readonly text: string;
  readonly html?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly template?: OutgoingMessage['template'];
  readonly written_at: string;
}

/** A send id as a file name: anything but letters, digits, `-` and `_` is written as `%XX`. */
export function outboxFileName(sendId: string): string {
  return encodeURIComponent(sendId).replace(/[.!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
}

/**
 * Writes `data` to `path` only if nothing is there yet: written and synced aside first, then
 * linked into place, which either appears whole or fails with EEXIST. True when it was written.
 */
async function writeOnce(path: string, data: string | Buffer): Promise<boolean> {
  const aside = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(aside, 'wx');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(aside, path);
    return true;
  } catch (e) {
    if (errorCode(e) === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(aside);
  }
}

/** The outbox as a MessageSender. */
export function outboxChannel(settings: OutboxSettings, options: { clock?: Clock } = {}): MessageSender {
  const config = checked(OutboxSettings, settings, 'outbox settings');
  const clock = options.clock ?? systemClock;
  const delivers: readonly Channel[] = config.channels;
  return {
    channels: delivers,
    // one file per send id: the same id again writes nothing new
    deduplicates: delivers,
    async send(message, signal) {
      throwIfAborted(signal);
      if (!delivers.includes(message.channel)) return wrongChannel('the outbox', delivers, message);
      const folder = join(config.dir, message.channel);
      const name = outboxFileName(message.id);
      const jsonPath = join(folder, `${name}.json`);
      const providerId = `outbox:${message.channel}/${name}`;
      try {
        await mkdir(folder, { recursive: true });
        const now = clock.now();
        if (message.channel === 'email') {
          const eml = await new MailComposer(mailOf(message, config.from, now)).compile().build();
          throwIfAborted(signal);
          await writeOnce(join(folder, `${name}.eml`), eml);
        }
        const record: OutboxRecord = {
          id: message.id,
          provider_id: providerId,
          channel: message.channel,
          customer_id: message.customerId,
          to: message.to,
          ...(message.subject !== undefined ? { subject: message.subject } : {}),
          text: message.text,
          ...(message.html !== undefined ? { html: message.html } : {}),
          ...(message.headers !== undefined ? { headers: message.headers } : {}),
          ...(message.template !== undefined ? { template: message.template } : {}),
          written_at: now.toISOString(),
        };
        throwIfAborted(signal);
        if (await writeOnce(jsonPath, `${JSON.stringify(record, null, 2)}\n`)) return { ok: true, providerId };
        const earlier = JSON.parse(await readFile(jsonPath, 'utf8')) as Partial<OutboxRecord>;
        return { ok: true, providerId: earlier.provider_id ?? providerId };
      } catch (e) {
        throwIfAborted(signal);
        // A full disk or a folder that cannot be written may be mended: tried again later.
        return failed('retryable', `outbox cannot write ${jsonPath}: ${errorCode(e)}`, {
          providerCode: errorCode(e),
        });
      }
    },
    close: () => Promise.resolve(),
  };
}
