import { z } from 'zod';
import { findReadySegment, readySegmentText } from '@strata/segments';
import { GoalKind, ReentryKind, StepKind, TriggerKind } from '../automation-definition.js';
import { definePlaybook, hello, message, percent, productList, reentryDays } from './playbook.js';

/** An hour after a basket is left, a reminder listing it; a day later a code for a discount; ends at an order. */
export const abandonedCart = definePlaybook({
  name: 'abandoned-cart',
  title: 'Abandoned cart',
  description: 'A reminder with the carted items an hour after a basket is left, and a discount code a day later.',
  params: z.object({
    discountPercent: percent(10),
    couponAfterHours: z
      .number()
      .min(1)
      .max(24 * 14)
      .default(24),
    reentryDays: reentryDays(7),
  }),
  plan: (p, o) => ({
    audience: {
      name: 'Abandoned basket',
      description: findReadySegment('abandoned-basket')?.description ?? '',
      text: readySegmentText(findReadySegment('abandoned-basket')!),
    },
    automation: (segment) => ({
      name: 'Abandoned cart',
      description: `A reminder with the carted items an hour after a basket is left, and ${p.discountPercent}% off ${p.couponAfterHours} hours later; ends at the next order.`,
      trigger: { kind: TriggerKind.segment_entered, segment },
      steps: [
        {
          kind: StepKind.send,
          name: 'reminder',
          message: message(o.channel, 'You left something in your basket', [
            hello,
            '',
            `You left these in your basket at ${o.shopName}:`,
            ...productList('cart'),
          ]),
        },
        { kind: StepKind.wait, name: 'a-day-later', hours: p.couponAfterHours },
        {
          kind: StepKind.send,
          name: 'coupon',
          coupons: { source: 'generated', prefix: 'CART-', length: 8 },
          message: message(o.channel, `${p.discountPercent}% off what is in your basket`, [
            hello,
            '',
            `Your basket at ${o.shopName} is still waiting: the code {{ coupon }} takes ${p.discountPercent}% off.`,
          ]),
        },
      ],
      reentry: { kind: ReentryKind.after_days, days: p.reentryDays },
      goal: { kind: GoalKind.ordered },
      holdoutShare: o.holdoutShare,
    }),
  }),
});
