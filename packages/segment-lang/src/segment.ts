import type { Expr } from './ast.js';
import { toIR, type BindOptions } from './binder.js';
import { defaultCatalog, type FieldCatalog } from './catalog.js';
import { queryCost } from './cost.js';
import { diagnostic, hasErrors, type Diagnostic } from './diagnostics.js';
import type { SegmentIR } from './ir.js';
import { parseAst } from './parser.js';
import { span } from './span.js';

/** At most this many diagnostics are returned; past that they are noise. */
export const MAX_DIAGNOSTICS = 100;

export interface SegmentParseResult {
  /** The syntax tree, when the text had any structure at all (it may contain `error` nodes). */
  readonly ast?: Expr;
  /** The IR, only when there are no errors. */
  readonly ir?: SegmentIR;
  /** Errors and warnings, ordered by position. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Query text → syntax tree → IR, checked against the catalog. Never throws: every problem comes
 * back as a diagnostic, and the binder runs even on a partly broken tree so one pass reports
 * both kinds of mistakes.
 */
export function parseSegment(
  text: string,
  catalog: FieldCatalog = defaultCatalog,
  options: BindOptions = {},
): SegmentParseResult {
  try {
    const parsed = parseAst(text);
    if (parsed.ast === undefined) return { diagnostics: dedupe(parsed.diagnostics) };
    const bound = toIR(parsed.ast, catalog, options);
    const overrun = queryCost(parsed.ast).overrun;
    const costly = overrun ? [diagnostic('query-too-costly', overrun.message, overrun.node.span)] : [];
    const diagnostics = dedupe([...parsed.diagnostics, ...bound.diagnostics, ...costly]);
    if (bound.ir === undefined || hasErrors(diagnostics)) return { ast: parsed.ast, diagnostics };
    return { ast: parsed.ast, ir: bound.ir, diagnostics };
  } catch (e) {
    return {
      diagnostics: [
        diagnostic(
          'internal-error',
          `could not read the query: ${e instanceof Error ? e.message : String(e)}`,
          span(0, text.length),
        ),
      ],
    };
  }
}

/** The parser and binder may both notice one problem (an empty list); keep one report of it. */
function dedupe(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const key = `${d.code}:${d.span.start}:${d.span.end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end).slice(0, MAX_DIAGNOSTICS);
}
