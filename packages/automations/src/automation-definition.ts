import { z } from 'zod';
import { CampaignCoupons, CampaignMessage } from '@strata/campaigns';
import { AppError, text, timeZone, trimmedText, weekdays, type ErrorDetail } from '@strata/core';
import { AutomationTrigger } from './automation-trigger.js';

/*
 * An automation as its author writes it: a trigger (a customer enters or leaves a saved segment,
 * an event arrives, a date trait comes round: automation-trigger.ts), then steps taken one after the other for each customer who triggers it — send a message (through
 * the campaigns' guardrails and send engine), wait, branch on a segment condition, add or remove
 * tags, exit — with a re-entry rule and a goal that ends a customer's run as soon as it is met.
 */

export * from './automation-trigger.js';

/** Whether a customer who triggers again gets another run (never while a run of theirs is active). */
export const ReentryKind = { once: 'once', after_days: 'after_days', every_time: 'every_time' } as const;
export type ReentryKind = (typeof ReentryKind)[keyof typeof ReentryKind];

export const Reentry = z.discriminatedUnion('kind', [
  /** One run per customer, ever. */
  z.object({ kind: z.literal(ReentryKind.once) }),
  /** Another run only `days` after the start of their previous one. */
  z.object({ kind: z.literal(ReentryKind.after_days), days: z.number().positive().max(3_650) }),
  /** A run for every entry (once the previous one has finished). */
  z.object({ kind: z.literal(ReentryKind.every_time) }),
]);
export type Reentry = z.infer<typeof Reentry>;

/** The condition that ends a customer's run early, checked before each step. */
export const GoalKind = { ordered: 'ordered', segment: 'segment' } as const;
export type GoalKind = (typeof GoalKind)[keyof typeof GoalKind];

export const AutomationGoal = z.discriminatedUnion('kind', [
  /** A confirmed order placed since the customer entered. */
  z.object({ kind: z.literal(GoalKind.ordered) }),
  /** A segment condition (segment language) that holds for the customer. */
  z.object({ kind: z.literal(GoalKind.segment), condition: text(10_000) }),
]);
export type AutomationGoal = z.infer<typeof AutomationGoal>;

export const StepKind = {
  send: 'send',
  wait: 'wait',
  branch: 'branch',
  tag: 'tag',
  coupon: 'coupon',
  exit: 'exit',
} as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

/** A step's name: part of send ids and the message log's `step`, and what branches jump to. */
const stepName = z
  .string()
  .max(60)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _ (starting with a letter or digit)');

const tagName = trimmedText(100);

export const SendStep = z.object({
  kind: z.literal(StepKind.send),
  name: stepName,
  message: CampaignMessage,
  coupons: CampaignCoupons.optional(),
  recommendations: z.number().int().min(0).max(20).default(3),
});
/** `usual`: the weekday the customer orders on most (their profile's favourite weekday). */
export const WaitWeekday = z.enum(['usual', ...weekdays]);
export const WaitStep = z
  .object({
    kind: z.literal(StepKind.wait),
    name: stepName,
    days: z.number().min(0).max(3_650).default(0),
    hours: z.number().min(0).default(0),
    minutes: z.number().min(0).default(0),
    /**
     * Then on until this local time (`HH:MM`) in the customer's time zone (else the store's): the
     * first such moment at or after the duration has passed.
     */
    untilTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time as HH:MM (24-hour), e.g. 09:00')
      .optional(),
    /**
     * Then on until this local weekday (`usual`: the customer's favourite weekday; ignored for a
     * customer without one), at `untilTime` or else the time of day the wait would end at.
     */
    untilWeekday: WaitWeekday.optional(),
  })
  .refine((w) => w.days + w.hours + w.minutes > 0 || w.untilTime !== undefined || w.untilWeekday !== undefined, {
    message: 'a wait needs a duration (days, hours or minutes), an untilTime or an untilWeekday',
  });
