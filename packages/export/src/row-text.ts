/*
 * CSV (RFC 4180) as JavaScript writes it, for the files made here rather than by the store's
 * engine (the ad platforms' audiences, whose cells are all text).
 */

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV cell: empty for a missing value, quoted when it holds a comma, a quote or a line break. */
export function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const csvLine = (cells: readonly (string | number | boolean | null | undefined)[]): string =>
  `${cells.map(csvCell).join(',')}\n`;
