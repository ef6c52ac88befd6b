import { AppError, closest, systemClock, type Clock, type SqlRunner } from '@strata/core';
import { DEFAULT_COHORT_MONTHS, overviewScope, overviewTables } from './overview.js';
import { requireDuckDb, type ReportContext } from './report-context.js';
import type { Report, ReportTable } from './report.js';
import {
  addDays,
  checkedParameters,
  checkedRange,
  findSavedSegment,
  today,
  type ParameterSpec,
  type RawParameters,
} from './report-params.js';
import {
  chosenSegments,
  MAX_OVERLAP_SEGMENTS,
  overlapTables,
  revenueShareTables,
  segmentSizesTables,
} from './segment-reports.js';
import { transitionDimensions, transitionTables, type TransitionDimension } from './transitions.js';

/** Days a segment-sizes or transitions report looks back when `from` is not given. */
export const DEFAULT_LOOKBACK_DAYS = 30;
/** Intersections an overlap report lists when `limit` is not given. */
export const DEFAULT_INTERSECTIONS = 20;

const from = (what: string): ParameterSpec => ({ name: 'from', kind: 'day', description: `first day (UTC) ${what}` });
const to: ParameterSpec = { name: 'to', kind: 'day', description: 'last day (UTC); default today' };

interface Made {
  tables: ReportTable[];
  notes?: string[];
  /** Parameters as used, defaults filled in. */
  used: Record<string, string | null>;
}

interface ReportSpec {
  title: string;
  description: string;
  parameters: readonly ParameterSpec[];
  make(ctx: ReportContext, params: RawParameters): Promise<Made>;
}

const specs = {
  overview: {
    title: 'Store overview',
    description:
      'customers, buyers, revenue, orders, AOV, repeat rate, lifecycle stages, the RFM grid, cohort retention, revenue by country, shop, brand and age group',
    parameters: [
      from('of the orders counted; default all time'),
      to,
      { name: 'segment', kind: 'segment', description: "only this saved segment's members (name or id)" },
      {
        name: 'months',
        kind: 'count',
        min: 1,
        max: 36,
        description: `cohorts and months after the first order (default ${DEFAULT_COHORT_MONTHS})`,
      },
    ],
    async make(ctx, params) {
      const end = params.to ?? today(ctx.clock);
      if (params.from) checkedRange(params.from, end);
      const scope = await overviewScope(ctx, params, end);
      const { tables, notes } = await overviewTables(ctx, scope);
      return {
        tables,
        notes,
        used: { from: scope.from, to: end, segment: scope.segment?.name ?? null, months: String(scope.months) },
      };
    },
  },
  'segment-sizes': {
    title: 'Segment size over time',
    description: "a saved segment's size at the end of each day, and its entries and exits per day",
    parameters: [
      { name: 'segment', kind: 'segment', description: 'the saved segment (name or id); required' },
      from(`; default ${DEFAULT_LOOKBACK_DAYS - 1} days before to`),
      to,
    ],
    async make(ctx, params) {
      if (!params.segment)
        throw new AppError('invalid', 'segment-sizes needs a saved segment: segment=<name or id>', [
          { field: 'segment', message: 'required' },
        ]);
      const segment = await findSavedSegment(ctx.db, params.segment);
      const end = params.to ?? today(ctx.clock);
      const start = params.from ?? addDays(end, -(DEFAULT_LOOKBACK_DAYS - 1));
      checkedRange(start, end);
      return {
        tables: await segmentSizesTables(ctx, segment, { from: start, to: end }),
        used: { segment: segment.name, from: start, to: end },
      };
    },
  },
  overlap: {
    title: 'Segment overlap',
    description: 'members shared by each pair of saved segments, and an UpSet table of every combination',
    parameters: [
      {
        name: 'segments',
        kind: 'segments',
        description: `saved segments, comma-separated (2 to ${MAX_OVERLAP_SEGMENTS}); default the ${MAX_OVERLAP_SEGMENTS} largest`,
      },
      {
        name: 'limit',
        kind: 'count',
        min: 1,
        max: 1000,
        description: `intersections listed, largest first (default ${DEFAULT_INTERSECTIONS})`,
      },
    ],
    async make(ctx, params) {
      const segments = await chosenSegments(ctx, params.segments, MAX_OVERLAP_SEGMENTS);
      const limit = Number(params.limit ?? DEFAULT_INTERSECTIONS);
      return {
        tables: await overlapTables(ctx, segments, limit),
        notes: ['members now (segment_members, kept by the live engine)'],
        used: { segments: segments.map((s) => s.name).join(','), limit: String(limit) },
      };
    },
  },
  'revenue-share': {
    title: 'Revenue share',
    description: "each saved segment's share of customers and of revenue, and buyers by spend decile",
    parameters: [from('of the orders counted; default all time'), to],
    async make(ctx, params) {
      const end = params.to ?? today(ctx.clock);
      if (params.from) checkedRange(params.from, end);
      return {
        tables: await revenueShareTables(ctx, { from: params.from ?? null, to: end }),
        notes: [
          `revenue: confirmed orders placed ${params.from ? `from ${params.from} ` : ''}up to ${end} (UTC), by each segment's members now`,
        ],
        used: { from: params.from ?? null, to: end },
      };
    },
  },
  transitions: {
    title: 'Transitions',
    description: 'movement between RFM segments or lifecycle stages from one day to another (a transition matrix)',
    parameters: [
      { name: 'by', kind: 'choice', choices: transitionDimensions, description: 'rfm (default) or lifecycle' },
      from(`; default ${DEFAULT_LOOKBACK_DAYS} days before to`),
      to,
    ],
    async make(ctx, params) {
      const end = params.to ?? today(ctx.clock);
      const start = params.from ?? addDays(end, -DEFAULT_LOOKBACK_DAYS);
      checkedRange(start, end);
      const by = (params.by ?? 'rfm') as TransitionDimension;
      const { tables, notes } = await transitionTables(ctx, by, { from: start, to: end });
      return { tables, notes, used: { by, from: start, to: end } };
    },
  },
} satisfies Record<string, ReportSpec>;

