/**
 * What an automation brought in, in total and per send step. Each send step is a standing campaign
 * (`<automation>.<step>`), so its funnel and attributed orders are the campaigns package's. The
 * holdout is the automation's (runs held out on entry, which take no step): each held-out run gets
 * one touch per send step, at its entry plus the median time the recipients' runs took to reach that
 * step's message, on that step's channel. The touches then compete with real messages (and each
 * other) by the recipients' rules (holdoutAttributionSql), so each step's holdout conversions are
 * the orders that step's touch took: like for like with the step's recipients.
 */
import {
  armMeasures,
  campaignResults,
  attributionWindows,
  holdoutSums,
  recipientSums,
  upliftOf,
  type ArmMeasures,
  type ArmSums,
  type AttributionOptions,
  type AttributionWindows,
  type CampaignResults,
  type Uplift,
} from '@strata/campaigns';
import { MessageStatus, type SqlRunner } from '@strata/core';
import { StepKind } from './automation-definition.js';
import { findAutomation, RunStatus, stepCampaignId, type Automation } from './automation-store.js';

/** The measures of a group of recipients against the automation's holdout. */
export interface AutomationMeasures extends ArmMeasures {
  uplift: Uplift;
}

export interface AutomationStepResults extends AutomationMeasures {
  step: string;
  campaignId: string;
  /** The step campaign's funnel (audience, sent, delivered, failed, opened, clicked, unsubscribed, excluded by reason). */
  funnel: Pick<
    CampaignResults,
    'audience' | 'heldOut' | 'excluded' | 'sent' | 'delivered' | 'failed' | 'opened' | 'clicked' | 'unsubscribed'
  >;
  /** When the step's touch falls for a held-out run: the median seconds from entry to the step's message (null before any went). */
  medianSecondsFromEntry: number | null;
}

export interface AutomationResults {
  automation: Pick<Automation, 'id' | 'name' | 'status'>;
  windowDays: AttributionWindows;
  /** Runs that took steps, and runs held out on entry. */
  runs: number;
  heldOutRuns: number;
  /** Every step together: recipients of any step, orders attributed to any step's messages. */
  total: AutomationMeasures;
  steps: AutomationStepResults[];
}

const WENT_OUT = [MessageStatus.sent, MessageStatus.delivered, MessageStatus.opened, MessageStatus.clicked];

function measures(t: ArmSums, h: ArmSums): AutomationMeasures {
  return { ...armMeasures(t, h), uplift: upliftOf(t, h) };
}

/**
 * The held-out runs' touches ($1: automation id, $2: the send steps as JSON [{campaign, channel}]):
 * each run's entry plus each step's median delay among the runs that got its message.
 */
const delaysCte = `
  steps AS (
    SELECT unnest(from_json($2, '[{"campaign":"VARCHAR","channel":"VARCHAR"}]'), recursive := true)
  ), taken AS (
    SELECT customer_id, entered_at FROM automation_runs WHERE automation_id = $1 AND status <> '${RunStatus.held_out}'
  ), went AS (
    SELECT m.campaign_id, m.customer_id, m.sent_at, m.created_at FROM messages m
    WHERE list_contains((SELECT list(campaign) FROM steps), m.campaign_id)
      AND m.status IN (${WENT_OUT.map((s) => `'${s}'`).join(', ')}) AND m.sent_at IS NOT NULL
  ), delays AS (
    -- each message with the run it belongs to: its customer's latest entry before it was queued
    SELECT w.campaign_id, median(epoch(w.sent_at) - epoch(r.entered_at)) AS seconds
    FROM went w ASOF JOIN taken r ON r.customer_id = w.customer_id AND r.entered_at <= w.created_at
    GROUP BY w.campaign_id
  )`;
const touchesSql = `
  WITH ${delaysCte}
  SELECT h.customer_id || ':' || h.entry || ':' || s.campaign AS id, s.campaign AS campaign_id, h.customer_id,
         s.channel, h.entered_at + to_seconds(d.seconds) AS since
  FROM automation_runs h CROSS JOIN steps s JOIN delays d ON d.campaign_id = s.campaign
  WHERE h.automation_id = $1 AND h.status = '${RunStatus.held_out}'`;

/** An automation's results in total and per send step. AppError 'not_found' for an unknown id. */
export async function automationResults(
  db: SqlRunner,
  automationId: string,
  options: AttributionOptions = {},
): Promise<AutomationResults> {
  const a = await findAutomation(db, automationId);
  const w = attributionWindows(options);
  const sendSteps = a.definition.steps.flatMap((s) =>
    s.kind === StepKind.send
      ? [{ step: s.name, campaign: stepCampaignId(a.id, s.name), channel: s.message.channel }]
      : [],
  );
  const params = [a.id, JSON.stringify(sendSteps.map(({ campaign, channel }) => ({ campaign, channel })))];
  const [runs] = await db.query<{ runs: number; held: number }>(
    `SELECT count(*) FILTER (WHERE status <> $2)::INTEGER AS runs, count(*) FILTER (WHERE status = $2)::INTEGER AS held
     FROM automation_runs WHERE automation_id = $1`,
    [a.id, RunStatus.held_out],
  );
  const heldOutCustomers = await db.query<{ n: number }>(
    `SELECT count(DISTINCT customer_id)::INTEGER AS n FROM automation_runs WHERE automation_id = $1 AND status = $2`,
    [a.id, RunStatus.held_out],
  );
  const delays = new Map(
    (await db.query<{ campaign_id: string; seconds: number }>(`WITH ${delaysCte} SELECT * FROM delays`, params)).map(
      (r) => [r.campaign_id, Number(r.seconds)],
    ),
  );
  // A held-out customer is in the holdout of every step, with or without a touch for it yet.
  const everyHeldOut = (h: ArmSums): ArmSums => ({ ...h, n: Number(heldOutCustomers[0]?.n ?? 0) });
  const steps: AutomationStepResults[] = [];
  for (const s of sendSteps) {
    const r = await campaignResults(db, s.campaign, options);
    const t = await recipientSums(db, [s.campaign], w);
    const h = everyHeldOut(await holdoutSums(db, w, touchesSql, params, s.campaign));
    steps.push({
      step: s.step,
      campaignId: s.campaign,
      funnel: {
        audience: r.audience,
        heldOut: r.heldOut,
        excluded: r.excluded,
        sent: r.sent,
        delivered: r.delivered,
        failed: r.failed,
        opened: r.opened,
        clicked: r.clicked,
        unsubscribed: r.unsubscribed,
      },
      medianSecondsFromEntry: delays.get(s.campaign) ?? null,
      ...measures(t, h),
    });
  }
  const t = await recipientSums(
    db,
    sendSteps.map((s) => s.campaign),
    w,
  );
  const h = everyHeldOut(await holdoutSums(db, w, touchesSql, params));
  return {
    automation: { id: a.id, name: a.name, status: a.status },
    windowDays: w,
    runs: Number(runs?.runs ?? 0),
    heldOutRuns: Number(runs?.held ?? 0),
    total: measures(t, h),
    steps,
  };
}
