/**
 * A ready playbook installed over HTTP runs inside the live server: a cart left for an hour puts
 * the customer into the abandoned-basket segment (the live engine), the automation takes them and
 * the reminder goes out through the campaign guardrails (to the outbox, the default channel).
 * The test clock moves time; the server's loops sleep on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutomationResultsBody } from '@strata/api';
import { Customer, Event, LiveSetting, ManualClock } from '@strata/core';
import { startServer, type RunningServer } from '@strata/server';
import { until } from './until.js';

const keys = { writeKey: 'wk-auto', apiKey: 'api-key-auto', webhookSecret: 'secret-auto' };
const dir = mkdtempSync(join(tmpdir(), 'strata-automations-api-'));
const clock = new ManualClock('2026-03-02T10:00:00Z');
let server: RunningServer;

const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${keys.apiKey}`, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  server = await startServer({ dbPath: join(dir, 'shop.duckdb'), port: 0, keys, clock, timer: clock, live: true });
  await until('the live engine’s first run', () => server.live!.initialised());
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('automations in the server', () => {
  it('lists the ready playbooks with their titles, for the dashboard gallery (not taken for an automation id)', async () => {
    const res = await api('/v1/automations/playbooks');
    expect(res.status).toBe(200);
    const listed = res.json.playbooks as { name: string; title: string; description: string }[];
    expect(listed.map((p) => p.name)).toEqual([
      'abandoned-cart',
      'browse-abandonment',
      'win-back',
      'replenishment',
      'post-purchase',
      'first-order',
      'welcome-series',
      'vip-early-access',
      'birthday',
      'feedback-request',
    ]);
    expect(listed[0]).toMatchObject({ title: 'Abandoned cart', description: expect.stringContaining('discount code') });
  });

  it('refuses a playbook it does not have, naming the ones it has', async () => {
    const res = await api('/v1/automations/playbooks/birthdays', { method: 'POST', body: {} });
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.json)).toContain(
      'no playbook \\"birthdays\\"; the ready playbooks: abandoned-cart, browse-abandonment, win-back, replenishment, post-purchase, first-order, welcome-series, vip-early-access, birthday, feedback-request',
    );
  });

  it("refuses a playbook's wrong or missing parameters, naming each, and installs nothing", async () => {
    const res = await api('/v1/automations/playbooks/post-purchase', {
      method: 'POST',
      body: { params: { guideDay: 0, acessories: ['COVER'] } },
    });
    expect(res.status).toBe(400);
    const text = JSON.stringify(res.json);
    expect(text).toContain('the playbook \\"post-purchase\\" has no parameter \\"acessories\\" (did you mean \\"accessories\\"?)');
    expect(text).toContain('parameter \\"category\\" of the playbook \\"post-purchase\\"');
    expect(text).toContain('parameter \\"guideDay\\" of the playbook \\"post-purchase\\"');
    expect(((await api('/v1/automations')).json.automations as unknown[]).length).toBe(0);
  });

  it('installs abandoned-cart with one request; a cart left for an hour gets the reminder, and the run waits for the coupon', async () => {
    const installed = await api('/v1/automations/playbooks/abandoned-cart', {
      method: 'POST',
      body: { id: 'carts', shop_name: 'Tea House' },
    });
    expect(installed.status).toBe(201);
    expect(installed.json).toMatchObject({ id: 'carts', status: 'active' });
    expect(((await api('/v1/automations')).json.automations as unknown[]).length).toBe(1);
    // the live engine takes the playbook's new saved segment at its next step (a second later)
    clock.advance(1_000);
    await until('the live engine to evaluate the new segment', async () => {
      const [row] = await server.store.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [
        LiveSetting.segments,
      ]);
      const [basket] = await server.store.query<{ id: string }>(
        `SELECT id FROM segments WHERE name = 'Abandoned basket'`,
      );
      return !!row && !!basket && row.value.includes(basket.id);
    });

    await server.store.write({
      customers: [
        Customer.parse({
          id: 'ann',
          email: 'ann@example.com',
          name: 'Ann Smith',
          consent: { email: { granted: true, at: '2026-01-01T00:00:00Z', source: 'checkout' } },
        }),
      ],
      events: [
        Event.parse({
          message_id: 'cart-1',
          customer_id: 'ann',
          type: 'add_to_cart',
          occurred_at: clock.now().toISOString(),
          properties: { sku: 'TEA-1', product_name: 'Green tea', quantity: 1, price: 8 },
        }),
      ],
    });
    // an hour and a minute later, with no order
    clock.advance(61 * 60_000);
    await until('the reminder', async () => {
      const log = (await api('/v1/customers/ann/messages')).json.messages as { status: string }[] | undefined;
      return (log ?? []).some((m) => m.status === 'sent');
    });
    const runs = (await api('/v1/automations/carts/runs')).json.runs as { customer_id: string; step: string | null }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ customer_id: 'ann', status: 'active' });
    expect(runs[0]!.step).not.toBeNull();

    // results per send step: the reminder went to ann, the coupon step has sent nothing yet (in the
    // shape the dashboard's automation page reads: the API's AutomationResultsBody)
    const results = AutomationResultsBody.parse((await api('/v1/automations/carts/results')).json);
    expect(results.runs).toBe(1);
    expect(results.steps.map((s) => [s.funnel.sent, s.recipients])).toEqual([
      [1, 1],
      [0, 0],
    ]);
    expect(results.steps[0]!.uplift.verdict).toBe('no holdout: nothing to compare');
    expect(results.total).toMatchObject({ recipients: 1, converted: 0 });
    expect((await api('/v1/automations/nobody/results')).status).toBe(404);
    const badBy = await api(`/v1/campaigns/carts.reminder/results?by=weekday`);
    expect(badBy.status).toBe(400);
    expect(JSON.stringify(badBy.json)).toContain('by: Invalid option');

    const paused = await api('/v1/automations/carts/pause', { method: 'POST' });
    expect(paused.json).toMatchObject({ id: 'carts', status: 'paused' });
    expect((await api('/v1/automations/nobody/runs')).status).toBe(404);
  });

  it('an automation of one’s own starts on an add_to_cart event; a tag rule tags the segment’s members with their history', async () => {
    const refused = await api('/v1/automations', {
      method: 'POST',
      body: { name: 'Bad', trigger: { kind: 'event', event: 'add_to_cart', where: { colour: 'red' } }, steps: [] },
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain('has no property \\"colour\\"');
    const created = await api('/v1/automations', {
      method: 'POST',
      body: {
        id: 'tea-cart',
        name: 'Tea in the cart',
        trigger: { kind: 'event', event: 'add_to_cart', where: { sku: 'TEA-9' } },
        steps: [
          { kind: 'send', name: 'nudge', message: { channel: 'email', subject: 'Tea', text: 'Your tea is waiting' } },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'tea-cart', status: 'active', after_at: null });
    clock.advance(1_000);
    await server.store.write({
      customers: [
        Customer.parse({
          id: 'bob',
          email: 'bob@example.com',
          consent: { email: { granted: true, at: '2026-01-01T00:00:00Z', source: 'checkout' } },
        }),
      ],
      events: [
        Event.parse({
          message_id: 'cart-bob',
          customer_id: 'bob',
          type: 'add_to_cart',
          occurred_at: clock.now().toISOString(),
          properties: { sku: 'TEA-9' },
        }),
      ],
    });
    // written beside the server's ingest path: the engine finds it when it next looks (within a
    // minute; the loop may have been mid-step when the clock last moved, so move it on until then)
    await until('the nudge', async () => {
      clock.advance(61_000);
      const log = (await api('/v1/customers/bob/messages')).json.messages as { status: string }[] | undefined;
      return (log ?? []).some((m) => m.status === 'sent');
    });
    const runs = (await api('/v1/automations/tea-cart/runs')).json.runs as { customer_id: string; status: string }[];
    expect(runs.map((r) => [r.customer_id, r.status])).toEqual([['bob', 'completed']]);

    // ann has been in the abandoned-basket segment since her cart of the earlier test
    const rule = await api('/v1/tags/rules', { method: 'POST', body: { tag: 'basket', segment: 'Abandoned basket' } });
    expect(rule.status).toBe(201);
    expect(((await api('/v1/tags/rules')).json.rules as { tag: string }[]).map((r) => r.tag)).toEqual(['basket']);
    const tags = (await api('/v1/customers/ann/tags')).json.tags as { tag: string; assigned_by: string }[];
    expect(tags).toContainEqual(expect.objectContaining({ tag: 'basket', assigned_by: 'rule:basket' }));
    const history = (await api('/v1/tags/rules/basket/history')).json.history as {
      customer_id: string;
      action: string;
    }[];
    expect(history.map((h) => [h.customer_id, h.action])).toEqual([['ann', 'added']]);
    expect((await api('/v1/tags/rules/basket', { method: 'DELETE' })).status).toBe(200);
    expect((await api('/v1/tags/rules/basket/history')).status).toBe(404);
  });
});
