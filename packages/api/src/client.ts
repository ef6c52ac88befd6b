import type { z } from 'zod';
import { AppError, type EntityCounts, type StaffRole } from '@strata/core';
import type { Diagnostic } from '@strata/segment-lang';
import type { GeneratedKeyName, SegmentExportRequest, SegmentPreviewRequest } from './schemas.js';
import { StaffListResponse, StaffMember } from './auth-schemas.js';
import { ChannelListResponse, ChannelTestResponse, ChannelViewBody, type ChannelTestRequest } from './channel-schemas.js';
import {
  LinkResponse,
  QuestionnaireListResponse,
  QuestionnaireSavedResponse,
  TagsResponse,
  type ContentLinkRequest,
} from './engagement-schemas.js';
import {
  ConfigBody,
  EXPORT_SUMMARY_HEADER,
  ErrorBody,
  ExportSummaryBody,
  FieldsResponse,
  ImportSummaryBody,
  KeyRotateResponse,
  ProfileBody,
  ProfileRunBody,
  SavedSegmentBody,
  SegmentCountResponse,
  SegmentExplanation,
  SegmentListResponse,
  SegmentPreviewResponse,
  StatsResponse,
  WebhookSecretResponse,
} from './schemas.js';

/** What an import names: an entity, and/or a shop's export (`from`, `map`), with the options of `POST /v1/import`. */
export interface ImportTarget {
  entity?: string;
  from?: string;
  map?: string;
  orphanLines?: string;
  /** How the server's messages name the file (a body has no name of its own). */
  name?: string;
  /** When the file was exported (its modification time), ISO 8601. */
  fileTime?: string;
}

const importUrl = (t: ImportTarget) => (t.entity ? `/v1/import/${encodeURIComponent(t.entity)}` : '/v1/import');
const importParams = (t: ImportTarget): Record<string, string> => {
  const params: Record<string, string> = {};
  const set = (name: string, v: string | undefined) => {
    if (v !== undefined) params[name] = v;
  };
  set('from', t.from);
  set('map', t.map);
  set('orphan_lines', t.orphanLines);
  set('name', t.name);
  set('file_time', t.fileTime);
  return params;
};

/** An error the server answered with; a segment query's mistakes come with their diagnostics. */
export class ApiError extends AppError {
  constructor(
    body: ErrorBody['error'],
    readonly status: number,
  ) {
    super(body.type, body.message, body.details);
    this.diagnostics = body.diagnostics ?? [];
  }
  readonly diagnostics: readonly Diagnostic[];
}

export interface ApiClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Names the server in "does not answer" errors, e.g. `pid 1234, http://127.0.0.1:7300`. */
  describe?: string;
  fetch?: typeof fetch;
}

/**
 * The admin API as typed calls: every request body is built from, and every response checked
 * against, the schemas the server itself uses.
 */
