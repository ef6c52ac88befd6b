/*
 * The products, categories, brands and collections a query names, each with its span. A store
 * checks them against its catalog: a name it does not have makes a condition match nobody (or,
 * negated, everybody), which deserves a warning under the name rather than a silent 0.
 */
import type { Expr, ItemKind, ItemNode, Operand, StringLiteral } from './ast.js';
import { defaultCatalog, lookup, type FieldCatalog } from './catalog.js';
import type { Span } from './span.js';

export interface ItemReference {
  readonly by: ItemKind;
  readonly value: string;
  /** The quoted name in the query text. */
  readonly span: Span;
}

/** Event properties that name a catalog item: `did add_to_cart where sku = "COF-001"`. */
const itemProperties: Readonly<Record<string, ItemKind>> = { sku: 'product', category: 'category', brand: 'brand' };

/** Tests whose values name items (`= "x"`, `in [...]`, a list field's `contains "x"`). */
const namingOps: ReadonlySet<string> = new Set(['=', 'in', 'not in', '!=', 'contains']);

function strings(values: Operand | undefined): StringLiteral[] {
  if (!values) return [];
  if (values.kind === 'string') return [values];
  if (values.kind === 'list') return values.items.filter((v): v is StringLiteral => v.kind === 'string');
  return [];
}

/**
 * Every item name in the query, in text order: item filters of purchases (`bought category "x"`,
 * `last purchase of brand "y"`, `then bought product "z"`), event properties naming products,
 * categories or brands, and list fields the catalog marks as lists of items (`categories
 * contains "x"`).
 */
export function itemReferences(ast: Expr, catalog: FieldCatalog = defaultCatalog): ItemReference[] {
  const found: ItemReference[] = [];
  const item = (node: ItemNode | undefined) => {
    if (node) for (const s of strings(node.values)) found.push({ by: node.by, value: s.value, span: s.span });
  };
  const walk = (e: Expr, inWhere: boolean): void => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return e.operands.forEach((o) => walk(o, inWhere));
      case 'not':
        return walk(e.operand, inWhere);
      case 'purchase':
      case 'purchaseTime':
        return item(e.item);
      case 'event':
        if (e.where) walk(e.where, true);
        return;
      case 'sequence':
        walk(e.first, false);
        for (const step of e.steps) walk(step.target, false);
        return;
      case 'compare': {
        if (!namingOps.has(e.op)) return;
        const by = inWhere ? lookup(itemProperties, e.subject.value) : lookup(catalog, e.subject.value)?.item;
        if (by) for (const s of strings(e.operand)) found.push({ by, value: s.value, span: s.span });
        return;
      }
      default:
        return;
    }
  };
  walk(ast, false);
  return found.sort((a, b) => a.span.start - b.span.start);
}
