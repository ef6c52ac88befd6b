import { z } from 'zod';

/**
 * Reports over HTTP (`GET /v1/reports`, `GET /v1/reports/:name`): every report is a few tables of
 * plain values whose columns are named, labelled and typed (docs/reports.md describes each).
 */

export const ReportColumnBody = z.object({
  name: z.string(),
  label: z.string(),
  /** text | integer | number | money | share (0–1) | day (YYYY-MM-DD) | month (YYYY-MM) */
  type: z.enum(['text', 'integer', 'number', 'money', 'share', 'day', 'month']),
});
export type ReportColumnBody = z.infer<typeof ReportColumnBody>;

export const ReportTableBody = z.object({
  id: z.string(),
  title: z.string(),
  columns: z.array(ReportColumnBody),
  rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))),
});
export type ReportTableBody = z.infer<typeof ReportTableBody>;

export const ReportBody = z.object({
  report: z.string(),
  title: z.string(),
  generatedAt: z.string(),
  parameters: z.record(z.string(), z.string().nullable()),
  notes: z.array(z.string()),
  tables: z.array(ReportTableBody),
});
export type ReportBody = z.infer<typeof ReportBody>;

export const ReportCatalogResponse = z.object({
  reports: z.array(
    z.object({
      name: z.string(),
      title: z.string(),
      description: z.string(),
      parameters: z.array(
        z.object({
          name: z.string(),
          kind: z.string(),
          description: z.string(),
          choices: z.array(z.string()).readonly().optional(),
          min: z.number().optional(),
          max: z.number().optional(),
        }),
      ),
    }),
  ),
});
export type ReportCatalogResponse = z.infer<typeof ReportCatalogResponse>;
