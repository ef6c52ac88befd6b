import { describe, expect, it } from 'vitest';
import { AppError, type SqlRunner } from '@strata/core';
import { parseSegment } from '@strata/segment-lang';
import { parseAutomation } from '../automation-definition.js';
import { parsePlaybookParams, type PlaybookCommon } from './playbook.js';
import { playbookSpecs, playbooks } from './index.js';

// Plans are made without a store unless a playbook names products (post-purchase accessories).
const noStore = {} as SqlRunner;
const common: PlaybookCommon = { shopName: 'Tea House', channel: 'email', holdoutShare: 0, db: noStore };
const required: Record<string, Record<string, unknown>> = { 'post-purchase': { category: 'Child car seats' } };

const thrown = (f: () => unknown): AppError => {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('did not throw');
};

describe('the ready playbooks', () => {
  it.each(playbooks)(
    '%s: its defaults give a valid automation and an audience in the segment language',
    async (name) => {
      const spec = playbookSpecs[name];
      const plan = await spec.plan(parsePlaybookParams(spec, required[name] ?? {}), common);
      expect(parseSegment(plan.audience.text).diagnostics).toEqual([]);
      const def = parseAutomation(plan.automation('seg_1'));
      expect(def.trigger).toMatchObject({ kind: 'segment_entered', segment: 'seg_1' });
      expect(def.steps.some((s) => s.kind === 'send')).toBe(true);
      for (const s of def.steps) if (s.kind === 'branch') expect(parseSegment(s.condition).diagnostics).toEqual([]);
    },
  );

  it('names a misspelt parameter with its likely meaning, and the parameters there are', () => {
    const e = thrown(() => parsePlaybookParams(playbookSpecs.replenishment, { daysBefor: 3 }));
    expect(e.kind).toBe('invalid');
    expect(e.message).toBe(
      'the playbook "replenishment" has no parameter "daysBefor" (did you mean "daysBefore"?); its parameters: daysBefore, discountPercent, reentryDays',
    );
  });

  it('names a value out of range with what was given, and a missing required parameter', () => {
    const e = thrown(() => parsePlaybookParams(playbookSpecs['abandoned-cart'], { discountPercent: 95 }));
    expect(e.message).toMatch(/^parameter "discountPercent" of the playbook "abandoned-cart": .*90.* \(got 95\)$/);
    const missing = thrown(() => parsePlaybookParams(playbookSpecs['post-purchase'], {}));
    expect(missing.details?.map((d) => d.field)).toEqual(['category']);
  });

  it('refuses post-purchase days out of order and links that are not http(s)', () => {
    const e = thrown(() =>
      parsePlaybookParams(playbookSpecs['post-purchase'], {
        category: 'Prams',
        accessoriesDay: 40,
        reviewDay: 30,
        guideUrl: 'javascript:alert(1)',
      }),
    );
    expect(e.details?.map((d) => d.field).sort()).toEqual(['accessoriesDay', 'guideUrl']);
    expect(e.message).toContain('guideDay < accessoriesDay < reviewDay');
    expect(e.message).toContain('a link starting with http:// or https://');
  });

  it('writes an SMS without the email-only unsubscribe line, and puts a category with quotes safely in the audience', async () => {
    const spec = playbookSpecs['post-purchase'];
    const plan = await spec.plan(parsePlaybookParams(spec, { category: 'Seats "deluxe"' }), {
      ...common,
      channel: 'sms',
    });
    expect(plan.audience.text).toBe('bought category "Seats \\"deluxe\\"" within last 30 days');
    const def = parseAutomation(plan.automation('seg_1'));
    const guide = def.steps.find((s) => s.name === 'guide');
    expect(guide?.kind === 'send' && guide.message.channel).toBe('sms');
    expect(JSON.stringify(guide)).not.toContain('unsubscribe_url');
  });
});
