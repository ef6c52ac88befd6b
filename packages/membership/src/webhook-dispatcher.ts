import type { Clock, SegmentChange, SqlRunner, Timer, WebhookSender } from '@strata/core';
import type { ChangeFeed } from './change-feed.js';
import { changesAfter, changesBetween } from './membership-queries.js';
import { findWebhookSubscriptions, signWebhookBody, type WebhookSubscription } from './webhook-subscriptions.js';

/**
 * Delivers segment changes to webhook subscribers: per subscription in seq order, up to
 * `batchSize` changes per POST, one delivery at a time (the next batch waits until this one is
 * delivered or given up). Every attempt is recorded in webhook_deliveries before the next one is
 * planned, so a restart resumes where the last process stopped: a delivery in flight when it
 * died is sent again (at least once; the delivery id and each change's id let the receiver
 * de-duplicate). Wake-ups come from the Timer, on the Clock's time.
 */

/** Attempts of one delivery before it is given up. */
export const WEBHOOK_MAX_ATTEMPTS = 10;
const FIRST_RETRY_MS = 30_000;
const LONGEST_RETRY_MS = 6 * 3_600_000;

/** The wait after failed attempt `attempt` (1-based): 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then 6 h. */
export function webhookRetryDelayMs(attempt: number): number {
  return Math.min(FIRST_RETRY_MS * 4 ** (attempt - 1), LONGEST_RETRY_MS);
}

/** The JSON body of one delivery (signed as sent). */
export interface WebhookDeliveryBody {
  /** Stable across retries of this batch: `<subscription id>.<first seq>`. */
  delivery: string;
  subscription: string;
  /** When this attempt was sent (also the X-Strata-Timestamp header), inside the signature. */
  sent_at: string;
  changes: SegmentChange[];
}

export interface WebhookDispatcherOptions {
  db: SqlRunner;
  sender: WebhookSender;
  clock: Clock;
  timer: Timer;
  /** Wakes the dispatcher when changes commit; its close() stops it. */
  feed: ChangeFeed;
  /** Most changes per POST (default 100). */
  batchSize?: number;
  /** How often it looks for new changes without a notification, in the clock's ms (default 1000). */
  pollMs?: number;
  /** Where failures are reported (default console.error). */
  log?: (line: string) => void;
}

interface DeliveryRow {
  seq: number;
  last_seq: number;
  attempts: number;
  next_attempt_at: string;
}

