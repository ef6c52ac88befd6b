import { writeBatchParts, type BatchCounts, type StoreWriter, type WriteBatch } from '@strata/core';

interface Pending {
  batch: WriteBatch;
  resolve: (c: BatchCounts) => void;
  reject: (e: unknown) => void;
}

const keys = writeBatchParts;

/**
 * Group commit: batches that arrive while a write is under way are combined into the next single
 * transaction, and each caller is answered only after that transaction committed. Many small HTTP
 * requests then cost one transaction per round instead of one each, and nothing is acknowledged
 * before it is durable.
 */
export class CoalescingWriter implements StoreWriter {
  private queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly inner: StoreWriter,
    private readonly maxRecords = 200_000,
  ) {}

  write(batch: WriteBatch): Promise<BatchCounts> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        const round: Pending[] = [];
        let size = 0;
        while (this.queue.length && (round.length === 0 || size < this.maxRecords)) {
          // A batch applies its tag removals before its additions: one that removes tags starts a
          // round, so that a tag added by an earlier batch is not added back after it.
          if (round.length && this.queue[0]!.batch.tag_removals?.length) break;
          const p = this.queue.shift()!;
          round.push(p);
          size += keys.reduce((n, k) => n + (p.batch[k]?.length ?? 0), 0);
        }
        const combined: Record<string, unknown[]> = {};
        for (const p of round) {
          for (const k of keys) {
            const rows = p.batch[k];
            if (rows?.length) (combined[k] ??= []).push(...rows);
          }
        }
        try {
          const counts = await this.inner.write(combined);
          for (const p of round) p.resolve(round.length === 1 ? counts : {});
        } catch (e) {
          if (round.length === 1) round[0]!.reject(e);
          else {
            // One bad batch must not sink the others: retry each on its own.
            for (const p of round) {
              try {
                p.resolve(await this.inner.write(p.batch));
              } catch (err) {
                p.reject(err);
              }
            }
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}
