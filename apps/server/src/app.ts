import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Hono, type Context, type Env, type Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  AppError,
  entities,
  parseAsOf,
  systemClock,
  realTimer,
  type Clock,
  type DeliveryReportSink,
  httpStatusOf,
  toAppError,
  type Entity,
  type SqlRunner,
  type Store,
  type StoreWriter,
} from '@strata/core';
import { computeProfiles, findProfile, profileConfigFrom, profilesSummary } from '@strata/profiles';
import {
  readySegments,
  SegmentQueryError,
  SegmentService,
  type SegmentDefinition,
} from '@strata/segments';
import {
  checkFileHeader,
  importFile,
  importPresetFile,
  importRecords,
  importWithPreset,
  OrphanLines,
  parseJsonText,
  PresetSource,
  readCsv,
  readCsvRows,
  readJsonl,
  SegmentSource,
  toWriteBatch,
  verifyHmacSha256,
  shopifyOrderToRecords,
} from '@strata/ingest';
import {
  ConfigSetRequest,
  GeneratedKeyName,
  ProfilesComputeRequest,
  SegmentPreviewRequest,
  SegmentSaveRequest,
  SegmentUpdateRequest,
  WebhookSecretRequest,
} from '@strata/api';
import { ChangeFeed, dropSegmentMembership } from '@strata/membership';
import type { z } from 'zod';
import { bearerFrom, writeKeyFrom } from './auth.js';
import { allowedImportPath } from './import-dirs.js';
import { registerExportRoutes } from './export-routes.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerEngagementRoutes } from './engagement-routes.js';
import { webhookSecretHelp, type KeyRing, type SettingsStore } from './keys.js';
import { importDefaults, readConfig, setConfig } from './config.js';
import type { ChannelService } from './channel-service.js';
import { registerChannelRoutes } from './channel-routes.js';
import { registerInboundRoutes } from './inbound-routes.js';
import { tableDeliveryReportSink } from './provider-records.js';
import type { CampaignService } from './campaign-service.js';
import { registerAutomationRoutes, type AutomationRouteDeps } from './automation-routes.js';
import { COUPON_IMPORT_PATH, registerCampaignRoutes } from './campaign-routes.js';
import { registerUnsubscribeRoutes } from './unsubscribe-routes.js';
import { Access } from './access.js';
import { registerAuthRoutes } from './auth-routes.js';
import { registerCustomerRoutes } from './customer-routes.js';
import { registerWebRoutes } from './web-routes.js';
import { registerReportRoutes } from './report-routes.js';

export interface AppDeps {
  store: Store & SqlRunner & SettingsStore;
  /** Where ingest writes go (a group-committing writer in front of the store). */
  writer: StoreWriter;
  /** The keys requests are checked against (rotated through the `/v1/keys` routes). */
  keys: KeyRing;
  /** Staff accounts, scoped API keys and sessions (default: on the store, with `keys`); see access.ts. */
  access?: Access;
  version?: string;
  /** Where "now" comes from (default: the system clock). */
  clock?: Clock;
  /** Real paths of the folders `POST /v1/import/:entity?path=` may read (see import-dirs.ts). */
  importDirs: readonly string[];
  /** Largest body of `POST /v1/import/:entity` (streamed to the store, never held in memory). */
  importBodyLimit?: number;
  /** How long one segment query may run (default: the segment service's). */
  queryTimeoutMs?: number;
  /** Wakes change streams when segment changes commit; closed at shutdown (default: one polling on the clock). */
  changes?: ChangeFeed;
  /**
   * Where profile runs write (default: the store). On a live server, the live engine's own
   * connection: a run then waits for a step to end instead of colliding with its rows.
   */
  profilesDb?: SqlRunner;
  /** The channels' settings and adapters: with them, the /v1/channels and /v1/inbound routes. */
  channels?: ChannelService;
  /** Where verified delivery reports go (default: the message_reports table). */
  deliveryReports?: DeliveryReportSink;
  /** The server's public address as providers are told it (Twilio signs the URL it posts to). */
  publicUrl?: string;
  log?: (line: string) => void;
  /** Automations: with them, the /v1/automations routes (the engine runs beside the campaign sends). */
  automations?: Omit<AutomationRouteDeps, 'requireApiKey' | 'body'>;
  /** Campaigns: with them, the /v1/campaigns routes and the public unsubscribe page (/u). */
  campaigns?: CampaignService;
  /** A campaign started: the send loop looks for due messages now. */
  onCampaignStarted?: () => void;
  /** The built dashboard (apps/web/dist): with it, served at `/` (see web-routes.ts). */
  webRoot?: string;
}

