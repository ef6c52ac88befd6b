import { createReadStream, createWriteStream, realpathSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ApiClient,
  ApiError,
  AutomationClient,
  CampaignClient,
  ReportClient,
  type ChannelTestRequest,
  type ContentLinkRequest,
  type GeneratedKeyName,
  type ImportTarget,
  type SegmentExplanation,
  type TagsResponse,
} from '@strata/api';
import { checkedTags, checkTagsPresent } from '@strata/engagement';
import { AppError, type Entity, type StaffRole } from '@strata/core';
import { formatOf, type ImportSummary } from '@strata/ingest';
import type { ProfileRun } from '@strata/profiles';
import { SegmentQueryError, type SavedSegment } from '@strata/segments';
import { isInside, type ServerFile } from '@strata/server';
import type { Backend, ExportAsk, ExportStream, SegmentAnswer, SegmentChoice } from './backend-port.js';
import type { Io } from './context.js';
import type { ImportCommandOptions } from './import-file.js';
import { serverCampaigns } from './campaign-backend.js';
import { serverAutomations } from './automation-backend.js';

/** The largest page the server lists at once. */
const SERVER_PAGE = 100_000;

/** Saves chunks as a file: written under `path.partial`, renamed when whole, owner-only. */
async function saveChunks(chunks: AsyncIterable<Uint8Array>, path: string): Promise<void> {
  const partial = `${path}.partial`;
  try {
    await pipeline(Readable.from(chunks), createWriteStream(partial, { mode: 0o600 }));
    await rename(partial, path);
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  }
}

/** Commands through the server that owns the store file right now. */
export class ServerBackend implements Backend {
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
  staff = async () => (await this.api.staff()).staff;
  addStaff = (email: string, role: StaffRole, password: string) => this.api.addStaff(email, role, password);
  setStaffRole = (email: string, role: StaffRole) => this.api.setStaffRole(email, role);
  removeStaff = (email: string) => this.api.removeStaff(email);
  config = () => this.api.config();
  setConfig = (name: string, value: string) => this.api.setConfig(name, value);
  computeProfiles = (asOf: Date) => this.api.computeProfiles(asOf.toISOString()) as Promise<ProfileRun>;
  profile = (customer: string) => this.api.profile(customer);
  async evalSegment(text: string, opts: { asOf?: Date; limit: number; countOnly: boolean }): Promise<SegmentAnswer> {
    const limit = opts.countOnly ? 1 : Math.min(opts.limit || SERVER_PAGE, SERVER_PAGE);
    const r = await this.query(text, () =>
      this.api.previewSegment({ text, limit, ...(opts.asOf ? { as_of: opts.asOf.toISOString() } : {}) }),
    );
    return { asOf: r.as_of, count: r.count, members: opts.countOnly ? [] : r.members, warnings: r.warnings };
  }
  async explainSegment(segment: SegmentChoice, customer: string, asOf?: Date): Promise<SegmentExplanation> {
    if ('segment' in segment) return this.api.explainSaved(segment.segment, customer, asOf?.toISOString());
    const { text } = segment;
    const r = await this.query(text, () =>
      this.api.previewSegment({ text, customer, limit: 1, ...(asOf ? { as_of: asOf.toISOString() } : {}) }),
    );
    if (!r.explain) throw new AppError('internal', 'the server did not explain the customer');
    return r.explain;
  }
  async countSegment(segment: SegmentChoice): Promise<number> {
    if ('segment' in segment) return (await this.api.countSaved(segment.segment)).count;
    const { text } = segment;
    return (await this.query(text, () => this.api.previewSegment({ text, limit: 1 }))).count;
  }
  async exportSegment(target: SegmentChoice | 'profiles', ask: ExportAsk): Promise<ExportStream> {
    const options = {
      format: ask.format,
      ...(ask.columns ? { columns: ask.columns } : {}),
      ...(ask.asOf ? { asOf: ask.asOf.toISOString() } : {}),
    };
    const { summary, body } = await this.query(target !== 'profiles' && 'text' in target ? target.text : '', () =>
      this.api.export(target === 'profiles' ? { profiles: true } : target, options),
    );
    // a web stream is an async iterable in Node
    const chunks = body as unknown as AsyncIterable<Uint8Array>;
    return {
      summary,
      chunks,
      discard: () => body.cancel().catch(() => undefined),
      saveAs: (path) => saveChunks(chunks, path),
    };
  }
  report = (name: string, parameters: Readonly<Record<string, string | undefined>>) =>
    new ReportClient(this.api).run(name, parameters);
  listSegments = async () => (await this.api.listSegments()).saved as SavedSegment[];
  saveSegment = async (s: { name: string; text: string; description: string }) =>
    (await this.query(s.text, () => this.api.saveSegment(s))) as SavedSegment;
  rotateKey = async (name: GeneratedKeyName) => (await this.api.rotateKey(name)).key;
  setWebhookSecret = async (secret: string) => {
    await this.api.setWebhookSecret(secret);
  };
  channels = async () => {
    const r = await this.api.channels();
    return { outboxDir: r.outbox_dir, channels: r.channels };
  };
  setChannel = (channel: string, settings: Record<string, unknown>, merge: boolean) =>
    this.api.setChannel(channel, settings, merge);
  resetChannel = (channel: string) => this.api.resetChannel(channel);
  testChannel = (channel: string, request: ChannelTestRequest) => this.api.testChannel(channel, request);
  tags = (customer: string) => this.api.tags(customer);
  addTags = (customer: string, tags: readonly string[]) => this.api.addTags(customer, tags, 'cli');
  /** All or nothing, as on the store file: every tag is checked before the first is removed. */
  async removeTags(customer: string, tags: readonly string[]): Promise<TagsResponse> {
    const unwanted = checkedTags(tags, tags.length === 1 ? 'tag' : 'tags');
    const current = await this.api.tags(customer);
    checkTagsPresent(current.customer_id, current.tags, unwanted);
    let last = current;
    for (const tag of unwanted) last = await this.api.removeTag(customer, tag);
    return { ...last, removed: unwanted };
  }
  contentLink = (request: ContentLinkRequest) => this.api.contentLink(request);
  saveQuestionnaire = (definition: unknown, replace: boolean) => this.api.saveQuestionnaire(definition, replace);
  questionnaireLink = (questionnaire: string, customer: string, sendId?: string) =>
    this.api.questionnaireLink(questionnaire, customer, sendId);
  campaigns = () => Promise.resolve(serverCampaigns(new CampaignClient(this.api)));
  automations = () => Promise.resolve(serverAutomations(new AutomationClient(this.api)));
  close = () => Promise.resolve();
}
