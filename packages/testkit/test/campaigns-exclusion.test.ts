import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CampaignEngine, campaignReport, createCampaign, messageLog } from '@strata/campaigns';
import { openShop, order, person, profile, RecordingSender, type Shop } from './campaigns-fixture.js';

/*
 * Exclusion segments are asked again when each message is due, not only when the campaign
 * starts: a customer who orders after the start, while their message waits for the end of quiet
 * hours, is not sent the "come back" offer, and the log says why.
 */

let shop: Shop;
beforeEach(async () => {
  shop = await openShop();
});
afterEach(async () => {
  await shop.close();
});

const LA = { timezone: 'America/Los_Angeles' };

async function startCampaign(exclude: string[]) {
  await shop.store.write({ customers: [person('ann'), person('lou', LA), person('max', LA)] });
  await profile(shop);
  await shop.segments.save({ name: 'everyone', text: 'order_count >= 0' });
  await shop.segments.save({ name: 'ordered in the last day', text: 'bought within last 1 days' });
  await createCampaign(
    shop.store,
    {
      name: 'Come back',
      audience: { include: ['everyone'], exclude },
      message: { channel: 'email', subject: 'We miss you', text: 'Hello {{ customer.name }}' },
      holdoutShare: 0,
    },
    { clock: shop.clock, id: 'back' },
  );
  const sender = new RecordingSender();
  const engine = new CampaignEngine(shop.store, {
    clock: shop.clock,
    timer: shop.clock,
    segments: shop.segments,
    sender,
  });
  await engine.start('back');
  await engine.step();
  // 10:00 UTC is 02:00 in Los Angeles: lou and max wait for 09:00 there (17:00 UTC).
  expect(sender.calls.map((c) => c.customerId)).toEqual(['ann']);
  return { engine, sender };
}

describe('exclusion segments at send time', () => {
  it('skips a customer who joined an exclusion segment after the start, naming it; the others still go', async () => {
    const { engine, sender } = await startCampaign(['ordered in the last day']);
    // Lou orders at noon UTC, after the start and before 09:00 comes in Los Angeles.
    shop.clock.set('2026-03-02T12:00:00.000Z');
    await shop.store.write({ orders: [order('lou', '2026-03-02T12:00:00Z', [['TEA-1', 1, 8]])] });

    shop.clock.set('2026-03-02T17:00:00.000Z');
    const step = await engine.step();
    expect(step).toMatchObject({ sent: 1, decided: { send: 1, excluded: 1 } });
    expect(sender.calls.map((c) => c.customerId)).toEqual(['ann', 'max']);

    const lou = (await messageLog(shop.store, { customerId: 'lou' }))[0];
    expect(lou).toMatchObject({
      status: 'skipped',
      reason: 'excluded',
      error: 'in the exclusion segment "ordered in the last day" when the message was due (2026-03-02T17:00:00.000Z)',
    });
    const report = await campaignReport(shop.store, 'back');
    expect(report.byReason).toEqual({ excluded: 1 });
    expect(report.byStatus).toEqual({ sent: 2, skipped: 1 });
    expect(report.campaign.status).toBe('done');
  });

  it('sends to the same customer when the campaign has no exclusion segment', async () => {
    const { engine, sender } = await startCampaign([]);
    shop.clock.set('2026-03-02T12:00:00.000Z');
    await shop.store.write({ orders: [order('lou', '2026-03-02T12:00:00Z', [['TEA-1', 1, 8]])] });
    shop.clock.set('2026-03-02T17:00:00.000Z');
    expect(await engine.step()).toMatchObject({ sent: 2 });
    expect(sender.calls.map((c) => c.customerId).sort()).toEqual(['ann', 'lou', 'max']);
  });

  it('goes on sending when an exclusion segment is deleted after the start (it is not asked any more)', async () => {
    const { engine, sender } = await startCampaign(['ordered in the last day']);
    shop.clock.set('2026-03-02T12:00:00.000Z');
    await shop.store.write({ orders: [order('lou', '2026-03-02T12:00:00Z', [['TEA-1', 1, 8]])] });
    const segment = (await shop.segments.list()).find((s) => s.name === 'ordered in the last day')!;
    await shop.segments.delete(segment.id);
    shop.clock.set('2026-03-02T17:00:00.000Z');
    expect(await engine.step()).toMatchObject({ sent: 2 });
    expect(sender.calls.map((c) => c.customerId).sort()).toEqual(['ann', 'lou', 'max']);
  });

  it('still counts someone already in the exclusion segment at the start as excluded, without asking again', async () => {
    await shop.store.write({ orders: [order('max', '2026-03-02T09:00:00Z', [['TEA-1', 1, 8]])] });
    const { engine, sender } = await startCampaign(['ordered in the last day']);
    expect((await messageLog(shop.store, { customerId: 'max' }))[0]).toMatchObject({
      status: 'skipped',
      reason: 'excluded',
      error: null,
    });
    shop.clock.set('2026-03-02T17:00:00.000Z');
    expect(await engine.step()).toMatchObject({ sent: 1 });
    expect(sender.calls.map((c) => c.customerId)).toEqual(['ann', 'lou']);
  });
});
