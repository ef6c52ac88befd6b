/*
 * Warnings about the names a query uses that the store does not have: a product, category, brand
 * or collection no product of the store carries. A condition on one matches nobody (negated,
 * everybody), which is worth saying at the name instead of answering a silent 0.
 */
import type { SqlRunner } from '@strata/core';
import { closest, diagnostic, type Diagnostic, type ItemKind, type ItemReference } from '@strata/segment-lang';

/** The products column holding each kind of name. */
const productColumn: Record<ItemKind, string> = {
  product: 'sku',
  category: 'category',
  brand: 'brand',
  collection: 'collection',
};

/**
 * The names of each kind the store has, as stored. Categories, brands and collections are read
 * whole (a catalog has few, and the closest one is the hint); products only by the SKUs asked
 * for, in the products or, for a SKU sold but never imported as a product, the order lines.
 */
async function storeNames(db: SqlRunner, by: ItemKind, asked: readonly string[]): Promise<string[]> {
  if (by !== 'product') {
    const column = productColumn[by];
    const rows = await db.query<{ name: string }>(
      `SELECT DISTINCT ${column} AS name FROM products WHERE ${column} IS NOT NULL`,
    );
    return rows.map((r) => r.name);
  }
  const lowered = [...new Set(asked.map((a) => a.toLowerCase()))];
  const list = lowered.map((_, i) => `$${i + 1}`).join(', ');
  const inProducts = await db.query<{ name: string }>(
    `SELECT sku AS name FROM products WHERE lower(sku) IN (${list})`,
    lowered,
  );
  const found = new Set(inProducts.map((r) => r.name.toLowerCase()));
  const missing = lowered.filter((a) => !found.has(a));
  if (!missing.length) return inProducts.map((r) => r.name);
  const sold = await db.query<{ name: string }>(
    `SELECT DISTINCT sku AS name FROM order_lines WHERE lower(sku) IN (${missing.map((_, i) => `$${i + 1}`).join(', ')})`,
    missing,
  );
  return [...inProducts, ...sold].map((r) => r.name);
}

/** A warning at each name the store does not have (compared ignoring case, as segments compare them). */
export async function unknownItems(db: SqlRunner, refs: readonly ItemReference[]): Promise<Diagnostic[]> {
  const warnings: Diagnostic[] = [];
  const byKind = new Map<ItemKind, ItemReference[]>();
  for (const r of refs) byKind.set(r.by, [...(byKind.get(r.by) ?? []), r]);
  for (const [by, asked] of byKind) {
    const names = await storeNames(
      db,
      by,
      asked.map((r) => r.value),
    );
    const have = new Set(names.map((n) => n.toLowerCase()));
    for (const r of asked) {
      if (have.has(r.value.toLowerCase())) continue;
      const guess = by === 'product' ? undefined : closest(r.value, names);
      const hint = guess
        ? `did you mean "${guess}"?`
        : `no ${by === 'product' ? 'product or order line has this SKU' : `product has this ${by}`}, so no purchase or event matches it`;
      warnings.push(diagnostic('unknown-item', `the store has no ${by} "${r.value}"`, r.span, hint, 'warning'));
    }
  }
  return warnings.sort((a, b) => a.span.start - b.span.start);
}
