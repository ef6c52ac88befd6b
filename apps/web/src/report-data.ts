import type { ReportBody, ReportTableBody } from '@strata/api';

/*
 * Tables of a report (docs/reports.md: a report is tables picked by id, each row keyed by column
 * name), read as the overview page draws them. A table the server did not send reads as empty, so
 * an older server shows less rather than breaking the page.
 */

export type ReportRow = ReportTableBody['rows'][number];

/** A period of orders: UTC days `YYYY-MM-DD`; empty means "from the first order" / "up to today". */
export interface Period {
  from: string;
  to: string;
}

export const noPeriod: Period = { from: '', to: '' };

/** The query string of `GET /v1/reports/overview` for a period. */
export function periodQuery(period: Period): string {
  const q = new URLSearchParams();
  if (period.from) q.set('from', period.from);
  if (period.to) q.set('to', period.to);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const tableOf = (report: ReportBody, id: string): ReportTableBody =>
  report.tables.find((t) => t.id === id) ?? { id, title: id, columns: [], rows: [] };

export const numberOf = (row: ReportRow | undefined, column: string): number | null => {
  const v = row?.[column];
  return typeof v === 'number' ? v : null;
};

export const textOf = (row: ReportRow | undefined, column: string): string => {
  const v = row?.[column];
  return v === null || v === undefined ? '' : String(v);
};

/** A cohort table: the cohort months as rows, `month_0` … `month_N` as the retention columns. */
export interface Cohorts {
  months: readonly string[];
  rows: readonly { cohort: string; customers: number; shares: readonly (number | null)[] }[];
}

export function cohortsOf(table: ReportTableBody): Cohorts {
  const months = table.columns.map((c) => c.name).filter((n) => /^month_\d+$/.test(n));
  return {
    months,
    rows: table.rows.map((r) => ({
      cohort: textOf(r, 'cohort'),
      customers: numberOf(r, 'customers') ?? 0,
      shares: months.map((m) => numberOf(r, m)),
    })),
  };
}

/** Revenue rows of a `revenue_by_*` table, named by `key`. */
export const revenueRows = (table: ReportTableBody, key: string) =>
  table.rows.map((r) => ({
    name: textOf(r, key),
    revenue: numberOf(r, 'revenue') ?? 0,
    share: numberOf(r, 'revenue_share'),
  }));
