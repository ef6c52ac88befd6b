import { z } from 'zod';
import { GoalKind, ReentryKind, StepKind, TriggerKind } from '../automation-definition.js';
import { days, definePlaybook, hello, message, productList, reentryDays } from './playbook.js';

/**
 * Viewed products and neither carted nor ordered within N hours: a note with the products they
 * looked at; a couple of days later the best sellers of their favourite category. Ends at an order.
 */
export const browseAbandonment = definePlaybook({
  name: 'browse-abandonment',
  title: 'Browse abandonment',
  description: 'Viewed products but neither carted nor ordered within a few hours: the products they looked at.',
  params: z.object({
    /** Hours after a product view without a cart or an order. */
    hours: z.number().int('whole hours').min(1).max(72).default(4),
    /** How long a view counts: the customer stays in the audience this many days after it. */
    viewDays: days(7, 1, 90),
    followUpDays: days(2, 1, 30),
    reentryDays: reentryDays(7),
  }),
  plan: (p, o) => ({
    audience: {
      name: `Browsed, no cart or order within ${p.hours} h`,
      description: `Viewed a product in the last ${p.viewDays} days, then put nothing in the cart and ordered nothing within ${p.hours} hours.`,
      text:
        `did product_view within last ${p.viewDays} days then not add_to_cart within ${p.hours} hours` +
        ` and did product_view within last ${p.viewDays} days then not order within ${p.hours} hours`,
    },
    automation: (segment) => ({
      name: 'Browse abandonment',
      description: `A note with the products viewed ${p.hours} hours after a visit without a cart or an order, and best sellers ${p.followUpDays} days later; ends at the next order.`,
      trigger: { kind: TriggerKind.segment_entered, segment },
      steps: [
        {
          kind: StepKind.send,
          name: 'still-looking',
          message: message(o.channel, 'Still thinking it over?', [
            hello,
            '',
            `You were looking at these at ${o.shopName}:`,
            ...productList('viewed'),
            'They are still here when you are ready.',
          ]),
        },
        { kind: StepKind.wait, name: 'follow-up-wait', days: p.followUpDays },
        // Buyers of a category get its best sellers; a prospect (no favourite category) nothing more.
        { kind: StepKind.branch, name: 'has-favourites', condition: 'order_count >= 1', whenFalse: 'done' },
        {
          kind: StepKind.send,
          name: 'best-sellers',
          message: message(o.channel, `Popular at ${o.shopName} right now`, [
            hello,
            '',
            'Other customers love these:',
            ...productList('recommendations'),
          ]),
        },
        { kind: StepKind.exit, name: 'done' },
      ],
      reentry: { kind: ReentryKind.after_days, days: p.reentryDays },
      goal: { kind: GoalKind.ordered },
      holdoutShare: o.holdoutShare,
    }),
  }),
});
