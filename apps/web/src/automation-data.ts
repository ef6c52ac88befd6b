import { z } from 'zod';
import { AutomationBody, AutomationListResponse, AutomationResultsBody, PlaybookListResponse } from '@strata/api';
import { call, seg } from './api.js';

/*
 * The automations page's reads and writes (the server's automation-routes.ts, docs/automations.md):
 * the list, pause and resume, and the ready playbooks with their install.
 */

export type Automation = AutomationBody;

export const listAutomations = () => call(AutomationListResponse, '/v1/automations').then((r) => r.automations);
export const listPlaybooks = () => call(PlaybookListResponse, '/v1/automations/playbooks').then((r) => r.playbooks);
/** What a playbook can be told when it is installed (the server's PlaybookInstallRequest); unset means its default. */
export interface PlaybookSettings {
  shop_name?: string;
  channel?: 'email' | 'sms';
  discount_percent?: number;
  holdout_share?: number;
}
export const installPlaybook = (name: string, settings: PlaybookSettings = {}) =>
  call(AutomationBody, `/v1/automations/playbooks/${seg(name)}`, { method: 'POST', body: settings });
export const getAutomation = (id: string) => call(AutomationBody, `/v1/automations/${seg(id)}`);
export const automationResults = (id: string) => call(AutomationResultsBody, `/v1/automations/${seg(id)}/results`);
export const setAutomationRunning = (id: string, running: boolean) =>
  call(AutomationBody, `/v1/automations/${seg(id)}/${running ? 'resume' : 'pause'}`, { method: 'POST' });

/** One box of the drawn flow: a step as the owner reads it. */
export interface FlowBox {
  name: string;
  kind: string;
  detail: string;
}

const Step = z.looseObject({ kind: z.string(), name: z.string() });
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** What a step does, in a few words (its kind decides which fields matter). */
function detailOf(step: Record<string, unknown>): string {
  switch (step.kind) {
    case 'send': {
      const m = (step.message ?? {}) as Record<string, unknown>;
      const what = text(m.subject) || text(m.text).split('\n')[0] || '';
      return `${text(m.channel) || 'message'}${what ? `: “${what}”` : ''}`;
    }
    case 'wait': {
      const parts = [
        num(step.days) ? `${num(step.days)} d` : '',
        num(step.hours) ? `${num(step.hours)} h` : '',
        num(step.minutes) ? `${num(step.minutes)} min` : '',
      ].filter(Boolean);
      const until = [text(step.untilWeekday), text(step.untilTime)].filter(Boolean).join(' ');
      return [parts.join(' '), until ? `until ${until}` : ''].filter(Boolean).join(', ') || 'wait';
    }
    case 'branch':
      return `if ${text(step.condition)}`;
    case 'tag': {
      const list = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(', ') : '');
      return [list(step.add) && `add ${list(step.add)}`, list(step.remove) && `remove ${list(step.remove)}`]
        .filter(Boolean)
        .join('; ');
    }
    case 'coupon':
      return 'a coupon code of their own';
    case 'exit':
      return 'the run ends';
    default:
      return '';
  }
}

/** The steps of a definition as boxes, in order (a step that is not understood is still shown by name). */
export function flowOf(definition: Record<string, unknown>): FlowBox[] {
  const steps = Array.isArray(definition.steps) ? definition.steps : [];
  return steps.flatMap((s) => {
    const parsed = Step.safeParse(s);
    if (!parsed.success) return [];
    return [{ name: parsed.data.name, kind: parsed.data.kind, detail: detailOf(parsed.data) }];
  });
}

/** The trigger, in words. */
export function triggerOf(definition: Record<string, unknown>, segmentName: (id: string) => string): string {
  const t = (definition.trigger ?? {}) as Record<string, unknown>;
  switch (t.kind) {
    case 'segment_entered':
      return `enters the segment ${segmentName(text(t.segment))}`;
    case 'segment_exited':
      return `leaves the segment ${segmentName(text(t.segment))}`;
    case 'event':
      return `the event ${text(t.event)}`;
    case 'date':
      return `${num(t.days) ? `${num(t.days)} day(s) from ` : ''}the date ${text(t.trait)}`;
    default:
      return text(t.kind) || '—';
  }
}
