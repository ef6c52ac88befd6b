import { enqueueMessage, holdoutBucket, sendId, type CampaignEngine, type SendStepReport } from '@strata/campaigns';
import {
  AppError,
  MembershipCause,
  OrderStatus,
  realTimer,
  stepUntilAborted,
  SegmentSignal,
  SendReason,
  TagAssignment,
  TagRemoval,
  TagSource,
  UnsentStatus,
  type Clock,
  type SqlRunner,
  type StoreWriter,
  type Timer,
} from '@strata/core';
import { changesAfter } from '@strata/membership';
import type { SegmentService } from '@strata/segments';
import {
  GoalKind,
  isSegmentTrigger,
  ReentryKind,
  StepKind,
  TriggerKind,
  type AutomationDefinition,
} from './automation-definition.js';
import { AutomationStatus, listAutomations, RunStatus, stepCampaignId, type Automation } from './automation-store.js';
import { carryCoupon, issueCoupon } from './coupon-step.js';
import { dateOccurrences, eventOccurrences } from './trigger-sources.js';
import { stepTagRules } from './tag-rules.js';
import { waitEnd } from './wait-until.js';

/*
 * The automation engine. Each step (1) reads the segment changes after every active automation's
 * cursor (or, for event and date triggers, the events, orders and dates that came round since its
 * `after_at`, each recorded in automation_triggers) and starts a run for each customer its trigger
 * and re-entry rule let in — the runs and the cursor move in one transaction; (2) takes the steps that are due, customer by customer: a
 * step's effect (a message queued under its deterministic send id) and the move to the next step
 * commit together, so after a crash a new engine on the same file resumes each
 * customer at the step they were at, and a retried send step finds its message already queued;
 * (3) when it was given the process's campaign engine, sends what fell due through it (the
 * guardrails decide each message there, as for any campaign). Tags are written through the
 * store's write path before the run moves on: writing them again is harmless.
 *
 * Time is the clock's: a wait moves the due time on from when the previous step was due (not
 * from when the engine got to it), so a run's schedule does not drift when the engine is late.
 */

export type AutomationDb = SqlRunner & StoreWriter;

export interface AutomationEngineOptions {
  clock: Clock;
  /** Waits for due times in `run` (default: real time on `clock`); tests hand in a ManualClock. */
  timer?: Timer;
  segments: SegmentService;
  /**
   * The process's one campaign send engine: when given, `step` also sends the messages that are
   * due (through it). Do not run that engine's own loop beside this one's.
   */
  sends?: CampaignEngine;
  /** Segment changes read and runs advanced per step. */
  batchSize?: number;
  /** The longest `run` sleeps before looking for new entries again. */
  pollMs?: number;
  /**
   * The time zone of customers without one, for waits until a local time and date triggers: the
   * automation's own storeTimeZone, else this (a server reads its store_timezone setting), else UTC.
   */
  storeTimeZone?: string | (() => Promise<string | undefined>);
}

export interface AutomationStepReport {
  at: string;
  /** Runs started (held-out customers are counted in `finished.held_out` instead). */
  started: number;
  /** Triggers refused by the re-entry rule (or because the customer's run is still active). */
  refused: number;
  /** Steps taken, by kind. */
  taken: Partial<Record<StepKind, number>>;
  /** Runs that finished, by how. */
  finished: Partial<Record<RunStatus, number>>;
  /**
   * Runs whose step failed (a branch condition that no longer parses, a store error): they stay at
   * their step, due, and are tried again at the next engine step; the others go on.
   */
  errors: { automationId: string; customerId: string; entry: number; step: string; error: string }[];
  /** Rule tags added and removed as customers entered and left the segments they follow. */
  ruleTags: { added: number; removed: number };
  /** The send engine's steps, when it was given one. */
  sends: SendStepReport[];
  /** Whether more work may be waiting (a full batch was read). */
  more: boolean;
}

interface RunRow {
  automation_id: string;
  change_id: string;
  customer_id: string;
  entry: number;
  entered_at: string;
  step: number;
  due_at: string;
}

const iso = (d: Date) => d.toISOString();

/** How far back date triggers look again on each step (a profile run can move a date a little). */
const DATE_LOOKBACK_MS = 86_400_000;
/** How far ahead nextDue looks for the next date a date trigger comes round. */
const DATE_LOOKAHEAD_MS = 31 * 86_400_000;

