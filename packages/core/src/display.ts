/*
 * Values as people read them: a profile in the terminal, the reason beside a condition in a
 * segment's explanation. Machine output (`--json`, the API's data fields) keeps the exact values;
 * only text meant to be read goes through here.
 */

/**
 * Two decimals, or three significant digits when that says more (a probability of 0.0000576
 * would otherwise read as 0), and thousands grouped: 2115.270000000001 → 2,115.27,
 * 25.000000000000007 → 25, 0.20965842 → 0.21.
 */
const numberFormat = new Intl.NumberFormat('en', {
  maximumFractionDigits: 2,
  maximumSignificantDigits: 3,
  roundingPriority: 'morePrecision',
});

/** A number rounded for people. */
export function formatNumber(n: number | bigint): string {
  return numberFormat.format(n);
}

const isoUtc = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}):\d{2}(?:\.\d+)?Z$/;

/**
 * Any stored value as short text: numbers rounded, UTC times to the minute, lists joined;
 * `missing` for a value that is not set.
 */
export function displayValue(v: unknown, missing = 'not set'): string {
  if (v === null || v === undefined) return missing;
  if (typeof v === 'number' || typeof v === 'bigint') return formatNumber(v);
  if (typeof v === 'string') {
    const time = isoUtc.exec(v);
    return time ? `${time[1]} ${time[2]} UTC` : v;
  }
  if (v instanceof Date) return displayValue(v.toISOString(), missing);
  if (Array.isArray(v)) return v.length ? v.map((x) => displayValue(x, missing)).join(', ') : '(none)';
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
