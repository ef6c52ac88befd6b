import { z } from 'zod';
import { ReentryKind, StepKind, TriggerKind } from '../automation-definition.js';
import { days, definePlaybook, hello, message, percent } from './playbook.js';

/** A few days before a customer's birthday (the customer's `birthday` field), a gift code; on the day, a greeting. */
export const birthday = definePlaybook({
  name: 'birthday',
  title: 'Birthday offer',
  description: "A gift code a few days before a customer's birthday, and a greeting on the day.",
  params: z.object({
    daysBefore: days(7, 1, 30),
    discountPercent: percent(15),
  }),
  plan: (p, o) => ({
    audience: {
      name: `Birthday within ${p.daysBefore} days`,
      description: `Customers whose birthday (month and day) is within the next ${p.daysBefore} days.`,
      text: `birthday within next ${p.daysBefore} days`,
    },
    automation: (segment) => ({
      name: 'Birthday offer',
      description: `${p.daysBefore} days before a birthday ${p.discountPercent}% off as a gift; a greeting on the day.`,
      trigger: { kind: TriggerKind.segment_entered, segment },
      steps: [
        {
          kind: StepKind.send,
          name: 'gift',
          coupons: { source: 'generated', prefix: 'BDAY-', length: 8 },
          message: message(o.channel, `A birthday gift from ${o.shopName}`, [
            hello,
            '',
            `Your birthday is coming up. As a gift, the code {{ coupon }} takes ${p.discountPercent}% off at ${o.shopName}.`,
          ]),
        },
        { kind: StepKind.wait, name: 'until-birthday', days: p.daysBefore },
        {
          kind: StepKind.send,
          name: 'greeting',
          message: message(o.channel, 'Happy birthday!', [hello, '', `Happy birthday from everyone at ${o.shopName}!`]),
        },
      ],
      // Once a year: the next birthday is a year after this entry.
      reentry: { kind: ReentryKind.after_days, days: 300 },
      holdoutShare: o.holdoutShare,
    }),
  }),
});
