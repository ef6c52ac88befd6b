import { z } from 'zod';
import { eventTypeSpecs, EventType, trimmedText } from '@strata/core';

/*
 * What starts a customer's run: entering or leaving a saved segment (read from the membership
 * change log), an event of a type (or an order placed), optionally only with certain properties,
 * or a moment relative to a date trait (N days before or after the replenishment date, the first
 * order, each birthday). Each event, order or date occurrence starts at most one run: the engine
 * records it as handled in the same transaction as the run it starts.
 */

export const TriggerKind = {
  segment_entered: 'segment_entered',
  segment_exited: 'segment_exited',
  event: 'event',
  date: 'date',
} as const;
export type TriggerKind = (typeof TriggerKind)[keyof typeof TriggerKind];

export const SegmentTrigger = z.object({
  kind: z.enum([TriggerKind.segment_entered, TriggerKind.segment_exited]),
  /** A saved segment (id or name); stored as its id. */
  segment: trimmedText(200),
  /**
   * Whether entries recorded because the segment was saved, changed or recomputed start runs too
   * (everyone already in it). Off by default: only customers who come in (or go out) through what
   * they do or through time start a run.
   */
  existingMembers: z.boolean().default(false),
});
export type SegmentTrigger = z.infer<typeof SegmentTrigger>;

/** The events a trigger can wait for: the event vocabulary, and an order placed. */
export const TriggerEvent = { ...EventType, order: 'order' } as const;
export type TriggerEvent = (typeof TriggerEvent)[keyof typeof TriggerEvent];

/**
 * The properties an order trigger can filter on: a line's product (sku), its category or brand,
 * and the shop (location) it was placed in.
 */
export const orderFilterProperties = ['sku', 'category', 'brand', 'location_id'] as const;
/** Read from the product an event names (its `sku`) when the event does not carry them. */
export const productFilterProperties = ['category', 'brand'] as const;

/** The properties a trigger on `event` may filter on. */
export function filterProperties(event: TriggerEvent): string[] {
  if (event === TriggerEvent.order) return [...orderFilterProperties];
  const own = Object.keys(eventTypeSpecs[event].properties);
  return own.includes('sku') ? [...new Set([...own, ...productFilterProperties])] : own;
}

const filterValue = z.union([z.string(), z.number()]);

export const EventTrigger = z
  .object({
    kind: z.literal(TriggerKind.event),
    event: z.enum(TriggerEvent),
    /**
     * Properties the event must have: each named property equals the value, or one of the values
     * (`{ "category": "Tea" }`, `{ "sku": ["TEA-1", "TEA-2"] }`). Empty: every event of the type.
     */
    where: z.record(z.string(), z.union([filterValue, z.array(filterValue).min(1)])).default({}),
    /**
     * Events that arrive late (recorded up to this many hours after they happened) still start a
     * run; older ones do not.
     */
    lateHours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(24),
  })
  .superRefine((t, ctx) => {
    const known = filterProperties(t.event);
    for (const key of Object.keys(t.where))
      if (!known.includes(key))
        ctx.addIssue({
          code: 'custom',
          path: ['where', key],
          message: `"${t.event}" has no property "${key}"; it has ${known.join(', ') || 'none'}`,
        });
  });
export type EventTrigger = z.infer<typeof EventTrigger>;

/** The date traits a trigger can count from; a birthday comes back every year. */
export const DateTrait = {
  next_replenishment_due_at: 'next_replenishment_due_at',
  first_order_at: 'first_order_at',
  last_order_at: 'last_order_at',
  birthday: 'birthday',
} as const;
export type DateTrait = (typeof DateTrait)[keyof typeof DateTrait];

export const DateTrigger = z.object({
  kind: z.literal(TriggerKind.date),
  trait: z.enum(DateTrait),
  /** Days after the date (negative: before it): -3 is three days before the replenishment date. */
  days: z.number().int().min(-365).max(3_650).default(0),
  /** The local hour of that day in the customer's time zone (else the store's) the run starts at. */
  hour: z.number().int().min(0).max(23).default(9),
});
export type DateTrigger = z.infer<typeof DateTrigger>;

export const AutomationTrigger = z.discriminatedUnion('kind', [SegmentTrigger, EventTrigger, DateTrigger]);
export type AutomationTrigger = z.infer<typeof AutomationTrigger>;

export const isSegmentTrigger = (t: AutomationTrigger): t is SegmentTrigger =>
  t.kind === TriggerKind.segment_entered || t.kind === TriggerKind.segment_exited;
