import { z } from 'zod';
import { ReentryKind, StepKind, TriggerKind } from '../automation-definition.js';
import { days, definePlaybook, hello, message, percent } from './playbook.js';

/**
 * Newsletter sign-ups: a welcome at once, what the shop is about a few days later, and a code for
 * a first order to those who have not ordered by then.
 */
export const welcomeSeries = definePlaybook({
  name: 'welcome-series',
  title: 'Welcome series',
  description:
    'For newsletter sign-ups: a welcome, an introduction, and a first-order code to those who have not bought.',
  params: z
    .object({
      discountPercent: percent(10),
      introAfterDays: days(3, 1, 30),
      couponAfterDays: days(8, 2, 60),
      /** How long after a newsletter_opt_in event it counts (customers flagged `newsletter` count always). */
      signUpDays: days(30, 1, 365),
    })
    .refine((p) => p.introAfterDays < p.couponAfterDays, {
      message: 'the coupon comes after the introduction: introAfterDays < couponAfterDays',
      path: ['couponAfterDays'],
    }),
  plan: (p, o) => ({
    audience: {
      name: 'Newsletter sign-ups',
      description: `Subscribed to the newsletter (the customer flag, or a newsletter_opt_in event in the last ${p.signUpDays} days).`,
      text: `newsletter or did newsletter_opt_in within last ${p.signUpDays} days`,
    },
    automation: (segment) => ({
      name: 'Welcome series',
      description: `A welcome at sign-up, an introduction ${p.introAfterDays} days later, and ${p.discountPercent}% off a first order on day ${p.couponAfterDays} for those who have not bought.`,
      trigger: { kind: TriggerKind.segment_entered, segment },
      steps: [
        {
          kind: StepKind.send,
          name: 'welcome',
          message: message(o.channel, `Welcome to ${o.shopName}`, [
            hello,
            '',
            `Thank you for signing up to the ${o.shopName} newsletter. You will hear about new arrivals and offers first.`,
          ]),
        },
        { kind: StepKind.wait, name: 'intro-wait', days: p.introAfterDays },
        {
          kind: StepKind.send,
          name: 'introduction',
          message: message(o.channel, `What ${o.shopName} is about`, [
            hello,
            '',
            `A few words about ${o.shopName}: we choose every product ourselves, and we are glad to help — just reply.`,
          ]),
        },
        { kind: StepKind.wait, name: 'coupon-wait', days: p.couponAfterDays - p.introAfterDays },
        { kind: StepKind.branch, name: 'bought-already', condition: 'order_count >= 1', whenTrue: 'done' },
        {
          kind: StepKind.send,
          name: 'first-order-coupon',
          coupons: { source: 'generated', prefix: 'WELCOME-', length: 8 },
          message: message(o.channel, `${p.discountPercent}% off your first order`, [
            hello,
            '',
            `As a welcome: the code {{ coupon }} takes ${p.discountPercent}% off your first order at ${o.shopName}.`,
          ]),
        },
        { kind: StepKind.exit, name: 'done' },
      ],
      reentry: { kind: ReentryKind.once },
      holdoutShare: o.holdoutShare,
    }),
  }),
});
