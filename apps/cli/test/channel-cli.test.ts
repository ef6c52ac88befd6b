/**
 * `strata channel`: settings set on the store file or through the running server, shown with
 * every secret masked, and a test message through the channel as set — to the outbox beside the
 * store, and to a real SMTP server on 127.0.0.1 that needs the very password that was set.
 */
import { readFileSync, readdirSync, renameSync, writeFileSync, mkdtempSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { secretKeyFilePath, startServer } from '@strata/server';
import { captureIo } from './helpers.js';

const SMTP_PASS = 'smtp-password-typed-at-the-prompt';
const TWILIO_TOKEN = '0123456789abcdef0123456789ab7e51';

let smtp: { port: number; received: { to: string[]; raw: string }[]; logins: string[]; close: () => Promise<void> };

beforeAll(async () => {
  const received: { to: string[]; raw: string }[] = [];
  const logins: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth: (auth, _s, cb) => {
      logins.push(`${auth.username}:${auth.password}`);
      return auth.username === 'shop' && auth.password === SMTP_PASS
        ? cb(null, { user: 'shop' })
        : cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const parts: Buffer[] = [];
      stream.on('data', (d: Buffer) => parts.push(d));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(parts).toString() });
        cb();
      });
    },
  });
  const socket: Server = await new Promise((resolve) => {
    const s: Server = server.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = socket.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  smtp = {
    port: address.port,
    received,
    logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
afterAll(() => smtp?.close());

const tmpDb = () => join(mkdtempSync(join(tmpdir(), 'strata-channel-cli-')), 's.duckdb');

/** `run` with a terminal that answers each secret prompt from `answers`. */
async function strata(db: string, args: string[], answers: string[] = []) {
  const io = captureIo();
  const prompts: string[] = [];
  const code = await run(['--db', db, ...args], {
    ...io,
    readSecretLine: (prompt) => {
      prompts.push(prompt);
      return Promise.resolve(answers.shift());
    },
  });
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n'), prompts };
}

const smtpArgs = (port: number) => [
  'channel',
  'set',
  'email',
  '--provider',
  'smtp',
  '--host',
  '127.0.0.1',
  `--port=${port}`,
  '--user',
  'shop',
  '--pass',
  '-',
  '--from',
  'Lumen <news@lumen.example>',
  '--timeout-ms',
  '10000',
];

describe('strata channel, on the store file', () => {
  const db = tmpDb();

  it('set reads a secret given as "-" without echo, and show and list print it masked', async () => {
    const set = await strata(db, smtpArgs(smtp.port), [SMTP_PASS]);
    expect(set.code).toBe(0);
    expect(set.prompts).toEqual(['email pass: ']);
    expect(set.out).toContain('pass:      …ompt   (secret, encrypted in the store)');
    expect(set.out).toContain(`port:      ${smtp.port}`);
    const show = await strata(db, ['channel', 'show', 'email']);
    const list = await strata(db, ['channel', 'list']);
    const json = await strata(db, ['--json', 'channel', 'show', 'email']);
    for (const r of [set, show, list, json]) expect(r.out + r.err).not.toContain(SMTP_PASS);
    expect(list.out.split('\n')).toEqual([
      `email     smtp            host=127.0.0.1 port=${smtp.port} user=shop pass=…ompt from=Lumen <news@lumen.example> timeoutMs=10000`,
      `sms       outbox          (default) dir=${join(db, '..', 'outbox')}`,
      `whatsapp  outbox          (default) dir=${join(db, '..', 'outbox')}`,
    ]);
    expect(JSON.parse(json.out)).toMatchObject({ provider: 'smtp', settings: { pass: '…ompt' }, secrets: ['pass'] });
    expect(readFileSync(db).includes(SMTP_PASS)).toBe(false);
  });

  it('test sends one message through the SMTP server, logged in with the password that was set', async () => {
    const r = await strata(db, ['channel', 'test', 'email', '--to', 'owner@lumen.example']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^sent a test message to owner@lumen\.example through smtp: <test-email-[0-9a-f-]+@lumen\.example>$/,
    );
    expect(smtp.logins.at(-1)).toBe(`shop:${SMTP_PASS}`);
    expect(smtp.received.at(-1)!.to).toEqual(['owner@lumen.example']);
    expect(smtp.received.at(-1)!.raw).toContain('Subject: Strata test message');
  });

  it('test on a channel not set writes to the outbox beside the store', async () => {
    const r = await strata(db, ['channel', 'test', 'sms', '--to', '+447700900123']);
    expect(r.code).toBe(0);
    const files = readdirSync(join(db, '..', 'outbox', 'sms'));
    expect(files).toHaveLength(1);
    const record = JSON.parse(readFileSync(join(db, '..', 'outbox', 'sms', files[0]!), 'utf8')) as Record<
      string,
      string
    >;
    expect(record).toMatchObject({ channel: 'sms', to: '+447700900123' });
    expect(record.text).toContain('the sms channel reaches you through outbox');
  });

  it('a JSON file sets a channel; options change one setting and keep the secret', async () => {
    const file = join(db, '..', 'twilio.json');
    writeFileSync(
      file,
      JSON.stringify({
        provider: 'twilio',
        accountSid: 'AC0123456789abcdef',
        authToken: TWILIO_TOKEN,
        from: '+447700900001',
      }),
    );
    expect((await strata(db, ['channel', 'set', 'sms', '--file', file])).code).toBe(0);
    const changed = await strata(db, ['--json', 'channel', 'set', 'sms', '--from', '+447700900002']);
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.out)).toMatchObject({
      provider: 'twilio',
      settings: { accountSid: 'AC0123456789abcdef', authToken: '…7e51', from: '+447700900002' },
    });
  });

  it('a wrong setting is refused naming the field, and changes nothing', async () => {
    const typo = await strata(db, ['channel', 'set', 'email', '--prot', '25']);
    expect(typo.code).toBe(65);
    expect(typo.err).toContain('email.prot: not a smtp setting; did you mean port?');
    const notNumber = await strata(db, ['channel', 'set', 'email', '--port', 'twenty-five']);
    expect([notNumber.code, notNumber.err.split('\n')[0]]).toEqual([
      65,
      'error: email.port: "twenty-five" is not a number',
    ]);
    const provider = await strata(db, ['channel', 'set', 'whatsapp', '--provider', 'twillio']);
    expect(provider.err).toContain('whatsapp.provider: "twillio" is not a provider; did you mean twilio?');
    expect((await strata(db, ['channel', 'show', 'email'])).out).toContain(`port:      ${smtp.port}`);
  });

  it('without the key file, reading says which file is missing; a channel can still be set again', async () => {
    const keyFile = secretKeyFilePath(db);
    renameSync(keyFile, `${keyFile}.away`);
    const list = await strata(db, ['channel', 'list']);
    expect(list.code).toBe(69);
    expect(list.err).toContain(`there is no key file ${keyFile}`);
    expect((await strata(db, ['channel', 'reset', 'sms'])).code).toBe(0);
    expect((await strata(db, ['channel', 'set', 'email', '--provider', 'outbox'])).code).toBe(0);
    expect((await strata(db, ['channel', 'list'])).out).toContain('email     outbox');
  });
});

describe('strata channel, through the running server', () => {
  it('set, show and test go through the server, which sends with the new settings at once', async () => {
    const db = tmpDb();
    const server = await startServer({ dbPath: db, port: 0, env: {} });
    try {
      const set = await strata(db, smtpArgs(smtp.port), [SMTP_PASS]);
      expect(set.code).toBe(0);
      expect(set.out).not.toContain(SMTP_PASS);
      expect(server.channels.show('email')).toMatchObject({ provider: 'smtp', settings: { pass: '…ompt' } });
      const before = smtp.received.length;
      const test = await strata(db, ['channel', 'test', 'email', '--to', 'served@lumen.example']);
      expect([test.code, test.err]).toEqual([0, '']);
      expect(smtp.received.slice(before).map((m) => m.to)).toEqual([['served@lumen.example']]);
      const show = await strata(db, ['channel', 'show', 'email']);
      expect(show.out).toContain('pass:      …ompt   (secret, encrypted in the store)');
      // A refused login is the provider's answer: a failed test, with SMTP's code.
      const wrong = await strata(db, ['channel', 'set', 'email', '--pass', 'not-the-password']);
      expect(wrong.code).toBe(0);
      const failed = await strata(db, ['channel', 'test', 'email', '--to', 'served@lumen.example']);
      expect(failed.code).toBe(65);
      expect(failed.err).toContain('the test message was not sent through smtp');
      expect(failed.err).toContain('provider code 535');
    } finally {
      await server.close();
    }
  });
});
