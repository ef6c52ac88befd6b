import { describe, expect, it } from 'vitest';
import { canonicalQueries } from '../test/corpus.js';
import { parseAst } from './parser.js';
import { printAst, quote } from './printer.js';

function print(q: string): string {
  const r = parseAst(q);
  expect(r.diagnostics).toEqual([]);
  if (r.ast === undefined) throw new Error('no tree');
  return printAst(r.ast);
}

describe('printAst', () => {
  it.each(canonicalQueries)('canonical text prints as itself: %s', (q) => {
    expect(print(q)).toBe(q);
  });

  it.each([
    ['TOTAL_SPENT>100   AND   country="DE"', 'TOTAL_SPENT > 100 and country = "DE"'],
    ['# vip\n has tag  "vip" # comment', 'has tag "vip"'],
    ["city = 'Köln'", 'city = "Köln"'],
    ['x == 1', 'x = 1'],
    ['(a = 1)', 'a = 1'],
    ['((a = 1 or b = 2))', 'a = 1 or b = 2'],
    ['a = 1 and b = 2 or c = 3', '(a = 1 and b = 2) or c = 3'],
    ['a = 1 or (b = 2 or c = 3)', 'a = 1 or (b = 2 or c = 3)'],
    ['not (a = 1)', 'not a = 1'],
    ['x in [1,2,]', 'x in [1, 2]'],
    ['x = 1.50', 'x = 1.5'],
    ['x = -0', 'x = 0'],
    ['last_order_at within last week', 'last_order_at within last 1 week'],
    ['last_order_at before 1 days ago', 'last_order_at before 1 day ago'],
    ['did add_to_cart then no order within 1 hour', 'did add_to_cart then not bought within 1 hour'],
    ['did a then did b', 'did a then b'],
    ['did "page_view"', 'did page_view'],
    ['did "not"', 'did "not"'],
    ['bought within last 7 days at least 2 times', 'bought at least 2 times within last 7 days'],
    ['bought at least 1 times', 'bought at least 1 time'],
    ['has any tags ["a"]', 'has any tag ["a"]'],
    ['has all tag ["a"]', 'has all tags ["a"]'],
    ['total_spent in top 10% of all', 'total_spent in top 10%'],
    ['CONSENT EMAIL', 'consent email'],
    ['x = "a\\"b\\\\c\\nd\\u0001"', 'x = "a\\"b\\\\c\\nd\\u0001"'],
  ])('%s → %s', (q, canonical) => {
    expect(print(q)).toBe(canonical);
    expect(print(canonical)).toBe(canonical);
  });

  it('quotes text with escapes the scanner reads back', () => {
    expect(quote('say "hi"\\\n\t\u0000\u2028é😀')).toBe('"say \\"hi\\"\\\\\\n\\t\\u0000\\u2028é😀"');
  });
});
