/**
 * @strata/server — the HTTP API (Segment-spec ingest, order webhooks, stats, imports) and the one
 * place where concrete adapters are composed into a running server.
 */
export { createApp, type AppDeps, type AppKeys } from './app.js';
export { startServer, resolveKeys, type RunningServer, type ServerOptions } from './compose.js';
export { readServerFile, serverFilePath, type ServerFile } from './server-file.js';
export { sameSecret, writeKeyFrom, bearerFrom } from './auth.js';
export { isInside } from './import-dirs.js';
