import { z } from 'zod';
import { AppErrorKind, entities, ExportFormat, type Entity } from '@strata/core';
import { DiagnosticCode, FieldSource, FieldType, Severity } from '@strata/segment-lang';

/**
 * The HTTP API's request and response bodies, checked with these schemas on both sides: the
 * server parses every request body with them, and the client (the CLI through a running server,
 * the dashboard) parses every response. A body that does not match is an error that names the
 * field, never a guess.
 */

const codes = Object.values(DiagnosticCode) as [DiagnosticCode, ...DiagnosticCode[]];
const severities = Object.values(Severity) as [Severity, ...Severity[]];
const kinds = Object.values(AppErrorKind) as [AppErrorKind, ...AppErrorKind[]];

export const DiagnosticBody = z.object({
  code: z.enum(codes),
  message: z.string(),
  span: z.object({ start: z.number().int(), end: z.number().int() }),
  severity: z.enum(severities),
  hint: z.string().exactOptional(),
});

export const ErrorBody = z.object({
  error: z.object({
    type: z.enum(kinds),
    message: z.string(),
    details: z
      .array(
        z.object({
          where: z.string().exactOptional(),
          line: z.number().exactOptional(),
          field: z.string().exactOptional(),
          message: z.string(),
        }),
      )
      .default([]),
    /** A segment query's mistakes, with character spans (only on segment routes). */
    diagnostics: z.array(DiagnosticBody).exactOptional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A time as the API takes it: ISO 8601, or a date meaning the end of that day (parseAsOf). */
const asOf = z.string().min(1).max(64);
const paramValue = z.union([z.string().max(1000), z.number()]);

export const SegmentPreviewRequest = z
  .object({
    text: z.string().exactOptional(),
    ready: z.string().exactOptional(),
    params: z.record(z.string(), paramValue).exactOptional(),
    customer: z.string().min(1).exactOptional(),
    limit: z.number().int().min(1).max(100_000).default(50),
    offset: z.number().int().min(0).default(0),
    as_of: asOf.exactOptional(),
  })
  .refine((b) => (b.text === undefined) !== (b.ready === undefined), {
    message: 'give either "text" (a segment query) or "ready" (a ready segment id)',
    path: ['text'],
  });
export type SegmentPreviewRequest = z.input<typeof SegmentPreviewRequest>;

export const ExplainLine = z.object({
  depth: z.number().int(),
  condition: z.string(),
  matched: z.boolean(),
  because: z.string().exactOptional(),
  cutoff: z.string().exactOptional(),
});
export const SegmentExplanation = z.object({
  customer: z.string(),
  asOf: z.string(),
  matched: z.boolean(),
  lines: z.array(ExplainLine),
});
export type SegmentExplanation = z.infer<typeof SegmentExplanation>;

/**
 * What may make an answer surprising without being an error: the query's own warnings and, at
 * its name, each product, category, brand or collection the store does not have (`unknown-item`).
 * Spans point into the query as evaluated (`text` of a preview; a saved segment's text).
 */
const warnings = z.array(DiagnosticBody).default([]);

export const SegmentPreviewResponse = z.object({
  text: z.string(),
  as_of: z.string(),
  count: z.number().int(),
  members: z.array(z.string()),
  explain: SegmentExplanation.exactOptional(),
  warnings,
});
export type SegmentPreviewResponse = z.infer<typeof SegmentPreviewResponse>;

export const SegmentSaveRequest = z.object({
  name: z.string().min(1).max(200),
  text: z.string(),
  description: z.string().max(2000).exactOptional(),
});
export const SegmentUpdateRequest = SegmentSaveRequest.partial();

export const SavedSegmentBody = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  text: z.string(),
  ir: z.unknown(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const ReadySegmentBody = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  group: z.string(),
  params: z.array(
    z.object({ name: z.string(), description: z.string(), default: paramValue, type: z.enum(['number', 'text']) }),
  ),
  template: z.string(),
});

export const SegmentListResponse = z.object({ saved: z.array(SavedSegmentBody), ready: z.array(ReadySegmentBody) });
export const SegmentCountResponse = z.object({ count: z.number().int(), as_of: z.string(), warnings });
export const SegmentMembersResponse = z.object({ members: z.array(z.string()), as_of: z.string() });

/** `GET /v1/fields`: every field, event type (with its properties) and consent channel a segment can use. */
const PropertyBody = z.object({
  name: z.string(),
  type: z.enum(Object.values(FieldType) as [FieldType, ...FieldType[]]),
  description: z.string(),
  values: z.array(z.string()).exactOptional(),
});
export const FieldsResponse = z.object({
  fields: z.array(
    PropertyBody.extend({
      source: z.enum(Object.values(FieldSource) as [FieldSource, ...FieldSource[]]),
      measuredAtProfileRun: z.boolean(),
    }),
  ),
  events: z.array(z.object({ type: z.string(), description: z.string(), properties: z.array(PropertyBody) })),
  channels: z.array(z.string()),
});
export type FieldsResponse = z.infer<typeof FieldsResponse>;

/** The file formats of an export (CSV, JSON Lines, Parquet, or an ad platform's custom audience). */
export const ExportFormatName = z.enum(ExportFormat);

/**
 * `GET /v1/segments/:id/export` and `GET /v1/profiles/export` query parameters: `columns` is a
 * comma-separated list (plain formats only).
 */
export const ExportQuery = z.object({
  format: ExportFormatName.default('csv'),
  columns: z.string().max(10_000).exactOptional(),
  as_of: asOf.exactOptional(),
});

/** `POST /v1/segments/export`: an unsaved query (`text`) or a ready segment, as for preview. */
export const SegmentExportRequest = z
  .object({
    text: z.string().exactOptional(),
    ready: z.string().exactOptional(),
    params: z.record(z.string(), paramValue).exactOptional(),
    format: ExportFormatName.default('csv'),
    columns: z.array(z.string().max(200)).max(500).exactOptional(),
    as_of: asOf.exactOptional(),
  })
  .refine((b) => (b.text === undefined) !== (b.ready === undefined), {
    message: 'give either "text" (a segment query) or "ready" (a ready segment id)',
    path: ['text'],
  });
export type SegmentExportRequest = z.input<typeof SegmentExportRequest>;

/** What an export holds, sent as JSON in the `X-Strata-Export` response header before the file. */
export const ExportSummaryBody = z.object({
  format: ExportFormatName,
  columns: z.array(z.string()),
  as_of: z.string(),
  members: z.number().int(),
  rows: z.number().int(),
  left_out: z.object({ no_consent: z.number().int(), no_contact: z.number().int() }),
});
export type ExportSummaryBody = z.infer<typeof ExportSummaryBody>;
export const EXPORT_SUMMARY_HEADER = 'x-strata-export';

export const ProfilesComputeRequest = z.object({ as_of: asOf.exactOptional() });
export const ProfileRunBody = z.object({
  id: z.string(),
  kind: z.enum(['full', 'incremental']),
  asOf: z.string(),
  customers: z.number().int(),
  durationMs: z.number(),
  model: z.unknown(),
});
export const ProfileBody = z.record(z.string(), z.unknown());

export const StatsResponse = z.object({ counts: z.record(z.string(), z.number()) });

export const ImportSummaryBody = z.object({
  entity: z.enum(entities as [Entity, ...Entity[]]),
  rows: z.number().int(),
  imported: z.number().int(),
  updated: z.number().int(),
  skipped: z.number().int(),
  rejected: z.number().int(),
  errors: z.array(
    z.object({
      line: z.number().int(),
      message: z.string(),
      field: z.string().exactOptional(),
      column: z.number().int().exactOptional(),
    }),
  ),
  errorsTruncated: z.boolean(),
  reasons: z.array(
    z.object({
      field: z.string().exactOptional(),
      message: z.string(),
      count: z.number().int(),
      lines: z.array(z.number().int()),
    }),
  ),
  warnings: z.array(z.string()),
  orphanLines: z
    .object({ count: z.number().int(), lines: z.array(z.number().int()), kept: z.boolean() })
    .exactOptional(),
  mapping: z
    .object({
      from: z.string(),
      layout: z.string(),
      mapped: z.array(z.object({ column: z.string(), field: z.string() })),
      derived: z.array(z.object({ field: z.string(), from: z.string() })),
      ignored: z.array(z.object({ column: z.string(), reason: z.string() })),
      rows: z.number().int().exactOptional(),
    })
    .exactOptional(),
  durationMs: z.number(),
});

/** A store setting `strata config` and `/v1/config` read and write. */
export const ConfigBody = z.object({ settings: z.record(z.string(), z.string()) });
export const ConfigSetRequest = z.object({ value: z.string() });

/**
 * The server's keys by the names the CLI and the API use. Strata makes the write key and the API
 * key (and can make new ones); the webhook secret is Shopify's, so it is set, never made.
 */
export const KeyName = z.enum(['write-key', 'api-key', 'webhook-secret']);
export type KeyName = z.infer<typeof KeyName>;
export const GeneratedKeyName = z.enum(['write-key', 'api-key']);
export type GeneratedKeyName = z.infer<typeof GeneratedKeyName>;

/** A new key, in the one answer that ever shows it. */
export const KeyRotateResponse = z.object({ name: GeneratedKeyName, key: z.string().min(1) });

/** A signing secret as Shopify shows it: printable characters without spaces (a pasted line is trimmed first). */
export const WebhookSecret = z
  .string()
  .trim()
  .min(1, 'is empty')
  .max(1024, 'is longer than 1,024 characters')
  .superRefine((s, ctx) => {
    const at = [...s].findIndex((ch) => ch < '!' || ch > '~');
    if (at !== -1)
      ctx.addIssue({
        code: 'custom',
        message: `has ${JSON.stringify([...s][at])} at character ${at + 1}; a signing secret is printable ASCII without spaces`,
      });
  });
export const WebhookSecretRequest = z.object({ secret: WebhookSecret });
export const WebhookSecretResponse = z.object({ name: z.literal('webhook-secret'), set: z.literal(true) });
