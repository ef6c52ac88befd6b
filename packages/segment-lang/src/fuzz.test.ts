import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalQueries } from '../test/corpus.js';
import { completeAt } from './completions.js';
import { defaultCatalog } from './catalog.js';
import { printIR } from './from-ir.js';
import { KEYWORDS, parseAst } from './parser.js';
import { printAst } from './printer.js';
import { parseSegment } from './segment.js';

const runs = Number(process.env.FC_RUNS ?? 1500);

/** What must hold for any input at all. */
function check(text: string): void {
  const started = performance.now();
  const r = parseSegment(text);
  const elapsed = performance.now() - started;
  // A guard against hangs, not a benchmark: typical inputs take well under a millisecond.
  expect(elapsed).toBeLessThan(1000);
  for (const d of r.diagnostics) {
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
    expect(d.span.start).toBeLessThanOrEqual(d.span.end);
    expect(d.message.length).toBeGreaterThan(0);
    expect(['parser-limit', 'internal-error']).not.toContain(d.code);
  }
  if (r.ir !== undefined) expect(r.diagnostics.every((d) => d.severity === 'warning')).toBe(true);

  const parsed = parseAst(text);
  if (parsed.ast !== undefined && parsed.diagnostics.length === 0) {
    // Printing is canonical: printing the parse of the printed text gives the same text.
    const printed = printAst(parsed.ast);
    const again = parseAst(printed);
    expect(again.diagnostics, printed).toEqual([]);
    expect(printAst(again.ast!)).toBe(printed);
    // …and means the same thing.
    const reparsed = parseSegment(printed);
    expect(reparsed.ir).toEqual(r.ir);
  }
  if (r.ir !== undefined) {
    const stored = printIR(r.ir);
    expect(parseSegment(stored).ir, stored).toEqual(r.ir);
  }
  completeAt(text, text.length);
}

type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'replace'; at: number; text: string };

function mutate(q: string, mutations: readonly Mutation[]): string {
  let s = q;
  for (const m of mutations) {
    const at = s.length === 0 ? 0 : m.at % (s.length + 1);
    if (m.kind === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
    else if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + m.length);
    else s = s.slice(0, at) + m.text + s.slice(at + 1);
  }
  return s;
}

const interesting = fc.constantFrom(
  '(',
  ')',
  '[',
  ']',
  '"',
  "'",
  ',',
  '%',
  '=',
  '!=',
  '!',
  '<',
  '>=',
  '#',
  '\\',
  '\n',
  '-',
  ' ',
  '.',
  '0',
  '9',
  ' and ',
  ' or ',
  ' not ',
  ' never ',
  'between ',
  ' then ',
  ' within last ',
  ' within ',
  ' where ',
  ' at least ',
  'times',
  ' ago',
  ' from now',
  '2024-',
  'p',
  'p50',
  ' of matching',
  ' in ',
  ' is ',
  ' set',
  'bought ',
  'did ',
  'has tag ',
  'days',
);
const someText = fc.oneof(interesting, fc.string({ maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 2 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: someText }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: someText }),
);

const words = [
  ...KEYWORDS,
  ...Object.keys(defaultCatalog).slice(0, 20),
  'page_view',
  'add_to_cart',
  'page_kind',
  'email',
  'sms',
  'p25',
  'p75',
  'x',
];
const tokenSoup = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...words) },
      fc.constantFrom('(', ')', '[', ']', ',', '%', '=', '!=', '<', '<=', '>', '>='),
      fc.constantFrom('1', '0', '-2', '1.5', '30', '2024-01-01', '2024-13-40', '"a"', '"vip"', '"home"', '"x', 'true'),
    ),
    { maxLength: 25 },
  )
  .map((ws) => ws.join(' '));

describe('fuzz: the parser never throws, always terminates, and prints canonically', () => {
  it('random unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), check), { numRuns: runs });
  });

  it('random printable ASCII', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary-ascii', maxLength: 120 }), check), { numRuns: runs });
  });

  it('mutated valid queries (insert, delete, replace)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...canonicalQueries), fc.array(mutation, { minLength: 1, maxLength: 6 }), (q, ms) =>
        check(mutate(q, ms)),
      ),
      { numRuns: runs * 4 },
    );
  });

  it('random sequences of the language’s own words', () => {
    fc.assert(fc.property(tokenSoup, check), { numRuns: runs * 4 });
  });

  it('pathological inputs stay fast', () => {
    for (const text of [
      '('.repeat(10_000),
      ')'.repeat(10_000),
      '['.repeat(10_000),
      'not '.repeat(5_000),
      'x = 1 and '.repeat(1_500) + 'x = 1',
      'x in ['.padEnd(19_000, '1, ') + ']',
      '"'.repeat(10_000),
      'did a then '.repeat(1_500),
      '\\'.repeat(10_000),
      'a'.repeat(19_999),
      '#'.repeat(19_999),
      ' '.repeat(19_999),
    ]) {
      check(text);
    }
  });
});
