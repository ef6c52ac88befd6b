import { z } from 'zod';
import {
  AppError,
  SegmentSignal,
  TagAssignment,
  TagRemoval,
  TagSource,
  type Clock,
  type SqlRunner,
  type StoreWriter,
} from '@strata/core';
import { changesAfter, latestChangeSeq } from '@strata/membership';
import type { SegmentService } from '@strata/segments';

/*
 * Rule tags: a tag that follows a saved segment — added to a customer when they enter it, removed
 * when they leave — with each addition and removal kept in tag_history. A rule reads
 * segment_changes after its own cursor, as automations do; the tags go through the store's write
 * path (so `has tag "…"` segments follow at once), then the history and the cursor move together.
 * Writing the same tags again after a crash in between changes nothing.
 */

export const TagRuleInput = z
  .object({
    /** The tag (as tags are kept: trimmed, 1–100 characters). */
    tag: TagAssignment.shape.tag,
    /** The saved segment it follows (id or name). */
    segment: z.string().trim().min(1).max(200),
  })
  .strict();
export type TagRuleInput = z.infer<typeof TagRuleInput>;

export interface TagRule {
  tag: string;
  segment_id: string;
  /** segment_changes up to this seq have been applied. */
  after_seq: number;
  created_at: string;
}

export const TagAction = { added: 'added', removed: 'removed' } as const;
export type TagAction = (typeof TagAction)[keyof typeof TagAction];

export interface TagHistoryEntry {
  tag: string;
  customer_id: string;
  action: TagAction;
  at: string;
  /** The segment change that caused it (or rule:<tag>:<customer> when the rule was made). */
  ref: string;
}

export type TagRuleDb = SqlRunner & StoreWriter;

const isoCol = (c: string, as = c) => `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${as}`;
const assignedBy = (tag: string) => `rule:${tag}`;

