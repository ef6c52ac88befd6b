import type {
  AutomationBody,
  AutomationClient,
  AutomationRunBody,
  PlaybookInstallBody,
  TagHistoryEntryBody,
  TagRuleBody,
} from '@strata/api';
import {
  automationRuns,
  AutomationStatus,
  createAutomation,
  createTagRule,
  deleteTagRule,
  findAutomation,
  findTagRule,
  listAutomations,
  listTagRules,
  setAutomationStatus,
  tagHistory,
  type Automation,
  type AutomationDb,
} from '@strata/automations';
import type { Clock } from '@strata/core';
import type { SegmentService } from '@strata/segments';
import { installPlaybookAsked } from '@strata/server';

/**
 * What `strata automation …` and `strata tag rule …` ask of a store: straight on the file (the
 * functions the server's routes call) or through the running server's API. Either way the work
 * and its errors are the same functions', so both answer alike. Runs move only in a running server.
 */
export interface AutomationBackend {
  list(): Promise<AutomationBody[]>;
  get(id: string): Promise<AutomationBody>;
  create(definition: Record<string, unknown>): Promise<AutomationBody>;
  install(playbook: string, options: PlaybookInstallBody): Promise<AutomationBody>;
  pause(id: string): Promise<AutomationBody>;
  resume(id: string): Promise<AutomationBody>;
  runs(id: string, customer?: string): Promise<AutomationRunBody[]>;
  tagRules(): Promise<TagRuleBody[]>;
  addTagRule(rule: { tag: string; segment: string }): Promise<TagRuleBody>;
  deleteTagRule(tag: string): Promise<TagRuleBody>;
  tagHistory(tag: string, customer?: string): Promise<TagHistoryEntryBody[]>;
}

const body = (a: Automation): AutomationBody => ({ ...a, definition: { ...a.definition } });

/** On the store file. */
export function localAutomations(db: AutomationDb, segments: SegmentService, clock: Clock): AutomationBackend {
  const deps = { segments, clock };
  return {
    list: async () => (await listAutomations(db)).map(body),
    get: async (id) => body(await findAutomation(db, id)),
    create: async (d) => body(await createAutomation(db, d, deps)),
    install: async (name, options) => body(await installPlaybookAsked(db, name, options, deps)),
    pause: async (id) => body(await setAutomationStatus(db, id, AutomationStatus.paused, clock.now())),
    resume: async (id) => body(await setAutomationStatus(db, id, AutomationStatus.active, clock.now())),
    runs: async (id, customer) => {
      await findAutomation(db, id);
      return automationRuns(db, id, customer);
    },
    tagRules: () => listTagRules(db),
    addTagRule: (rule) => createTagRule(db, rule, deps),
    deleteTagRule: (tag) => deleteTagRule(db, tag),
    tagHistory: async (tag, customer) => {
      await findTagRule(db, tag);
      return tagHistory(db, tag, customer);
    },
  };
}

/** Through the running server's API. */
export function serverAutomations(api: AutomationClient): AutomationBackend {
  return {
    list: () => api.list(),
    get: (id) => api.get(id),
    create: (d) => api.create(d),
    install: (name, options) => api.install(name, options),
    pause: (id) => api.pause(id),
    resume: (id) => api.resume(id),
    runs: (id, customer) => api.runs(id, customer),
    tagRules: () => api.tagRules(),
    addTagRule: (rule) => api.addTagRule(rule),
    deleteTagRule: (tag) => api.deleteTagRule(tag),
    tagHistory: (tag, customer) => api.tagHistory(tag, customer),
  };
}
