import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '@strata/core';
import { describeMessageSenderContract } from '@strata/testkit/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outboxChannel, outboxFileName } from '../src/index.js';
import { emailMessage, smsMessage, whatsAppTemplateMessage } from './messages.js';

const exists = (path: string) =>
  readFile(path).then(
    () => true,
    () => false,
  );

describeMessageSenderContract({
  name: 'outbox',
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'strata-outbox-'));
    // `unreachable` below points at a path under this file: no folder can be made there.
    await writeFile(join(dir, 'not-a-folder'), 'a file');
    // Two of the three channels, so that a message for the third shows the refusal.
    const sender = outboxChannel({ dir, channels: ['email', 'sms'] });
    return {
      sender,
      addresses: { accepted: 'ada@customers.example' },
      message: emailMessage,
      received: async (id) => ((await exists(join(dir, 'email', `${outboxFileName(id)}.json`))) ? 1 : 0),
      unreachable: () => outboxChannel({ dir: join(dir, 'not-a-folder', 'inside'), channels: ['email'] }),
      async close() {
        await sender.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  skip: [
    {
      reason: 'the outbox is a folder: nobody refuses, throttles or has an outage',
      cases: ['refused', 'throttled', 'unavailable'],
    },
    { reason: 'writing a file waits on no one, so there is nothing to abort midway', cases: ['abortedDuring'] },
  ],
});

describe('outbox files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-outbox-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes an email as JSON and as the .eml SMTP would carry, with the unsubscribe headers and the send id', async () => {
    const outbox = outboxChannel(
      { dir, from: 'Lumen <news@lumen.example>' },
      { clock: fixedClock('2026-03-02T09:00:00Z') },
    );
    const result = await outbox.send(emailMessage('camp1-step1-cust-ada', 'ada@customers.example'));
    expect(result).toEqual({ ok: true, providerId: 'outbox:email/camp1-step1-cust-ada' });
    const record = JSON.parse(await readFile(join(dir, 'email', 'camp1-step1-cust-ada.json'), 'utf8'));
    expect(record).toMatchObject({
      id: 'camp1-step1-cust-ada',
      to: 'ada@customers.example',
      written_at: '2026-03-02T09:00:00.000Z',
    });
    const eml = await readFile(join(dir, 'email', 'camp1-step1-cust-ada.eml'), 'utf8');
    expect(eml).toContain('List-Unsubscribe: <https://shop.example/u/tok123>');
    expect(eml).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(eml).toContain('X-Strata-Send-ID: camp1-step1-cust-ada');
    expect(eml).toContain('Message-ID: <camp1-step1-cust-ada@lumen.example>');
    expect(eml).toContain('Subject: Your basket misses you, Ada');
  });

  it('keeps one file per channel folder and leaves no temporary files', async () => {
    const outbox = outboxChannel({ dir });
    await outbox.send(smsMessage('s1', '+447700900123'));
    await outbox.send(whatsAppTemplateMessage('w1', '+447700900123'));
    expect(await readdir(join(dir, 'sms'))).toEqual(['s1.json']);
    expect(await readdir(join(dir, 'whatsapp'))).toEqual(['w1.json']);
    const record = JSON.parse(await readFile(join(dir, 'whatsapp', 'w1.json'), 'utf8'));
    expect(record.template).toEqual({ name: 'order_reminder', language: 'en_GB', parameters: ['Ada', 'w1'] });
  });

  it('never overwrites: a second send with the same id keeps the first message and answers the same providerId', async () => {
    const outbox = outboxChannel({ dir });
    const first = await outbox.send(smsMessage('same-id', '+447700900123'));
    const second = await outbox.send({ ...smsMessage('same-id', '+447700900999'), text: 'another text' });
    expect(second).toEqual(first);
    const record = JSON.parse(await readFile(join(dir, 'sms', 'same-id.json'), 'utf8'));
    expect(record.to).toBe('+447700900123');
    expect(await readdir(join(dir, 'sms'))).toEqual(['same-id.json']);
  });

  it('many sends of one id at once still make one file', async () => {
    const outbox = outboxChannel({ dir });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => outbox.send({ ...smsMessage('raced', '+447700900123'), text: `try ${i}` })),
    );
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(await readdir(join(dir, 'sms'))).toEqual(['raced.json']);
  });

  it('writes a send id that is not a file name safely inside its folder', async () => {
    const outbox = outboxChannel({ dir });
    const result = await outbox.send(smsMessage('../../etc/passwd', '+447700900123'));
    expect(result.ok).toBe(true);
    expect(await readdir(join(dir, 'sms'))).toEqual([`${outboxFileName('../../etc/passwd')}.json`]);
    expect(outboxFileName('../../etc/passwd')).not.toContain('/');
  });

  it('refuses settings without a folder, naming the field', () => {
    expect(() => outboxChannel({ dir: '' })).toThrow(/outbox settings: dir: the outbox needs a folder/);
  });
});
