import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { realTimer, systemClock, type Clock, type DeliveryReportSink, type Timer } from '@strata/core';
import { CoalescingWriter } from '@strata/ingest';
import { LiveEngine, LiveLoop, type LiveEngineOptions, type StepReport } from '@strata/live';
import { ChangeFeed, fetchWebhookSender, WebhookDispatcher } from '@strata/membership';
import { SegmentService } from '@strata/segments';
import { DuckDbStore } from '@strata/store-duckdb';
import { createApp } from './app.js';
import { AutomationEngine } from '@strata/automations';
import { CampaignLoop } from './campaign-loop.js';
import { CampaignService } from './campaign-service.js';
import { configuredGuardrails, readConfig } from './config.js';
import { profileConfigFrom } from '@strata/profiles';
import { ChannelService, defaultOutboxDir } from './channel-service.js';
import { ChannelSettingsStore } from './channel-settings.js';
import { PUBLIC_URL_VARIABLE } from './inbound-routes.js';
import { lastInboundAt, tableDeliveryReportSink } from './provider-records.js';
import { SecretBox } from './secret-box.js';
import { importDirsFor } from './import-dirs.js';
import { KeyRing, type AppKeys } from './keys.js';
import { Access, type AccessOptions } from './access.js';
import { makeFirstOwner } from './first-owner.js';
import { memoryLimitFromEnv, queryTimeoutFromEnv } from './limits.js';
import { removeServerFile, writeServerFile } from './server-file.js';

/** The port a server listens on unless told otherwise. */
export const DEFAULT_PORT = 7300;

/** The built dashboard: apps/web/dist, beside this app (the same path from src/ and dist/). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** All wiring of concrete adapters lives here and nowhere else. */
export interface ServerOptions {
  dbPath: string;
  host?: string;
  port?: number;
  /** Keys override (never stored); by default taken from STRATA_* environment variables or the store (see keys.ts). */
  keys?: Partial<AppKeys>;
  log?: (line: string) => void;
  /** Where "now" comes from (default: the system clock). */
  clock?: Clock;
  /** Folders `POST /v1/import/:entity?path=` may read; default STRATA_IMPORT_DIRS, else the store's folder. */
  importDirs?: readonly string[];
  /** How long one segment query may run; default STRATA_QUERY_TIMEOUT (seconds), else 30 s. */
  queryTimeoutMs?: number;
  /** The store engine's memory cap (DuckDB memory_limit, e.g. `2GB`); default STRATA_MEMORY_LIMIT, else DuckDB's. */
  memoryLimit?: string;
  /**
   * Keep profiles and saved segments' membership current as data arrives and time passes (the
   * live engine, docs/live.md). Off by default for `strata serve`; `strata start` turns it on.
   */
  live?: boolean;
  /** Each live step's report and where its time went (bench/live.js); the engine works the same without them. */
  onLiveStep?: (report: StepReport) => void;
  onLivePhase?: LiveEngineOptions['onPhase'];
  /** Where the outbox writes for channels without a provider of their own (default: `outbox` beside the store). */
  outboxDir?: string;
  /** The server's public address as providers are told it; default STRATA_PUBLIC_URL, else as each request came. */
  publicUrl?: string;
  /** Where verified delivery reports go (campaigns); default: the store's message_reports table. */
  deliveryReports?: DeliveryReportSink;
  /** The environment STRATA_SECRET_KEY is read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** What waits for due times (the live loop, webhook retries, campaign sends); default real time on `clock`. */
  timer?: Timer;
  /**
   * While the store has no staff account, make an owner with this email and a generated password
   * (`RunningServer.firstOwner`, shown once). `strata start` (npm start) asks for it.
   */
  firstOwner?: string;
  /** Staff sign-in: password hash cost, login limits, the Secure cookie flag (see access.ts). */
  access?: Omit<AccessOptions, 'clock'>;
  /** The built dashboard served at `/` (default DEFAULT_WEB_ROOT, apps/web/dist). */
  webRoot?: string;
}

