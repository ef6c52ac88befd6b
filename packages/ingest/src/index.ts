/**
 * @strata/ingest — everything that turns outside data into store writes: streaming CSV and JSON
 * Lines import with per-row error reports, and (in their own modules) the Segment-spec API
 * messages and e-commerce order webhooks. Validation happens here; storage behind the core ports.
 */
export * from './row-errors.js';
export * from './utf8.js';
export * from './json-text.js';
export { maxRecordBytes } from './csv-rows.js';
export * from './record-source.js';
export * from './importer.js';
export * from './entity-columns.js';
export type { Preset, PresetMapping, ColumnRule } from './presets/preset.js';
export * from './presets/preset-import.js';
export * from './coalescing-writer.js';
export * from './hmac.js';
export * from './segment-messages.js';
export * from './segment-spec.js';
export * from './shopify.js';
export * from './plain-csv.js';
