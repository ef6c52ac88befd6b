import { randomUUID } from 'node:crypto';
import {
  AppError,
  channels,
  type Clock,
  type MessageSender,
  MessageStatus,
  type OutgoingMessage,
  realTimer,
  SendFailure,
  SendReason,
  type SendResult,
  SqlParams,
  type SqlRunner,
  stepUntilAborted,
  type Timer,
  UnsentStatus,
} from '@strata/core';
import type { EmailTracking } from '@strata/engagement';
import type { SegmentService } from '@strata/segments';
import { CampaignStatus, parseCampaign } from './campaign-definition.js';
import { excludedNow } from './audience.js';
import { applyDeliveryReports } from './delivery-reports.js';
import { findCampaign, setCampaignStatus, type Campaign } from './campaign-store.js';
import { composeMessages, type UnsubscribeLinks } from './compose.js';
import { assignCoupons, couponsOf } from './coupons.js';
import { decideSends, GuardrailConfig, type GuardrailConfigInput } from './guardrails.js';
import { enqueueCampaign, planCampaign, type CampaignPlan } from './plan.js';
import { ResultRecorder, type MessageOutcome } from './result-recorder.js';
import { BestSellers } from './template-variables.js';

/*
 * The send loop. Each step takes the messages that are due, lets the guardrails decide them (the
 * one decision, in SQL, inside the step's transaction), gives coupons to those that go, and marks
 * them 'sending' — committed before any provider is called. Then it renders and sends them with
 * bounded concurrency, and records each outcome as it comes back (grouped into small commits):
 * sent, queued again after a backoff (retryable, rate-limited), or failed for good.
 *
 * After a crash. A message left 'sending' by an engine that is gone may or may not have reached
 * the provider. Rule (`unknownOutcome`):
 *  - 'by_provider' (default): sent again with the same send id where the sender says its provider
 *    de-duplicates by it (MessageSender.deduplicates: Twilio's idempotency token, the outbox), so
 *    it is delivered once; recorded failed ("outcome unknown") elsewhere (SMTP, WhatsApp,
 *    webhooks), so nobody gets a second copy, at the cost of the few that were in flight.
 *  - 'resend': sent again on every channel (for a sender whose provider de-duplicates but does not say so).
 *  - 'fail': recorded failed on every channel.
 * Exclusion segments are asked again for the due messages of campaigns that have them, just
 * before the step's transaction (segments are evaluated on the store's connection, which the
 * transaction holds): someone who joined one after the start is skipped as `excluded`, the
 * segment named in the message's error. A message that fell due after that check waits for the
 * next step, so none goes unchecked.
 * A message sent again is not decided by the guardrails again: they let it go already, and its
 * coupon is kept.
 * Only messages in flight at the crash are affected (outcomes are committed as they arrive).
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt; doubled for each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 3_600_000 };

export const UnknownOutcome = { byProvider: 'by_provider', resend: 'resend', fail: 'fail' } as const;
export type UnknownOutcome = (typeof UnknownOutcome)[keyof typeof UnknownOutcome];

export interface SendEngineOptions {
  clock: Clock;
  /** Waits for due times (default: real time on `clock`); tests hand in a ManualClock. */
  timer?: Timer;
  segments: SegmentService;
  sender: MessageSender;
  guardrails?: GuardrailConfigInput;
  /** Messages taken per step. */
  batchSize?: number;
  /** Provider calls in flight at once. */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  /** One-click unsubscribe links and headers in emails (and `unsubscribe_url` in templates). */
  unsubscribe?: UnsubscribeLinks;
  /** Opens and clicks of HTML emails tracked through the server (an open pixel, links rewritten). */
  tracking?: EmailTracking;
  unknownOutcome?: UnknownOutcome;
  /** The longest a running loop sleeps before looking for due messages again. */
  pollMs?: number;
}

export interface SendStepReport {
  at: string;
  /** Messages the guardrails decided, and what they decided. */
  decided: Partial<Record<SendReason, number>>;
  /** Messages recovered from a crash ('sending' under an engine that is gone). */
  recovered: number;
  sent: number;
  /** Failed this time and queued again for later. */
  retrying: number;
  failed: number;
  /** Whether more due messages may be waiting (the step took a full batch). */
  more: boolean;
}

interface SendingRow {
  id: string;
  campaign_id: string;
  customer_id: string;
  address: string;
  attempts: number;
}

const BATCH = 'send_batch';
const DECISIONS = 'send_decisions';
const GOING = 'send_going';

