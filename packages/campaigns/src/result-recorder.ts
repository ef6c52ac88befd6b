import { MessageStatus, type MessageLogStatus, type SendFailure, type SqlRunner } from '@strata/core';

/** What became of one attempt, as it is written to the message log. */
export interface MessageOutcome {
  id: string;
  status: MessageLogStatus;
  /** When the answer came. */
  at: string;
  providerId?: string;
  /** For a message queued again: when it may go next. */
  dueAt?: string;
  failure?: SendFailure;
  error?: string;
}

/**
 * Writes outcomes to the message log as they arrive, grouped: whatever has come in while the
 * previous write ran goes in the next one (a group commit). So a crash loses at most the outcomes
 * of the calls in flight, and a fast provider is not held up by one commit per message.
 */
export class ResultRecorder {
  private pending: MessageOutcome[] = [];
  private writing: Promise<void> | undefined;
  private failed: Error | undefined;

  constructor(private readonly db: SqlRunner) {}

  add(outcome: MessageOutcome): void {
    this.pending.push(outcome);
    this.writing ??= this.writeAll();
  }

  private async writeAll(): Promise<void> {
    try {
      while (this.pending.length) {
        const rows = this.pending;
        this.pending = [];
        await this.write(rows);
      }
    } catch (e) {
      this.failed ??= e instanceof Error ? e : new Error(String(e));
    } finally {
      this.writing = undefined;
    }
  }

  private async write(rows: readonly MessageOutcome[]): Promise<void> {
    await this.db.exec(
      `UPDATE messages SET status = r.status, provider_id = coalesce(r.provider_id, messages.provider_id),
              sent_at = CASE WHEN r.status = '${MessageStatus.sent}' THEN r.at::TIMESTAMPTZ ELSE messages.sent_at END,
              due_at = coalesce(r.due_at::TIMESTAMPTZ, messages.due_at),
              failure = r.failure, error = r.error, updated_at = r.at::TIMESTAMPTZ
       FROM (SELECT unnest(from_json($1, '[{"id":"VARCHAR","status":"VARCHAR","at":"VARCHAR","provider_id":"VARCHAR","due_at":"VARCHAR","failure":"VARCHAR","error":"VARCHAR"}]'), recursive := true)) r
       WHERE messages.id = r.id`,
      [
        JSON.stringify(
          rows.map((o) => ({
            id: o.id,
            status: o.status,
            at: o.at,
            provider_id: o.providerId ?? null,
            due_at: o.dueAt ?? null,
            failure: o.failure ?? null,
            error: o.error ?? null,
          })),
        ),
      ],
    );
  }

  /** Waits for every outcome added so far to be written; rejects if a write failed. */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failed !== undefined) throw this.failed;
  }
}