export interface RunningServer {
  url: string;
  /** The keys it checks; `keys.status()` carries a write key or API key made at this start, the one time it is shown. */
  keys: KeyRing;
  store: DuckDbStore;
  /** The live engine, when the server runs it. */
  live?: LiveEngine;
  /**
   * The channels as stored (`strata channel set`): `channels.sender` delivers every channel's
   * messages and follows settings changes; campaigns send through it.
   */
  channels: ChannelService;
  /** Where verified delivery reports go. */
  deliveryReports: DeliveryReportSink;
  /** Campaigns, sent through `channels` by the loop this server runs. */
  campaigns: CampaignService;
  /** Staff accounts, scoped API keys and sessions. */
  access: Access;
  /** The routes it serves (`app.routes` lists them: tests try every write route). */
  app: Hono;
  /** The owner account made at this start (`firstOwner`), with its password: the one time it is shown. */
  firstOwner?: { email: string; password: string };
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const queryTimeoutMs = options.queryTimeoutMs ?? queryTimeoutFromEnv();
  const memoryLimit = options.memoryLimit ?? memoryLimitFromEnv();
  const store = await DuckDbStore.open(options.dbPath, { clock, ...(memoryLimit ? { memoryLimit } : {}) });
  const keys = await KeyRing.open(store, options.keys);
  const access = new Access(store, keys, { clock, ...options.access });
  const firstOwner = options.firstOwner ? await makeFirstOwner(access.staff, options.firstOwner) : undefined;
  let channels: ChannelService;
  try {
    channels = await ChannelService.open({
      settings: new ChannelSettingsStore(store, new SecretBox(options.dbPath, options.env)),
      outboxDir: options.outboxDir ?? defaultOutboxDir(options.dbPath),
      clock,
      lastInboundAt: (to) => lastInboundAt(store, 'whatsapp', to),
    });
  } catch (e) {
    // Settings that cannot be read (a missing secret key) stop the start, and free the store.
    await store.close();
    throw e;
  }
  const deliveryReports = options.deliveryReports ?? tableDeliveryReportSink(store, clock);
  const publicUrl = options.publicUrl ?? (options.env ?? process.env)[PUBLIC_URL_VARIABLE];
  const importDirs = importDirsFor(options.dbPath, options.importDirs);
  const timer = options.timer ?? realTimer(clock);
  // Woken after each commit of segment changes (a live step); closed first at shutdown, which ends
  // change streams and stops webhook deliveries.
  const changes = new ChangeFeed(clock, timer);
  let loop: LiveLoop | undefined;
  /** Wakes the campaign and automation loop (set once it exists). */
  let wakeOutreach = () => {};
  let live: LiveEngine | undefined;
  // The live engine writes through a connection of its own, so an ingest batch is acknowledged as
  // soon as it commits, not after the step running now (a step at 1,000,000 customers takes
  // seconds). They change different rows: ingest the records and live_pending's new marks, the
  // engine profiles, memberships, due re-checks and the marks it took.
  const liveDb = options.live ? await store.ownConnection() : undefined;
  if (liveDb) {
    const log = options.log ?? (() => {});
    live = new LiveEngine(liveDb, {
      clock,
      // the thresholds the store's settings had at start (a change applies from the next start)
      config: profileConfigFrom(await readConfig(store)),
      segments: new SegmentService(store, { clock, queryTimeoutMs }),
      onSegmentError: (s, e) =>
        log(`live: segment "${s.name}" cannot be evaluated: ${e instanceof Error ? e.message : String(e)}`),
      ...(options.onLivePhase ? { onPhase: options.onLivePhase } : {}),
    });
    loop = new LiveLoop(live, clock, {
      timer,
      onStep: (r) => {
        if (r.entered + r.exited) {
          changes.notify();
          // automations start from entries and exits
          wakeOutreach();
        }
        options.onLiveStep?.(r);
      },
      onRecompute: (r) => {
        changes.notify();
        log(
          `live: profiled ${r.customers.toLocaleString('en')} customers and evaluated the saved segments in ${(r.ms / 1000).toFixed(1)} s (drift: ${r.profileDrift.customers} profiles, ${r.membershipDrift.entered + r.membershipDrift.exited} memberships)`,
        );
      },
      onError: (e) => log(`live: ${e instanceof Error ? e.message : String(e)}`),
    });
  }
  // Campaigns work on a connection of their own. Their send steps are short transactions (a batch
  // of 200), but a start records the whole audience in one INSERT and a dry run decides it in one
  // query (seconds at 500,000 recipients: bench/campaigns-plan.js), both through temporary tables
  // that belong to the connection; on the main one they would hold up every ingest batch meanwhile.
  // They change their own rows (campaigns, messages, coupons); a consent withdrawal from the
  // unsubscribe page goes the ingest way, and the next send step reads it.
  const outreachDb = await store.ownConnection();
  const campaigns = await CampaignService.open(outreachDb, {
    clock,
    timer,
    sender: channels.sender,
    queryTimeoutMs,
    ...(publicUrl ? { publicUrl } : {}),
  });
  const campaignLog = options.log ?? (() => {});
  // Automations work on the campaigns' connection: they queue messages in the same log the send
  // step decides and sends, so the two never collide. Each loop turn takes the automations' due
  // work (new entries from the live engine's segment changes, due steps), then one send step.
  const outreachSegments = new SegmentService(store, { clock, queryTimeoutMs });
  const automations = new AutomationEngine(outreachDb, {
    clock,
    timer,
    segments: outreachSegments,
    // waits until a local time and date triggers: customers without a zone are in the store's
    storeTimeZone: async () => (await configuredGuardrails(outreachDb)).storeTimeZone,
  });
  const outreach = {
    step: async (signal?: AbortSignal) => {
      for (let i = 0; i < 100 && !signal?.aborted; i++) if (!(await automations.step(signal))?.more) break;
      return campaigns.step(signal);
    },
    nextDue: async () => {
      const times = [await automations.nextDue(), await campaigns.nextDue()].filter((t): t is Date => !!t);
      return times.length ? new Date(Math.min(...times.map((t) => t.getTime()))) : undefined;
    },
  };
  const campaignLoop = new CampaignLoop(outreach, clock, {
    timer,
    onError: (e) => campaignLog(`campaigns: ${e instanceof Error ? e.message : String(e)}`),
  });
  wakeOutreach = () => campaignLoop.notify();
  // Ingest wakes the live loop, so membership follows an event within one step.
  const writer = new CoalescingWriter({
    write: async (batch) => {
      const counts = await store.write(batch);
      loop?.notify();
      // event and order triggers start from what was written
      wakeOutreach();
      return counts;
    },
  });
  const app = createApp({
    store,
    writer,
    keys,
    access,
    clock,
    importDirs,
    queryTimeoutMs,
    changes,
    ...(liveDb ? { profilesDb: liveDb } : {}),
    channels,
    deliveryReports,
    ...(publicUrl ? { publicUrl } : {}),
    log: options.log ?? ((line) => console.error(line)),
    campaigns,
    onCampaignStarted: () => campaignLoop.notify(),
    automations: { db: outreachDb, segments: outreachSegments, clock, onChanged: () => campaignLoop.notify() },
    webRoot: options.webRoot ?? DEFAULT_WEB_ROOT,
  });
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port: options.port ?? DEFAULT_PORT }, (info) => resolve(info.port));
    server.once('error', reject);
  });
  const url = `http://${host}:${port}`;
  writeServerFile(options.dbPath, {
    pid: process.pid,
    url,
    sessionKey: keys.sessionKey,
    startedAt: clock.now().toISOString(),
    importDirs,
  });
  loop?.start();
  // Sending starts once the links in messages can point at this server.
  campaigns.setOwnUrl(url);
  campaignLoop.start();
  const webhooks = new WebhookDispatcher({ db: store, sender: fetchWebhookSender(), clock, timer, feed: changes });
  webhooks.start();
  return {
    url,
    keys,
    store,
    ...(live ? { live } : {}),
    channels,
    deliveryReports,
    campaigns,
    access,
    app,
    ...(firstOwner ? { firstOwner } : {}),
    close: async () => {
      // Campaign sends in flight are cancelled (sent again under their send id at the next start).
      await campaignLoop.stop();
      // The loop stops taking steps; a step in flight is a write like any other (see closeServer).
      const stopped = loop?.stop();
      await closeServer(server, store, { changes, webhooks, channels }, () => removeServerFile(options.dbPath));
      await stopped;
    },
  };
}

/** How long writes in flight (an ingest batch, an import's transaction) get to commit at shutdown. */
const WRITE_GRACE_MS = 2000;

/**
 * Stops within seconds whatever is running: no new connections; change streams end and webhook
 * deliveries stop (one in flight is sent again at the next start); segment queries are stopped at
 * once; writes in flight get WRITE_GRACE_MS to commit, then are stopped (rolled back, so never
 * acknowledged: the client sends them again); connections still open are cut; the store closes.
 */
async function closeServer(
  server: ServerType | undefined,
  store: DuckDbStore,
  signals: { changes: ChangeFeed; webhooks: WebhookDispatcher; channels: ChannelService },
  removeFile: () => void,
): Promise<void> {
  signals.changes.close();
  const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  const http = server as
    (ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void }) | undefined;
  http?.closeIdleConnections?.();
  store.interrupt({ writes: false });
  const grace = setTimeout(() => {
    store.interrupt({ writes: true });
    http?.closeAllConnections?.();
  }, WRITE_GRACE_MS);
  try {
    await closed;
  } finally {
    clearTimeout(grace);
  }
  await signals.webhooks.close();
  await signals.channels.close();
  removeFile();
  await store.close();
}