/** The exclusion segments' answer for a step's due messages (see exclusionsNow). */
interface Exclusions {
  /** Campaigns with exclusion segments among the due messages. */
  campaigns: string[];
  /** Their due messages that were checked. */
  checked: string[];
  /** Of those, the ones in an exclusion segment now, and why. */
  excluded: { id: string; note: string }[];
}
const iso = (d: Date) => d.toISOString();

export class CampaignEngine {
  private readonly clock: Clock;
  private readonly timer: Timer;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly retry: RetryPolicy;
  private readonly unknownOutcome: UnknownOutcome;
  /** This engine's mark on the messages it is sending: others' are orphans of a crash. */
  private readonly claim = `engine_${randomUUID()}`;
  private readonly campaigns = new Map<string, Campaign>();
  /** Units sold per product for recommendations, counted once an hour rather than for every batch. */
  private readonly bestSellers: BestSellers;

  constructor(
    private readonly db: SqlRunner,
    private readonly options: SendEngineOptions,
  ) {
    this.clock = options.clock;
    this.timer = options.timer ?? realTimer(options.clock);
    this.batchSize = options.batchSize ?? 200;
    this.concurrency = options.concurrency ?? 8;
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.unknownOutcome = options.unknownOutcome ?? UnknownOutcome.byProvider;
    this.bestSellers = new BestSellers(options.clock);
    if (db.dialect !== 'duckdb')
      throw new AppError('unavailable', `campaigns run on the DuckDB store; this one is ${db.dialect}`);
  }

  /** The dry run of a campaign started now (or at `at`). */
  async plan(campaignId: string, at: Date = this.clock.now()): Promise<CampaignPlan> {
    return planCampaign(this.db, this.options.segments, await findCampaign(this.db, campaignId), at, this.guardrails);
  }

  /**
   * The dry run of a definition not saved yet (the new-campaign form), as if started now. The
   * holdout is drawn by campaign id: with the id the campaign will be saved under, the numbers are
   * the saved campaign's.
   */
  async planDefinition(input: unknown, id = 'unsaved', at: Date = this.clock.now()): Promise<CampaignPlan> {
    const definition = parseCampaign(input);
    const now = at.toISOString();
    const draft: Campaign = {
      id,
      name: definition.name,
      status: CampaignStatus.draft,
      definition,
      created_at: now,
      updated_at: now,
      started_at: null,
    };
    return planCampaign(this.db, this.options.segments, draft, at, this.guardrails);
  }

  /** Starts a draft (or restarts a paused one): its audience is recorded, each message queued for its due time. */
  async start(campaignId: string): Promise<{ queued: number }> {
    const campaign = await findCampaign(this.db, campaignId);
    if (campaign.status === CampaignStatus.done || campaign.status === CampaignStatus.running)
      throw new AppError('conflict', `campaign "${campaignId}" is ${campaign.status} already`);
    const at = this.clock.now();
    // A paused campaign keeps the audience it started with.
    const queued =
      campaign.status === CampaignStatus.draft
        ? await enqueueCampaign(this.db, this.options.segments, campaign, at, this.guardrails)
        : 0;
    await setCampaignStatus(
      this.db,
      campaignId,
      [CampaignStatus.draft, CampaignStatus.paused],
      CampaignStatus.running,
      at,
    );
    return { queued };
  }

  /** Stops sending a running campaign's messages until it is started again. */
  async pause(campaignId: string): Promise<void> {
    await setCampaignStatus(this.db, campaignId, [CampaignStatus.running], CampaignStatus.paused, this.clock.now());
  }

  /** The guardrails as the options give them now (a server reads the store's settings before each step). */
  private get guardrails(): GuardrailConfig {
    return GuardrailConfig.parse(this.options.guardrails ?? {});
  }

  /** A campaign's definition (kept: a started campaign's definition does not change). Inside a transaction, pass it. */
  private async campaign(id: string, db: SqlRunner = this.db): Promise<Campaign> {
    let c = this.campaigns.get(id);
    if (!c) this.campaigns.set(id, (c = await findCampaign(db, id)));
    return c;
  }