export class ApiClient {
  private readonly fetch: typeof fetch;
  constructor(private readonly options: ApiClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The response to a request; a server error (not 2xx) is thrown as ApiError. */
  private async request(
    path: string,
    init: { method?: string; body?: unknown; raw?: ReadableStream<Uint8Array> | Blob } = {},
  ): Promise<Response> {
    let res: Response;
    const sendsJson = init.body !== undefined;
    try {
      res = await this.fetch(`${this.options.baseUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          ...(sendsJson ? { 'content-type': 'application/json' } : {}),
        },
        ...(sendsJson ? { body: JSON.stringify(init.body) } : {}),
        // a streamed upload (the fetch standard asks for half duplex)
        ...(init.raw ? { body: init.raw, duplex: 'half' } : {}),
      });
    } catch (e) {
      throw new AppError(
        'unavailable',
        `the server (${this.options.describe ?? this.options.baseUrl}) does not answer: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (!res.ok) {
      const err = ErrorBody.safeParse(await jsonOf(res));
      if (err.success) throw new ApiError(err.data.error, res.status);
      throw new AppError('internal', `the server answered ${res.status} without an error body`);
    }
    return res;
  }

  /** One request, its answer checked against `schema` (also for the route groups' own clients, e.g. CampaignClient). */
  async call<S extends z.ZodType>(
    schema: S,
    path: string,
    init: { method?: string; body?: unknown; raw?: ReadableStream<Uint8Array> | Blob } = {},
  ): Promise<z.infer<S>> {
    const json = await jsonOf(await this.request(path, init));
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new AppError(
        'internal',
        `the server's answer to ${path} does not match the API schema`,
        parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      );
    return parsed.data;
  }

  stats = async (): Promise<EntityCounts> => (await this.call(StatsResponse, '/v1/stats')).counts as EntityCounts;

  /** The server reads a file on its own machine (the CLI beside it), with the store's bulk reader. */
  importPath = (target: ImportTarget, format: 'csv' | 'jsonl', path: string) =>
    this.call(
      ImportSummaryBody,
      `${importUrl(target)}?${new URLSearchParams({ ...importParams(target), format, path }).toString()}`,
      { method: 'POST' },
    );

  /** The file's bytes as the request body, streamed: for a file the server may not read itself. */
  importBody = (target: ImportTarget, format: 'csv' | 'jsonl', body: ReadableStream<Uint8Array> | Blob) =>
    this.call(
      ImportSummaryBody,
      `${importUrl(target)}?${new URLSearchParams({ ...importParams(target), format }).toString()}`,
      { method: 'POST', raw: body },
    );

  /** The store's settings (`strata config`). */
  config = async () => (await this.call(ConfigBody, '/v1/config')).settings;
  setConfig = async (name: string, value: string) =>
    (await this.call(ConfigBody, `/v1/config/${encodeURIComponent(name)}`, { method: 'PUT', body: { value } }))
      .settings;

  computeProfiles = (asOf?: string) =>
    this.call(ProfileRunBody, '/v1/profiles/compute', { method: 'POST', body: asOf ? { as_of: asOf } : {} });
  profile = (customer: string) => this.call(ProfileBody, `/v1/customers/${encodeURIComponent(customer)}/profile`);

  /** What segments can use: fields, events with their properties, consent channels. */
  fields = () => this.call(FieldsResponse, '/v1/fields');
  previewSegment = (request: SegmentPreviewRequest) =>
    this.call(SegmentPreviewResponse, '/v1/segments/preview', { method: 'POST', body: request });
  listSegments = () => this.call(SegmentListResponse, '/v1/segments');
  saveSegment = (segment: { name: string; text: string; description?: string }) =>
    this.call(SavedSegmentBody, '/v1/segments', { method: 'POST', body: segment });

  /** A saved segment's explanation for one customer. */
  explainSaved = (segment: string, customer: string, asOf?: string) =>
    this.call(
      SegmentExplanation,
      `/v1/segments/${encodeURIComponent(segment)}/explain/${encodeURIComponent(customer)}${asOf ? `?${new URLSearchParams({ as_of: asOf }).toString()}` : ''}`,
    );
  countSaved = (segment: string, asOf?: string) =>
    this.call(
      SegmentCountResponse,
      `/v1/segments/${encodeURIComponent(segment)}/count${asOf ? `?${new URLSearchParams({ as_of: asOf }).toString()}` : ''}`,
    );

  /**
   * An export: a saved segment, an unsaved query or ready segment, or every profile. The summary
   * comes from the response header before the file; the body is the file, streamed.
   */
  async export(
    target: { segment: string } | { profiles: true } | Omit<SegmentExportRequest, 'format' | 'columns' | 'as_of'>,
    options: { format: string; columns?: readonly string[]; asOf?: string },
  ): Promise<{ summary: ExportSummaryBody; body: ReadableStream<Uint8Array> }> {
    const query = new URLSearchParams({ format: options.format });
    if (options.columns) query.set('columns', options.columns.join(','));
    if (options.asOf) query.set('as_of', options.asOf);
    const res =
      'segment' in target
        ? await this.request(`/v1/segments/${encodeURIComponent(target.segment)}/export?${query.toString()}`)
        : 'profiles' in target
          ? await this.request(`/v1/profiles/export?${query.toString()}`)
          : await this.request('/v1/segments/export', {
              method: 'POST',
              body: {
                ...target,
                format: options.format,
                ...(options.columns ? { columns: options.columns } : {}),
                ...(options.asOf ? { as_of: options.asOf } : {}),
              },
            });
    let header: unknown;
    try {
      header = JSON.parse(res.headers.get(EXPORT_SUMMARY_HEADER) ?? '');
    } catch {
      header = undefined;
    }
    const summary = ExportSummaryBody.safeParse(header);
    if (!summary.success || !res.body)
      throw new AppError('internal', `the server's export answer has no ${EXPORT_SUMMARY_HEADER} header or no body`);
    return { summary: summary.data, body: res.body };
  }

  /** A customer's tags; adding and removing answer what changed and the tags after. */
  tags = (customer: string) => this.call(TagsResponse, `/v1/customers/${encodeURIComponent(customer)}/tags`);
  addTags = (customer: string, tags: readonly string[], by?: string) =>
    this.call(TagsResponse, `/v1/customers/${encodeURIComponent(customer)}/tags`, {
      method: 'POST',
      body: { tags, ...(by !== undefined ? { by } : {}) },
    });
  removeTag = (customer: string, tag: string) =>
    this.call(TagsResponse, `/v1/customers/${encodeURIComponent(customer)}/tags/${encodeURIComponent(tag)}`, {
      method: 'DELETE',
    });

  /** A tracked content link for one recipient. */
  contentLink = (request: ContentLinkRequest) =>
    this.call(LinkResponse, '/v1/content/links', { method: 'POST', body: request });

  /** Stores a questionnaire (`replace`: or a new version of one with the same id). */
  saveQuestionnaire = (definition: unknown, replace = false) =>
    this.call(QuestionnaireSavedResponse, `/v1/questionnaires${replace ? '?replace=true' : ''}`, {
      method: 'POST',
      body: definition,
    });
  listQuestionnaires = () => this.call(QuestionnaireListResponse, '/v1/questionnaires');
  /** A questionnaire's page for one recipient. */
  questionnaireLink = (questionnaire: string, customer: string, sendId?: string) =>
    this.call(LinkResponse, `/v1/questionnaires/${encodeURIComponent(questionnaire)}/links`, {
      method: 'POST',
      body: { customer, ...(sendId !== undefined ? { send_id: sendId } : {}) },
    });

  /** A new write key or API key; the old one stops working at once. The answer is the only place the new key is shown. */
  rotateKey = (name: GeneratedKeyName) => this.call(KeyRotateResponse, `/v1/keys/${name}/rotate`, { method: 'POST' });
  /** Sets the Shopify webhook signing secret (Shopify makes it; Strata is given it). */
  setWebhookSecret = (secret: string) =>
    this.call(WebhookSecretResponse, '/v1/keys/webhook-secret', { method: 'PUT', body: { secret } });

  /** Staff accounts (owners only). */
  staff = () => this.call(StaffListResponse, '/v1/staff');
  addStaff = (email: string, role: StaffRole, password: string) =>
    this.call(StaffMember, '/v1/staff', { method: 'POST', body: { email, role, password } });
  setStaffRole = (email: string, role: StaffRole) =>
    this.call(StaffMember, `/v1/staff/${encodeURIComponent(email)}`, { method: 'PATCH', body: { role } });
  removeStaff = async (email: string): Promise<void> => {
    await this.request(`/v1/staff/${encodeURIComponent(email)}`, { method: 'DELETE' });
  };

  /** Every channel's provider and settings, secrets masked. */
  channels = () => this.call(ChannelListResponse, '/v1/channels');
  channel = (channel: string) => this.call(ChannelViewBody, `/v1/channels/${encodeURIComponent(channel)}`);
  /** All of a channel's settings (with `provider`), or with `merge` changes to those it has. */
  setChannel = (channel: string, settings: Record<string, unknown>, merge: boolean) =>
    this.call(ChannelViewBody, `/v1/channels/${encodeURIComponent(channel)}`, {
      method: merge ? 'PATCH' : 'PUT',
      body: settings,
    });
  resetChannel = (channel: string) =>
    this.call(ChannelViewBody, `/v1/channels/${encodeURIComponent(channel)}`, { method: 'DELETE' });
  testChannel = (channel: string, request: ChannelTestRequest) =>
    this.call(ChannelTestResponse, `/v1/channels/${encodeURIComponent(channel)}/test`, {
      method: 'POST',
      body: request,
    });
}

async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    throw new AppError(
      'internal',
      `the server answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`,
    );
  }
}