const MiB = 1024 * 1024;
/** How long /health waits for the store before answering that it is busy. */
const HEALTH_STORE_WAIT_MS = 500;
/**
 * Body limits, by route: applied before any handler, key check or signature check reads a byte,
 * so nobody (signed or not) can make the server hold more than this in memory.
 */
function bodyLimitFor(path: string, importLimit: number): number {
  if (path.startsWith('/v1/import/')) return importLimit;
  if (/^\/v1\/(batch|identify|track|page|screen|alias|group)$/.test(path)) return 4 * MiB;
  if (path.startsWith('/v1/webhooks/')) return 2 * MiB;
  if (COUPON_IMPORT_PATH.test(path)) return 64 * MiB;
  return 1 * MiB;
}

/** A JSON request body, or a 400 naming what is wrong and where (bytes that are not UTF-8, absurd nesting, bad syntax). */
function jsonBody(bytes: Uint8Array): unknown {
  const r = parseJsonText(bytes);
  if (r.ok) return r.value;
  const where = r.line !== undefined ? ` at line ${r.line}, column ${r.column ?? 1}` : '';
  throw new AppError('invalid', `body is ${r.message}${where}`, [
    { where: 'body', ...(r.line !== undefined ? { line: r.line } : {}), message: r.message },
  ]);
}

/** What a client sees of an unexpected failure: its own text may quote SQL, paths or data, so that stays in the log. */
const unexpected = new AppError(
  'internal',
  'internal error: the request could not be completed (the server log has the details)',
);

