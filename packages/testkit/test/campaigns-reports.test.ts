import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDeliveryReports, CampaignEngine, createCampaign } from '@strata/campaigns';
import { openShop, person, profile, RecordingSender, type Shop } from './campaigns-fixture.js';

/*
 * A provider's delivery reports (recorded in message_reports by the server's inbound routes) move
 * the messages of the log forward at the send engine's next step, never back, whatever order they
 * come in.
 */

let shop: Shop;
beforeEach(async () => {
  shop = await openShop();
});
afterEach(async () => {
  await shop.close();
});

const statuses = async () =>
  Object.fromEntries(
    (
      await shop.store.query<{ customer_id: string; status: string; error: string | null }>(
        'SELECT customer_id, status, error FROM messages ORDER BY customer_id',
      )
    ).map((r) => [r.customer_id, r.error ? `${r.status}: ${r.error}` : r.status]),
  );

describe('delivery reports', () => {
  it('move sent messages to delivered, opened or failed, never back, and ignore messages they do not know', async () => {
    await shop.store.write({ customers: ['ann', 'bob', 'cat'].map((id) => person(id)) });
    await profile(shop);
    await shop.segments.save({ name: 'everyone', text: 'order_count >= 0' });
    await createCampaign(
      shop.store,
      {
        name: 'Tea',
        audience: { include: ['everyone'] },
        message: { channel: 'email', subject: 'Hi', text: 'Hello {{ customer.name }}' },
        holdoutShare: 0,
      },
      { clock: shop.clock, id: 'c1' },
    );
    const sender = new RecordingSender();
    const engine = new CampaignEngine(shop.store, {
      clock: shop.clock,
      timer: shop.clock,
      segments: shop.segments,
      sender,
    });
    await engine.start('c1');
    await engine.step();
    expect(await statuses()).toEqual({ ann: 'sent', bob: 'sent', cat: 'sent' });
    const provider = (customer: string) => `p-${sender.calls.find((c) => c.customerId === customer)!.id}`;
    const report = (channel: string, providerId: string, status: string, error: string | null = null) =>
      shop.store.exec(
        `INSERT OR IGNORE INTO message_reports (channel, provider_id, status, "at", error, received_at)
         VALUES ($1, $2, $3, $4::TIMESTAMPTZ, $5, $4::TIMESTAMPTZ)`,
        [channel, providerId, status, shop.clock.now().toISOString(), error],
      );
    await report('email', provider('ann'), 'opened');
    await report('email', provider('ann'), 'delivered');
    // late and out of order: ann stays opened
    await report('email', provider('ann'), 'sent');
    await report('email', provider('bob'), 'failed', 'mailbox full');
    await report('email', 'p-nobody', 'delivered');
    // the same id on another channel is not this message's
    await report('sms', provider('cat'), 'delivered');
    // the engine's next step takes them
    await engine.step();
    expect(await statuses()).toEqual({ ann: 'opened', bob: 'failed: mailbox full', cat: 'sent' });
    // a failure reported after delivery does not undo it; nothing moves twice
    await report('email', provider('ann'), 'failed');
    expect(await applyDeliveryReports(shop.store)).toBe(0);
    expect((await statuses()).ann).toBe('opened');
  });
});
