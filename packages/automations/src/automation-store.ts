import { randomUUID } from 'node:crypto';
import { CampaignStatus, createCampaign, type CampaignInput } from '@strata/campaigns';
import { AppError, type Clock, type SqlRunner } from '@strata/core';
import { latestChangeSeq } from '@strata/membership';
import type { SegmentService } from '@strata/segments';
import {
  GoalKind,
  parseAutomation,
  StepKind,
  type AutomationDefinition,
  type SendStep,
} from './automation-definition.js';

/*
 * Automations as stored: the definition (its trigger segment resolved to an id), its status, and
 * the cursor over segment_changes. Each send step is a standing campaign of the campaigns package
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
  /** segment_changes up to this seq have been read. */
  after_seq: number;
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
  definition: parseAutomation(JSON.parse(r.definition)),
});

/** The standing campaign that holds a send step's template. */
export const stepCampaignId = (automationId: string, step: string) => `${automationId}.${step}`;

function stepCampaign(def: AutomationDefinition, segmentId: string, step: SendStep): CampaignInput {
  return {
    name: `${def.name}: ${step.name}`,
    description: `The "${step.name}" step of the automation "${def.name}".`,
    // Recorded for the reader; a standing campaign's recipients come one by one from the automation.
    audience: { include: [segmentId] },
    message: step.message,
    holdoutShare: 0,
    recommendations: step.recommendations,
    ...(step.coupons ? { coupons: step.coupons } : {}),
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
  const segment = await options.segments.get(parsed.trigger.segment);
  const def: AutomationDefinition = { ...parsed, trigger: { ...parsed.trigger, segment: segment.id } };
  const conditions = def.steps.flatMap((s) => (s.kind === StepKind.branch ? [s.condition] : []));
  if (def.goal?.kind === GoalKind.segment) conditions.push(def.goal.condition);
  for (const condition of conditions) await options.segments.parse(condition);
  const id = options.id ?? `aut_${randomUUID()}`;
  if (!/^[A-Za-z0-9_-]+$/.test(id))
    throw new AppError('invalid', `automation id "${id}": letters, digits, - and _ only`);
  const at = options.clock.now().toISOString();
  await db.transaction(async (tx) => {
    const [exists] = await tx.query(`SELECT 1 FROM automations WHERE id = $1`, [id]);
    if (exists) throw new AppError('conflict', `an automation with id "${id}" exists already`);
    await tx.exec(
      `INSERT INTO automations (id, name, definition, status, after_seq, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::TIMESTAMPTZ, $6::TIMESTAMPTZ)`,
      [id, def.name, JSON.stringify(def), AutomationStatus.active, await latestChangeSeq(tx), at],
    );
    for (const step of def.steps)
      if (step.kind === StepKind.send)
        await createCampaign(tx, stepCampaign(def, segment.id, step), {
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