function errorBody(e: AppError) {
  const diagnostics = e instanceof SegmentQueryError ? { diagnostics: e.diagnostics } : {};
  return { error: { type: e.kind, message: e.message, details: e.details, ...diagnostics } };
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const clock = deps.clock ?? systemClock;
  const started = clock.now();

  app.onError((e, c) => {
    const err = toAppError(e);
    if (err.kind === 'internal') console.error(e);
    return c.json(errorBody(e instanceof AppError ? err : unexpected), httpStatusOf[err.kind] as 400);
  });
  app.notFound((c) => c.json(errorBody(new AppError('not_found', `no route ${c.req.method} ${c.req.path}`)), 404));

  const importLimit = deps.importBodyLimit ?? 8 * 1024 * MiB;
  app.use('*', async (c: Context<Env, string>, next: Next) => {
    const maxSize = bodyLimitFor(c.req.path, importLimit);
    return bodyLimit({
      maxSize,
      // The rest of the body is never read: the connection is closed after the answer, so no
      // client sends its next request on a socket still full of this one.
      onError: (c) =>
        c.json(errorBody(new AppError('invalid', `request body over ${maxSize.toLocaleString('en')} bytes`)), 400, {
          connection: 'close',
        }),
    })(c, next);
  });

  // Who the request is and what it may do, for every route at once (access.ts).
  const access = deps.access ?? new Access(deps.store, deps.keys, { clock });
  app.use('*', access.control);

  app.get('/health', async (c) => {
    // Liveness answers within HEALTH_STORE_WAIT_MS whatever the machine's load: a store that has
    // not answered by then is reported busy (the ping goes on); one that fails is a 503.
    const store = await Promise.race([
      deps.store.ping().then(
        () => 'ok' as const,
        (e: unknown) => {
          throw new AppError('unavailable', `the store does not answer: ${e instanceof Error ? e.message : String(e)}`);
        },
      ),
      new Promise<'busy'>((resolve) => setTimeout(() => resolve('busy'), HEALTH_STORE_WAIT_MS).unref()),
    ]);
    return c.json({ status: 'ok', store, started_at: started.toISOString(), version: deps.version ?? '0.1.0' });
  });

  app.get('/v1/stats', async (c) => c.json({ counts: await deps.store.counts() }));

  /*
   * ---- Segment-spec ingest ----
   * The write key (HTTP Basic user name, as Segment clients send it) is public wherever it is used in
   * a browser; the API key, as Bearer or as the Basic user name (a server-side Segment library
   * configured with it), comes from the shop's own server. Only the latter is trusted with email
   * and phone (docs/ingest.md, "Identity through the public write key").
   */
  const segmentSource = (c: Context): SegmentSource => {
    const header = c.req.header('authorization');
    if (bearerFrom(header) !== undefined) {
      // the store API key or a write-scoped key (a read-scoped one was refused before this route)
      if (c.get('identity').principal) return SegmentSource.server;
      throw new AppError('unauthorized', 'wrong API key');
    }
    const key = writeKeyFrom(header);
    if (key === undefined) throw new AppError('unauthorized', 'missing write key: send it as the HTTP Basic user name');
    if (deps.keys.accepts('write-key', key)) return SegmentSource.public;
    if (deps.keys.accepts('api-key', key)) return SegmentSource.server;
    throw new AppError('unauthorized', 'wrong write key');
  };

  const ingestMessages = async (c: Context, source: SegmentSource, messages: unknown[]) => {
    const { batch, rejected } = toWriteBatch(messages, { receivedAt: clock.now(), source });
    await deps.writer.write(batch);
    if (rejected.length) {
      // The good messages are stored; the bad ones are named so the sender can fix them.
      return c.json({ success: false, accepted: messages.length - rejected.length, rejected }, 400);
    }
    return c.json({ success: true });
  };
  /** The body as JSON; an empty body is `whenEmpty` where one is given (routes whose fields are all optional). */
  const readJson = async (c: Context, whenEmpty?: unknown): Promise<unknown> => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.length === 0 && whenEmpty !== undefined) return whenEmpty;
    return jsonBody(bytes);
  };

  app.post('/v1/batch', async (c) => {
    const source = segmentSource(c);
    const body = await readJson(c);
    const batch = (body as { batch?: unknown })?.batch;
    if (!Array.isArray(batch))
      throw new AppError('invalid', 'expected {"batch": [...]}', [{ field: 'batch', message: 'must be an array' }]);
    const context = (body as { context?: unknown }).context;
    const messages =
      context && typeof context === 'object'
        ? batch.map((m: unknown) => (m && typeof m === 'object' && !('context' in m) ? { ...m, context } : m))
        : batch;
    return ingestMessages(c, source, messages);
  });
  for (const type of ['identify', 'track', 'page', 'screen', 'alias', 'group'] as const) {
    app.post(`/v1/${type}`, async (c) => {
      const source = segmentSource(c);
      const body = await readJson(c);
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw new AppError('invalid', 'expected a JSON object');
      return ingestMessages(c, source, [{ type, ...body }]);
    });
  }

  /* ---- e-commerce order webhook, verified by HMAC-SHA256 over the raw body ---- */
  app.post('/v1/webhooks/shopify/orders', async (c) => {
    const secret = deps.keys.webhookSecret;
    // Answered before the body is read; Shopify retries a webhook that fails, so orders sent before
    // the secret is set arrive once it is.
    if (secret === undefined)
      throw new AppError('unavailable', `this server has no Shopify webhook secret yet. ${webhookSecretHelp}`);
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (!verifyHmacSha256(raw, secret, c.req.header('x-shopify-hmac-sha256'))) {
      throw new AppError('unauthorized', 'bad or missing X-Shopify-Hmac-Sha256 signature');
    }
    const mapped = shopifyOrderToRecords(jsonBody(raw));
    if (!mapped.ok)
      throw new AppError(
        'invalid',
        'not a usable orders/create payload',
        mapped.errors.map((message) => ({ message })),
      );
    await deps.writer.write({
      customers: mapped.value.customer ? [mapped.value.customer] : [],
      orders: [mapped.value.order],
    });
    return c.json({ success: true, order_id: mapped.value.order.id });
  });

  /* ---- bulk import through the running server (used by `strata import` while it serves) ---- */
  /** Any principal (an API key, a scoped key, a staff session); what each may do was checked by access.control. */
  const requireApiKey = access.require;
  /**
   * `format=csv|jsonl`; `path=` a file on this machine in the import folders (read by the store's
   * own reader when it can), else the body; `from=shopify|woocommerce|generic` (+ `map=`) for a
   * shop's export (the entity is then optional: the header tells); `orphan_lines=keep|reject`;
   * for a body, `name=` (how messages name the file) and `file_time=` (when it was exported).
   */
  const importRoute = async (c: Context, entityParam: string | undefined) => {
    const entity = entityParam === undefined ? undefined : (entityParam as Entity);
    if (entityParam !== undefined && !(entities as readonly string[]).includes(entityParam)) {
      throw new AppError('invalid', `unknown entity "${entityParam}"; one of ${entities.join(', ')}`);
    }
    const q = (name: string) => c.req.query(name);
    const format = q('format') ?? (q('from') ? 'csv' : undefined);
    if (format !== 'csv' && format !== 'jsonl')
      throw new AppError('invalid', 'query parameter format must be csv or jsonl');
    const from = q('from');
    if (from !== undefined && !(Object.values(PresetSource) as string[]).includes(from))
      throw new AppError('invalid', `query parameter from must be one of ${Object.values(PresetSource).join(', ')}`);
    if (from !== undefined && format !== 'csv') throw new AppError('invalid', 'exports read with from= are CSV files');
    if (from === undefined && entity === undefined)
      throw new AppError('invalid', 'name the entity (/v1/import/:entity) or a preset (from=)');
    const orphan = q('orphan_lines');
    if (orphan !== undefined && !(Object.values(OrphanLines) as string[]).includes(orphan))
      throw new AppError('invalid', 'query parameter orphan_lines must be keep or reject');
    const options = {
      defaults: await importDefaults(deps.store),
      ...(orphan !== undefined ? { orphanLines: orphan as OrphanLines } : {}),
    };
    const map = q('map');
    const choice = from
      ? { from: from as PresetSource, ...(map ? { map } : {}), ...(entity ? { entity } : {}) }
      : undefined;
    // A file on this machine (the CLI beside the server): read by the store's own reader when it can.
    const path = q('path');
    if (path !== undefined) {
      const allowed = await allowedImportPath(path, deps.importDirs);
      if (choice) return c.json(await importPresetFile(deps.store, choice, allowed, options));
      return c.json(await importFile(deps.store, entity!, allowed, { format, ...options }));
    }
    const body = c.req.raw.body;
    if (!body) throw new AppError('invalid', 'empty body');
    const stream = Readable.fromWeb(body as WebReadableStream<Uint8Array>);
    const name = q('name') ?? 'the request body';
    if (choice) {
      const t = q('file_time');
      const fileTime = t ? parseAsOf(t, 'file_time') : clock.now();
      return c.json(
        await importWithPreset(deps.store, choice, (onHeader) => readCsvRows(stream, { onHeader }), {
          ...options,
          fileTime: fileTime.toISOString(),
          fileName: name,
        }),
      );
    }
    // The header is checked before any row is read, as for a file (importFile).
    const warnings: string[] = [];
    const onHeader = (header: string[]) => warnings.push(...checkFileHeader(entity!, header, name, options.defaults));
    const records = format === 'csv' ? readCsv(stream, { onHeader }) : readJsonl(stream);
    const summary = await importRecords(deps.store, entity!, records, options);
    summary.warnings.unshift(...warnings);
    return c.json(summary);
  };
  app.post('/v1/import', requireApiKey, (c) => importRoute(c, undefined));
  app.post('/v1/import/:entity', requireApiKey, (c) => importRoute(c, c.req.param('entity') ?? ''));

  /* ---- the store's settings (`strata config`) ---- */
  app.get('/v1/config', requireApiKey, async (c) => c.json({ settings: await readConfig(deps.store) }));
  app.put('/v1/config/:name', requireApiKey, async (c) => {
    const { value } = await body(c, ConfigSetRequest);
    return c.json({ settings: await setConfig(deps.store, c.req.param('name') ?? '', value) });
  });

  /** A JSON body checked with the API's shared schema; each mistake is named by its field. */
  const body = async <S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> => {
    const raw = await readJson(c, {});
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
      throw new AppError(
        'invalid',
        `bad request body: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
        parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      );
    return parsed.data;
  };

  registerAuthRoutes(app, { access, requireApiKey, body });

  /* ---- keys: a new write key or API key, shown in this answer only; Shopify's webhook secret ---- */
  app.post('/v1/keys/:name/rotate', requireApiKey, async (c) => {
    const name = c.req.param('name') ?? '';
    if (name === 'webhook-secret')
      throw new AppError('invalid', `Strata does not make the webhook secret. ${webhookSecretHelp}`);
    const parsed = GeneratedKeyName.safeParse(name);
    if (!parsed.success)
      throw new AppError('invalid', `unknown key "${name}": one of ${GeneratedKeyName.options.join(', ')}`);
    const key = await deps.keys.rotate(parsed.data);
    return c.json({ name: parsed.data, key }, 200, { 'cache-control': 'no-store' });
  });
  app.put('/v1/keys/webhook-secret', requireApiKey, async (c) => {
    const b = await body(c, WebhookSecretRequest);
    await deps.keys.setWebhookSecret(b.secret);
    return c.json({ name: 'webhook-secret' as const, set: true as const });
  });

  /* ---- segments ---- */
  const segments = new SegmentService(deps.store, {
    clock,
    ...(deps.queryTimeoutMs !== undefined ? { queryTimeoutMs: deps.queryTimeoutMs } : {}),
  });
  /** `?as_of=` on the segment routes: a date means the end of that day; absent, the profiles' as-of time. */
  const asOfQuery = (c: Context): Date | undefined => {
    const v = c.req.query('as_of');
    return v === undefined || v === '' ? undefined : parseAsOf(v, 'as_of');
  };
  const page = (c: Context) => ({
    limit: Number(c.req.query('limit') ?? 50),
    offset: Number(c.req.query('offset') ?? 0),
  });

  app.get('/v1/fields', requireApiKey, (c) => c.json(segments.fields()));
  app.get('/v1/segments', requireApiKey, async (c) => c.json({ saved: await segments.list(), ready: readySegments }));
  app.post('/v1/segments', requireApiKey, async (c) => {
    const b = await body(c, SegmentSaveRequest);
    return c.json(
      await segments.save({
        name: b.name,
        text: b.text,
        ...(b.description !== undefined ? { description: b.description } : {}),
      }),
      201,
    );
  });
  app.get('/v1/segments/:id', requireApiKey, async (c) => c.json(await segments.get(c.req.param('id') ?? '')));
  app.put('/v1/segments/:id', requireApiKey, async (c) => {
    const b = await body(c, SegmentUpdateRequest);
    const current = await segments.get(c.req.param('id') ?? '');
    return c.json(
      await segments.save({
        id: current.id,
        name: b.name ?? current.name,
        description: b.description ?? current.description,
        text: b.text ?? current.text,
      }),
    );
  });
  app.delete('/v1/segments/:id', requireApiKey, async (c) => {
    const { id } = await segments.get(c.req.param('id') ?? '');
    await segments.delete(id);
    // Its members exit, recorded so that subscribers see them go; its history stays readable by id.
    await deps.store.transaction((tx) => dropSegmentMembership(tx, id, clock.now().toISOString()));
    return c.body(null, 204);
  });
  const saved = (c: Context): SegmentDefinition => ({ segment: c.req.param('id') ?? '' });
  app.get('/v1/segments/:id/count', requireApiKey, async (c) => {
    const def = saved(c);
    const asOf = await segments.evaluationTime(def, asOfQuery(c));
    const [count, { warnings }] = await Promise.all([segments.count(def, asOf), segments.warnings(def)]);
    return c.json({ count, as_of: asOf.toISOString(), warnings });
  });
  app.get('/v1/segments/:id/members', requireApiKey, async (c) => {
    const def = saved(c);
    const asOf = await segments.evaluationTime(def, asOfQuery(c));
    return c.json({ members: await segments.members(def, page(c), asOf), as_of: asOf.toISOString() });
  });
  /** Every member as CSV, streamed page by page (one evaluation time for the whole list). */
  app.get('/v1/segments/:id/members.csv', requireApiKey, async (c) => {
    const def = saved(c);
    const asOf = await segments.evaluationTime(def, asOfQuery(c));
    const ids = segments.allMembers(def, { asOf });
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(encoder.encode('customer_id\n')),
      pull: async (controller) => {
        const chunk: string[] = [];
        for (let i = 0; i < 5000; i++) {
          const next = await ids.next();
          if (next.done) {
            if (chunk.length) controller.enqueue(encoder.encode(chunk.join('')));
            controller.close();
            return;
          }
          chunk.push(`${next.value}\n`);
        }
        controller.enqueue(encoder.encode(chunk.join('')));
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/csv; charset=utf-8' } });
  });
  app.get('/v1/segments/:id/explain/:customer', requireApiKey, async (c) =>
    c.json(await segments.explain(saved(c), c.req.param('customer') ?? '', asOfQuery(c))),
  );

  /** An unsaved query: `{ text }` or `{ ready, params }`; answers the count, a page of members and, for `customer`, the explanation. */
  app.post('/v1/segments/preview', requireApiKey, async (c) => {
    const b = await body(c, SegmentPreviewRequest);
    const def: SegmentDefinition =
      b.text !== undefined ? { text: b.text } : { ready: b.ready ?? '', ...(b.params ? { params: b.params } : {}) };
    const at = await segments.evaluationTime(def, b.as_of ? parseAsOf(b.as_of, 'as_of') : undefined);
    const [count, members, { text, warnings }] = await Promise.all([
      segments.count(def, at),
      segments.members(def, { limit: b.limit, offset: b.offset }, at),
      segments.warnings(def),
    ]);
    const explanation = b.customer ? await segments.explain(def, b.customer, at) : undefined;
    return c.json({ text, as_of: at.toISOString(), count, members, ...(explanation ? { explain: explanation } : {}), warnings });
  });

  registerExportRoutes(app, { segments, requireApiKey, body });
  if (deps.channels) {
    registerChannelRoutes(app, { channels: deps.channels, requireApiKey, body });
    registerInboundRoutes(app, {
      channels: deps.channels,
      reports: deps.deliveryReports ?? tableDeliveryReportSink(deps.store, clock),
      store: deps.store,
      writer: deps.writer,
      clock,
      ...(deps.publicUrl !== undefined ? { publicUrl: deps.publicUrl } : {}),
      log: deps.log ?? ((line) => console.error(line)),
    });
  }
  if (deps.automations) registerAutomationRoutes(app, { ...deps.automations, requireApiKey, body });
  if (deps.campaigns) {
    const campaigns = deps.campaigns;
    registerCampaignRoutes(app, {
      campaigns,
      requireApiKey,
      body,
      ...(deps.onCampaignStarted ? { onStarted: deps.onCampaignStarted } : {}),
    });
    registerUnsubscribeRoutes(app, {
      secret: () => campaigns.signingSecret,
      // withdrawals go the ingest way (the group-committing writer, which wakes the live engine)
      store: {
        write: (batch) => deps.writer.write(batch),
        resolveCustomer: (key) => deps.store.resolveCustomer(key),
        counts: () => deps.store.counts(),
        ping: () => deps.store.ping(),
      },
      clock,
    });
  }
  registerLiveRoutes(app, { db: deps.store, clock, changes: deps.changes ?? new ChangeFeed(clock, realTimer(clock)), requireApiKey, body });
  registerEngagementRoutes(app, { store: deps.store, writer: deps.writer, clock, requireApiKey, body });
  registerReportRoutes(app, {
    db: deps.store,
    clock,
    requireApiKey,
    ...(deps.queryTimeoutMs !== undefined ? { queryTimeoutMs: deps.queryTimeoutMs } : {}),
  });

  /* ---- profiles ---- */
  app.post('/v1/profiles/compute', requireApiKey, async (c) => {
    const b = await body(c, ProfilesComputeRequest);
    const asOf = b.as_of ? parseAsOf(b.as_of, 'as_of') : clock.now();
    // the thresholds as the store's settings have them now (lifecycle_*, value_tier_*)
    const config = profileConfigFrom(await readConfig(deps.store));
    return c.json(await computeProfiles(deps.profilesDb ?? deps.store, { asOf, ranBy: 'api', config }));
  });
  app.get('/v1/customers/:id/profile', requireApiKey, async (c) =>
    c.json(await findProfile(deps.store, c.req.param('id') ?? '')),
  );
  app.get('/v1/profiles/summary', requireApiKey, async (c) => c.json(await profilesSummary(deps.store)));
  registerCustomerRoutes(app, { db: deps.store, requireApiKey });

  // Last: the dashboard answers only GETs no route above took.
  if (deps.webRoot !== undefined) registerWebRoutes(app, { root: deps.webRoot });

  return app;
}
