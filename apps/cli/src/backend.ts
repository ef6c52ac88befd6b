import { createReadStream, realpathSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { ApiClient, ApiError, type GeneratedKeyName, type ImportTarget, type SegmentExplanation } from '@strata/api';
import { AppError, type Entity, type EntityCounts } from '@strata/core';
import { formatOf, type ImportSummary } from '@strata/ingest';
import type { Diagnostic } from '@strata/segment-lang';
import { computeProfiles, findProfile, type ProfileRun } from '@strata/profiles';
import { SegmentQueryError, SegmentService, type SavedSegment } from '@strata/segments';
import {
  importDefaults,
  isInside,
  memoryLimitFromEnv,
  readConfig,
  setConfig,
  queryTimeoutFromEnv,
  readServerFile,
  rotateStoredKey,
  setStoredWebhookSecret,
  type ServerFile,
} from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import type { GlobalOptions, Io } from './context.js';
import { importOne, type ImportCommandOptions } from './import-file.js';

export interface SegmentAnswer {
  /** The time the answer holds for (the profiles' as-of time unless asked otherwise). */
  asOf: string;
  count: number;
  members: string[];
  /** Warnings on the query (spans into its text), e.g. a category the store does not have. */
  warnings: Diagnostic[];
}

/**
 * What the commands ask of a store. Two implementations: straight on the store file, or through
 * the server that owns it right now (one process writes a DuckDB file; everyone else asks it).
 * `openBackend` is the one place that chooses, so every command answers the same either way,
 * diagnostics with carets included.
 */
export interface Backend {
  readonly kind: 'local' | 'server';
  stats(): Promise<EntityCounts>;
  /** An entity's file, or a shop's export with `opts.from` (the entity then optional: the header tells). */
  importFile(entity: Entity | undefined, file: string, opts: ImportCommandOptions): Promise<ImportSummary>;
  /** The store's settings (`strata config`). */
  config(): Promise<Record<string, string>>;
  setConfig(name: string, value: string): Promise<Record<string, string>>;
  computeProfiles(asOf: Date): Promise<ProfileRun>;
  profile(customer: string): Promise<Record<string, unknown>>;
  /** Count and members of a query; `limit` 0 lists every member. */
  evalSegment(text: string, opts: { asOf?: Date; limit: number; countOnly: boolean }): Promise<SegmentAnswer>;
  explainSegment(text: string, customer: string, asOf?: Date): Promise<SegmentExplanation>;
  listSegments(): Promise<SavedSegment[]>;
  saveSegment(segment: { name: string; text: string; description: string }): Promise<SavedSegment>;
  /** A new write key or API key (returned, to be shown once); the old one stops working at once, on a running server too. */
  rotateKey(name: GeneratedKeyName): Promise<string>;
  /** Keeps Shopify's webhook signing secret (a running server uses it from the next webhook on). */
  setWebhookSecret(secret: string): Promise<void>;
  close(): Promise<void>;
}

class LocalBackend implements Backend {
  readonly kind = 'local';
  private readonly segments: SegmentService;
  constructor(
    private readonly store: DuckDbStore,
    private readonly io: Io,
    g: GlobalOptions,
  ) {
    this.segments = new SegmentService(store, { clock: g.clock, queryTimeoutMs: queryTimeoutFromEnv() });
  }
  stats = () => this.store.counts();
  importFile = async (entity: Entity | undefined, file: string, opts: ImportCommandOptions) =>
    importOne(this.io, this.store, entity, file, opts, await importDefaults(this.store));
  config = () => readConfig(this.store);
  setConfig = (name: string, value: string) => setConfig(this.store, name, value);
  computeProfiles = (asOf: Date) => computeProfiles(this.store, { asOf, ranBy: 'cli' });
  profile = (customer: string) => findProfile(this.store, customer);
  async evalSegment(text: string, opts: { asOf?: Date; limit: number; countOnly: boolean }): Promise<SegmentAnswer> {
    const at = await this.segments.evaluationTime({ text }, opts.asOf);
    const count = await this.segments.count({ text }, at);
    const members: string[] = [];
    if (!opts.countOnly) {
      for await (const id of this.segments.allMembers({ text }, { asOf: at })) {
        members.push(id);
        if (opts.limit && members.length >= opts.limit) break;
      }
    }
    const { warnings } = await this.segments.warnings({ text });
    return { asOf: at.toISOString(), count, members, warnings };
  }
  explainSegment = (text: string, customer: string, asOf?: Date) => this.segments.explain({ text }, customer, asOf);
  listSegments = () => this.segments.list();
  saveSegment = (s: { name: string; text: string; description: string }) => this.segments.save(s);
  rotateKey = (name: GeneratedKeyName) => rotateStoredKey(this.store, name);
  setWebhookSecret = async (secret: string) => {
    await setStoredWebhookSecret(this.store, secret);
  };
  close = () => this.store.close();
}

/** The largest page the server lists at once. */
const SERVER_PAGE = 100_000;

class ServerBackend implements Backend {
  readonly kind = 'server';
  private readonly api: ApiClient;
  constructor(
    private readonly server: ServerFile,
    private readonly io: Io,
  ) {
    this.api = new ApiClient({
      baseUrl: server.url,
      apiKey: server.sessionKey,
      describe: `pid ${server.pid}, ${server.url}`,
    });
  }

  /** The server's answer to a query with mistakes becomes the same error a local run throws. */
  private async query<T>(text: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof ApiError && e.diagnostics.length) throw new SegmentQueryError(text, e.diagnostics);
      throw e;
    }
  }

  stats = () => this.api.stats();
  async importFile(entity: Entity | undefined, file: string, opts: ImportCommandOptions): Promise<ImportSummary> {
    const format = opts.format ?? (opts.from ? 'csv' : formatOf(file));
    if (!format) throw new AppError('invalid', `cannot tell the format of ${file}: pass --format csv|jsonl`);
    this.io.err(`the store is served by pid ${this.server.pid}; importing through ${this.server.url}`);
    // The server runs on this machine (it serves 127.0.0.1): a file in its import folders it reads
    // itself, with the store's own bulk reader; any other file is streamed to it, with its name and
    // time so the server's answer is the one a local import gives.
    const real = realpathSync(resolve(file));
    const readable = (this.server.importDirs ?? []).some((d) => isInside(d, real));
    const stats = statSync(real);
    const target: ImportTarget = {
      ...(entity ? { entity } : {}),
      ...(opts.from ? { from: opts.from } : {}),
      ...(opts.map ? { map: opts.map } : {}),
      ...(opts.orphanLines ? { orphanLines: opts.orphanLines } : {}),
    };
    if (readable) return this.api.importPath(target, format, real);
    if (!stats.isFile())
      throw new AppError('invalid', `${file} is not a regular file`, [{ where: file, message: 'not a regular file' }]);
    return this.api.importBody(
      { ...target, name: basename(real), fileTime: stats.mtime.toISOString() },
      format,
      Readable.toWeb(createReadStream(real)) as ReadableStream<Uint8Array>,
    );
  }
  config = () => this.api.config();
  setConfig = (name: string, value: string) => this.api.setConfig(name, value);
  computeProfiles = (asOf: Date) => this.api.computeProfiles(asOf.toISOString()) as Promise<ProfileRun>;
  profile = (customer: string) => this.api.profile(customer);
  async evalSegment(text: string, opts: { asOf?: Date; limit: number; countOnly: boolean }): Promise<SegmentAnswer> {
    const limit = opts.countOnly ? 1 : Math.min(opts.limit || SERVER_PAGE, SERVER_PAGE);
    const r = await this.query(text, () => this.api.previewSegment({ text, limit, ...(opts.asOf ? { as_of: opts.asOf.toISOString() } : {}) }));
    return { asOf: r.as_of, count: r.count, members: opts.countOnly ? [] : r.members, warnings: r.warnings };
  }
  async explainSegment(text: string, customer: string, asOf?: Date): Promise<SegmentExplanation> {
    const r = await this.query(text, () =>
      this.api.previewSegment({ text, customer, limit: 1, ...(asOf ? { as_of: asOf.toISOString() } : {}) }),
    );
    if (!r.explain) throw new AppError('internal', 'the server did not explain the customer');
    return r.explain;
  }
  listSegments = async () => (await this.api.listSegments()).saved as SavedSegment[];
  saveSegment = async (s: { name: string; text: string; description: string }) =>
    (await this.query(s.text, () => this.api.saveSegment(s))) as SavedSegment;
  rotateKey = async (name: GeneratedKeyName) => (await this.api.rotateKey(name)).key;
  setWebhookSecret = async (secret: string) => {
    await this.api.setWebhookSecret(secret);
  };
  close = () => Promise.resolve();
}

/** The one place a command's target is chosen: the running server for this store, else the file. */
export async function openBackend(io: Io, g: GlobalOptions): Promise<Backend> {
  const server = readServerFile(g.db);
  if (server) return new ServerBackend(server, io);
  const memoryLimit = memoryLimitFromEnv();
  return new LocalBackend(
    await DuckDbStore.open(g.db, { clock: g.clock, ...(memoryLimit ? { memoryLimit } : {}) }),
    io,
    g,
  );
}

/** Runs `fn` on the command's backend and closes it afterwards. */
export async function withBackend<T>(io: Io, g: GlobalOptions, fn: (b: Backend) => Promise<T>): Promise<T> {
  const backend = await openBackend(io, g);
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}
