import { describe, expect, it } from 'vitest';
import { isIdentifier, scan } from './scanner.js';

const kinds = (q: string) => scan(q).tokens.map((t) => `${t.kind}:${t.text}`);

describe('scan', () => {
  it('splits a query into tokens with spans', () => {
    const { tokens, diagnostics } = scan('total_spent >= 100 and city = "Berlin" # note');
    expect(diagnostics).toEqual([]);
    expect(tokens.map((t) => [t.kind, t.text, t.span.start, t.span.end])).toEqual([
      ['ident', 'total_spent', 0, 11],
      ['punct', '>=', 12, 14],
      ['number', '100', 15, 18],
      ['ident', 'and', 19, 22],
      ['ident', 'city', 23, 27],
      ['punct', '=', 28, 29],
      ['string', '"Berlin"', 30, 38],
      ['eof', '', 45, 45],
    ]);
  });

  it('reads numbers, dates, percentages and words', () => {
    expect(kinds('-1.5e3 2024-05-01 10% p25 order.completed x-y 30days')).toEqual([
      'number:-1.5e3',
      'date:2024-05-01',
      'number:10',
      'punct:%',
      'ident:p25',
      'ident:order.completed',
      'ident:x-y',
      'number:30',
      'ident:days',
      'eof:',
    ]);
  });

  it('unescapes strings in either quote', () => {
    const [a, b] = scan(`"a\\"b\\\\\\n\\u00e9" 'it\\'s'`).tokens;
    expect(a).toMatchObject({ kind: 'string', value: 'a"b\\\né' });
    expect(b).toMatchObject({ kind: 'string', value: "it's" });
  });

  it('reads == as = and reports <>', () => {
    expect(kinds('a == 1')).toEqual(['ident:a', 'punct:=', 'number:1', 'eof:']);
    expect(scan('a <> 1').diagnostics.map((d) => d.hint)).toEqual(['write `!=` for "not equal"']);
  });

  it('skips what it cannot read and says why', () => {
    const r = scan('a = 1 “x” & 😀');
    expect(r.diagnostics.map((d) => [d.code, d.span.start, d.span.end])).toEqual([
      ['unexpected-character', 6, 7],
      ['unexpected-character', 8, 9],
      ['unexpected-character', 10, 11],
      ['unexpected-character', 12, 14],
    ]);
    expect(r.diagnostics[0]?.hint).toBe('use straight quotes: "..."');
  });

  it('ends an unterminated string at the end of its line', () => {
    const r = scan('city = "Berl\nand x = 1');
    expect(r.diagnostics.map((d) => [d.code, d.span.start, d.span.end])).toEqual([['unterminated-string', 7, 12]]);
    expect(r.tokens.map((t) => t.text)).toEqual(['city', '=', '"Berl', 'and', 'x', '=', '1', '']);
  });

  it('knows identifiers', () => {
    expect(isIdentifier('page_view')).toBe(true);
    expect(isIdentifier('größe')).toBe(true);
    expect(isIdentifier('Order Completed')).toBe(false);
    expect(isIdentifier('1abc')).toBe(false);
    expect(isIdentifier('')).toBe(false);
  });
});
