import type { ConditionIR, SegmentIR } from '@strata/segment-lang';
import type { SavedSegment } from '@strata/segments';

/** Whether a segment (with the saved segments it refers to) ranks customers against each other. */
export function ranksCustomers(ir: SegmentIR, saved: ReadonlyMap<string, SegmentIR>): boolean {
  const seen = new Set<string>();
  const walk = (n: ConditionIR): boolean => {
    switch (n.kind) {
      case 'percentile':
        return true;
      case 'and':
      case 'or':
        return n.operands.some(walk);
      case 'not':
        return walk(n.operand);
      case 'segmentRef': {
        if (seen.has(n.segment)) return false;
        seen.add(n.segment);
        const inner = saved.get(n.segment);
        return inner ? walk(inner.root) : false;
      }
      default:
        return false;
    }
  };
  return walk(ir.root);
}

/**
 * What the engine last evaluated each saved segment as (its `updated_at`), so a new, changed or
 * deleted segment is noticed once, and durably: kept in settings with the memberships it led to.
 */
export type EvaluatedSegments = Record<string, string>;

export function segmentChanges(
  saved: readonly SavedSegment[],
  evaluated: EvaluatedSegments,
): { changed: Set<string>; deleted: string[] } {
  const ids = new Set(saved.map((s) => s.id));
  const deleted = Object.keys(evaluated).filter((id) => !ids.has(id));
  const changed = new Set(saved.filter((s) => evaluated[s.id] !== s.updated_at).map((s) => s.id));
  // A segment that refers to a changed (or deleted) one changes with it.
  const names = new Map(saved.flatMap((s) => [[s.id, s.id] as const, [s.name, s.id] as const]));
  const refs = new Map(saved.map((s) => [s.id, references(s.ir.root)]));
  for (let grew = true; grew;) {
    grew = false;
    for (const s of saved) {
      if (changed.has(s.id)) continue;
      const hit = [...refs.get(s.id)!].some((r) => {
        const id = names.get(r);
        return id === undefined || changed.has(id);
      });
      if (hit) {
        changed.add(s.id);
        grew = true;
      }
    }
  }
  return { changed, deleted };
}

/** The segment names and ids a condition refers to directly. */
function references(n: ConditionIR, out = new Set<string>()): Set<string> {
  if (n.kind === 'segmentRef') out.add(n.segment);
  else if (n.kind === 'and' || n.kind === 'or') n.operands.forEach((o) => references(o, out));
  else if (n.kind === 'not') references(n.operand, out);
  return out;
}
