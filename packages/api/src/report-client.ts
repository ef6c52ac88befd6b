import { ReportBody, ReportCatalogResponse } from './report-schemas.js';
import type { ApiClient } from './client.js';

/** The report routes (`/v1/reports`) as typed calls on an ApiClient. */
export class ReportClient {
  constructor(private readonly api: ApiClient) {}

  list = async () => (await this.api.call(ReportCatalogResponse, '/v1/reports')).reports;
  /** A report by name; its parameters as the query string (absent ones left out). */
  run = (name: string, parameters: Readonly<Record<string, string | undefined>> = {}) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(parameters)) if (v !== undefined) q.set(k, v);
    const s = q.toString();
    return this.api.call(ReportBody, `/v1/reports/${encodeURIComponent(name)}${s ? `?${s}` : ''}`);
  };
}