  /**
   * One step: moves messages on from the delivery reports received, recovers orphaned messages, decides and sends one batch of due ones, and records
   * every outcome. Resolves with what happened, or undefined when nothing was due.
   */
  async step(signal?: AbortSignal): Promise<SendStepReport | undefined> {
    const now = this.clock.now();
    const exclusions = await this.exclusionsNow(now);
    const { rows, decided, recovered } = await this.db.transaction(async (tx) => {
      await applyDeliveryReports(tx);
      const recovered = await this.recover(tx, now);
      const decided = await this.decide(tx, now, this.batchSize - recovered, exclusions);
      const rows = await tx.query<SendingRow>(
        `SELECT id, campaign_id, customer_id, address, attempts FROM messages WHERE status = $1 AND claim = $2 ORDER BY id`,
        [MessageStatus.sending, this.claim],
      );
      return { rows, decided, recovered };
    });
    const total = Object.values(decided).reduce((a, b) => a + b, 0);
    if (!rows.length && !total && !recovered) {
      await this.finishCampaigns(now);
      return undefined;
    }
    const report: SendStepReport = {
      at: iso(now),
      decided,
      recovered,
      sent: 0,
      retrying: 0,
      failed: 0,
      more: total + recovered >= this.batchSize,
    };
    const recorder = new ResultRecorder(this.db);
    try {
      await this.sendAll(rows, recorder, report, signal);
    } finally {
      await recorder.drain();
    }
    await this.finishCampaigns(now);
    return report;
  }