export class AutomationEngine {
  private readonly clock: Clock;
  private readonly timer: Timer;
  private readonly batchSize: number;

  constructor(
    private readonly db: AutomationDb,
    private readonly options: AutomationEngineOptions,
  ) {
    this.clock = options.clock;
    this.timer = options.timer ?? realTimer(options.clock);
    this.batchSize = options.batchSize ?? 200;
    if (db.dialect !== 'duckdb')
      throw new AppError('unavailable', `automations run on the DuckDB store; this one is ${db.dialect}`);
  }

  /** One step: new entries admitted, due steps taken, due messages sent. Undefined when nothing happened. */
  async step(signal?: AbortSignal): Promise<AutomationStepReport | undefined> {
    const now = this.clock.now();
    const report: AutomationStepReport = {
      at: iso(now),
      started: 0,
      refused: 0,
      taken: {},
      finished: {},
      errors: [],
      ruleTags: { added: 0, removed: 0 },
      sends: [],
      more: false,
    };
    const tagged = await stepTagRules(this.db, this.batchSize);
    report.ruleTags = { added: tagged.added, removed: tagged.removed };
    if (tagged.more) report.more = true;
    const automations = (await listAutomations(this.db)).filter((a) => a.status === AutomationStatus.active);
    for (const a of automations) await this.admit(a, report);
    await this.advance(new Map(automations.map((a) => [a.id, a])), now, report);
    if (this.options.sends)
      for (let i = 0; i < 100 && !signal?.aborted; i++) {
        const sent = await this.options.sends.step(signal);
        if (!sent) break;
        report.sends.push(sent);
        if (!sent.more) break;
      }
    const idle =
      !report.started &&
      !report.refused &&
      !Object.keys(report.taken).length &&
      !Object.keys(report.finished).length &&
      !report.errors.length &&
      !report.ruleTags.added &&
      !report.ruleTags.removed &&
      !report.sends.length;
    return idle ? undefined : report;
  }

  /** Starts runs for what happened since the automation last looked, and moves its cursor, in one transaction. */
  private async admit(a: Automation, report: AutomationStepReport): Promise<void> {
    const trigger = a.definition.trigger;
    if (isSegmentTrigger(trigger)) return this.admitSegmentChanges(a, report);
    const now = this.clock.now();
    const created = new Date(a.created_at).getTime();
    const after = a.after_at ? new Date(a.after_at).getTime() : created;
    // Look back for late events (and for dates a profile run moved), never before the automation existed.
    const lookback = trigger.kind === TriggerKind.event ? trigger.lateHours * 3_600_000 : DATE_LOOKBACK_MS;
    const from = new Date(Math.max(created, after - lookback));
    const found =
      trigger.kind === TriggerKind.event
        ? await eventOccurrences(this.db, a.id, trigger, from, now, this.batchSize)
        : await dateOccurrences(this.db, a.id, trigger, await this.storeZone(a), from, now, this.batchSize);
    const full = found.length >= this.batchSize;
    if (full) report.more = true;
    if (!found.length && after >= now.getTime()) return;
    await this.db.transaction(async (tx) => {
      for (const o of found) {
        const started = await this.startRun(tx, a, o.customer_id, o.ref, o.at, report);
        await tx.exec(
          `INSERT OR IGNORE INTO automation_triggers (automation_id, ref, customer_id, "at", started)
           VALUES ($1, $2, $3, $4::TIMESTAMPTZ, $5)`,
          [a.id, o.ref, o.customer_id, o.at, started],
        );
      }
      // A full batch leaves the cursor where it was: the rest are read next (the handled ones are skipped).
      if (!full) await tx.exec(`UPDATE automations SET after_at = $2::TIMESTAMPTZ WHERE id = $1`, [a.id, iso(now)]);
    });
  }

  /** Starts runs for the segment changes after the automation's cursor, and moves the cursor, in one transaction. */
  private async admitSegmentChanges(a: Automation, report: AutomationStepReport): Promise<void> {
    const trigger = a.definition.trigger;
    if (!isSegmentTrigger(trigger)) return;
    const changes = await changesAfter(this.db, a.after_seq, this.batchSize, [trigger.segment]);
    if (!changes.length) return;
    if (changes.length >= this.batchSize) report.more = true;
    const wanted = trigger.kind === TriggerKind.segment_entered ? SegmentSignal.entered : SegmentSignal.exited;
    const bookkeeping: readonly string[] = [MembershipCause.segment, MembershipCause.recompute];
    await this.db.transaction(async (tx) => {
      for (const c of changes) {
        if (c.type !== wanted) continue;
        if (!trigger.existingMembers && bookkeeping.includes(c.cause)) continue;
        await this.startRun(tx, a, c.customer_id, c.id, c.at, report);
      }
      await tx.exec(`UPDATE automations SET after_seq = $2 WHERE id = $1`, [a.id, changes[changes.length - 1]!.seq]);
    });
  }

