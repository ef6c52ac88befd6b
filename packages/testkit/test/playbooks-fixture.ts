/*
 * A shop for the ready-playbook scenarios: the campaigns' hand-made shop (a real DuckDB file and a
 * test clock), the live engine, the campaign send engine and the automation engine, sending to
 * the local outbox channel (files in a temp folder, read back as the shop owner would).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutomationEngine,
  installPlaybook,
  type Automation,
  type Playbook,
  type PlaybookOptions,
} from '@strata/automations';
import { CampaignEngine, unsubscribeSecret } from '@strata/campaigns';
import { outboxChannel, type OutboxRecord } from '@strata/channels';
import { Event, type MessageSender } from '@strata/core';
import { LiveEngine } from '@strata/live';
import { openShop, START, type Shop } from './campaigns-fixture.js';

export interface PlaybookShop {
  shop: Shop;
  outboxDir: string;
  live: LiveEngine;
  sends: CampaignEngine;
  automations: AutomationEngine;
  /** New engines on the store (after `shop.reopen()`: the new process). */
  engines(): void;
  install(name: Playbook, options?: Omit<PlaybookOptions, 'segments' | 'clock'>): Promise<Automation>;
  /** Writes an event for a customer at the clock's time. */
  event(customer: string, type: string, properties?: Record<string, unknown>): Promise<void>;
  /** Live membership, then automations (and their sends), until nothing more is due now. */
  settle(): Promise<void>;
  /**
   * Moves the clock to `at`, stopping at every due re-check, step and message on the way; with
   * `liveDues: false` it stops only where a step or message is due (the live engine still takes
   * what was written at each stop): for long runs whose audience no longer matters.
   */
  runUntil(at: Date | string, options?: { liveDues?: boolean }): Promise<void>;
  /** What the outbox holds for a customer, in the order written. */
  outbox(customer: string): OutboxRecord[];
  close(): Promise<void>;
}

export const at = (ms: number) => new Date(Date.parse(START) + ms);

/**
 * The shop with its customers written and its playbooks installed (`setup`), then the live engine
 * started from a full profile run (it reads the saved segments then).
 */
export async function openPlaybookShop(setup: (s: PlaybookShop) => Promise<void>): Promise<PlaybookShop> {
  const shop = await openShop();
  const outboxDir = mkdtempSync(join(tmpdir(), 'strata-outbox-'));
  const sender: MessageSender = outboxChannel({ dir: outboxDir }, { clock: shop.clock });
  const unsubscribe = { baseUrl: 'https://tea.example/unsubscribe', secret: await unsubscribeSecret(shop.store) };
  let events = 0;
  const s: PlaybookShop = {
    shop,
    outboxDir,
    live: undefined as unknown as LiveEngine,
    sends: undefined as unknown as CampaignEngine,
    automations: undefined as unknown as AutomationEngine,
    engines() {
      s.live = new LiveEngine(shop.store, { clock: shop.clock, segments: shop.segments });
      s.sends = new CampaignEngine(shop.store, {
        clock: shop.clock,
        segments: shop.segments,
        sender,
        unsubscribe,
      });
      s.automations = new AutomationEngine(shop.store, {
        clock: shop.clock,
        timer: shop.clock,
        segments: shop.segments,
        sends: s.sends,
      });
    },
    install: (name, options = {}) =>
      installPlaybook(shop.store, name, {
        segments: shop.segments,
        clock: shop.clock,
        shopName: 'Tea House',
        ...options,
      }),
    async event(customer, type, properties = {}) {
      await shop.store.write({
        events: [
          Event.parse({
            message_id: `pe${++events}`,
            customer_id: customer,
            type,
            occurred_at: shop.clock.now().toISOString(),
            properties,
          }),
        ],
      });
    },
    async settle() {
      for (let i = 0; i < 20; i++) if (!(await s.live.step())?.more) break;
      for (let i = 0; i < 20; i++) if (!(await s.automations.step())?.more) break;
    },
    async runUntil(to, options = {}) {
      const until = new Date(to).getTime();
      await s.settle();
      for (let i = 0; i < 400; i++) {
        const live = options.liveDues === false ? undefined : await s.live.nextDue();
        const dues = [live, await s.automations.nextDue(), await s.sends.nextDue()]
          .map((d) => d?.getTime() ?? Infinity)
          .filter((t) => t > shop.clock.now().getTime());
        const due = Math.min(...dues);
        if (due > until) break;
        shop.clock.set(new Date(due));
        await s.settle();
      }
      shop.clock.set(new Date(until));
      await s.settle();
    },
    outbox(customer) {
      const records: OutboxRecord[] = [];
      for (const channel of ['email', 'sms'])
        try {
          for (const f of readdirSync(join(outboxDir, channel)))
            if (f.endsWith('.json'))
              records.push(JSON.parse(readFileSync(join(outboxDir, channel, f), 'utf8')) as OutboxRecord);
        } catch {
          // no message on that channel yet
        }
      return records
        .filter((r) => r.customer_id === customer)
        .sort((a, b) => a.written_at.localeCompare(b.written_at) || a.id.localeCompare(b.id));
    },
    async close() {
      await shop.close();
      rmSync(outboxDir, { recursive: true, force: true });
    },
  };
  s.engines();
  await setup(s);
  await s.live.recompute('test');
  return s;
}
