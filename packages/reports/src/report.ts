/**
 * What every report answers: a few tables of plain values, each column named, labelled and typed,
 * so the CLI prints them (or writes CSV) and the dashboard draws them without knowing each report.
 */

/**
 * How a column's values read: `integer` counts, `number` other quantities, `money` amounts in
 * the store's currency, `share` a fraction from 0 to 1 (shown as a percentage), `day` YYYY-MM-DD,
 * `month` YYYY-MM, `text` anything else. A value is null where there is nothing to show.
 */
export const ColumnType = {
  text: 'text',
  integer: 'integer',
  number: 'number',
  money: 'money',
  share: 'share',
  day: 'day',
  month: 'month',
} as const;
export type ColumnType = (typeof ColumnType)[keyof typeof ColumnType];
export const columnTypes = Object.values(ColumnType);

export interface ReportColumn {
  /** The key of the column's values in each row (snake_case). */
  name: string;
  /** How people read its heading. */
  label: string;
  type: ColumnType;
}

export type ReportValue = string | number | null;
export type ReportRow = Record<string, ReportValue>;

export interface ReportTable {
  /** Stable within its report (`totals`, `lifecycle`, `pairs`, …). */
  id: string;
  title: string;
  columns: ReportColumn[];
  rows: ReportRow[];
}

export interface Report {
  /** The report's name as asked for (`overview`, `segment-sizes`, …). */
  report: string;
  title: string;
  /** When it was made (the clock's now). */
  generatedAt: string;
  /** Every parameter the report takes, as it was used (defaults filled in); null where unset. */
  parameters: Record<string, string | null>;
  /** What the numbers rest on, in plain words (the profile run used, what is left out). */
  notes: string[];
  tables: ReportTable[];
}

export const col = (name: string, label: string, type: ColumnType): ReportColumn => ({ name, label, type });

/** A number from a query (DuckDB hands back big integers and decimals as numbers or strings). */
export const num = (v: unknown): number => Number(v ?? 0);

/** `part / whole`, or null when there is no whole to take a share of. */
export const share = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** Money rounded to cents, as a user reads it (sums of doubles carry float noise). */
export const money = (v: unknown): number => Math.round(num(v) * 100) / 100;

const csvCell = (v: ReportValue): string => {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** A table as CSV (RFC 4180): a header of column names, then one line per row, values as they are. */
export function tableToCsv(table: ReportTable): string {
  const lines = [table.columns.map((c) => csvCell(c.name)).join(',')];
  for (const row of table.rows) lines.push(table.columns.map((c) => csvCell(row[c.name] ?? null)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