export type ReportName = keyof typeof specs;
export const reportNames = Object.keys(specs) as ReportName[];

/** Each report's name, title, what it shows and the parameters it takes (for help texts and the dashboard). */
export const reportCatalog = reportNames.map((name) => ({
  name,
  title: specs[name].title,
  description: specs[name].description,
  parameters: specs[name].parameters.map((p): ParameterSpec => ({ ...p })),
}));

export interface RunReportOptions {
  clock?: Clock;
  /** Each query is stopped once it has run this long (default 30 s). */
  timeoutMs?: number;
  /** Called after each query with its text and duration (benchmarks, logs). */
  onQuery?: (sql: string, ms: number) => void;
}

/** Runs a report by name: AppError 'not_found' for an unknown name, 'invalid' for a bad parameter. */
export async function runReport(
  db: SqlRunner,
  name: string,
  raw: RawParameters = {},
  options: RunReportOptions = {},
): Promise<Report> {
  const spec = (specs as Record<string, ReportSpec>)[name];
  if (!spec) {
    const near = closest(name, reportNames);
    throw new AppError(
      'not_found',
      `no report "${name}"${near ? ` (did you mean "${near}"?)` : ''}; the reports are ${reportNames.join(', ')}`,
    );
  }
  requireDuckDb(db);
  const clock = options.clock ?? systemClock;
  const ctx: ReportContext = {
    db,
    clock,
    timeoutMs: options.timeoutMs ?? 30_000,
    ...(options.onQuery ? { onQuery: options.onQuery } : {}),
  };
  const params = checkedParameters(name, spec.parameters, raw);
  const made = await spec.make(ctx, params);
  return {
    report: name,
    title: spec.title,
    generatedAt: clock.now().toISOString(),
    parameters: made.used,
    notes: made.notes ?? [],
    tables: made.tables,
  };
}
