import { dirname, resolve } from 'node:path';
import type { ChannelTestRequest, ContentLinkRequest, GeneratedKeyName } from '@strata/api';
import type { Entity, StaffRole } from '@strata/core';
import {
  addTags,
  linkBase,
  listTags,
  makeContentLink,
  makeQuestionnaireLink,
  removeTags,
  saveQuestionnaire,
} from '@strata/engagement';
import { everyone, prepareExport } from '@strata/export';
import { computeProfiles, findProfile, profileConfigFrom } from '@strata/profiles';
import { runReport } from '@strata/reports';
import { SegmentService } from '@strata/segments';
import {
  ChannelService,
  ChannelSettingsStore,
  channelNamed,
  channelView,
  defaultOutboxDir,
  lastInboundAt,
  nextChannelSettings,
  SecretBox,
  configuredPublicUrl,
  DEFAULT_PORT,
  CampaignService,
  PUBLIC_URL_VARIABLE,
  importDefaults,
  queryTimeoutFromEnv,
  readConfig,
  rotateStoredKey,
  setConfig,
  setStoredWebhookSecret,
  StaffDirectory,
} from '@strata/server';
import type { DuckDbStore } from '@strata/store-duckdb';
import type { Backend, ExportAsk, ExportStream, SegmentAnswer, SegmentChoice } from './backend-port.js';
import type { GlobalOptions, Io } from './context.js';
import { importOne, type ImportCommandOptions } from './import-file.js';
import { localCampaigns } from './campaign-backend.js';
import { localAutomations } from './automation-backend.js';

/** Commands straight on the store file (no server owns it right now). */
export class LocalBackend implements Backend {
  readonly kind = 'local';
  private readonly segments: SegmentService;
  private readonly channelSettings: ChannelSettingsStore;
  private readonly staffDirectory: StaffDirectory;
  constructor(
    private readonly store: DuckDbStore,
    private readonly io: Io,
    private readonly g: GlobalOptions,
  ) {
    this.segments = new SegmentService(store, { clock: g.clock, queryTimeoutMs: queryTimeoutFromEnv() });
    this.channelSettings = new ChannelSettingsStore(store, new SecretBox(g.db));
    this.staffDirectory = new StaffDirectory(store, { clock: g.clock });
  }
  stats = () => this.store.counts();
  importFile = async (entity: Entity | undefined, file: string, opts: ImportCommandOptions) =>
    importOne(this.io, this.store, entity, file, opts, await importDefaults(this.store));
  config = () => readConfig(this.store);
  setConfig = (name: string, value: string) => setConfig(this.store, name, value);
  computeProfiles = async (asOf: Date) =>
    computeProfiles(this.store, { asOf, ranBy: 'cli', config: profileConfigFrom(await readConfig(this.store)) });
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
  explainSegment = (segment: SegmentChoice, customer: string, asOf?: Date) =>
    this.segments.explain(segment, customer, asOf);
  countSegment = (segment: SegmentChoice) => this.segments.count(segment);
  async exportSegment(target: SegmentChoice | 'profiles', ask: ExportAsk): Promise<ExportStream> {
    const prepared = await prepareExport(this.segments, target === 'profiles' ? everyone : target, {
      ...ask,
      ...(ask.saveAs ? { tempDir: dirname(resolve(ask.saveAs)) } : {}),
    });
    return {
      summary: prepared.summary,
      chunks: prepared.chunks(),
      discard: prepared.discard,
      saveAs: prepared.moveTo,
    };
  }
  listSegments = () => this.segments.list();
  report = (name: string, parameters: Readonly<Record<string, string | undefined>>) =>
    runReport(this.store, name, parameters, { clock: this.g.clock, timeoutMs: queryTimeoutFromEnv() });
  saveSegment = (s: { name: string; text: string; description: string }) => this.segments.save(s);
  rotateKey = (name: GeneratedKeyName) => rotateStoredKey(this.store, name);
  staff = () => this.staffDirectory.list();
  addStaff = (email: string, role: StaffRole, password: string) => this.staffDirectory.add({ email, role, password });
  setStaffRole = (email: string, role: StaffRole) => this.staffDirectory.update(email, { role });
  removeStaff = (email: string) => this.staffDirectory.remove(email);
  setWebhookSecret = async (secret: string) => {
    await setStoredWebhookSecret(this.store, secret);
  };
  /** The channels as a server would send through them (read, and closed again, per command). */
  private async withChannels<T>(fn: (channels: ChannelService) => Promise<T>): Promise<T> {
    const channels = await ChannelService.open({
      settings: this.channelSettings,
      outboxDir: defaultOutboxDir(this.g.db),
      clock: this.g.clock,
      lastInboundAt: (to) => lastInboundAt(this.store, 'whatsapp', to),
    });
    try {
      return await fn(channels);
    } finally {
      await channels.close();
    }
  }
  channels = () => this.withChannels((c) => Promise.resolve({ outboxDir: c.outboxDir, channels: c.list() }));
  /** Only this channel's settings are read (to merge), so a channel can be set again whatever the others hold. */
  async setChannel(name: string, input: Record<string, unknown>, merge: boolean) {
    const channel = channelNamed(name);
    const before = merge && input.provider === undefined ? await this.channelSettings.read(channel) : undefined;
    const settings = await this.channelSettings.write(channel, nextChannelSettings(channel, input, before, merge));
    return channelView(channel, settings, defaultOutboxDir(this.g.db));
  }
  async resetChannel(name: string) {
    const channel = channelNamed(name);
    await this.channelSettings.remove(channel);
    return channelView(channel, undefined, defaultOutboxDir(this.g.db));
  }
  testChannel = (name: string, request: ChannelTestRequest) =>
    this.withChannels((c) => c.test(channelNamed(name), request));
  private get tagDeps() {
    return { store: this.store, writer: this.store, clock: this.g.clock };
  }
  tags = (customer: string) => listTags(this.tagDeps, customer);
  addTags = (customer: string, tags: readonly string[]) => addTags(this.tagDeps, customer, tags, 'cli');
  removeTags = (customer: string, tags: readonly string[]) => removeTags(this.tagDeps, customer, tags);
  /** Links start with public_url, else the address a server on this machine listens on by default. */
  private async linkBase() {
    return linkBase(await configuredPublicUrl(this.store), `http://127.0.0.1:${DEFAULT_PORT}`);
  }
  contentLink = async (request: ContentLinkRequest) => makeContentLink(this.store, await this.linkBase(), request);
  saveQuestionnaire = (definition: unknown, replace: boolean) =>
    saveQuestionnaire(this.store, definition, { now: this.g.clock.now(), replace });
  questionnaireLink = async (questionnaire: string, customer: string, sendId?: string) =>
    makeQuestionnaireLink(this.store, await this.linkBase(), {
      questionnaire,
      customer,
      ...(sendId !== undefined ? { send_id: sendId } : {}),
    });
  /** Links in previews start as a server's would, its own address being where `strata serve` listens by default. */
  campaigns = async () => {
    const given = process.env[PUBLIC_URL_VARIABLE];
    const service = await CampaignService.open(this.store, {
      clock: this.g.clock,
      queryTimeoutMs: queryTimeoutFromEnv(),
      ...(given ? { publicUrl: given } : {}),
    });
    service.setOwnUrl(`http://127.0.0.1:${DEFAULT_PORT}`);
    return localCampaigns(service);
  };
  automations = () => Promise.resolve(localAutomations(this.store, this.segments, this.g.clock));
  close = () => this.store.close();
}
