import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDeliveryReports, CampaignEngine, createCampaign } from '@strata/campaigns';
import { openShop, person, profile, RecordingSender, type Shop } from './campaigns-fixture.js';

/*
 * A provider's delivery reports (as the server's inbound routes pass them on) move the messages of
 * the log forward, never back, whatever order they come in.
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
    const at = shop.clock.now().toISOString();
    const moved = await applyDeliveryReports(shop.store, 'email', [
      { providerId: provider('ann'), status: 'delivered', at },
      { providerId: provider('ann'), status: 'opened', at },
      // late and out of order: ann stays opened
      { providerId: provider('ann'), status: 'sent', at },
      { providerId: provider('bob'), status: 'failed', at, error: 'mailbox full' },
      { providerId: 'p-nobody', status: 'delivered', at },
    ]);
    expect(moved).toBe(3);
    expect(await statuses()).toEqual({ ann: 'opened', bob: 'failed: mailbox full', cat: 'sent' });
    // the same report on another channel is not this message's
    expect(
      await applyDeliveryReports(shop.store, 'sms', [{ providerId: provider('cat'), status: 'delivered', at }]),
    ).toBe(0);
    // a failure reported after delivery does not undo it
    await applyDeliveryReports(shop.store, 'email', [{ providerId: provider('ann'), status: 'failed', at }]);
    expect((await statuses()).ann).toBe('opened');
  });
});