  /** Starts a customer's run (or holds them out) unless the re-entry rule refuses; whether it was not refused. */
  private async startRun(
    tx: SqlRunner,
    a: Automation,
    customerId: string,
    ref: string,
    at: string,
    report: AutomationStepReport,
  ): Promise<boolean> {
    const def = a.definition;
    const [last] = await tx.query<{ entry: number; entered_at: string; status: string }>(
      `SELECT entry, entered_at, status FROM automation_runs WHERE automation_id = $1 AND customer_id = $2
       ORDER BY entry DESC LIMIT 1`,
      [a.id, customerId],
    );
    if (last && !this.mayEnterAgain(def, last, new Date(at))) {
      report.refused++;
      return false;
    }
    const heldOut = def.holdoutShare > 0 && holdoutBucket(a.id, customerId) < def.holdoutShare;
    const now = iso(this.clock.now());
    await tx.exec(
      `INSERT INTO automation_runs (automation_id, customer_id, entry, change_id, entered_at, step, due_at, status, finished_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, 0, $6::TIMESTAMPTZ, $7, $8::TIMESTAMPTZ, $9::TIMESTAMPTZ)`,
      [
        a.id,
        customerId,
        Number(last?.entry ?? 0) + 1,
        ref,
        at,
        heldOut ? null : at,
        heldOut ? RunStatus.held_out : RunStatus.active,
        heldOut ? now : null,
        now,
      ],
    );
    if (heldOut) report.finished.held_out = (report.finished.held_out ?? 0) + 1;
    else report.started++;
    return true;
  }

  /** The time zone of customers without one. */
  private async storeZone(a: Automation): Promise<string> {
    if (a.definition.storeTimeZone) return a.definition.storeTimeZone;
    const z = this.options.storeTimeZone;
    return (typeof z === 'function' ? await z() : z) ?? 'UTC';
  }

  private mayEnterAgain(def: AutomationDefinition, last: { entered_at: string; status: string }, at: Date): boolean {
    if (last.status === RunStatus.active) return false;
    const r = def.reentry;
    if (r.kind === ReentryKind.once) return false;
    if (r.kind === ReentryKind.every_time) return true;
    return at.getTime() - new Date(last.entered_at).getTime() >= r.days * 86_400_000;
  }

  /**
   * Ends the runs whose `ordered` goal is met, whenever their next step is due: an order placed
   * since the entry ends the run at once, and the messages it still has queued (say, deferred by
   * quiet hours) are not sent.
   */
  private async sweepOrdered(active: Map<string, Automation>, now: Date, report: AutomationStepReport) {
    const ids = [...active.values()].filter((a) => a.definition.goal?.kind === GoalKind.ordered).map((a) => a.id);
    if (!ids.length) return;
    const runs = await this.db.query<RunRow>(
      `SELECT automation_id, customer_id, change_id, entry, strftime(entered_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS entered_at, step,
              strftime(due_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS due_at
       FROM automation_runs r
       WHERE status = $1 AND automation_id IN (SELECT unnest(from_json($2, '["VARCHAR"]')))
         AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = r.customer_id AND o.status = $3 AND o.placed_at >= r.entered_at
                     AND r.change_id <> 'order:' || o.id)
       ORDER BY automation_id, customer_id LIMIT ${this.batchSize}`,
      [RunStatus.active, JSON.stringify(ids), OrderStatus.confirmed],
    );
    if (runs.length >= this.batchSize) report.more = true;
    for (const run of runs)
      await this.finish(active.get(run.automation_id)!, run, Number(run.step), RunStatus.goal, now, report);
  }

