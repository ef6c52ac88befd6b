/*
 * Segment-spec messages (https://segment.com/docs/connections/spec/) as Segment's HTTP API and its
 * client libraries send them: the schemas of each message type and of a `/v1/batch` body. Mapping a
 * checked message to store records is `segment-spec.ts`.
 */
import { z } from 'zod';
import { timestamp } from '@strata/core';

/* ---------- field schemas ---------- */

export const isBlank = (v: unknown): boolean => v === null || (typeof v === 'string' && v.trim() === '');

/** Segment ids are strings; some clients send integers. null (analytics.js's anonymous userId) and "" mean absent. */
const segmentId = (required: string) =>
  z.preprocess(
    (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : isBlank(v) ? undefined : v),
    z
      .string({ error: (issue) => (issue.input === undefined ? required : 'must be a string') })
      .trim()
      .max(200),
  );
const optionalSegmentId = z.preprocess(
  (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : isBlank(v) ? undefined : v),
  z.string({ error: 'must be a string' }).trim().max(200).optional(),
);
const optionalTimestamp = z.preprocess((v) => (isBlank(v) ? undefined : v), timestamp.optional());
const optionalRecord = z.preprocess(
  (v) => (v === null ? undefined : v),
  z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).optional(),
);
const optionalString = z.preprocess(
  (v) => (isBlank(v) ? undefined : v),
  z.string({ error: 'must be a string' }).trim().max(500).optional(),
);

const MESSAGE_ID_REQUIRED = 'required: the message has no messageId, so a re-send could not be told from a new message';

const common = {
  messageId: segmentId(MESSAGE_ID_REQUIRED),
  userId: optionalSegmentId,
  anonymousId: optionalSegmentId,
  timestamp: optionalTimestamp,
  originalTimestamp: optionalTimestamp,
  sentAt: optionalTimestamp,
  receivedAt: optionalTimestamp,
  context: optionalRecord,
  integrations: optionalRecord,
};

const needsIdentity = (m: { userId?: string | undefined; anonymousId?: string | undefined }, ctx: z.RefinementCtx) => {
  if (m.userId === undefined && m.anonymousId === undefined) {
    ctx.addIssue({ code: 'custom', path: ['userId'], message: 'a message needs userId or anonymousId' });
  }
};

/* ---------- message schemas ---------- */

export const SegmentIdentify = z
  .looseObject({ type: z.literal('identify'), ...common, traits: optionalRecord })
  .superRefine(needsIdentity);
export type SegmentIdentify = z.infer<typeof SegmentIdentify>;

export const SegmentTrack = z
  .looseObject({
    type: z.literal('track'),
    ...common,
    event: z.preprocess(
      (v) => (isBlank(v) ? undefined : v),
      z
        .string({ error: (i) => (i.input === undefined ? 'required: the name of the event' : 'must be a string') })
        .trim()
        .max(200),
    ),
    properties: optionalRecord,
  })
  .superRefine(needsIdentity);
export type SegmentTrack = z.infer<typeof SegmentTrack>;

export const SegmentPage = z
  .looseObject({
    type: z.literal('page'),
    ...common,
    name: optionalString,
    category: optionalString,
    properties: optionalRecord,
  })
  .superRefine(needsIdentity);
export type SegmentPage = z.infer<typeof SegmentPage>;

/** A mobile app's page; stored like a page view. */
export const SegmentScreen = z
  .looseObject({
    type: z.literal('screen'),
    ...common,
    name: optionalString,
    category: optionalString,
    properties: optionalRecord,
  })
  .superRefine(needsIdentity);
export type SegmentScreen = z.infer<typeof SegmentScreen>;

export const SegmentGroup = z
  .looseObject({
    type: z.literal('group'),
    ...common,
    groupId: segmentId('required: the id of the group'),
    traits: optionalRecord,
  })
  .superRefine(needsIdentity);
export type SegmentGroup = z.infer<typeof SegmentGroup>;

/** Says that `previousId` (usually an anonymous id) and `userId` are one person. */
export const SegmentAlias = z.looseObject({
  type: z.literal('alias'),
  ...common,
  userId: segmentId('required: the id the person is known by now'),
  previousId: segmentId('required: the id the person was known by before'),
});
export type SegmentAlias = z.infer<typeof SegmentAlias>;

export const SegmentMessage = z.discriminatedUnion('type', [
  SegmentIdentify,
  SegmentTrack,
  SegmentPage,
  SegmentScreen,
  SegmentGroup,
  SegmentAlias,
]);
export type SegmentMessage = z.infer<typeof SegmentMessage>;

export const messageSchemas = {
  identify: SegmentIdentify,
  track: SegmentTrack,
  page: SegmentPage,
  screen: SegmentScreen,
  group: SegmentGroup,
  alias: SegmentAlias,
} as const;
export const segmentMessageTypes = Object.keys(messageSchemas) as (keyof typeof messageSchemas)[];

/**
 * The body of `POST /v1/batch`. `@segment/analytics-node` sends `{ batch, writeKey, sentAt }`;
 * the HTTP API also allows a `context` and `integrations` that apply to every message.
 */
export const SegmentBatch = z.looseObject({
  batch: z.array(z.unknown(), { error: 'must be an array of messages' }),
  context: optionalRecord,
  integrations: optionalRecord,
  sentAt: optionalTimestamp,
  writeKey: optionalString,
});
export type SegmentBatch = z.infer<typeof SegmentBatch>;

export type SegmentBatchResult =
  { ok: true; value: { messages: unknown[]; sentAt?: string; writeKey?: string } } | { ok: false; errors: string[] };

/**
 * Reads a `/v1/batch` body. The batch-level `context` is merged under each message's own context
 * (the message's keys win), as the HTTP API specifies; the messages themselves are checked by
 * `toWriteBatch`, one by one, so one bad message does not sink the others.
 */
export function parseSegmentBatch(body: unknown): SegmentBatchResult {
  const r = SegmentBatch.safeParse(body);
  if (!r.success) return { ok: false, errors: formatIssues(r.error.issues) };
  const { batch, context, sentAt, writeKey } = r.data;
  const messages = context
    ? batch.map((m) => (isRecord(m) ? { ...m, context: { ...context, ...(isRecord(m.context) ? m.context : {}) } } : m))
    : batch;
  return {
    ok: true,
    value: { messages, ...(sentAt !== undefined ? { sentAt } : {}), ...(writeKey !== undefined ? { writeKey } : {}) },
  };
}

/* ---------- helpers ---------- */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `path: message` for each issue. `sources` renames the first path segment back to where the
 * value came from in the message (a record's `occurred_at` is the message's `timestamp`).
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], sources: Record<string, string> = {}): string[] {
  return issues.map((issue) => {
    const [head, ...rest] = issue.path.map(String);
    const path = head === undefined ? '' : [sources[head] ?? head, ...rest].join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}
