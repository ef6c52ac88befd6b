import type { OutgoingMessage } from '@strata/core';
import type { MailComposerOptions } from 'nodemailer/lib/mail-composer';

/**
 * An email message as nodemailer builds it, the same for SMTP and for the outbox's .eml file:
 * the send id as Message-ID (so a bounce or a reply names it) and as X-Strata-Send-ID, and the
 * message's own headers (List-Unsubscribe, List-Unsubscribe-Post) as given.
 */

/** The header that carries the send id on every email. */
export const SEND_ID_HEADER = 'X-Strata-Send-ID';

/** The domain of a From address such as `Shop <news@shop.example>` (Message-IDs use it). */
function domainOf(from: string): string {
  return /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'strata.invalid';
}

/**
 * `<send id@from domain>`. Characters a Message-ID's left part may not hold are written as
 * `=XX`, so two send ids never share a Message-ID.
 */
export function messageIdOf(sendId: string, from: string): string {
  const local = sendId.replace(/[^A-Za-z0-9._+-]/g, (c) =>
    [...Buffer.from(c)].map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  return `<${local.replace(/^\.|\.$|\.(?=\.)/g, '=2E')}@${domainOf(from)}>`;
}

/** nodemailer's options for one message; no file or URL is ever read into it. */
export function mailOf(message: OutgoingMessage, from: string, date?: Date): MailComposerOptions {
  return {
    from,
    to: message.to,
    subject: message.subject ?? '',
    text: message.text,
    ...(message.html !== undefined ? { html: message.html } : {}),
    messageId: messageIdOf(message.id, from),
    headers: { ...message.headers, [SEND_ID_HEADER]: message.id },
    ...(date ? { date } : {}),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
