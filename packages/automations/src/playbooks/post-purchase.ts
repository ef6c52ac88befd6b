import { z } from 'zod';
import { AppError } from '@strata/core';
import { quote } from '@strata/segment-lang';
import { ReentryKind, StepKind, TriggerKind, type AutomationStep } from '../automation-definition.js';

type StepInput = z.input<typeof AutomationStep>;
import { days, definePlaybook, hello, link, literalText, message, productList } from './playbook.js';

/**
 * After-sales for a durable product (a car seat, a pram): how to use it the day after the order,
 * accessories two weeks later (skipped when they bought them meanwhile), a review request after a
 * month. Orders do not end it: it follows a purchase.
 */
export const postPurchase = definePlaybook({
  name: 'post-purchase',
  title: 'Post-purchase follow-up',
  description:
    'For a durable product: a guide the day after the order, accessories on day 14, a review request on day 30.',
  params: z
    .object({
      /** The durable product's category, as the catalogue writes it (e.g. "Child car seats"). */
      category: z.string().trim().min(1, 'name the durable product category').max(200),
      guideDay: days(1, 1, 30),
      accessoriesDay: days(14, 2, 90),
      reviewDay: days(30, 3, 180),
      /** Accessories' SKUs named in the second message (default: the customer's recommendations). */
      accessories: z.array(z.string().trim().min(1).max(100)).max(10).default([]),
      guideUrl: link.optional(),
      reviewUrl: link.optional(),
    })
    .refine((p) => p.guideDay < p.accessoriesDay && p.accessoriesDay < p.reviewDay, {
      message: 'the days must follow each other: guideDay < accessoriesDay < reviewDay',
      path: ['accessoriesDay'],
    }),
  async plan(p, o) {
    // The accessories are named in the message as they are in the catalogue now.
    const products = p.accessories.length
      ? await o.db.query<{ sku: string; name: string; price: number }>(
          `SELECT sku, name, price::DOUBLE AS price FROM products WHERE sku IN (SELECT unnest(from_json($1, '["VARCHAR"]')))`,
          [JSON.stringify(p.accessories)],
        )
      : [];
    p.accessories.forEach((sku, i) => {
      if (!products.some((r) => r.sku === sku))
        throw new AppError(
          'invalid',
          `parameter "accessories.${i}" of the playbook "post-purchase": no product "${sku}"`,
          [{ field: `accessories.${i}`, message: `no product "${sku}"` }],
        );
    });
    const accessoryLines = p.accessories.length
      ? p.accessories.map((sku) => {
          const r = products.find((x) => x.sku === sku)!;
          return literalText(`- ${r.name} (${Number(r.price)})`);
        })
      : productList('recommendations');
    const steps: StepInput[] = [
      { kind: StepKind.wait, name: 'until-guide', days: p.guideDay },
      {
        kind: StepKind.send,
        name: 'guide',
        message: message(o.channel, `Getting the most from your purchase`, [
          hello,
          '',
          `Thank you for buying from ${o.shopName}. A few tips to get started with your new ${literalText(p.category.toLowerCase())}:`,
          p.guideUrl
            ? `Read the guide: ${literalText(p.guideUrl)}`
            : 'Reply to this message with any question: we are happy to help.',
        ]),
      },
      { kind: StepKind.wait, name: 'until-accessories', days: p.accessoriesDay - p.guideDay },
      ...(p.accessories.length
        ? [
            {
              kind: StepKind.branch,
              name: 'has-accessories',
              condition: `bought product [${p.accessories.map(quote).join(', ')}] within last ${p.accessoriesDay} days`,
              whenTrue: 'until-review',
            } satisfies StepInput,
          ]
        : []),
      {
        kind: StepKind.send,
        name: 'accessories',
        message: message(o.channel, 'Made to go with it', [
          hello,
          '',
          'These go well with what you bought:',
          ...accessoryLines,
        ]),
      },
      { kind: StepKind.wait, name: 'until-review', days: p.reviewDay - p.accessoriesDay },
      {
        kind: StepKind.send,
        name: 'review',
        message: message(o.channel, `How do you like it?`, [
          hello,
          '',
          `You have had your ${literalText(p.category.toLowerCase())} for a while now. Would you tell other shoppers what you think?`,
          p.reviewUrl
            ? `Write a review: ${literalText(p.reviewUrl)}`
            : 'Just reply to this message: we read every answer.',
        ]),
      },
    ];
    return {
      audience: {
        name: `Bought ${p.category} (after-sales)`,
        description: `Bought from the category "${p.category}" in the last ${p.reviewDay} days.`,
        text: `bought category ${quote(p.category)} within last ${p.reviewDay} days`,
      },
      automation: (segment) => ({
        name: `Post-purchase: ${p.category}`,
        description: `After an order from "${p.category}": a guide on day ${p.guideDay}, accessories on day ${p.accessoriesDay}, a review request on day ${p.reviewDay}.`,
        trigger: { kind: TriggerKind.segment_entered, segment },
        steps,
        // A second purchase after the audience window starts a new follow-up.
        reentry: { kind: ReentryKind.after_days, days: p.reviewDay },
        holdoutShare: o.holdoutShare,
      }),
    };
  },
});