export type WaitStep = z.infer<typeof WaitStep>;
export const BranchStep = z.object({
  kind: z.literal(StepKind.branch),
  name: stepName,
  /** A segment condition (segment language) evaluated for the customer when the step is taken. */
  condition: text(10_000),
  /** The step to go on with when it holds / does not hold (a later step's name); default the next step. */
  whenTrue: stepName.optional(),
  whenFalse: stepName.optional(),
});
export const TagStep = z
  .object({
    kind: z.literal(StepKind.tag),
    name: stepName,
    add: z.array(tagName).default([]),
    remove: z.array(tagName).default([]),
  })
  .refine((t) => t.add.length + t.remove.length > 0, { message: 'a tag step adds or removes at least one tag' });
/**
 * Issues the customer a coupon code of their own (generated, or the next of the codes imported for
 * this step), recorded with them; the next send step carries it (`{{ coupon }}` in its template).
 */
export const CouponStep = z.object({ kind: z.literal(StepKind.coupon), name: stepName, coupons: CampaignCoupons });
export type CouponStep = z.infer<typeof CouponStep>;
export const ExitStep = z.object({ kind: z.literal(StepKind.exit), name: stepName });

export const AutomationStep = z.discriminatedUnion('kind', [
  SendStep,
  WaitStep,
  BranchStep,
  TagStep,
  CouponStep,
  ExitStep,
]);
export type AutomationStep = z.infer<typeof AutomationStep>;
export type SendStep = z.infer<typeof SendStep>;

export const AutomationDefinition = z
  .object({
    name: text(200),
    description: z.string().max(2_000).default(''),
    trigger: AutomationTrigger,
    steps: z.array(AutomationStep).min(1, 'add at least one step').max(100),
    reentry: Reentry.default({ kind: ReentryKind.once }),
    goal: AutomationGoal.optional(),
    /**
     * The share of triggering customers held out: their run is recorded (status held_out) and takes
     * no step, to compare results against. A stable hash of automation and customer decides (the
     * campaigns' holdoutBucket), so a customer is held out of every run of one automation or none.
     */
    holdoutShare: z.number().min(0).max(0.5).default(0),
    /** The store's time zone for quiet hours of customers without one (default: the guardrails'). */
    storeTimeZone: timeZone.optional(),
  })
  .superRefine((def, ctx) => {
    const at = new Map<string, number>();
    def.steps.forEach((s, i) => {
      if (at.has(s.name))
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'name'], message: `a second step named "${s.name}"` });
      at.set(s.name, i);
    });
    def.steps.forEach((s, i) => {
      if (s.kind !== StepKind.branch) return;
      for (const key of ['whenTrue', 'whenFalse'] as const) {
        const target = s[key];
        if (target === undefined) continue;
        const j = at.get(target);
        if (j === undefined)
          ctx.addIssue({ code: 'custom', path: ['steps', i, key], message: `no step named "${target}"` });
        // Only forward: a run can never loop without end.
        else if (j <= i)
          ctx.addIssue({ code: 'custom', path: ['steps', i, key], message: `"${target}" is not after this step` });
      }
    });
  });
export type AutomationDefinition = z.infer<typeof AutomationDefinition>;
export type AutomationInput = z.input<typeof AutomationDefinition>;

/** A wait step's duration in milliseconds (before any untilTime / untilWeekday). */
export const waitMs = (w: { days: number; hours: number; minutes: number }) =>
  Math.round(((w.days * 24 + w.hours) * 60 + w.minutes) * 60_000);

/** The coupon step whose code the send step at `index` carries: the nearest coupon step before it. */
export function couponStepBefore(def: AutomationDefinition, index: number): CouponStep | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const s = def.steps[i];
    if (s?.kind === StepKind.coupon) return s;
  }
  return undefined;
}

/** Validates an automation definition; an AppError('invalid') names each wrong field. */
export function parseAutomation(input: unknown): AutomationDefinition {
  const r = AutomationDefinition.safeParse(input);
  if (r.success) return r.data;
  const details: ErrorDetail[] = r.error.issues.map((i) => ({
    field: i.path.join('.') || '(automation)',
    message: i.message,
  }));
  throw new AppError(
    'invalid',
    `the automation is not valid: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
    details,
  );
}
