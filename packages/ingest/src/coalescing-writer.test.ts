import { describe, expect, it } from 'vitest';
import { TagAssignment, type BatchCounts, type WriteBatch } from '@strata/core';
import { CoalescingWriter } from './coalescing-writer.js';

const tag = (customer_id: string, t: string) =>
  TagAssignment.parse({ customer_id, tag: t, assigned_at: '2026-01-01T00:00:00Z' });

/** A store of tags that applies a batch as the real one does: its removals first, then its additions. */
class TagWriter {
  readonly tags = new Set<string>();
  readonly rounds: WriteBatch[] = [];
  async write(batch: WriteBatch): Promise<BatchCounts> {
    this.rounds.push(batch);
    await new Promise((r) => setTimeout(r, 5));
    for (const r of batch.tag_removals ?? []) this.tags.delete(`${r.customer_id}:${r.tag}`);
    for (const t of batch.tags ?? []) this.tags.add(`${t.customer_id}:${t.tag}`);
    return {};
  }
}

describe('CoalescingWriter', () => {
  it('combines batches that arrive during a write into one round', async () => {
    const inner = new TagWriter();
    const writer = new CoalescingWriter(inner);
    await Promise.all([
      writer.write({ tags: [tag('ann', 'a')] }),
      writer.write({ tags: [tag('ann', 'b')] }),
      writer.write({ tags: [tag('ann', 'c')] }),
    ]);
    expect(inner.rounds.length).toBe(2);
    expect([...inner.tags].sort()).toEqual(['ann:a', 'ann:b', 'ann:c']);
  });

  it('keeps a removal after the additions sent before it, so the tag ends removed', async () => {
    const inner = new TagWriter();
    const writer = new CoalescingWriter(inner);
    await Promise.all([
      writer.write({ tags: [tag('ann', 'first')] }),
      writer.write({ tags: [tag('ann', 'vip')] }),
      writer.write({ tag_removals: [{ customer_id: 'ann', tag: 'vip' }] }),
      writer.write({ tags: [tag('ann', 'later')] }),
    ]);
    expect([...inner.tags].sort()).toEqual(['ann:first', 'ann:later']);
    // the removal started a round of its own, which later batches joined
    expect(inner.rounds.map((r) => Object.keys(r).sort().join('+'))).toEqual(['tags', 'tags', 'tag_removals+tags']);
  });
});
