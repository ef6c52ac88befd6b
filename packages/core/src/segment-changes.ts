import { z } from 'zod';

/**
 * The vocabulary of segment membership over time: a customer enters or exits a saved segment, for
 * a cause, and subscribers (the change stream, outgoing webhooks) receive each change as a signal
 * with a stable id. The live engine writes changes, @strata/membership stores and reads them, the
 * API and its clients read this shape.
 */
export const MembershipChangeKind = { entered: 'entered', exited: 'exited' } as const;
export type MembershipChangeKind = (typeof MembershipChangeKind)[keyof typeof MembershipChangeKind];
export const membershipChangeKinds = Object.values(MembershipChangeKind);

/**
 * What moved a customer: new data about them (`event`: an order, event, tag, merge…), the clock
 * (`time`: a re-check falling due), the segment itself (`segment`: saved, changed or deleted), or
 * a full `recompute` that repaired drift.
 */
export const MembershipCause = { event: 'event', time: 'time', segment: 'segment', recompute: 'recompute' } as const;
export type MembershipCause = (typeof MembershipCause)[keyof typeof MembershipCause];
export const membershipCauses = Object.values(MembershipCause);

/** The signal name of each kind of change, as the stream's `event:` and the payload's `type`. */
export const SegmentSignal = { entered: 'segment.entered', exited: 'segment.exited' } as const;
export type SegmentSignal = (typeof SegmentSignal)[keyof typeof SegmentSignal];
export const segmentSignals = Object.values(SegmentSignal);

/**
 * One entry or exit as every reader sees it (history, the change stream's `data:`, webhook
 * bodies). `id` never changes, whichever way and however often the change is delivered; `seq`
 * orders changes (a reader resumes after the last seq it has).
 */
export const SegmentChange = z.object({
  id: z.string(),
  seq: z.number().int(),
  type: z.enum(segmentSignals as [SegmentSignal, ...SegmentSignal[]]),
  segment_id: z.string(),
  /** Null once the segment is deleted. */
  segment_name: z.string().nullable(),
  customer_id: z.string(),
  at: z.string(),
  cause: z.enum(membershipCauses as [MembershipCause, ...MembershipCause[]]),
  /** The record or due time that caused it, when known. */
  ref: z.string().nullable(),
});
export type SegmentChange = z.infer<typeof SegmentChange>;
