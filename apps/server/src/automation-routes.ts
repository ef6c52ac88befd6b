/*
 * Automations over HTTP (docs/automations.md): the ready playbooks installed with one request,
 * the list, pause and resume, each automation's runs (who is where) and its results per send step
 * (automation-results.ts; unbounded interval ends travel as null). Every route needs the
 * API key. The automation engine runs in the server beside the campaign sends (compose.ts).
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import {
  automationResults,
  automationRuns,
  AutomationStatus,
  findAutomation,
  installPlaybook,
  listAutomations,
  playbooks,
  setAutomationStatus,
  type Playbook,
} from '@strata/automations';
import { AppError, Channel, type Clock, type SqlRunner } from '@strata/core';
import type { SegmentService } from '@strata/segments';

export interface AutomationRouteDeps {
  /** The connection the automation engine and the campaign sends work on. */
  db: SqlRunner;
  segments: SegmentService;
  clock: Clock;
  requireApiKey: MiddlewareHandler;
  body: <S extends z.ZodType>(c: Context, schema: S) => Promise<z.infer<S>>;
  /** An automation was installed or resumed: the engine looks for work now. */
  onChanged?: () => void;
}

/** What a playbook can be told when it is installed (see PlaybookOptions). */
export const PlaybookInstallRequest = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _')
      .optional(),
    shop_name: z.string().min(1).max(100).optional(),
    channel: z.enum([Channel.email, Channel.sms]).optional(),
    discount_percent: z.number().int().min(1).max(90).optional(),
    reentry_days: z.number().int().min(0).max(3650).optional(),
    holdout_share: z.number().min(0).max(0.5).optional(),
    /** The playbook's own parameters (checked by the playbook: docs/automations.md). */
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export function registerAutomationRoutes(app: Hono, deps: AutomationRouteDeps): void {
  const { db, requireApiKey, body, clock } = deps;
  const id = (c: Context) => c.req.param('id') ?? '';

  app.get('/v1/automations', requireApiKey, async (c) => c.json({ automations: await listAutomations(db) }));
  app.get('/v1/automations/:id', requireApiKey, async (c) => c.json(await findAutomation(db, id(c))));
  app.post('/v1/automations/playbooks/:name', requireApiKey, async (c) => {
    const name = c.req.param('name') ?? '';
    if (!(playbooks as readonly string[]).includes(name))
      throw new AppError('not_found', `no playbook "${name}"; the ready playbooks: ${playbooks.join(', ')}`);
    const b = await body(c, PlaybookInstallRequest);
    const installed = await installPlaybook(db, name as Playbook, {
      segments: deps.segments,
      clock,
      ...(b.id !== undefined ? { id: b.id } : {}),
      ...(b.shop_name !== undefined ? { shopName: b.shop_name } : {}),
      ...(b.channel !== undefined ? { channel: b.channel } : {}),
      ...(b.discount_percent !== undefined ? { discountPercent: b.discount_percent } : {}),
      ...(b.reentry_days !== undefined ? { reentryDays: b.reentry_days } : {}),
      ...(b.holdout_share !== undefined ? { holdoutShare: b.holdout_share } : {}),
      ...(b.params !== undefined ? { params: b.params } : {}),
    });
    deps.onChanged?.();
    return c.json(installed, 201);
  });
  for (const [action, status] of [
    ['pause', AutomationStatus.paused],
    ['resume', AutomationStatus.active],
  ] as const)
    app.post(`/v1/automations/:id/${action}`, requireApiKey, async (c) => {
      await setAutomationStatus(db, id(c), status, clock.now());
      if (status === AutomationStatus.active) deps.onChanged?.();
      return c.json(await findAutomation(db, id(c)));
    });
  app.get('/v1/automations/:id/results', requireApiKey, async (c) => c.json(await automationResults(db, id(c))));
  app.get('/v1/automations/:id/runs', requireApiKey, async (c) => {
    await findAutomation(db, id(c));
    const customer = c.req.query('customer');
    return c.json({ runs: await automationRuns(db, id(c), customer || undefined) });
  });
}
