/**
 * @strata/segment-lang — the segment query language: scanner, recursive-descent parser (syntax
 * tree with spans), canonical printer, binder against a field catalog (→ Segment IR, the stored
 * JSON form), diagnostics as data and editor completions. Runs in the browser: no Node built-ins.
 */
export * from './span.js';
export * from './diagnostics.js';
export * from './did-you-mean.js';
export * from './scanner.js';
export * from './ast.js';
export * from './ir.js';
export * from './catalog.js';
export * from './parser.js';
export * from './printer.js';
export * from './binder.js';
export * from './from-ir.js';
export * from './segment.js';
export * from './cost.js';
export * from './item-references.js';
export * from './profile-facts.js';
export * from './completions.js';
export * from './field-list.js';
