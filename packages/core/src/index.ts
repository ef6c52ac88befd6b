/**
 * @strata/core — the domain: record schemas (validated with zod at every boundary), the
 * ports stores implement, and the error model. No I/O here.
 */
export * from './result.js';
export * from './app-error.js';
export * from './normalise.js';
export * from './country.js';
export * from './fields.js';
export * from './vocabulary.js';
export * from './messaging.js';
export * from './model.js';
export * from './ports.js';
export * from './clock.js';
export * from './did-you-mean.js';
export * from './display.js';
export * from './settings.js';
export * from './segment-changes.js';
export * from './questionnaire.js';
export * from './staff.js';
export * from './sql-text.js';
