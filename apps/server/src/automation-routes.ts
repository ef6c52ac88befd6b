/*
 * Automations over HTTP (docs/automations.md): the ready playbooks installed with one request,
 * an automation of one's own from its definition, the list, pause and resume, each automation's
 * runs (who is where) and its results per send step (automation-results.ts; unbounded interval
 * ends travel as null), and tag rules (a tag that follows a segment) with their history. Every
 * route needs the API key. The automation engine runs in the server beside the campaign sends (compose.ts).
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import {
  automationResults,
  automationRuns,
  AutomationStatus,
  createAutomation,
  createTagRule,
  deleteTagRule,
  findAutomation,
  findTagRule,
  listTagRules,
  tagHistory,
  type Automation,
  type AutomationDb,
  installPlaybook,
  listAutomations,
  playbooks,
  playbookSpecs,
  setAutomationStatus,
  type Playbook,
} from '@strata/automations';
import type { PlaybookListResponse } from '@strata/api';
import { AppError, Channel, type Clock, type SqlRunner } from '@strata/core';
import type { SegmentService } from '@strata/segments';

export interface AutomationRouteDeps {
  /** The connection the automation engine and the campaign sends work on. */
  db: AutomationDb;
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
export type PlaybookInstallRequest = z.input<typeof PlaybookInstallRequest>;

/** not_found naming the ready playbooks, unless `name` is one. */
function checkPlaybookName(name: string): void {
  if (!(playbooks as readonly string[]).includes(name))
    throw new AppError('not_found', `no playbook "${name}"; the ready playbooks: ${playbooks.join(', ')}`);
}

/**
 * Installs the ready playbook `name` as a request asks (the API and `strata automation install`
 * on the store file alike): not_found naming the ready playbooks when there is none of that name.
 */
export async function installPlaybookAsked(
  db: SqlRunner,
  name: string,
  asked: PlaybookInstallRequest,
  deps: { segments: SegmentService; clock: Clock },
): Promise<Automation> {
  checkPlaybookName(name);
  const b = PlaybookInstallRequest.parse(asked);
  return installPlaybook(db, name as Playbook, {
    segments: deps.segments,
    clock: deps.clock,
    ...(b.id !== undefined ? { id: b.id } : {}),
    ...(b.shop_name !== undefined ? { shopName: b.shop_name } : {}),
    ...(b.channel !== undefined ? { channel: b.channel } : {}),
    ...(b.discount_percent !== undefined ? { discountPercent: b.discount_percent } : {}),
    ...(b.reentry_days !== undefined ? { reentryDays: b.reentry_days } : {}),
    ...(b.holdout_share !== undefined ? { holdoutShare: b.holdout_share } : {}),
    ...(b.params !== undefined ? { params: b.params } : {}),
  });
}

export function registerAutomationRoutes(app: Hono, deps: AutomationRouteDeps): void {
  const { db, requireApiKey, body, clock } = deps;
  const id = (c: Context) => c.req.param('id') ?? '';

  app.get('/v1/automations', requireApiKey, async (c) => c.json({ automations: await listAutomations(db) }));
  app.post('/v1/automations', requireApiKey, async (c) => {
    const created = await createAutomation(db, await body(c, z.record(z.string(), z.unknown())), {
      clock,
      segments: deps.segments,
    });
    deps.onChanged?.();
    return c.json(created, 201);
  });
  // Before `/v1/automations/:id`, which would take "playbooks" for an id.
  app.get('/v1/automations/playbooks', requireApiKey, (c) => {
    const answer: PlaybookListResponse = {
      playbooks: playbooks.map((name) => {
        const { title, description } = playbookSpecs[name];
        return { name, title, description };
      }),
    };
    return c.json(answer);
  });
  app.get('/v1/automations/:id', requireApiKey, async (c) => c.json(await findAutomation(db, id(c))));
  app.post('/v1/automations/playbooks/:name', requireApiKey, async (c) => {
    const name = c.req.param('name') ?? '';
    checkPlaybookName(name);
    const b = await body(c, PlaybookInstallRequest);
    const installed = await installPlaybookAsked(db, name, b, deps);
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

  app.get('/v1/tags/rules', requireApiKey, async (c) => c.json({ rules: await listTagRules(db) }));
  app.post('/v1/tags/rules', requireApiKey, async (c) => {
    const rule = await createTagRule(db, await body(c, z.record(z.string(), z.unknown())), {
      clock,
      segments: deps.segments,
    });
    deps.onChanged?.();
    return c.json(rule, 201);
  });
  app.get('/v1/tags/rules/:tag', requireApiKey, async (c) => c.json(await findTagRule(db, c.req.param('tag') ?? '')));
  app.delete('/v1/tags/rules/:tag', requireApiKey, async (c) =>
    c.json(await deleteTagRule(db, c.req.param('tag') ?? '')),
  );
  app.get('/v1/tags/rules/:tag/history', requireApiKey, async (c) => {
    const tag = c.req.param('tag') ?? '';
    await findTagRule(db, tag);
    const customer = c.req.query('customer');
    return c.json({ history: await tagHistory(db, tag, customer || undefined) });
  });
}
