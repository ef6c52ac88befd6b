import { AppError, Channel, type Clock, type SqlRunner } from '@strata/core';
import type { SegmentService } from '@strata/segments';
import { createAutomation, type Automation } from '../automation-store.js';
import { abandonedCart } from './abandoned-cart.js';
import { birthday } from './birthday.js';
import { browseAbandonment } from './browse-abandonment.js';
import { feedbackRequest } from './feedback-request.js';
import { firstOrder } from './first-order.js';
import { parsePlaybookParams, type PlaybookSpec } from './playbook.js';
import { postPurchase } from './post-purchase.js';
import { replenishment } from './replenishment.js';
import { vipEarlyAccess } from './vip-early-access.js';
import { welcomeSeries } from './welcome-series.js';
import { winBack } from './win-back.js';

/*
 * Ready playbooks: automations a shop switches on with one call. Each saves its audience (or
 * reuses the saved segment of that name), then creates the automation on it.
 */

export { type PlaybookSpec, type PlaybookCommon, type PlaybookPlan } from './playbook.js';

/** Every ready playbook, by name. */
export const playbookSpecs = {
  'abandoned-cart': abandonedCart,
  'browse-abandonment': browseAbandonment,
  'win-back': winBack,
  replenishment,
  'post-purchase': postPurchase,
  'first-order': firstOrder,
  'welcome-series': welcomeSeries,
  'vip-early-access': vipEarlyAccess,
  birthday,
  'feedback-request': feedbackRequest,
} as const satisfies Record<string, PlaybookSpec>;

export type Playbook = keyof typeof playbookSpecs;
export const playbooks = Object.keys(playbookSpecs) as Playbook[];
export interface PlaybookOptions {
  segments: SegmentService;
  clock: Clock;
  /** The shop's name, in the messages. */
  shopName?: string;
  /** Email (default) or SMS. */
  channel?: typeof Channel.email | typeof Channel.sms;
  /** The share of customers held out, to compare results against (default 0). */
  holdoutShare?: number;
  /** The automation's id (default: generated). */
  id?: string;
  /** The playbook's own parameters (see each playbook; checked, unknown ones refused). */
  params?: Record<string, unknown>;
  /** Shorthand for `params.discountPercent`. */
  discountPercent?: number;
  /** Shorthand for `params.reentryDays`. */
  reentryDays?: number;
}

/** Installs a ready playbook: its audience saved (or reused by name), the automation created and switched on. */
export async function installPlaybook(db: SqlRunner, name: Playbook, options: PlaybookOptions): Promise<Automation> {
  const spec = (playbookSpecs as Record<string, PlaybookSpec>)[name];
  if (!spec) throw new AppError('invalid', `no playbook "${String(name)}": choose ${playbooks.join(', ')}`);
  const params = parsePlaybookParams(spec, {
    ...options.params,
    ...(options.discountPercent !== undefined ? { discountPercent: options.discountPercent } : {}),
    ...(options.reentryDays !== undefined ? { reentryDays: options.reentryDays } : {}),
  });
  const plan = await spec.plan(params, {
    db,
    shopName: options.shopName ?? 'our shop',
    channel: options.channel ?? Channel.email,
    holdoutShare: options.holdoutShare ?? 0,
  });
  const found = (await options.segments.list()).find((s) => s.name === plan.audience.name);
  const segment = found ?? (await options.segments.save(plan.audience));
  return createAutomation(db, plan.automation(segment.id), {
    clock: options.clock,
    segments: options.segments,
    ...(options.id ? { id: options.id } : {}),
  });
}
