import type { Command } from 'commander';
import type { ReportBody, ReportTableBody } from '@strata/api';
import { AppError } from '@strata/core';
import { reportCatalog, reportNames, tableToCsv } from '@strata/reports';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';

type Value = string | number | null;
type ColumnType = ReportTableBody['columns'][number]['type'];

const shown: Record<ColumnType, (v: number | string) => string> = {
  text: String,
  day: String,
  month: String,
  integer: (v) => Number(v).toLocaleString('en'),
  number: (v) => Number(v).toLocaleString('en', { maximumFractionDigits: 4 }),
  money: (v) => Number(v).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  share: (v) => `${(Number(v) * 100).toFixed(1)}%`,
};
const cell = (type: ColumnType, v: Value | undefined) => (v === null || v === undefined ? '–' : shown[type](v));
const rightAligned = (type: ColumnType) => type !== 'text' && type !== 'day' && type !== 'month';

/** A table as a person reads it: one row as `label: value` lines, more as aligned columns. */
function printTable(io: Io, t: ReportTableBody): void {
  io.out('');
  io.out(t.title);
  if (t.rows.length === 0) return io.out('  (nothing)');
  if (t.rows.length === 1) {
    const width = Math.max(...t.columns.map((c) => c.label.length)) + 1;
    for (const c of t.columns) io.out(`  ${`${c.label}:`.padEnd(width)} ${cell(c.type, t.rows[0]![c.name])}`);
    return;
  }
  const cells = t.rows.map((r) => t.columns.map((c) => cell(c.type, r[c.name])));
  const widths = t.columns.map((c, i) => Math.max(c.label.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    `  ${values.map((v, i) => (rightAligned(t.columns[i]!.type) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  io.out(line(t.columns.map((c) => c.label)));
  for (const row of cells) io.out(line(row));
}

export function printReport(io: Io, r: ReportBody): void {
  io.out(r.title);
  const params = Object.entries(r.parameters)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${v}`);
  if (params.length) io.out(`  ${params.join('  ')}`);
  for (const note of r.notes) io.out(`  ${note}`);
  for (const t of r.tables) printTable(io, t);
}

/** The one table `--csv` writes: the one named, or the report's only one. */
function csvTable(r: ReportBody, id: string | undefined): ReportTableBody {
  const ids = r.tables.map((t) => t.id);
  if (id === undefined) {
    if (r.tables.length === 1) return r.tables[0]!;
    throw new AppError('invalid', `--csv writes one table: name it with --table (${ids.join(', ')})`, [
      { field: 'table', message: 'required with --csv' },
    ]);
  }
  const t = r.tables.find((x) => x.id === id);
  if (!t)
    throw new AppError('invalid', `the ${r.report} report has no table "${id}" (${ids.join(', ')})`, [
      { field: 'table', message: 'no such table' },
    ]);
  return t;
}

/** The parameters' options, one per parameter name any report takes (each report checks its own). */
const parameterOptions = [...new Map(reportCatalog.flatMap((r) => r.parameters).map((p) => [p.name, p])).values()];
const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function registerReport(program: Command, io: Io, globals: () => GlobalOptions): void {
  const command = program
    .command('report')
    .description(
      `a report over the store, printed as tables (or --csv, or --json): ${reportCatalog.map((r) => `${r.name} (${r.description})`).join('; ')}`,
    )
    .argument('<name>', reportNames.join(' | '))
    .option('--csv', 'write one table as CSV (with --table when the report has several)', false)
    .option('--table <id>', 'the table --csv writes');
  for (const p of parameterOptions) {
    const takers = reportCatalog.filter((r) => r.parameters.some((q) => q.name === p.name)).map((r) => r.name);
    command.option(`--${p.name} <${p.kind}>`, `${p.description} [${takers.join(', ')}]`);
  }
  command.action(async (name: string, opts: Record<string, string | boolean | undefined>) => {
    const g = globals();
    const parameters: Record<string, string | undefined> = {};
    for (const p of parameterOptions) {
      const v = opts[camel(p.name)];
      if (typeof v === 'string') parameters[p.name] = v;
    }
    const report = await withBackend(io, g, (b) => b.report(name, parameters));
    if (opts.csv)
      return io.out(
        tableToCsv(csvTable(report, opts.table as string | undefined))
          .trimEnd()
          .replaceAll('\r\n', '\n'),
      );
    if (g.json) return printJson(io, report);
    printReport(io, report);
  });
}
