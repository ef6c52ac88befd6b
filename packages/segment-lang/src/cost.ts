/*
 * What a query costs to evaluate, counted before it runs. Length alone does not bound it: 160
 * sequences fit in 12 KB and took a 100,000-customer store 20–40 s and gigabytes, holding up
 * everything else. Each purchase, event or answer condition reads the order or event history once;
 * a sequence joins it with itself once per step. The limits leave room for any segment a store
 * owner writes by hand (the ready segments use at most 3 reads) while bounding the worst query to
 * a few seconds on a large store; the query timeout stops whatever still runs too long.
 */

/** The most a query may ask for, its saved segments included. */
export const QueryLimits = {
  /** Conditions of every kind, `and`/`or`/`not` included. */
  conditions: 500,
  /** Reads of the order or event history: purchase, event and answer conditions once, a sequence once per step and once more. */
  historyReads: 24,
  /** `did … then …` conditions. */
  sequences: 8,
} as const;
export type QueryLimit = keyof typeof QueryLimits;

/** The shape cost is counted on: a syntax tree node and an IR node both have it. */
export interface CostNode {
  readonly kind: string;
  readonly operands?: readonly CostNode[];
  readonly operand?: CostNode;
  readonly steps?: readonly unknown[];
}

export interface QueryCost {
  conditions: number;
  historyReads: number;
  sequences: number;
}

/** The first node at which a count went over its limit, and what to tell the user. */
export interface CostOverrun<N> {
  readonly node: N;
  readonly limit: QueryLimit;
  readonly message: string;
}

const historyReadsOf = (node: CostNode): number => {
  switch (node.kind) {
    case 'purchase':
    case 'purchaseTime':
    case 'event':
    case 'answer':
      return 1;
    case 'sequence':
      return 1 + (node.steps?.length ?? 0);
    default:
      return 0;
  }
};

const messages: Record<QueryLimit, string> = {
  conditions: `the query has more than ${QueryLimits.conditions} conditions, the most one query may have`,
  historyReads:
    `the query reads the order and event history more than ${QueryLimits.historyReads} times, the most one query may ` +
    '(each purchase, event or answer condition reads it once, a sequence once per step and once more); ' +
    'combine conditions, for example one event condition with a `where`, or use fewer sequences',
  sequences: `the query has more than ${QueryLimits.sequences} sequences (\`did … then …\`), the most one query may have`,
};

/**
 * Counts the cost of `root` in text order, going into what `expand` returns for a node (a saved
 * segment's IR for a reference, counted each time it is referenced, as it is evaluated; a cycle is
 * not followed). Stops at the first node that takes a count over its limit.
 */
export function queryCost<N extends CostNode>(
  root: N,
  expand?: (node: N) => { key: string; root: N } | undefined,
): { cost: QueryCost; overrun?: CostOverrun<N> } {
  const cost: QueryCost = { conditions: 0, historyReads: 0, sequences: 0 };
  const path = new Set<string>();
  const walk = (node: N): CostOverrun<N> | undefined => {
    cost.conditions += 1;
    cost.historyReads += historyReadsOf(node);
    if (node.kind === 'sequence') cost.sequences += 1;
    for (const limit of Object.keys(QueryLimits) as QueryLimit[]) {
      if (cost[limit] > QueryLimits[limit]) return { node, limit, message: messages[limit] };
    }
    // Only and/or/not have conditions inside (a comparison's `operand` is its value).
    const children =
      node.kind === 'not' ? [node.operand] : node.kind === 'and' || node.kind === 'or' ? (node.operands ?? []) : [];
    for (const child of children) {
      if (!child) continue;
      const over = walk(child as N);
      if (over) return over;
    }
    const inner = expand?.(node);
    if (!inner || path.has(inner.key)) return undefined;
    path.add(inner.key);
    const over = walk(inner.root);
    path.delete(inner.key);
    return over;
  };
  const overrun = walk(root);
  return overrun ? { cost, overrun } : { cost };
}
