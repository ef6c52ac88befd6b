import { z } from 'zod';
import { GoalKind, ReentryKind, StepKind, TriggerKind } from '../automation-definition.js';
import { days, definePlaybook, hello, message, percent, reentryDays } from './playbook.js';

/**
 * A few days before a consumable runs out (the profile's replenishment date), a reminder naming
 * it; on the day it runs out, a discount code unless they reordered. Ends at an order.
 */
export const replenishment = definePlaybook({
  name: 'replenishment',
  title: 'Replenishment reminder',
  description: 'A reminder before a consumable runs out, and a discount code on the day it does.',
  params: z.object({
    /** Days before the replenishment date the reminder goes. */
    daysBefore: days(5, 1, 60),
    discountPercent: percent(10),
    reentryDays: reentryDays(14),
  }),
  plan: (p, o) => ({
    audience: {
      name: `Replenishment due within ${p.daysBefore} days`,
      description: `A consumable they bought runs out within ${p.daysBefore} days (profile trait next_replenishment_due_at).`,
      text: `next_replenishment_due_at within next ${p.daysBefore} days`,
    },
    automation: (segment) => ({
      name: 'Replenishment reminder',
      description: `${p.daysBefore} days before a consumable runs out a reminder naming it; on the day, ${p.discountPercent}% off; ends at the next order.`,
      trigger: { kind: TriggerKind.segment_entered, segment },
      steps: [
        {
          kind: StepKind.send,
          name: 'running-low',
          message: message(o.channel, 'Running low?', [
            hello,
            '',
            '{% if replenishment %}Your {{ replenishment.name }} will run out around {{ replenishment.due_at }}.',
            `Order it again at ${o.shopName} in time ({{ replenishment.price }}).{% else %}Time to stock up at ${o.shopName}?{% endif %}`,
          ]),
        },
        { kind: StepKind.wait, name: 'until-due', days: p.daysBefore },
        {
          kind: StepKind.send,
          name: 'coupon',
          coupons: { source: 'generated', prefix: 'REFILL-', length: 8 },
          message: message(o.channel, `${p.discountPercent}% off your next order`, [
            hello,
            '',
            `Time for more{% if replenishment %} {{ replenishment.name }}{% endif %}: the code {{ coupon }} takes ${p.discountPercent}% off at ${o.shopName}.`,
          ]),
        },
      ],
      reentry: { kind: ReentryKind.after_days, days: p.reentryDays },
      goal: { kind: GoalKind.ordered },
      holdoutShare: o.holdoutShare,
    }),
  }),
});
