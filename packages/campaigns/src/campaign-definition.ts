import { z } from 'zod';
import { AppError, Channel, text, timeZone, timestamp, trimmedText, type ErrorDetail } from '@strata/core';

/*
 * A campaign as its author writes it: who (saved segments in, saved segments out), what (a Liquid
 * template per channel), when (a schedule), and what it gives (coupons). Validated with zod at
 * every boundary; templates are checked separately against the store's fields (template.ts).
 */

const hour = z.number().int().min(0).max(23);

/** When each recipient's message falls due. Per-customer times are in the customer's own time zone. */
export const ScheduleKind = {
  /** As soon as the campaign starts. */
  now: 'now',
  /** At one moment for everyone. */
  at: 'at',
  /** At an hour of the customer's own day (the next one after the start). */
  local_hour: 'local_hour',
  /** The day before the customer's usual shopping weekday (profile trait favourite_weekday), at an hour. */
  before_weekday: 'before_weekday',
  /** A number of days before the customer's consumable runs out (trait next_replenishment_due_at), at an hour. */
  before_replenishment: 'before_replenishment',
} as const;
export type ScheduleKind = (typeof ScheduleKind)[keyof typeof ScheduleKind];

export const CampaignSchedule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal(ScheduleKind.now) }),
  z.object({ kind: z.literal(ScheduleKind.at), at: timestamp }),
  z.object({ kind: z.literal(ScheduleKind.local_hour), hour }),
  z.object({ kind: z.literal(ScheduleKind.before_weekday), hour: hour.default(10) }),
  z.object({
    kind: z.literal(ScheduleKind.before_replenishment),
    days: z.number().int().min(0).max(365).default(3),
    hour: hour.default(10),
  }),
]);
export type CampaignSchedule = z.infer<typeof CampaignSchedule>;

/** A Liquid template's text (checked for syntax and variables when the campaign is saved). */
const template = (max: number) => z.string().min(1, 'must not be empty').max(max);

export const EmailMessage = z.object({
  channel: z.literal(Channel.email),
  subject: template(1_000),
  text: template(100_000),
  html: template(500_000).optional(),
});
export const SmsMessage = z.object({ channel: z.literal(Channel.sms), text: template(1_600) });
export const WhatsAppMessage = z
  .object({
    channel: z.literal(Channel.whatsapp),
    /** Free text: WhatsApp takes it only inside the 24-hour service window. */
    text: template(4_096).optional(),
    /** An approved template; each parameter is a Liquid template. */
    template: z
      .object({
        name: trimmedText(512),
        language: trimmedText(20),
        parameters: z.array(template(1_024)).max(20).default([]),
      })
      .optional(),
  })
  .refine((m) => m.text !== undefined || m.template !== undefined, {
    message: 'a WhatsApp message needs a template (outside the 24-hour window) or text',
  });

export const CampaignMessage = z.discriminatedUnion('channel', [EmailMessage, SmsMessage, WhatsAppMessage]);
export type CampaignMessage = z.infer<typeof CampaignMessage>;

export const CouponSource = { generated: 'generated', imported: 'imported' } as const;
export type CouponSource = (typeof CouponSource)[keyof typeof CouponSource];

/** Letters and digits that cannot be mistaken for each other when read aloud or typed (no 0/O, 1/I/L). */
export const COUPON_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

export const CampaignCoupons = z.discriminatedUnion('source', [
  z.object({
    source: z.literal(CouponSource.generated),
    /** Put before every code, e.g. `WELCOME-`. */
    prefix: z
      .string()
      .max(20)
      .regex(/^[A-Z0-9_-]*$/, 'only capital letters, digits, - and _')
      .default(''),
    /** Random characters after the prefix (31 possible each: 8 give 8.5e11 codes). */
    length: z.number().int().min(6).max(32).default(8),
  }),
  /** Codes made in the shop system, imported with importCoupons before the campaign sends. */
  z.object({ source: z.literal(CouponSource.imported) }),
]);
export type CampaignCoupons = z.infer<typeof CampaignCoupons>;

export const CampaignAudience = z.object({
  /** Saved segments (id or name) whose members are in; someone in two of them gets one message. */
  include: z.array(trimmedText(200)).min(1, 'name at least one saved segment'),
  /** Saved segments whose members are left out, even when included. */
  exclude: z.array(trimmedText(200)).default([]),
});
export type CampaignAudience = z.infer<typeof CampaignAudience>;

export const CampaignDefinition = z.object({
  name: text(200),
  description: z.string().max(2_000).default(''),
  audience: CampaignAudience,
  message: CampaignMessage,
  schedule: CampaignSchedule.default({ kind: ScheduleKind.now }),
  /** The share of the audience that receives nothing, to compare results against (0 for none). */
  holdoutShare: z.number().min(0).max(0.5).default(0.1),
  coupons: CampaignCoupons.optional(),
  /** How many recommended products `recommendations` holds. */
  recommendations: z.number().int().min(0).max(20).default(3),
  /** The store's time zone, for customers without one of their own (default UTC). */
  storeTimeZone: timeZone.optional(),
});
export type CampaignDefinition = z.infer<typeof CampaignDefinition>;
export type CampaignInput = z.input<typeof CampaignDefinition>;

/** A campaign's state has its home in core (CampaignStatus), where the API's schemas read it too. */
export { CampaignStatus } from '@strata/core';

/** A campaign has one step today; automations name theirs. Part of every send id. */
export const CAMPAIGN_STEP = 'main';

/** Validates a campaign definition; an AppError('invalid') names each wrong field. */
export function parseCampaign(input: unknown): CampaignDefinition {
  const r = CampaignDefinition.safeParse(input);
  if (r.success) return r.data;
  const details: ErrorDetail[] = r.error.issues.map((i) => ({
    field: i.path.join('.') || '(campaign)',
    message: i.message,
  }));
  throw new AppError(
    'invalid',
    `the campaign is not valid: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
    details,
  );
}
