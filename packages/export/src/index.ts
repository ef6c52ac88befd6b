/**
 * @strata/export — a segment's members (or every profile) out as CSV, JSON Lines or Parquet with
 * the columns asked for, or as a Meta or Google Ads custom audience (normalised, SHA-256 hashed,
 * consent respected); counted first, then streamed page by page.
 */
export * from './export-columns.js';
export * from './audience-formats.js';
export * from './row-text.js';
export * from './segment-export.js';
