/**
 * @strata/server — the HTTP API (Segment-spec ingest, order webhooks, stats, imports) and the one
 * place where concrete adapters are composed into a running server.
 */
export { createApp, type AppDeps } from './app.js';
export { DEFAULT_PORT, DEFAULT_WEB_ROOT, startServer, type RunningServer, type ServerOptions } from './compose.js';
export {
  KeyRing,
  hashKey,
  keyTitle,
  keyVariable,
  rotateStoredKey,
  setStoredWebhookSecret,
  webhookSecretHelp,
  type AppKeys,
  type KeyStatus,
} from './keys.js';
export { readServerFile, serverFilePath, type ServerFile } from './server-file.js';
export { writeKeyFrom, bearerFrom } from './auth.js';
export { Access, principalOf, type AccessOptions, type Identity, type Principal } from './access.js';
export { StaffDirectory, type StaffDb } from './staff-directory.js';
export { ApiKeyStore } from './api-keys.js';
export { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword, type ScryptCost } from './passwords.js';
export { DEFAULT_LOGIN_LIMITS, type LoginLimits } from './login-limiter.js';
export { SESSION_IDLE_MS, SESSION_MAX_AGE_MS } from './sessions.js';
export { DEFAULT_OWNER_EMAIL, OWNER_EMAIL_VARIABLE, makeFirstOwner } from './first-owner.js';
export { isInside } from './import-dirs.js';
export { configuredPublicUrl, importDefaults, readConfig, setConfig } from './config.js';
export { memoryLimitFromEnv, queryTimeoutFromEnv, MEMORY_LIMIT_VARIABLE, QUERY_TIMEOUT_VARIABLE } from './limits.js';
export {
  ChannelService,
  defaultOutboxDir,
  type ChannelServiceOptions,
} from './channel-service.js';
export {
  ChannelSettingsStore,
  channelNamed,
  channelView,
  maskSecret,
  nextChannelSettings,
  type ChannelSettingsDb,
  type ChannelView,
} from './channel-settings.js';
export { SecretBox, SECRET_KEY_VARIABLE, isSealed, secretKeyFilePath } from './secret-box.js';
export { PUBLIC_URL_VARIABLE } from './inbound-routes.js';
export { lastInboundAt, recordInbound, tableDeliveryReportSink } from './provider-records.js';
export {
  CampaignService,
  UNSUBSCRIBE_PATH,
  type CampaignServiceOptions,
} from './campaign-service.js';
export { installPlaybookAsked, PlaybookInstallRequest } from './automation-routes.js';
