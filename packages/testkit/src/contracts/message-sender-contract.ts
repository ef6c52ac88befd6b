import { afterAll, beforeAll, describe, expect } from 'vitest';
import { channels, type MessageSender, type OutgoingMessage, type SendResult } from '@strata/core';
import { checkExceptions, contractCase, type ContractExceptions } from './contract-cases.js';

/**
 * What `MessageSender` (core/src/messaging.ts) promises, as tests every channel adapter runs
 * against its real local counterpart (a folder, an SMTP server, an HTTP server that answers as
 * the provider does). The fixture names the addresses its provider treats each way.
 */
export const messageSenderCases = {
  accepted: 'a message the provider takes resolves ok with a providerId, and the provider has it',
  sameIdTwice: 'the same send id twice resolves ok with the same providerId, and the provider has one message',
  refused: "the provider's permanent refusal resolves failure permanent, with the provider's reason and code",
  throttled: 'a throttle resolves failure rate_limited with a wait (retryAfterMs) above zero',
  unavailable: "the provider's passing trouble resolves failure retryable",
  unreachable: 'a provider that cannot be reached resolves failure retryable: send never throws for it',
  otherChannel: 'a message for a channel the adapter does not deliver resolves failure permanent and sends nothing',
  abortedBefore: 'an aborted signal rejects, and nothing reaches the provider',
  abortedDuring: 'aborting while the provider has not answered rejects at once',
  close: 'close() resolves, and resolves again when called twice',
} as const;
export type MessageSenderCase = keyof typeof messageSenderCases;

/** Addresses (email or E.164) the fixture's provider answers in a set way. */
export interface ProviderAddresses {
  /** Taken. */
  readonly accepted: string;
  /** Refused for good (an unknown mailbox, an invalid number). */
  readonly refused?: string;
  /** Refused with "slow down" (429, a rate-limit code or reply). */
  readonly throttled?: string;
  /** Refused for now (5xx, a 4xx SMTP reply). */
  readonly unavailable?: string;
  /** Not answered for seconds. */
  readonly slow?: string;
}

export interface MessageSenderFixture {
  readonly sender: MessageSender;
  readonly addresses: ProviderAddresses;
  /** A message on the adapter's channel, as a campaign would hand it over. */
  message(id: string, to: string): OutgoingMessage;
  /** How many messages with this send id the provider holds. */
  received(id: string): Promise<number>;
  /** The same adapter pointed at a provider that cannot be reached (a closed port, a path that is a file). */
  unreachable?(): MessageSender;
  close(): Promise<void>;
}

export interface MessageSenderContractOptions extends ContractExceptions<MessageSenderCase> {
  /** The adapter's name as the test titles show it. */
  name: string;
  /** A sender and its provider, fresh for the suite. */
  open(): Promise<MessageSenderFixture>;
}

function need(address: string | undefined, what: keyof ProviderAddresses): string {
  if (address === undefined)
    throw new Error(`the fixture names no ${what} address: give one or skip the case with a reason`);
  return address;
}

function expectFailure(result: SendResult, failure: string): Extract<SendResult, { ok: false }> {
  expect(result).toMatchObject({ ok: false, failure });
  if (result.ok) throw new Error('unreachable');
  expect(result.error.length).toBeGreaterThan(0);
  return result;
}

let ids = 0;
/** A send id no other case uses. */
const freshId = (what: string) => `contract-${what}-${process.pid}-${++ids}`;

/** Registers the MessageSender contract suite for one adapter. */
export function describeMessageSenderContract(options: MessageSenderContractOptions): void {
  checkExceptions(options);
  describe(`MessageSender contract: ${options.name}`, () => {
    let fx: MessageSenderFixture;
    beforeAll(async () => {
      fx = await options.open();
    });
    afterAll(async () => {
      await fx?.close();
    });
    const send = (what: string, to: string, signal?: AbortSignal) => {
      const message = fx.message(freshId(what), to);
      return fx.sender.send(message, signal).then((result) => ({ message, result }));
    };
    const caseOf = (name: MessageSenderCase, body: () => Promise<void>) =>
      contractCase(messageSenderCases, options, name, body);

    caseOf('accepted', async () => {
      const { message, result } = await send('accepted', fx.addresses.accepted);
      expect(result).toMatchObject({ ok: true });
      if (result.ok) expect(result.providerId).toMatch(/\S/);
      expect(await fx.received(message.id)).toBe(1);
    });

    caseOf('sameIdTwice', async () => {
      const message = fx.message(freshId('twice'), fx.addresses.accepted);
      const first = await fx.sender.send(message);
      const second = await fx.sender.send(message);
      expect(first).toMatchObject({ ok: true });
      expect(second).toEqual(first);
      expect(await fx.received(message.id)).toBe(1);
    });

    caseOf('refused', async () => {
      const { message, result } = await send('refused', need(fx.addresses.refused, 'refused'));
      const failure = expectFailure(result, 'permanent');
      expect(failure.providerCode).toMatch(/\S/);
      expect(await fx.received(message.id)).toBe(0);
    });

    caseOf('throttled', async () => {
      const { result } = await send('throttled', need(fx.addresses.throttled, 'throttled'));
      const failure = expectFailure(result, 'rate_limited');
      expect(failure.retryAfterMs).toBeGreaterThan(0);
    });

    caseOf('unavailable', async () => {
      const { message, result } = await send('unavailable', need(fx.addresses.unavailable, 'unavailable'));
      expectFailure(result, 'retryable');
      expect(await fx.received(message.id)).toBe(0);
    });

    caseOf('unreachable', async () => {
      if (!fx.unreachable) throw new Error('the fixture has no unreachable(): give one or skip the case with a reason');
      const sender = fx.unreachable();
      try {
        const result = await sender.send(fx.message(freshId('unreachable'), fx.addresses.accepted));
        expectFailure(result, 'retryable');
      } finally {
        await sender.close();
      }
    });

    caseOf('otherChannel', async () => {
      const other = channels.find((c) => !fx.sender.channels.includes(c));
      if (!other) throw new Error('the adapter delivers every channel: skip otherChannel with that reason');
      const message = { ...fx.message(freshId('other'), fx.addresses.accepted), channel: other };
      const failure = expectFailure(await fx.sender.send(message), 'permanent');
      expect(failure.error).toContain(other);
      expect(await fx.received(message.id)).toBe(0);
    });

    caseOf('abortedBefore', async () => {
      const message = fx.message(freshId('aborted'), fx.addresses.accepted);
      await expect(fx.sender.send(message, AbortSignal.abort())).rejects.toBeDefined();
      expect(await fx.received(message.id)).toBe(0);
    });

    caseOf('abortedDuring', async () => {
      const controller = new AbortController();
      const started = Date.now();
      const sending = send('slow', need(fx.addresses.slow, 'slow'), controller.signal);
      setTimeout(() => controller.abort(new Error('stopped by the test')), 100);
      await expect(sending).rejects.toThrow('stopped by the test');
      // The slow provider holds its answer for seconds; rejecting must not wait for it.
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    caseOf('close', async () => {
      const { result } = await send('before-close', fx.addresses.accepted);
      expect(result).toMatchObject({ ok: true });
      await expect(fx.sender.close()).resolves.toBeUndefined();
      await expect(fx.sender.close()).resolves.toBeUndefined();
    });
  });
}