export class WebhookDispatcher {
  private readonly stopping = new AbortController();
  /** Aborted by stop() or when the feed closes. */
  private readonly stop: AbortSignal;
  private running: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.pollMs = options.pollMs ?? 1000;
    this.log = options.log ?? ((line) => console.error(line));
    this.stop = AbortSignal.any([this.stopping.signal, options.feed.signal]);
  }

  /** Runs until stop() or the feed closes. */
  start(): void {
    this.running ??= this.loop();
  }

  /** Stops: a request in flight is abandoned (not counted as an attempt; it is sent again on the next start). */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { feed, clock } = this.options;
    const stop = this.stop;
    while (!stop.aborted) {
      const mark = feed.mark;
      let next: Date | undefined;
      try {
        next = await this.deliverDue();
      } catch (e) {
        if (stop.aborted) break;
        this.log(`webhooks: ${e instanceof Error ? e.message : String(e)} (trying again shortly)`);
      }
      const untilNext = next ? next.getTime() - clock.now().getTime() : Infinity;
      await feed.wait(Math.max(0, Math.min(untilNext, this.pollMs)), mark, stop);
    }
  }

  /**
   * One pass: for each subscription, sends what is due now (one batch after another while they
   * succeed). Resolves with the earliest time a retry falls due, if any is waiting.
   */
  async deliverDue(): Promise<Date | undefined> {
    const subscriptions = await findWebhookSubscriptions(this.options.db);
    const nexts = await Promise.all(subscriptions.map((s) => this.deliverTo(s)));
    return nexts.reduce<Date | undefined>((a, b) => (b && (!a || b < a) ? b : a), undefined);
  }

  private async deliverTo(sub: WebhookSubscription & { secret: string }): Promise<Date | undefined> {
    const { db, clock } = this.options;
    const segments = sub.segments ?? undefined;
    let after = sub.delivered_through;
    while (!this.stop.aborted) {
      let [delivery] = await db.query<DeliveryRow>(
        `SELECT seq, last_seq, attempts, next_attempt_at FROM webhook_deliveries
         WHERE subscription_id = $1 AND next_attempt_at IS NOT NULL ORDER BY seq LIMIT 1`,
        [sub.id],
      );
      let changes: SegmentChange[] | undefined;
      if (!delivery) {
        changes = await changesAfter(db, after, this.batchSize, segments);
        const first = changes[0];
        const last = changes.at(-1);
        if (!first || !last) return undefined;
        delivery = { seq: first.seq, last_seq: last.seq, attempts: 0, next_attempt_at: clock.now().toISOString() };
        await db.exec(
          `INSERT INTO webhook_deliveries (subscription_id, seq, last_seq, attempts, next_attempt_at)
           VALUES ($1, $2, $3, 0, CAST($4 AS TIMESTAMPTZ))`,
          [sub.id, delivery.seq, delivery.last_seq, delivery.next_attempt_at],
        );
      }
      const due = new Date(delivery.next_attempt_at);
      if (due > clock.now()) return due;
      changes ??= await changesBetween(db, Number(delivery.seq), Number(delivery.last_seq), segments);
      const outcome = await this.attempt(sub, delivery, changes);
      if (outcome instanceof Date) return outcome;
      if (outcome === 'stopped') return undefined;
      after = Number(delivery.last_seq);
    }
    return undefined;
  }

  /** Sends one delivery: `done` (delivered or given up), its retry time, or `stopped` (shutdown: not counted). */
  private async attempt(
    sub: WebhookSubscription & { secret: string },
    delivery: DeliveryRow,
    changes: SegmentChange[],
  ): Promise<Date | 'done' | 'stopped'> {
    const { db, clock, sender } = this.options;
    const sentAt = clock.now().toISOString();
    const payload: WebhookDeliveryBody = {
      delivery: `${sub.id}.${delivery.seq}`,
      subscription: sub.id,
      sent_at: sentAt,
      changes,
    };
    const body = JSON.stringify(payload);
    const stop = this.stop;
    const result = await sender.send({
      url: sub.url,
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Strata-Webhooks',
        'x-strata-signature': signWebhookBody(sub.secret, body),
        'x-strata-delivery': payload.delivery,
        'x-strata-timestamp': sentAt,
      },
      signal: stop,
    });
    if (stop.aborted) return 'stopped';
    const keys = [sub.id, delivery.seq];
    if (result.delivered) {
      await db.transaction(async (tx) => {
        await tx.exec('DELETE FROM webhook_deliveries WHERE subscription_id = $1 AND seq = $2', keys);
        await tx.exec('UPDATE webhook_subscriptions SET after_seq = $2 WHERE id = $1', [sub.id, delivery.last_seq]);
      });
      return 'done';
    }
    const attempts = Number(delivery.attempts) + 1;
    if (attempts >= WEBHOOK_MAX_ATTEMPTS) {
      // Given up: the receiver missed these changes for good, and the next batch goes out. The
      // row stays as a record (GET /v1/webhooks/subscriptions counts it as failed); the changes
      // are still in each segment's history.
      this.log(
        `webhooks: gave up delivery ${payload.delivery} to ${sub.url} after ${attempts} attempts (${result.error}); changes ${delivery.seq}–${delivery.last_seq} are in the segments' history`,
      );
      await db.transaction(async (tx) => {
        await tx.exec(
          'UPDATE webhook_deliveries SET attempts = $3, next_attempt_at = NULL, last_error = $4 WHERE subscription_id = $1 AND seq = $2',
          [...keys, attempts, result.error],
        );
        await tx.exec('UPDATE webhook_subscriptions SET after_seq = $2 WHERE id = $1', [sub.id, delivery.last_seq]);
      });
      return 'done';
    }
    const retryAt = new Date(clock.now().getTime() + webhookRetryDelayMs(attempts));
    await db.exec(
      `UPDATE webhook_deliveries SET attempts = $3, next_attempt_at = CAST($4 AS TIMESTAMPTZ), last_error = $5
       WHERE subscription_id = $1 AND seq = $2`,
      [...keys, attempts, retryAt.toISOString(), result.error],
    );
    return retryAt;
  }
}
