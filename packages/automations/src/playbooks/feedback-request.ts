import { z } from 'zod';
import { ReentryKind, StepKind, TriggerKind } from '../automation-definition.js';
import { days, definePlaybook, hello, link, literalText, message } from './playbook.js';

/**
 * Buyers who have not ordered for half a year: a short question — what could we do better? — and
 * a tag, so the shop sees who was asked. No discount: it asks, it does not sell.
 */
export const feedbackRequest = definePlaybook({
  name: 'feedback-request',
  title: 'Feedback request for dormant customers',
  description: 'Buyers with no order for half a year are asked what the shop could do better.',
  params: z.object({
    /** Days without an order that make a buyer dormant. */
    dormantDays: days(180, 30, 3_650),
    surveyUrl: link.optional(),
    tag: z.string().trim().min(1).max(100).default('asked-for-feedback'),
  }),
  plan: (p, o) => ({
    audience: {
      name: `No order for ${p.dormantDays} days`,
      description: `Customers who ordered before but not in the last ${p.dormantDays} days.`,
      text: `order_count >= 1 and last_order_at before ${p.dormantDays} days ago`,
    },
    automation: (segment) => ({
      name: 'Feedback request',
      description: `Customers with no order for ${p.dormantDays} days are asked what ${o.shopName} could do better, and tagged "${p.tag}".`,
      trigger: { kind: TriggerKind.segment_entered, segment },
      steps: [
        {
          kind: StepKind.send,
          name: 'ask',
          message: message(o.channel, `What could ${o.shopName} do better?`, [
            hello,
            '',
            `We have not seen you at ${o.shopName} for a while, and we would like to know why.`,
            p.surveyUrl
              ? `Two minutes of your time help us a lot: ${literalText(p.surveyUrl)}`
              : 'Just reply to this message: what could we do better?',
          ]),
        },
        { kind: StepKind.tag, name: 'tag-asked', add: [p.tag] },
      ],
      reentry: { kind: ReentryKind.once },
      holdoutShare: o.holdoutShare,
    }),
  }),
});
