/**
 * A half-open range `[start, end)` of UTF-16 code-unit offsets into the query text — the same
 * offsets a JavaScript string, CodeMirror and Monaco use, so the dashboard can underline it as is.
 */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export const span = (start: number, end: number): Span => ({ start, end });

/** The smallest span covering both. */
export const cover = (a: Span, b: Span): Span => ({ start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) });

/** Spans of nodes built from the IR rather than parsed from text. */
export const noSpan: Span = { start: 0, end: 0 };