function parseRule(input: unknown): TagRuleInput {
  const r = TagRuleInput.safeParse(input);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ field: i.path.join('.') || '(rule)', message: i.message }));
  throw new AppError(
    'invalid',
    `the tag rule is not valid: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
    details,
  );
}

async function addHistory(db: SqlRunner, rows: TagHistoryEntry[]): Promise<void> {
  if (!rows.length) return;
  await db.exec(
    `INSERT OR IGNORE INTO tag_history (ref, tag, customer_id, action, "at")
     SELECT r.ref, r.tag, r.customer_id, r.action, r."at"::TIMESTAMPTZ
     FROM (SELECT unnest(from_json($1, '[{"ref":"VARCHAR","tag":"VARCHAR","customer_id":"VARCHAR","action":"VARCHAR","at":"VARCHAR"}]')) AS r)`,
    [JSON.stringify(rows)],
  );
}

/**
 * Makes a rule: the segment's members now get the tag at once (recorded in the history), and from
 * then on every entry adds it and every exit removes it. One rule per tag.
 */
export async function createTagRule(
  db: TagRuleDb,
  input: unknown,
  options: { clock: Clock; segments: SegmentService },
): Promise<TagRule> {
  const rule = parseRule(input);
  const segment = await options.segments.get(rule.segment);
  const [exists] = await db.query<{ segment_id: string }>(`SELECT segment_id FROM tag_rules WHERE tag = $1`, [
    rule.tag,
  ]);
  if (exists) throw new AppError('conflict', `the tag "${rule.tag}" follows a segment already (${exists.segment_id})`);
  const at = options.clock.now().toISOString();
  // The cursor first: changes after it are applied by the next step, even if they overlap the members read now.
  const seq = await latestChangeSeq(db);
  const members = (
    await db.query<{ customer_id: string }>(
      `SELECT customer_id FROM segment_members WHERE segment_id = $1 ORDER BY customer_id`,
      [segment.id],
    )
  ).map((m) => m.customer_id);
  if (members.length)
    await db.write({
      tags: members.map((customer_id) =>
        TagAssignment.parse({
          customer_id,
          tag: rule.tag,
          source: TagSource.rule,
          assigned_by: assignedBy(rule.tag),
          assigned_at: at,
        }),
      ),
    });
  await db.transaction(async (tx) => {
    await tx.exec(
      `INSERT INTO tag_rules (tag, segment_id, after_seq, created_at) VALUES ($1, $2, $3, $4::TIMESTAMPTZ)`,
      [rule.tag, segment.id, seq, at],
    );
    await addHistory(
      tx,
      members.map((customer_id) => ({
        ref: `rule:${rule.tag}:${customer_id}`,
        tag: rule.tag,
        customer_id,
        action: TagAction.added,
        at,
      })),
    );
  });
  return findTagRule(db, rule.tag);
}

export async function findTagRule(db: SqlRunner, tag: string): Promise<TagRule> {
  const [row] = await db.query<TagRule>(
    `SELECT tag, segment_id, after_seq, ${isoCol('created_at')} FROM tag_rules WHERE tag = $1`,
    [tag],
  );
  if (!row) throw new AppError('not_found', `no tag rule for the tag "${tag}"`);
  return { ...row, after_seq: Number(row.after_seq) };
}

export async function listTagRules(db: SqlRunner): Promise<TagRule[]> {
  const rows = await db.query<TagRule>(
    `SELECT tag, segment_id, after_seq, ${isoCol('created_at')} FROM tag_rules ORDER BY tag`,
  );
  return rows.map((r) => ({ ...r, after_seq: Number(r.after_seq) }));
}

/** Stops a rule. The tags it gave stay (remove them with `strata tag remove` if they should go). */
export async function deleteTagRule(db: SqlRunner, tag: string): Promise<TagRule> {
  const rule = await findTagRule(db, tag);
  await db.exec(`DELETE FROM tag_rules WHERE tag = $1`, [tag]);
  return rule;
}

/** The additions and removals of a tag (optionally for one customer), oldest first. */
export async function tagHistory(db: SqlRunner, tag: string, customerId?: string): Promise<TagHistoryEntry[]> {
  return db.query<TagHistoryEntry>(
    `SELECT tag, customer_id, action, ${isoCol('"at"', 'at')}, ref FROM tag_history
     WHERE tag = $1 AND ($2::VARCHAR IS NULL OR customer_id = $2) ORDER BY "at", customer_id, ref`,
    [tag, customerId ?? null],
  );
}

/**
 * Applies the segment changes after each rule's cursor (up to `batchSize` per rule); the number of
 * tags added and removed, and whether a rule had a full batch (more may wait).
 */
export async function stepTagRules(
  db: TagRuleDb,
  batchSize: number,
): Promise<{ added: number; removed: number; more: boolean }> {
  const out = { added: 0, removed: 0, more: false };
  for (const rule of await listTagRules(db)) {
    const changes = await changesAfter(db, rule.after_seq, batchSize, [rule.segment_id]);
    if (!changes.length) continue;
    if (changes.length >= batchSize) out.more = true;
    // A customer's last change in the batch decides whether they carry the tag now.
    const last = new Map<string, (typeof changes)[number]>();
    for (const c of changes) last.set(c.customer_id, c);
    const adds = [...last.values()].filter((c) => c.type === SegmentSignal.entered);
    const removes = [...last.values()].filter((c) => c.type === SegmentSignal.exited);
    await db.write({
      tags: adds.map((c) =>
        TagAssignment.parse({
          customer_id: c.customer_id,
          tag: rule.tag,
          source: TagSource.rule,
          assigned_by: assignedBy(rule.tag),
          assigned_at: c.at,
        }),
      ),
      tag_removals: removes.map((c) => TagRemoval.parse({ customer_id: c.customer_id, tag: rule.tag })),
    });
    await db.transaction(async (tx) => {
      await addHistory(
        tx,
        changes.map((c) => ({
          ref: c.id,
          tag: rule.tag,
          customer_id: c.customer_id,
          action: c.type === SegmentSignal.entered ? TagAction.added : TagAction.removed,
          at: c.at,
        })),
      );
      // Only if the rule still exists and has not moved meanwhile.
      await tx.exec(`UPDATE tag_rules SET after_seq = $3 WHERE tag = $1 AND after_seq = $2`, [
        rule.tag,
        rule.after_seq,
        changes[changes.length - 1]!.seq,
      ]);
    });
    out.added += adds.length;
    out.removed += removes.length;
  }
  return out;
}
