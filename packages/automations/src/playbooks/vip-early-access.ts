import { z } from 'zod';
import { ReentryKind, StepKind, TriggerKind } from '../automation-definition.js';
import { definePlaybook, hello, literalText, message, productList, reentryDays } from './playbook.js';

/** Customers who reach the top N% by spend: a VIP tag and an invitation to early access. */
export const vipEarlyAccess = definePlaybook({
  name: 'vip-early-access',
  title: 'VIP early access',
  description: 'Customers who reach the top spenders get a VIP tag and early access to new arrivals.',
  params: z.object({
    /** The top share of buyers by total spend, in percent. */
    topPercent: z.number().min(0.1).max(50).default(10),
    /** How many hours before everyone else VIPs may shop new arrivals (words in the message). */
    earlyHours: z
      .number()
      .int('whole hours')
      .min(1)
      .max(24 * 14)
      .default(48),
    tag: z.string().trim().min(1).max(100).default('vip'),
    reentryDays: reentryDays(90),
  }),
  plan: (p, o) => ({
    audience: {
      name: `Top ${p.topPercent}% spenders`,
      description: `The top ${p.topPercent}% of buyers by total spend.`,
      text: `total_spent in top ${p.topPercent}%`,
    },
    automation: (segment) => ({
      name: 'VIP early access',
      description: `Customers who reach the top ${p.topPercent}% by spend get the tag "${p.tag}" and early access ${p.earlyHours} hours before everyone else.`,
      trigger: { kind: TriggerKind.segment_entered, segment },
      steps: [
        { kind: StepKind.tag, name: 'tag-vip', add: [p.tag] },
        {
          kind: StepKind.send,
          name: 'invitation',
          message: message(o.channel, `You are one of our best customers`, [
            hello,
            '',
            `You are among the top ${p.topPercent}% of ${o.shopName}'s customers. From now on you can shop new arrivals ${p.earlyHours} hours before everyone else.`,
            'Picked for you:',
            ...productList('recommendations'),
            `(${literalText(p.tag.toUpperCase())} member)`,
          ]),
        },
      ],
      reentry: { kind: ReentryKind.after_days, days: p.reentryDays },
      holdoutShare: o.holdoutShare,
    }),
  }),
});
