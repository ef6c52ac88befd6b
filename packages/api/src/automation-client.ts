import {
  AutomationBody,
  AutomationListResponse,
  AutomationRunsResponse,
  TagHistoryResponse,
  TagRuleBody,
  TagRuleListResponse,
  type PlaybookInstallBody,
} from './automation-schemas.js';
import type { ApiClient } from './client.js';

const id = (s: string) => encodeURIComponent(s);

/** The automation routes (`/v1/automations`) and tag rules (`/v1/tags/rules`) as typed calls on an ApiClient. */
export class AutomationClient {
  constructor(private readonly api: ApiClient) {}

  list = async () => (await this.api.call(AutomationListResponse, '/v1/automations')).automations;
  get = (automation: string) => this.api.call(AutomationBody, `/v1/automations/${id(automation)}`);
  create = (definition: Record<string, unknown>) =>
    this.api.call(AutomationBody, '/v1/automations', { method: 'POST', body: definition });
  install = (playbook: string, options: PlaybookInstallBody = {}) =>
    this.api.call(AutomationBody, `/v1/automations/playbooks/${id(playbook)}`, { method: 'POST', body: options });
  pause = (automation: string) =>
    this.api.call(AutomationBody, `/v1/automations/${id(automation)}/pause`, { method: 'POST', body: {} });
  resume = (automation: string) =>
    this.api.call(AutomationBody, `/v1/automations/${id(automation)}/resume`, { method: 'POST', body: {} });
  runs = async (automation: string, customer?: string) =>
    (
      await this.api.call(
        AutomationRunsResponse,
        `/v1/automations/${id(automation)}/runs${customer ? `?customer=${id(customer)}` : ''}`,
      )
    ).runs;

  tagRules = async () => (await this.api.call(TagRuleListResponse, '/v1/tags/rules')).rules;
  addTagRule = (rule: { tag: string; segment: string }) =>
    this.api.call(TagRuleBody, '/v1/tags/rules', { method: 'POST', body: rule });
  deleteTagRule = (tag: string) => this.api.call(TagRuleBody, `/v1/tags/rules/${id(tag)}`, { method: 'DELETE' });
  tagHistory = async (tag: string, customer?: string) =>
    (
      await this.api.call(
        TagHistoryResponse,
        `/v1/tags/rules/${id(tag)}/history${customer ? `?customer=${id(customer)}` : ''}`,
      )
    ).history;
}
