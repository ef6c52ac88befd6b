import { describe, expect, it } from 'vitest';
import { itemReferences } from './item-references.js';
import { parseAst } from './parser.js';

const refs = (q: string) =>
  itemReferences(parseAst(q).ast!).map((r) => [r.by, r.value, q.slice(r.span.start, r.span.end)]);

describe('itemReferences', () => {
  it('finds the names of purchases, in text order, with the quoted name as the span', () => {
    expect(
      refs(
        'last purchase of brand "Acme" before 30 days ago or bought category ["Tea", "Coffee"] and never bought product "SKU-1"',
      ),
    ).toEqual([
      ['brand', 'Acme', '"Acme"'],
      ['category', 'Tea', '"Tea"'],
      ['category', 'Coffee', '"Coffee"'],
      ['product', 'SKU-1', '"SKU-1"'],
    ]);
    expect(refs('did page_view then not bought collection "SS26" within 7 days')).toEqual([
      ['collection', 'SS26', '"SS26"'],
    ]);
  });

  it('finds event properties and profile lists that name items, and nothing else', () => {
    expect(
      refs('did add_to_cart where (sku = "A-1" or brand in ["B"]) then product_view where category = "C"'),
    ).toEqual([
      ['product', 'A-1', '"A-1"'],
      ['brand', 'B', '"B"'],
      ['category', 'C', '"C"'],
    ]);
    expect(refs('abandoned_categories contains "Tea" and not brands contains "Acme"')).toEqual([
      ['category', 'Tea', '"Tea"'],
      ['brand', 'Acme', '"Acme"'],
    ]);
    // a city, a page kind, a tag, an answer and a prefix of a SKU are not item names
    expect(
      refs(
        'city = "Coffee" and did page_view where (page_kind = "category" and sku starts with "COF") and has tag "Tea" and answered "diet" with "vegan"',
      ),
    ).toEqual([]);
  });
});
