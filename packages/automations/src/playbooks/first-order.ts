import { z } from 'zod';
import { GoalKind, ReentryKind, StepKind, TriggerKind } from '../automation-definition.js';
import { days, definePlaybook, hello, message, percent } from './playbook.js';

/**
 * Prospects (known people with no order): a code for their first order a while after they become
 * known, a last reminder a few days later. Ends at their first order.
 */
export const firstOrder = definePlaybook({
  name: 'first-order',
  title: 'First-order offer',
  description: 'A discount code for prospects who have not ordered yet, and a reminder a few days later.',
  params: z.object({
    discountPercent: percent(10),
    /** Hours after becoming a prospect before the offer (time to order unprompted). */
    offerAfterHours: z
      .number()
      .int('whole hours')
      .min(0)
      .max(24 * 30)
      .default(24),
    reminderAfterDays: days(5, 1, 60),
  }),
  plan: (p, o) => ({
    audience: {
      name: 'Prospects',
      description: 'Known people who have never ordered.',
      text: 'order_count = 0',
    },
    automation: (segment) => ({
      name: 'First-order offer',
      description: `${p.offerAfterHours} hours after someone becomes known without an order, ${p.discountPercent}% off a first order; a reminder ${p.reminderAfterDays} days later; ends at the first order.`,
      trigger: { kind: TriggerKind.segment_entered, segment },
      steps: [
        ...(p.offerAfterHours > 0
          ? [{ kind: StepKind.wait, name: 'settle-in', hours: p.offerAfterHours } as const]
          : []),
        {
          kind: StepKind.send,
          name: 'offer',
          coupons: { source: 'generated', prefix: 'FIRST-', length: 8 },
          message: message(o.channel, `${p.discountPercent}% off your first order`, [
            hello,
            '',
            `Welcome to ${o.shopName}. The code {{ coupon }} takes ${p.discountPercent}% off your first order.`,
          ]),
        },
        { kind: StepKind.wait, name: 'reminder-wait', days: p.reminderAfterDays },
        {
          kind: StepKind.send,
          name: 'reminder',
          message: message(o.channel, 'Your first-order discount is waiting', [
            hello,
            '',
            `A reminder: the ${p.discountPercent}% code we sent you still works for your first order at ${o.shopName}.`,
          ]),
        },
      ],
      reentry: { kind: ReentryKind.once },
      goal: { kind: GoalKind.ordered },
      holdoutShare: o.holdoutShare,
    }),
  }),
});
