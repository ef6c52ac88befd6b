import type { Server } from 'node:net';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that needs a login and refuses some recipients
 * the way mail servers do: 550 for an unknown mailbox, 451 "too many messages" for a throttle,
 * 451 for a local problem. Every message it takes is kept whole.
 */

export const SMTP_USER = 'shop';
export const SMTP_PASS = 'smtp-password-for-tests';

export const smtpAddresses = {
  accepted: 'ada@customers.example',
  refused: 'nobody@customers.example',
  throttled: 'throttled@customers.example',
  unavailable: 'unavailable@customers.example',
  slow: 'slow@customers.example',
} as const;

export interface SmtpDelivery {
  readonly from: string;
  readonly to: string[];
  /** The message as received (headers and body). */
  readonly raw: string;
}

export interface FakeSmtp {
  readonly port: number;
  readonly deliveries: SmtpDelivery[];
  /** Logins refused (wrong user or password). */
  readonly badLogins: string[];
  close(): Promise<void>;
}

function refusal(code: number, text: string): SMTPServerError {
  return Object.assign(new Error(text), { responseCode: code });
}

export async function startFakeSmtp(): Promise<FakeSmtp> {
  const deliveries: SmtpDelivery[] = [];
  const badLogins: string[] = [];
  const held = new Set<NodeJS.Timeout>();
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    closeTimeout: 200,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASS) return callback(null, { user: auth.username });
      badLogins.push(auth.username ?? '');
      return callback(refusal(535, '5.7.8 Authentication credentials invalid'));
    },
    onRcptTo(address, _session, callback) {
      switch (address.address) {
        case smtpAddresses.refused:
          return callback(refusal(550, '5.1.1 <nobody@customers.example>: Recipient address rejected: User unknown'));
        case smtpAddresses.throttled:
          return callback(refusal(451, '4.7.1 Too many messages, rate limit exceeded: slow down'));
        case smtpAddresses.unavailable:
          return callback(refusal(451, '4.3.0 Temporary local problem, try again later'));
        case smtpAddresses.slow: {
          const timer = setTimeout(() => {
            held.delete(timer);
            callback();
          }, 10_000);
          held.add(timer);
          return;
        }
        default:
          return callback();
      }
    },
    onData(stream, session, callback) {
      const parts: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => parts.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        deliveries.push({
          from,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(parts).toString('utf8'),
        });
        callback(null, 'Ok: queued');
      });
    },
  });
  const listening: Server = await new Promise((resolve) => {
    const socket: Server = server.listen(0, '127.0.0.1', () => resolve(socket));
  });
  const address = listening.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    deliveries,
    badLogins,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of held) clearTimeout(timer);
        server.close(() => resolve());
      }),
  };
}

/** A header's value in a raw message (unfolded), or undefined. */
export function headerOf(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
