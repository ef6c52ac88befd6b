import type { CampaignMessage } from '@strata/campaigns';
import { AppError, Channel, type Clock, type SqlRunner } from '@strata/core';
import { findReadySegment, readySegmentText, type SegmentService } from '@strata/segments';
import { GoalKind, ReentryKind, StepKind, TriggerKind, type AutomationInput } from './automation-definition.js';
import { createAutomation, type Automation } from './automation-store.js';

/*
 * Ready playbooks: automations a shop switches on with one call. Each saves its audience from the
 * ready segments library (or reuses the saved segment of that name), then creates the automation.
 */

export const Playbook = { abandoned_cart: 'abandoned-cart', win_back: 'win-back' } as const;
export type Playbook = (typeof Playbook)[keyof typeof Playbook];
export const playbooks = Object.values(Playbook);

export interface PlaybookOptions {
  segments: SegmentService;
  clock: Clock;
  /** The shop's name, in the messages. */
  shopName?: string;
  /** Email (default) or SMS. */
  channel?: typeof Channel.email | typeof Channel.sms;
  /** The coupon's discount, in percent (abandoned cart: 10, win-back: 15). */
  discountPercent?: number;
  /** Days before a customer may run through the playbook again (abandoned cart: 7, win-back: 90). */
  reentryDays?: number;
  /** The share of customers held out, to compare results against (default 0). */
  holdoutShare?: number;
  /** The automation's id (default: generated). */
  id?: string;
}

/** A message on the chosen channel: email with a subject, or the same words as an SMS. */
function message(channel: PlaybookOptions['channel'], subject: string, lines: string[]): CampaignMessage {
  if (channel === Channel.sms) return { channel: Channel.sms, text: lines.filter((l) => l !== '').join('\n') };
  return { channel: Channel.email, subject, text: [...lines, '', 'Unsubscribe: {{ unsubscribe_url }}'].join('\n') };
}

/** The saved segment called `name` (kept as it is when it exists), else saved with `text`. */
async function audience(segments: SegmentService, name: string, description: string, text: string) {
  const found = (await segments.list()).find((s) => s.name === name);
  return found ?? segments.save({ name, description, text });
}

const readyText = (id: string) => {
  const ready = findReadySegment(id);
  if (!ready) throw new AppError('internal', `the ready segment "${id}" is missing`);
  return readySegmentText(ready);
};

function abandonedCart(segment: string, o: PlaybookOptions): AutomationInput {
  const shop = o.shopName ?? 'our shop';
  const discount = o.discountPercent ?? 10;
  return {
    name: 'Abandoned cart',
    description: `A reminder with the carted items an hour after a basket is left, and ${discount}% off a day later; ends at the next order.`,
    trigger: { kind: TriggerKind.segment_entered, segment },
    steps: [
      {
        kind: StepKind.send,
        name: 'reminder',
        message: message(o.channel, 'You left something in your basket', [
          'Hello {{ customer.first_name | default: "there" }},',
          '',
          `You left these in your basket at ${shop}:`,
          '{% for item in cart %}- {{ item.name }} ({{ item.price }})',
          '{% endfor %}',
        ]),
      },
      { kind: StepKind.wait, name: 'a-day-later', hours: 24 },
      {
        kind: StepKind.send,
        name: 'coupon',
        coupons: { source: 'generated', prefix: 'CART-', length: 8 },
        message: message(o.channel, `${discount}% off what is in your basket`, [
          'Hello {{ customer.first_name | default: "there" }},',
          '',
          `Your basket at ${shop} is still waiting: the code {{ coupon }} takes ${discount}% off.`,
        ]),
      },
    ],
    reentry: { kind: ReentryKind.after_days, days: o.reentryDays ?? 7 },
    goal: { kind: GoalKind.ordered },
    holdoutShare: o.holdoutShare ?? 0,
  };
}

function winBack(segment: string, o: PlaybookOptions): AutomationInput {
  const shop = o.shopName ?? 'our shop';
  const discount = o.discountPercent ?? 15;
  return {
    name: 'Win-back',
    description: `A note when a regular fades or a customer churns, and ${discount}% off a week later; ends at the next order.`,
    trigger: { kind: TriggerKind.segment_entered, segment },
    steps: [
      {
        kind: StepKind.send,
        name: 'we-miss-you',
        message: message(o.channel, `We miss you at ${shop}`, [
          'Hello {{ customer.first_name | default: "there" }},',
          '',
          `It has been a while. Here is what is new at ${shop}:`,
          '{% for p in recommendations %}- {{ p.name }} ({{ p.price }})',
          '{% endfor %}',
        ]),
      },
      { kind: StepKind.wait, name: 'a-week-later', days: 7 },
      { kind: StepKind.tag, name: 'tag-win-back', add: ['win-back'] },
      {
        kind: StepKind.send,
        name: 'coupon',
        coupons: { source: 'generated', prefix: 'BACK-', length: 8 },
        message: message(o.channel, `${discount}% off your next order`, [
          'Hello {{ customer.first_name | default: "there" }},',
          '',
          `Come back to ${shop}: the code {{ coupon }} takes ${discount}% off your next order.`,
        ]),
      },
    ],
    reentry: { kind: ReentryKind.after_days, days: o.reentryDays ?? 90 },
    goal: { kind: GoalKind.ordered },
    holdoutShare: o.holdoutShare ?? 0,
  };
}

/**
 * Installs a ready playbook: its audience saved from the ready segments (abandoned cart: the ready
 * segment `abandoned-basket`; win-back: `fading-regulars` or `churned`), and the automation
 * created and switched on.
 */
export async function installPlaybook(db: SqlRunner, name: Playbook, options: PlaybookOptions): Promise<Automation> {
  const create = (input: AutomationInput) =>
    createAutomation(db, input, {
      clock: options.clock,
      segments: options.segments,
      ...(options.id ? { id: options.id } : {}),
    });
  switch (name) {
    case Playbook.abandoned_cart: {
      const s = await audience(
        options.segments,
        'Abandoned basket',
        findReadySegment('abandoned-basket')?.description ?? '',
        readyText('abandoned-basket'),
      );
      return create(abandonedCart(s.id, options));
    }
    case Playbook.win_back: {
      const s = await audience(
        options.segments,
        'Fading or churned',
        'Regulars whose gap is longer than 1.5× their usual interval, or customers with no order in 30 days.',
        `(${readyText('fading-regulars')}) or (${readyText('churned')})`,
      );
      return create(winBack(s.id, options));
    }
    default:
      throw new AppError('invalid', `no playbook "${String(name)}": choose ${playbooks.join(' or ')}`);
  }
}
