import { randomUUID } from 'node:crypto';
import { CampaignStatus, createCampaign, type CampaignInput } from '@strata/campaigns';
import { AppError, type Clock, type SqlRunner } from '@strata/core';
import { latestChangeSeq } from '@strata/membership';
import type { SegmentService } from '@strata/segments';
import {
  GoalKind,
  couponStepBefore,
  isSegmentTrigger,
  parseAutomation,
  StepKind,
  type AutomationDefinition,
  type SendStep,
} from './automation-definition.js';

/*
 * Automations as stored: the definition (its trigger segment resolved to an id), its status, and
 * the cursor over segment_changes (or, for event and date triggers, the time read up to). Each send step is a standing campaign of the campaigns package
 * (id `<automation>.<step>`): its template is checked when the automation is saved, and its
 * messages go through the same guardrails, coupons and send engine as any campaign's.
 */

export const AutomationStatus = { active: 'active', paused: 'paused' } as const;
export type AutomationStatus = (typeof AutomationStatus)[keyof typeof AutomationStatus];

/** Where a customer's run stands: taking steps, finished (all steps, goal met, an exit step), or held out. */
export const RunStatus = {
  active: 'active',
  completed: 'completed',
  goal: 'goal',
  exited: 'exited',
  held_out: 'held_out',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export interface Automation {
  id: string;
  name: string;
  status: AutomationStatus;
  definition: AutomationDefinition;
  /** segment_changes up to this seq have been read (segment triggers). */
  after_seq: number;
  /** Events, orders and dates up to this time have been read (event and date triggers; null before the first look). */
  after_at: string | null;
  created_at: string;
  updated_at: string;
}

interface AutomationRow extends Omit<Automation, 'definition' | 'status'> {
  status: string;
  definition: string;
}

const toAutomation = (r: AutomationRow): Automation => ({
  ...r,
  status: r.status as AutomationStatus,
  after_seq: Number(r.after_seq),
  after_at: r.after_at ? new Date(r.after_at).toISOString() : null,
  definition: parseAutomation(JSON.parse(r.definition)),
});

/** The standing campaign that holds a send step's template. */
export const stepCampaignId = (automationId: string, step: string) => `${automationId}.${step}`;

function stepCampaign(def: AutomationDefinition, audience: string, step: SendStep, index: number): CampaignInput {
  // A send step after a coupon step carries that step's code (coupon-step.ts): its template may use it.
  const coupons = step.coupons ?? couponStepBefore(def, index)?.coupons;
  return {
    name: `${def.name}: ${step.name}`,
    description: `The "${step.name}" step of the automation "${def.name}".`,
    audience: { include: [audience] },
    message: step.message,
    holdoutShare: 0,
    recommendations: step.recommendations,
    ...(coupons ? { coupons } : {}),
    ...(def.storeTimeZone ? { storeTimeZone: def.storeTimeZone } : {}),
  };
}

/**
 * Saves and switches on an automation: validates it, resolves its trigger segment, checks its
 * segment conditions, and stores a standing campaign per send step — all in one transaction. Its
 * cursor starts at the latest recorded change, so only entries (or exits) from now on start runs.
 */
export async function createAutomation(
  db: SqlRunner,
  input: unknown,
  options: { clock: Clock; segments: SegmentService; id?: string },
): Promise<Automation> {
  const parsed = parseAutomation(input);
  const trigger = parsed.trigger;
  const segment = isSegmentTrigger(trigger) ? await options.segments.get(trigger.segment) : undefined;
  const def: AutomationDefinition =
    segment && isSegmentTrigger(trigger) ? { ...parsed, trigger: { ...trigger, segment: segment.id } } : parsed;
  const conditions = def.steps.flatMap((s) => (s.kind === StepKind.branch ? [s.condition] : []));
  if (def.goal?.kind === GoalKind.segment) conditions.push(def.goal.condition);
  for (const condition of conditions) await options.segments.parse(condition);
  // The id: as the caller says, else the definition's own `id` (a file may name it), else generated.
  const own = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined;
  const id = options.id ?? (typeof own === 'string' ? own : `aut_${randomUUID()}`);
  if (!/^[A-Za-z0-9_-]+$/.test(id))
    throw new AppError('invalid', `automation id "${id}": letters, digits, - and _ only`);
  // Recorded for the reader: a standing campaign's recipients come one by one from the automation.
  const audience = segment?.id ?? `automation:${id}`;
  const at = options.clock.now().toISOString();
  await db.transaction(async (tx) => {
    const [exists] = await tx.query(`SELECT 1 FROM automations WHERE id = $1`, [id]);
    if (exists) throw new AppError('conflict', `an automation with id "${id}" exists already`);
    await tx.exec(
      `INSERT INTO automations (id, name, definition, status, after_seq, after_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, NULL, $6::TIMESTAMPTZ, $6::TIMESTAMPTZ)`,
      [id, def.name, JSON.stringify(def), AutomationStatus.active, await latestChangeSeq(tx), at],
    );
    for (const [index, step] of def.steps.entries())
      if (step.kind === StepKind.send)
        await createCampaign(tx, stepCampaign(def, audience, step, index), {
          clock: options.clock,
          id: stepCampaignId(id, step.name),
          status: CampaignStatus.standing,
        });
  });
  return findAutomation(db, id);
}

export async function findAutomation(db: SqlRunner, id: string): Promise<Automation> {
  const [row] = await db.query<AutomationRow>(`SELECT * FROM automations WHERE id = $1`, [id]);
  if (!row) throw new AppError('not_found', `no automation "${id}"`);
  return toAutomation(row);
}

export async function listAutomations(db: SqlRunner): Promise<Automation[]> {
  return (await db.query<AutomationRow>(`SELECT * FROM automations ORDER BY created_at, id`)).map(toAutomation);
}

/** Pauses (no new runs, no steps taken) or resumes an automation; runs keep their place. */
export async function setAutomationStatus(
  db: SqlRunner,
  id: string,
  status: AutomationStatus,
  at: Date,
): Promise<Automation> {
  await findAutomation(db, id);
  await db.exec(`UPDATE automations SET status = $2, updated_at = $3::TIMESTAMPTZ WHERE id = $1`, [
    id,
    status,
    at.toISOString(),
  ]);
  return findAutomation(db, id);
}

/** One customer's pass through an automation, as the API and tests read it. */
export interface AutomationRun {
  automation_id: string;
  customer_id: string;
  entry: number;
  entered_at: string;
  /** The next step's name (null once finished or past the last step). */
  step: string | null;
  due_at: string | null;
  status: RunStatus;
  finished_at: string | null;
}

const isoCol = (c: string) => `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${c}`;

/** The runs of an automation (optionally of one customer), in entry order. */
export async function automationRuns(
  db: SqlRunner,
  automationId: string,
  customerId?: string,
): Promise<AutomationRun[]> {
  const automation = await findAutomation(db, automationId);
  const rows = await db.query<Omit<AutomationRun, 'step'> & { step: number }>(
    `SELECT automation_id, customer_id, entry, ${isoCol('entered_at')}, step, ${isoCol('due_at')}, status, ${isoCol('finished_at')}
     FROM automation_runs WHERE automation_id = $1 AND ($2::VARCHAR IS NULL OR customer_id = $2)
     ORDER BY customer_id, entry`,
    [automationId, customerId ?? null],
  );
  return rows.map((r) => ({
    ...r,
    entry: Number(r.entry),
    step: r.status === RunStatus.active ? (automation.definition.steps[Number(r.step)]?.name ?? null) : null,
  }));
}
