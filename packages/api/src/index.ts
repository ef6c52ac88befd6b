/**
 * @strata/api — the HTTP API's bodies as zod schemas, shared by the server (requests) and its
 * clients (responses), and a typed client. Browser-safe: the dashboard uses it too.
 */
export * from './schemas.js';
export * from './client.js';
export * from './membership-schemas.js';
export * from './channel-schemas.js';
export * from './engagement-schemas.js';
export * from './campaign-schemas.js';
export * from './campaign-client.js';
export * from './auth-schemas.js';
export * from './dashboard-schemas.js';
export * from './report-schemas.js';
export * from './report-client.js';
export * from './automation-schemas.js';
export * from './automation-client.js';
