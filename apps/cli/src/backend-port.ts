import type {
  ChannelTestRequest,
  ChannelTestResponse,
  ChannelViewBody,
  ContentLinkRequest,
  ExportSummaryBody,
  GeneratedKeyName,
  LinkResponse,
  StaffMember,
  QuestionnaireSavedResponse,
  ReportBody,
  SegmentExplanation,
  TagsResponse,
} from '@strata/api';
import type { Entity, EntityCounts, ExportFormat, StaffRole } from '@strata/core';
import type { ImportSummary } from '@strata/ingest';
import type { ProfileRun } from '@strata/profiles';
import type { Diagnostic } from '@strata/segment-lang';
import type { SavedSegment } from '@strata/segments';
import type { ImportCommandOptions } from './import-file.js';
import type { AutomationBackend } from './automation-backend.js';
import type { CampaignBackend } from './campaign-backend.js';

export interface SegmentAnswer {
  /** The time the answer holds for (the profiles' as-of time unless asked otherwise). */
  asOf: string;
  count: number;
  members: string[];
  /** Warnings on the query (spans into its text), e.g. a category the store does not have. */
  warnings: Diagnostic[];
}

/** A segment as the commands name one: a query (a ready segment's text included), or a saved segment's name or id. */
export type SegmentChoice = { text: string } | { segment: string };

export interface ExportAsk {
  format: ExportFormat;
  columns?: string[];
  asOf?: Date;
  /** The file it will be saved as, if it is: a local export keeps its temporary file beside it. */
  saveAs?: string;
}

/** An export under way: its counts, known first, and the file's bytes as they are produced. */
export interface ExportStream {
  summary: ExportSummaryBody;
  chunks: AsyncIterable<Uint8Array>;
  /** Lets go of the file unread (its temporary copy removed, or the server's answer cancelled). */
  discard: () => Promise<void>;
  /** Saves the file at `path`, owner-only, nothing there until it is whole (instead of reading `chunks`). */
  saveAs: (path: string) => Promise<void>;
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
  explainSegment(segment: SegmentChoice, customer: string, asOf?: Date): Promise<SegmentExplanation>;
  countSegment(segment: SegmentChoice): Promise<number>;
  /** A segment's members, or every profile, as a file. */
  exportSegment(target: SegmentChoice | 'profiles', ask: ExportAsk): Promise<ExportStream>;
  listSegments(): Promise<SavedSegment[]>;
  saveSegment(segment: { name: string; text: string; description: string }): Promise<SavedSegment>;
  /** A new write key or API key (returned, to be shown once); the old one stops working at once, on a running server too. */
  rotateKey(name: GeneratedKeyName): Promise<string>;
  /** Keeps Shopify's webhook signing secret (a running server uses it from the next webhook on). */
  setWebhookSecret(secret: string): Promise<void>;
  /** Staff accounts (`strata staff`); through a running server, a removed account's sessions end at once. */
  staff(): Promise<StaffMember[]>;
  addStaff(email: string, role: StaffRole, password: string): Promise<StaffMember>;
  setStaffRole(email: string, role: StaffRole): Promise<StaffMember>;
  removeStaff(email: string): Promise<void>;
  /** Every channel's provider and settings, secrets masked. */
  channels(): Promise<{ outboxDir: string; channels: ChannelViewBody[] }>;
  /** A channel's settings, all (with `provider`) or with `merge` changes to those it has; a running server sends with them at once. */
  setChannel(channel: string, settings: Record<string, unknown>, merge: boolean): Promise<ChannelViewBody>;
  resetChannel(channel: string): Promise<ChannelViewBody>;
  /** One test message through the channel's adapter as set. */
  testChannel(channel: string, request: ChannelTestRequest): Promise<ChannelTestResponse>;
  /** A customer's tags; adding (by hand) and removing answer what changed as well. */
  tags(customer: string): Promise<TagsResponse>;
  addTags(customer: string, tags: readonly string[]): Promise<TagsResponse>;
  /** All or nothing: a tag the customer does not have is not_found, and none is removed. */
  removeTags(customer: string, tags: readonly string[]): Promise<TagsResponse>;
  /** A tracked content link for one recipient. */
  contentLink(request: ContentLinkRequest): Promise<LinkResponse>;
  /** Stores a questionnaire definition (`replace`: or a new version of one). */
  saveQuestionnaire(definition: unknown, replace: boolean): Promise<QuestionnaireSavedResponse>;
  /** A questionnaire's page for one recipient. */
  questionnaireLink(questionnaire: string, customer: string, sendId?: string): Promise<LinkResponse>;
  /** A report by name (`strata report`), its parameters as given (absent ones left out). */
  report(name: string, parameters: Readonly<Record<string, string | undefined>>): Promise<ReportBody>;
  /** Campaigns, their message log and coupon codes (the server sends; on the file they are only queued). */
  campaigns(): Promise<CampaignBackend>;
  /** Automations and tag rules (their runs move while the server runs). */
  automations(): Promise<AutomationBackend>;
  close(): Promise<void>;
}