  /** Messages left 'sending' by another engine (a crash): re-claimed to send again, or failed. */
  private async recover(tx: SqlRunner, now: Date): Promise<number> {
    const [row] = await tx.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM messages WHERE status = $1 AND claim IS DISTINCT FROM $2`,
      [MessageStatus.sending, this.claim],
    );
    if (!Number(row?.n ?? 0)) return 0;
    // Sent again only where the provider de-duplicates by the send id (or when told to resend all).
    const resend: readonly string[] =
      this.unknownOutcome === UnknownOutcome.fail
        ? []
        : this.unknownOutcome === UnknownOutcome.resend
          ? channels
          : (this.options.sender.deduplicates ?? []);
    await tx.exec(
      `UPDATE messages SET status = $1, failure = $2, error = $3, updated_at = $4::TIMESTAMPTZ
       WHERE status = $5 AND claim IS DISTINCT FROM $6 AND NOT list_contains($7::VARCHAR[], channel)`,
      [
        MessageStatus.failed,
        SendFailure.permanent,
        'outcome unknown: the sending process stopped while the provider was being called, and this provider could deliver a second copy',
        iso(now),
        MessageStatus.sending,
        this.claim,
        JSON.stringify(resend),
      ],
    );
    const [left] = await tx.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM messages WHERE status = $1 AND claim IS DISTINCT FROM $2`,
      [MessageStatus.sending, this.claim],
    );
    const n = Number(left?.n ?? 0);
    if (!n) return 0;
    await tx.exec(
      `UPDATE messages SET claim = $1, updated_at = $2::TIMESTAMPTZ WHERE id IN (
         SELECT id FROM messages WHERE status = $3 AND claim IS DISTINCT FROM $1 ORDER BY id LIMIT ${this.batchSize})`,
      [this.claim, iso(now), MessageStatus.sending],
    );
    return Math.min(n, this.batchSize);
  }

  /** The due messages (the next batch, in the order decide takes them). */
  private dueSql(limit: number): string {
    return `SELECT m.id, m.campaign_id, m.customer_id, m.channel, c.definition
       FROM messages m JOIN campaigns c ON c.id = m.campaign_id AND c.status IN ($2, $4)
       WHERE m.status = $3 AND m.due_at <= $1::TIMESTAMPTZ
       ORDER BY m.due_at, m.id LIMIT ${limit}`;
  }

  private dueParams(now: Date) {
    return [iso(now), CampaignStatus.running, UnsentStatus.queued, CampaignStatus.standing];
  }

  /**
   * Before the step's transaction: of the next batch's due messages, those of campaigns with
   * exclusion segments, and which of their customers are in one of them now.
   */
  private async exclusionsNow(now: Date): Promise<Exclusions> {
    const due = await this.db.query<{ id: string; campaign_id: string; customer_id: string }>(
      `SELECT id, campaign_id, customer_id FROM (${this.dueSql(this.batchSize)})
       WHERE json_array_length(definition, '$.audience.exclude') > 0`,
      this.dueParams(now),
    );
    const result: Exclusions = { campaigns: [], checked: [], excluded: [] };
    const byCampaign = new Map<string, { id: string; customer_id: string }[]>();
    for (const m of due) byCampaign.set(m.campaign_id, [...(byCampaign.get(m.campaign_id) ?? []), m]);
    for (const [campaignId, messages] of byCampaign) {
      const exclude = (await this.campaign(campaignId)).definition.audience.exclude;
      const inSegment = await excludedNow(
        this.db,
        this.options.segments,
        exclude,
        messages.map((m) => m.customer_id),
        now,
      );
      result.campaigns.push(campaignId);
      for (const m of messages) {
        result.checked.push(m.id);
        const segment = inSegment.get(m.customer_id);
        if (segment !== undefined)
          result.excluded.push({
            id: m.id,
            note: `in the exclusion segment "${segment}" when the message was due (${iso(now)})`,
          });
      }
    }
    return result;
  }

  /** The guardrails' decision on a batch of due messages, applied to the message log. */
  private async decide(
    tx: SqlRunner,
    now: Date,
    limit: number,
    exclusions: Exclusions,
  ): Promise<Partial<Record<SendReason, number>>> {
    if (limit <= 0) return {};
    await tx.exec(
      `CREATE OR REPLACE TEMP TABLE ${BATCH} AS
       SELECT id, campaign_id, customer_id, channel, $1::TIMESTAMPTZ AS send_at,
              json_extract(definition, '$.holdoutShare')::DOUBLE AS holdout_share, false AS excluded
       FROM (${this.dueSql(limit)})`,
      this.dueParams(now),
    );
    if (exclusions.campaigns.length) {
      const list = (ids: readonly string[]) => JSON.stringify(ids);
      // A message of such a campaign that fell due after the check waits for the next step.
      await tx.exec(
        `DELETE FROM ${BATCH} WHERE campaign_id IN (SELECT unnest(from_json($1, '["VARCHAR"]')))
           AND id NOT IN (SELECT unnest(from_json($2, '["VARCHAR"]')))`,
        [list(exclusions.campaigns), list(exclusions.checked)],
      );
      await tx.exec(`UPDATE ${BATCH} SET excluded = true WHERE id IN (SELECT unnest(from_json($1, '["VARCHAR"]')))`, [
        list(exclusions.excluded.map((e) => e.id)),
      ]);
    }
    await decideSends(tx, { sql: `SELECT * FROM ${BATCH}`, params: new SqlParams() }, this.guardrails, DECISIONS);
    // Coupons for the messages that go, per campaign; a message whose imported pool ran out does not go.
    const couponCampaigns = await tx.query<{ campaign_id: string }>(
      `SELECT DISTINCT campaign_id FROM ${DECISIONS} WHERE reason = $1`,
      [SendReason.send],
    );
    for (const { campaign_id } of couponCampaigns) {
      const coupons = (await this.campaign(campaign_id, tx)).definition.coupons;
      if (!coupons) continue;
      await tx.exec(
        `CREATE OR REPLACE TEMP TABLE ${GOING} AS SELECT id, customer_id FROM ${DECISIONS} WHERE reason = $1 AND campaign_id = $2`,
        [SendReason.send, campaign_id],
      );
      const without = await assignCoupons(tx, campaign_id, coupons, GOING, now);
      if (without.length)
        await tx.exec(`UPDATE ${DECISIONS} SET reason = $1 WHERE id IN (SELECT unnest(from_json($2, '["VARCHAR"]')))`, [
          SendReason.no_coupon,
          JSON.stringify(without),
        ]);
      await tx.exec(`DROP TABLE IF EXISTS ${GOING}`);
    }
    await tx.exec(
      `UPDATE messages SET
         status = CASE d.reason WHEN $1 THEN $2 WHEN $3 THEN $4 WHEN $5 THEN $6 ELSE $7 END,
         reason = d.reason,
         due_at = coalesce(d.next_at, messages.due_at),
         claim = CASE WHEN d.reason = $1 THEN $8 ELSE messages.claim END,
         sending_at = CASE WHEN d.reason = $1 THEN $9::TIMESTAMPTZ ELSE messages.sending_at END,
         attempts = messages.attempts + CASE WHEN d.reason = $1 THEN 1 ELSE 0 END,
         address = CASE WHEN d.reason = $1 THEN d.address ELSE messages.address END,
         updated_at = $9::TIMESTAMPTZ
       FROM ${DECISIONS} d WHERE messages.id = d.id`,
      [
        SendReason.send,
        MessageStatus.sending,
        SendReason.quiet_hours,
        UnsentStatus.queued,
        SendReason.held_out,
        UnsentStatus.held_out,
        UnsentStatus.skipped,
        this.claim,
        iso(now),
      ],
    );
    if (exclusions.excluded.length)
      await tx.exec(
        `UPDATE messages SET error = x.note
         FROM (SELECT unnest(from_json($1, '[{"id":"VARCHAR","note":"VARCHAR"}]'), recursive := true)) x
         WHERE messages.id = x.id AND messages.reason = $2
           AND messages.id IN (SELECT id FROM ${DECISIONS})`,
        [JSON.stringify(exclusions.excluded), SendReason.excluded],
      );
    const counts = await tx.query<{ reason: SendReason; n: number }>(
      `SELECT reason, count(*)::INTEGER AS n FROM ${DECISIONS} GROUP BY 1`,
    );
    await tx.exec(`DROP TABLE IF EXISTS ${DECISIONS}`);
    await tx.exec(`DROP TABLE IF EXISTS ${BATCH}`);
    return Object.fromEntries(counts.map((c) => [c.reason, Number(c.n)]));
  }

  /** Renders and sends the claimed messages, `concurrency` at a time, recording each outcome. */
  private async sendAll(
    rows: readonly SendingRow[],
    recorder: ResultRecorder,
    report: SendStepReport,
    signal?: AbortSignal,
  ) {
    const byCampaign = new Map<string, SendingRow[]>();
    for (const r of rows) byCampaign.set(r.campaign_id, [...(byCampaign.get(r.campaign_id) ?? []), r]);
    const coupons = await couponsOf(
      this.db,
      rows.map((r) => r.id),
    );
    const work: { row: SendingRow; message: OutgoingMessage | AppError }[] = [];
    for (const [campaignId, list] of byCampaign) {
      const composed = await composeMessages(
        this.db,
        await this.campaign(campaignId),
        list.map((r) => ({
          id: r.id,
          customerId: r.customer_id,
          address: r.address,
          coupon: coupons.get(r.id) ?? null,
        })),
        this.options.unsubscribe,
        this.bestSellers,
        this.options.tracking,
      );
      for (const row of list)
        work.push({ row, message: composed.get(row.id) ?? new AppError('internal', 'not composed') });
    }
    let next = 0;
    let crashed: Error | undefined;
    const worker = async () => {
      while (next < work.length && crashed === undefined && !signal?.aborted) {
        const { row, message } = work[next++]!;
        let result: SendResult;
        if (message instanceof AppError) result = { ok: false, failure: SendFailure.permanent, error: message.message };
        else {
          try {
            result = await this.options.sender.send(message, signal);
          } catch (e) {
            // A sender throws only when it is stopped: the outcome is unknown, the row stays 'sending'.
            crashed ??= e instanceof Error ? e : new Error(String(e));
            return;
          }
        }
        recorder.add(this.outcome(row, result, report));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, work.length) }, worker));
    if (crashed !== undefined) throw crashed;
  }

  /** What a provider's answer makes of a message: sent, queued again after a backoff, or failed. */
  private outcome(row: SendingRow, result: SendResult, report: SendStepReport): MessageOutcome {
    const now = this.clock.now();
    if (result.ok) {
      report.sent++;
      return { id: row.id, status: MessageStatus.sent, at: iso(now), providerId: result.providerId };
    }
    const again = result.failure !== SendFailure.permanent && row.attempts < this.retry.maxAttempts;
    if (!again) {
      report.failed++;
      return { id: row.id, status: MessageStatus.failed, at: iso(now), failure: result.failure, error: result.error };
    }
    report.retrying++;
    const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** Math.max(0, row.attempts - 1));
    const delay = Math.max(backoff, result.retryAfterMs ?? 0);
    return {
      id: row.id,
      status: UnsentStatus.queued,
      at: iso(now),
      dueAt: iso(new Date(now.getTime() + delay)),
      failure: result.failure,
      error: result.error,
    };
  }

  /** Running campaigns with nothing queued or sending are done. */
  private async finishCampaigns(now: Date): Promise<void> {
    await this.db.exec(
      `UPDATE campaigns SET status = $1, updated_at = $2::TIMESTAMPTZ
       WHERE status = $3 AND NOT EXISTS (
         SELECT 1 FROM messages m WHERE m.campaign_id = campaigns.id AND m.status IN ($4, $5))`,
      [CampaignStatus.done, iso(now), CampaignStatus.running, UnsentStatus.queued, MessageStatus.sending],
    );
  }

  /** When the next queued message of a running (or standing) campaign falls due. */
  async nextDue(): Promise<Date | undefined> {
    const [row] = await this.db.query<{ t: string | null }>(
      `SELECT min(m.due_at) AS t FROM messages m JOIN campaigns c ON c.id = m.campaign_id AND c.status IN ($1, $3) WHERE m.status = $2`,
      [CampaignStatus.running, UnsentStatus.queued, CampaignStatus.standing],
    );
    return row?.t ? new Date(row.t) : undefined;
  }

  /** Steps until `signal` aborts, sleeping until the next due time (or `pollMs`) when nothing is due. */
  run(signal: AbortSignal): Promise<void> {
    return stepUntilAborted(this, this.clock, this.timer, this.options.pollMs ?? 60_000, signal);
  }
}