  /** Takes the due steps of a batch of runs. */
  private async advance(active: Map<string, Automation>, now: Date, report: AutomationStepReport): Promise<void> {
    if (!active.size) return;
    await this.sweepOrdered(active, now, report);
    const runs = await this.db.query<RunRow>(
      `SELECT automation_id, customer_id, change_id, entry, strftime(entered_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS entered_at, step,
              strftime(due_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS due_at
       FROM automation_runs
       WHERE status = $1 AND due_at <= $2::TIMESTAMPTZ
         AND automation_id IN (SELECT unnest(from_json($3, '["VARCHAR"]')))
       ORDER BY due_at, automation_id, customer_id LIMIT ${this.batchSize}`,
      [RunStatus.active, iso(now), JSON.stringify([...active.keys()])],
    );
    if (runs.length >= this.batchSize) report.more = true;
    for (const run of runs) {
      const a = active.get(run.automation_id)!;
      try {
        await this.advanceRun(a, run, now, report);
      } catch (e) {
        const [at] = await this.db.query<{ step: number }>(
          `SELECT step FROM automation_runs WHERE automation_id = $1 AND customer_id = $2 AND entry = $3`,
          [run.automation_id, run.customer_id, Number(run.entry)],
        );
        report.errors.push({
          automationId: a.id,
          customerId: run.customer_id,
          entry: Number(run.entry),
          step: a.definition.steps[Number(at?.step ?? run.step)]?.name ?? '(end)',
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
  }

  /** Takes a run's steps until it waits past now or finishes. */
  private async advanceRun(a: Automation, run: RunRow, now: Date, report: AutomationStepReport): Promise<void> {
    const def = a.definition;
    let at = { step: Number(run.step), due: new Date(run.due_at) };
    // Steps only go forward (branches jump to later steps), so a run takes at most every step once.
    for (let guard = 0; guard <= def.steps.length && at.due.getTime() <= now.getTime(); guard++) {
      if (def.goal && (await this.goalMet(def, run))) return this.finish(a, run, at.step, RunStatus.goal, now, report);
      const step = def.steps[at.step];
      if (!step) return this.finish(a, run, at.step, RunStatus.completed, now, report);
      let next = { step: at.step + 1, due: at.due };
      switch (step.kind) {
        case StepKind.send:
          await this.db.transaction(async (tx) => {
            const campaignId = stepCampaignId(a.id, step.name);
            const id = await enqueueMessage(tx, {
              campaignId,
              step: step.name,
              customerId: run.customer_id,
              occurrence: Number(run.entry),
              channel: step.message.channel,
              dueAt: at.due,
              at: now,
            });
            await carryCoupon(tx, def, a.id, at.step, run.customer_id, Number(run.entry), { id, campaignId });
            await this.move(tx, run, at.step, next, now);
          });
          break;
        case StepKind.wait:
          next = {
            step: at.step + 1,
            due: await waitEnd(this.db, step, run.customer_id, at.due, await this.storeZone(a)),
          };
          await this.move(this.db, run, at.step, next, now);
          break;
        case StepKind.branch: {
          const holds = (await this.options.segments.explain({ text: step.condition }, run.customer_id)).matched;
          const target = holds ? step.whenTrue : step.whenFalse;
          if (target !== undefined) next = { step: def.steps.findIndex((s) => s.name === target), due: at.due };
          await this.move(this.db, run, at.step, next, now);
          break;
        }
        case StepKind.tag:
          // Through the store's write path (one transaction, the customer marked for the live
          // engine), then the move. Taking the step again after a crash in between writes the same
          // tags again, which changes nothing.
          await this.db.write({
            tags: step.add.map((tag) =>
              TagAssignment.parse({
                customer_id: run.customer_id,
                tag,
                source: TagSource.rule,
                assigned_by: `automation:${a.id}`,
                assigned_at: iso(now),
              }),
            ),
            tag_removals: step.remove.map((tag) => TagRemoval.parse({ customer_id: run.customer_id, tag })),
          });
          await this.move(this.db, run, at.step, next, now);
          break;
        case StepKind.coupon:
          await this.db.transaction(async (tx) => {
            await issueCoupon(tx, a.id, step, run.customer_id, Number(run.entry), now);
            await this.move(tx, run, at.step, next, now);
          });
          break;
        case StepKind.exit:
          report.taken.exit = (report.taken.exit ?? 0) + 1;
          return this.finish(a, run, at.step, RunStatus.exited, now, report);
      }
      report.taken[step.kind] = (report.taken[step.kind] ?? 0) + 1;
      at = next;
    }
  }

  /** Whether the automation's goal holds for the customer now. */
  private async goalMet(def: AutomationDefinition, run: RunRow): Promise<boolean> {
    const goal = def.goal;
    if (!goal) return false;
    if (goal.kind === GoalKind.segment)
      return (await this.options.segments.explain({ text: goal.condition }, run.customer_id)).matched;
    const [row] = await this.db.query<{ ordered: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM orders WHERE customer_id = $1 AND status = $2 AND placed_at >= $3::TIMESTAMPTZ
                      AND 'order:' || id <> $4) AS ordered`,
      [run.customer_id, OrderStatus.confirmed, run.entered_at, run.change_id],
    );
    return Boolean(row?.ordered);
  }

  /** Moves a run from step `from` on; a run moved meanwhile (by another engine) is left as it is. */
  private async move(db: SqlRunner, run: RunRow, from: number, to: { step: number; due: Date }, now: Date) {
    await db.exec(
      `UPDATE automation_runs SET step = $5, due_at = $6::TIMESTAMPTZ, updated_at = $7::TIMESTAMPTZ
       WHERE automation_id = $1 AND customer_id = $2 AND entry = $3 AND step = $4 AND status = '${RunStatus.active}'`,
      [run.automation_id, run.customer_id, Number(run.entry), from, to.step, iso(to.due), iso(now)],
    );
  }

  /** Ends a run; when its goal was met, its messages still queued are not sent (reason goal_met). */
  private async finish(
    a: Automation,
    run: RunRow,
    at: number,
    status: RunStatus,
    now: Date,
    report: AutomationStepReport,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.exec(
        `UPDATE automation_runs SET status = $5, due_at = NULL, finished_at = $6::TIMESTAMPTZ, updated_at = $6::TIMESTAMPTZ
         WHERE automation_id = $1 AND customer_id = $2 AND entry = $3 AND step = $4 AND status = '${RunStatus.active}'`,
        [run.automation_id, run.customer_id, Number(run.entry), at, status, iso(now)],
      );
      if (status !== RunStatus.goal) return;
      const ids = a.definition.steps.flatMap((s) =>
        s.kind === StepKind.send
          ? [sendId(stepCampaignId(a.id, s.name), s.name, run.customer_id, Number(run.entry))]
          : [],
      );
      if (ids.length)
        await tx.exec(
          `UPDATE messages SET status = $1, reason = $2, updated_at = $3::TIMESTAMPTZ
           WHERE status = $4 AND id IN (SELECT unnest(from_json($5, '["VARCHAR"]')))`,
          [UnsentStatus.skipped, SendReason.goal_met, iso(now), UnsentStatus.queued, JSON.stringify(ids)],
        );
    });
    report.finished[status] = (report.finished[status] ?? 0) + 1;
  }

  /**
   * When the next step of an active run falls due, or a date trigger next comes round (looking a
   * month ahead; with none by then, a month from now, to look again).
   */
  async nextDue(): Promise<Date | undefined> {
    const [row] = await this.db.query<{ t: string | null }>(
      `SELECT min(r.due_at) AS t FROM automation_runs r JOIN automations a ON a.id = r.automation_id AND a.status = $1
       WHERE r.status = $2`,
      [AutomationStatus.active, RunStatus.active],
    );
    const dues = row?.t ? [new Date(row.t).getTime()] : [];
    const now = this.clock.now();
    const ahead = new Date(now.getTime() + DATE_LOOKAHEAD_MS);
    for (const a of await listAutomations(this.db)) {
      const t = a.definition.trigger;
      if (a.status !== AutomationStatus.active || t.kind !== TriggerKind.date) continue;
      const [next] = await dateOccurrences(this.db, a.id, t, await this.storeZone(a), now, ahead, 1);
      dues.push(next ? Date.parse(next.at) : ahead.getTime());
    }
    return dues.length ? new Date(Math.min(...dues)) : undefined;
  }

  /** Steps until `signal` aborts, sleeping until the next due step or message (or `pollMs`) when idle. */
  run(signal: AbortSignal): Promise<void> {
    const work = {
      step: (signal?: AbortSignal) => this.step(signal),
      // the next due step, or the next due message of the send engine it drives
      nextDue: async () => {
        const dues = [await this.nextDue(), await this.options.sends?.nextDue()].filter((d): d is Date => !!d);
        return dues.length ? new Date(Math.min(...dues.map((d) => d.getTime()))) : undefined;
      },
    };
    return stepUntilAborted(work, this.clock, this.timer, this.options.pollMs ?? 60_000, signal);
  }
}
