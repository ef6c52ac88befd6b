/*
 * What every part of segment compilation shares: the options a caller passes, the compile context
 * derived from them (evaluation time, catalog, saved segments, whether customers must be joined),
 * and the base relation every condition is written against.
 */
import { defaultCatalog, lookup, type ConditionIR, type FieldCatalog, type SegmentIR } from '@strata/segment-lang';
import type { Dialect } from './query-compiler.js';
import { and, bin, col, isNull, select, table, type SelectNode, type SqlExpr } from './sql-ir.js';

/** A segment that cannot be compiled: unknown field, a cycle of segment references, … */
export class SegmentCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentCompileError';
  }
}

export interface SegmentCompileOptions {
  dialect: Dialect;
  /** The evaluation time: relative times ("30 days ago") are measured from it. */
  now: Date | string;
  catalog?: FieldCatalog;
  /** Looks up another saved segment by id or name, for `in segment "…"`. */
  resolveSegment?: (name: string) => SegmentIR | undefined;
}

/** What the lowering of one segment needs to know, derived once from its options. */
export interface Context {
  /** Whether conditions need the customers table (customer attributes, consent) besides the profile. */
  readonly joinCustomers: boolean;
  readonly nowIso: string;
  readonly catalog: FieldCatalog;
  readonly resolveSegment: ((name: string) => SegmentIR | undefined) | undefined;
  readonly visiting: ReadonlySet<string>;
}

/*
 * The base relation every condition is written against: `p` (customer_profile, one row per live
 * customer as of the last profile update), joined with `c` (customers) only when a condition needs
 * customer attributes or consent. Subqueries re-declare the same aliases for their own rows, so a
 * condition compiles the same wherever it sits.
 */
export const customerId = col('p', 'customer_id');

export function baseSelect(
  ctx: Context,
  columns: SelectNode['columns'],
  where: SqlExpr,
  extra: Partial<SelectNode> = {},
): SelectNode {
  const joins: SelectNode['joins'] = ctx.joinCustomers
    ? [{ type: 'inner', from: table('customers', 'c'), on: bin('=', col('c', 'id'), customerId) }]
    : [];
  return select({
    columns,
    from: table('customer_profile', 'p'),
    joins,
    where: ctx.joinCustomers ? and(isNull(col('c', 'merged_into')), where) : where,
    ...extra,
  });
}

/** Fields kept on the profile although the catalog files them under the customer (derived at profile time). */
export const profileBacked: ReadonlySet<string> = new Set(['age', 'age_group']);

function needsCustomers(
  node: ConditionIR,
  catalog: FieldCatalog,
  resolve: ((name: string) => SegmentIR | undefined) | undefined,
  seen: Set<string>,
): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.operands.some((o) => needsCustomers(o, catalog, resolve, seen));
    case 'not':
      return needsCustomers(node.operand, catalog, resolve, seen);
    case 'compare':
    case 'percentile': {
      const spec = lookup(catalog, node.field);
      return spec !== undefined && spec.source === 'customer' && !profileBacked.has(node.field);
    }
    case 'consent':
      return true;
    case 'segmentRef': {
      if (seen.has(node.segment)) return false;
      seen.add(node.segment);
      const target = resolve?.(node.segment);
      return target ? needsCustomers(target.root, catalog, resolve, seen) : false;
    }
    default:
      return false;
  }
}

/**
 * Whether a segment reads the customers table (customer attributes, consent) besides the profile.
 * Such a segment's base relation leaves out customers merged into another (`merged_into` set)
 * and profile rows without a customer record, so another backend must leave them out too.
 */
export function segmentReadsCustomers(
  ir: SegmentIR,
  options: Pick<SegmentCompileOptions, 'catalog' | 'resolveSegment'> = {},
): boolean {
  return needsCustomers(ir.root, options.catalog ?? defaultCatalog, options.resolveSegment, new Set());
}

export function contextFor(ir: SegmentIR, options: SegmentCompileOptions): Context {
  const catalog = options.catalog ?? defaultCatalog;
  return {
    joinCustomers: needsCustomers(ir.root, catalog, options.resolveSegment, new Set()),
    nowIso: typeof options.now === 'string' ? new Date(options.now).toISOString() : options.now.toISOString(),
    catalog,
    resolveSegment: options.resolveSegment,
    visiting: new Set(),
  };
}
