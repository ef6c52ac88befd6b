import { z } from 'zod';
import { findReadySegment, readySegmentText } from '@strata/segments';
import { GoalKind, ReentryKind, StepKind, TriggerKind } from '../automation-definition.js';
import { days, definePlaybook, hello, message, percent, productList, reentryDays } from './playbook.js';

/** When a regular fades or a customer churns, a note with what is new; a week later a discount code. */
export const winBack = definePlaybook({
  name: 'win-back',
  title: 'Win-back',
  description: 'A note when a regular fades or a customer churns, and a discount code a week later.',
  params: z.object({
    discountPercent: percent(15),
    couponAfterDays: days(7, 1, 90),
    reentryDays: reentryDays(90),
  }),
  plan: (p, o) => ({
    audience: {
      name: 'Fading or churned',
      description:
        'Regulars whose gap is longer than 1.5× their usual interval, or customers with no order in 30 days.',
      text: `(${readySegmentText(findReadySegment('fading-regulars')!)}) or (${readySegmentText(findReadySegment('churned')!)})`,
    },
    automation: (segment) => ({
      name: 'Win-back',
      description: `A note when a regular fades or a customer churns, and ${p.discountPercent}% off ${p.couponAfterDays} days later; ends at the next order.`,
      trigger: { kind: TriggerKind.segment_entered, segment },
      steps: [
        {
          kind: StepKind.send,
          name: 'we-miss-you',
          message: message(o.channel, `We miss you at ${o.shopName}`, [
            hello,
            '',
            `It has been a while. Here is what is new at ${o.shopName}:`,
            ...productList('recommendations'),
          ]),
        },
        { kind: StepKind.wait, name: 'a-week-later', days: p.couponAfterDays },
        { kind: StepKind.tag, name: 'tag-win-back', add: ['win-back'] },
        {
          kind: StepKind.send,
          name: 'coupon',
          coupons: { source: 'generated', prefix: 'BACK-', length: 8 },
          message: message(o.channel, `${p.discountPercent}% off your next order`, [
            hello,
            '',
            `Come back to ${o.shopName}: the code {{ coupon }} takes ${p.discountPercent}% off your next order.`,
          ]),
        },
      ],
      reentry: { kind: ReentryKind.after_days, days: p.reentryDays },
      goal: { kind: GoalKind.ordered },
      holdoutShare: o.holdoutShare,
    }),
  }),
});
