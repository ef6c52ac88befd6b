/*
 * Reports over HTTP: `GET /v1/reports` lists them with their parameters, `GET
 * /v1/reports/:name?from=…&to=…` runs one (parameters as the query string, named in errors).
 * The work and its errors are @strata/reports', as on the CLI.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import type { ReportBody, ReportCatalogResponse } from '@strata/api';
import type { Clock, SqlRunner } from '@strata/core';
import { reportCatalog, runReport } from '@strata/reports';

export interface ReportRouteDeps {
  db: SqlRunner;
  clock: Clock;
  requireApiKey: MiddlewareHandler;
  /** How long one of a report's queries may run (default 30 s). */
  queryTimeoutMs?: number;
}

export function registerReportRoutes(app: Hono, deps: ReportRouteDeps): void {
  app.get('/v1/reports', deps.requireApiKey, (c) => c.json({ reports: reportCatalog } satisfies ReportCatalogResponse));
  app.get('/v1/reports/:name', deps.requireApiKey, async (c) => {
    const report: ReportBody = await runReport(deps.db, c.req.param('name') ?? '', c.req.query(), {
      clock: deps.clock,
      ...(deps.queryTimeoutMs !== undefined ? { timeoutMs: deps.queryTimeoutMs } : {}),
    });
    return c.json(report);
  });
}
