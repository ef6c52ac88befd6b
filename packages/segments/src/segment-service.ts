import { randomUUID } from 'node:crypto';
import {
  AppError,
  LiveSetting,
  displayValue,
  formatNumber,
  isQueryFileWriter,
  systemClock,
  type Clock,
  type QueryFileFormat,
  type SqlParam,
  type SqlRunner,
} from '@strata/core';
import {
  defaultCatalog,
  hasErrors,
  itemReferences,
  measuredAtProfileRun,
  parseSegment,
  printIR,
  profileFactColumns,
  queryCost,
  QueryLimits,
  type ConditionIR,
  toFieldList,
  type Diagnostic,
  type Expr,
  type FieldCatalog,
  type FieldList,
  type PercentileIR,
  type SegmentIR,
} from '@strata/segment-lang';
import { compileExplain, compileSegment, SegmentCompileError, type QueryShape, type RowColumn, type RowRender } from '@strata/sql';
import { unknownItems } from './item-check.js';
import { findReadySegment, readySegmentText } from './library.js';

/** A query the user wrote that does not parse or bind: the diagnostics say where and why. */
export class SegmentQueryError extends AppError {
  constructor(
    readonly text: string,
    readonly diagnostics: readonly Diagnostic[],
  ) {
    super(
      'invalid',
      `the segment query has ${diagnostics.filter((d) => d.severity === 'error').length} error(s)`,
      diagnostics.map((d) => ({ where: `characters ${d.span.start}–${d.span.end}`, field: d.code, message: d.hint ? `${d.message} (${d.hint})` : d.message })),
    );
  }
}

export type SegmentDefinition = { text: string } | { ir: SegmentIR } | { segment: string } | { ready: string; params?: Record<string, string | number> };

/** Saved segments by id and by name, as segment references name them. */
export const savedByKey = (saved: readonly SavedSegment[]): Map<string, SegmentIR> =>
  new Map(saved.flatMap((s) => [[s.id, s.ir] as const, [s.name, s.ir] as const]));

export interface SavedSegment {
  id: string;
  name: string;
  description: string;
  text: string;
  ir: SegmentIR;
  created_at: string;
  updated_at: string;
}

export interface ExplainLine {
  depth: number;
  condition: string;
  matched: boolean;
  /** The data behind the answer, e.g. `total_spent = 786.32`. */
  because?: string;
  /** A percentile condition's cut-off as of the evaluation time, e.g. `top 10% = total_spent ≥ 1,234.50`. */
  cutoff?: string;
}

export interface SegmentExplanation {
  customer: string;
  /** The evaluation time the answer holds for. */
  asOf: string;
  matched: boolean;
  lines: ExplainLine[];
}

export interface SegmentServiceOptions {
  /** Stamps saved segments; evaluation times come from the profiles (see {@link SegmentService.evaluationTime}). */
  clock?: Clock;
  catalog?: FieldCatalog;
  /** An evaluation running longer is stopped in the engine (default {@link DEFAULT_QUERY_TIMEOUT_MS}). */
  queryTimeoutMs?: number;
}

/** How long one segment query may run by default: far more than any hand-written segment takes on a million customers. */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/** The profile fields a query reads, saved segments it refers to included. */
function fieldsRead(ir: SegmentIR, saved: ReadonlyMap<string, SegmentIR>): Set<string> {
  const fields = new Set<string>();
  const seen = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if ((n.kind === 'compare' || n.kind === 'percentile') && typeof n.field === 'string') fields.add(n.field);
    if (n.kind === 'segmentRef' && typeof n.segment === 'string' && !seen.has(n.segment)) {
      seen.add(n.segment);
      walk(saved.get(n.segment)?.root);
    }
    for (const v of Object.values(n)) if (v && typeof v === 'object') walk(v);
  };
  walk(ir.root);
  return fields;
}

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

/**
 * A percentile condition's cut-off in words: `top 10% = total_spent ≥ 1,234.50`, `bottom 25% =
 * aov ≤ 18.20`, `25th–75th percentile = visits_30d from 2 to 9`. Money shows cents, other numbers
 * are rounded for people (formatNumber); a cut-off that is missing means no customer in scope has a value.
 */
export function cutoffText(node: PercentileIR, catalog: FieldCatalog, low: unknown, high: unknown): string {
  const money = Object.hasOwn(catalog, node.field) && catalog[node.field]!.type === 'money';
  const show = (v: unknown) => {
    const n = typeof v === 'number' ? v : Number(v);
    if (v === null || v === undefined || Number.isNaN(n)) return 'nothing';
    return money ? n.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : formatNumber(n);
  };
  const r = node.rank;
  if (r.kind === 'top') return `top ${r.percent}% = ${node.field} ≥ ${show(low)}`;
  if (r.kind === 'bottom') return `bottom ${r.percent}% = ${node.field} ≤ ${show(high)}`;
  return `${r.low}th–${r.high}th percentile = ${node.field} from ${show(low)} to ${show(high)}`;
}

/**
 * Evaluates segments against a store through the core SQL port: parse → bind → compile for the
 * store's dialect → run. Also keeps the store's saved segments.
 *
 * Engine-neutral as far as its own SQL goes: the same answers on DuckDB and PostgreSQL
 * (testkit/test/segment-engines.test.ts). It reads tables it does not create, though:
 * customer_profile (the DuckDB-only profile engine) and segments (the DuckDB store's migrations),
 * so on PostgreSQL it works only over tables copied there (copyTables), where saving a segment
 * fails for want of the key ON CONFLICT (id) needs.
 */
export class SegmentService {
  private readonly clock: Clock;
  private readonly catalog: FieldCatalog;
  /**
   * Times this service has returned from evaluationTime, with the definition they were checked
   * for: passing one back with the same definition (count, then members, then an explanation)
   * is not checked, and queried, again.
   */
  private readonly checkedTimes = new WeakMap<Date, string>();

  private readonly queryTimeoutMs: number;

  constructor(
    private readonly db: SqlRunner,
    options: SegmentServiceOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.catalog = options.catalog ?? defaultCatalog;
    this.queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  }

  /** Every field, event and consent channel this service's segments can use (`GET /v1/fields`). */
  fields(): FieldList {
    return toFieldList(this.catalog);
  }

  /**
   * Runs an evaluation on the store's read connection (ingest never waits behind it), stopped
   * after the query timeout.
   */
  private async evaluate<T>(q: { sql: string; params: readonly SqlParam[] }): Promise<T[]> {
    try {
      return await this.db.read<T>(q.sql, q.params, { timeoutMs: this.queryTimeoutMs });
    } catch (e) {
      throw this.costly(e);
    }
  }

  /** An evaluation stopped for its time or memory, said in the words of segments; other errors as they are. */
  private costly(e: unknown): unknown {
    if (!(e instanceof AppError) || e.kind !== 'too_costly') return e;
    const memory = e.details[0]?.field === 'memory';
    const what = memory
      ? 'the segment needed more memory than the store may use and was stopped'
      : `the segment took longer than ${this.queryTimeoutMs / 1000} s to evaluate and was stopped`;
    const raise = memory ? 'STRATA_MEMORY_LIMIT' : 'STRATA_QUERY_TIMEOUT, in seconds';
    return new AppError(
      'too_costly',
      `${what}; narrow it (fewer behaviour conditions or sequences, shorter windows), or raise the limit (${raise})`,
      e.details,
      { cause: e },
    );
  }

  /** Refuses a query that, with the saved segments it refers to, is over the cost limits (QueryLimits). */
  private checkCost(ir: SegmentIR, saved: ReadonlyMap<string, SegmentIR>): void {
    const { overrun } = queryCost<ConditionIR>(ir.root, (node) => {
      if (node.kind !== 'segmentRef') return undefined;
      const inner = saved.get(node.segment);
      return inner ? { key: node.segment, root: inner.root } : undefined;
    });
    if (overrun) {
      throw new AppError('invalid', `${overrun.message}, counting the saved segments it refers to`, [
        { field: 'query', message: `over the limit of ${QueryLimits[overrun.limit]} ${overrun.limit === 'historyReads' ? 'history reads' : overrun.limit}` },
      ]);
    }
  }

  /** Parses and binds text; throws SegmentQueryError with the diagnostics when it has errors. */
  async parse(text: string): Promise<{ ir: SegmentIR; ast: Expr; text: string; warnings: Diagnostic[] }> {
    const saved = await this.list();
    const r = parseSegment(text, this.catalog, { segments: saved.flatMap((s) => [s.id, s.name]) });
    if (!r.ir || !r.ast || hasErrors(r.diagnostics)) throw new SegmentQueryError(text, r.diagnostics);
    return { ir: r.ir, ast: r.ast, text, warnings: r.diagnostics.filter((d) => d.severity !== 'error') };
  }

  async resolve(def: SegmentDefinition): Promise<SegmentIR> {
    if ('ir' in def) return def.ir;
    if ('text' in def) return (await this.parse(def.text)).ir;
    if ('ready' in def) return (await this.parse(await this.textOf(def))).ir;
    const saved = await this.get(def.segment);
    return saved.ir;
  }

  /** The text a definition is evaluated as: a ready segment's filled-in template, a saved segment's text. */
  async textOf(def: SegmentDefinition): Promise<string> {
    if ('text' in def) return def.text;
    if ('ir' in def) return printIR(def.ir);
    if ('ready' in def) {
      const ready = findReadySegment(def.ready);
      if (!ready) throw new AppError('not_found', `no ready segment "${def.ready}"`);
      return readySegmentText(ready, def.params);
    }
    return (await this.get(def.segment)).text;
  }

  /**
   * What may make an answer surprising without being an error: the query's own warnings (an
   * event type the catalog does not know, …) and each product, category, brand or collection it
   * names that the store does not have, which matches nobody (negated, everybody). Spans point
   * into `text`, the query as evaluated.
   */
  async warnings(def: SegmentDefinition): Promise<{ text: string; warnings: Diagnostic[] }> {
    const text = await this.textOf(def);
    const { ast, warnings } = await this.parse(text);
    const store = await unknownItems(this.db, itemReferences(ast, this.catalog));
    return { text, warnings: [...warnings, ...store].sort((a, b) => a.span.start - b.span.start) };
  }

  /** Segments read the profiles: without a profile run there is nothing to read yet. */
  private async profilesAsOf(): Promise<Date> {
    const [row] = await this.db.query<{ n: number }>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'customer_profile'`);
    if (!Number(row?.n ?? 0)) throw new AppError('not_found', 'no customer profiles yet: run `strata profiles compute` (segments are evaluated on the profiles)');
    const [run] = await this.db.query<{ as_of: string | null }>(`SELECT max(as_of) AS as_of FROM profile_runs WHERE status = 'complete'`);
    if (!run?.as_of) throw new AppError('not_found', 'no complete profile run yet: run `strata profiles compute`');
    const present = await this.db.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'customer_profile'`,
    );
    const missing = profileFactColumns.filter((c) => !present.some((p) => p.name === c));
    if (missing.length)
      throw new AppError(
        'not_found',
        `the customer profiles were computed by an older version of Strata and lack ${missing.join(', ')}: run \`strata profiles compute\` once to bring them up to date`,
      );
    const profiled = new Date(run.as_of);
    const live = await this.liveUntil();
    if (!live) return profiled;
    // Live profiles stay true until the first customer's re-check is due (nothing is pending):
    // evaluate now, or just before that re-check when the engine has not taken it yet.
    const now = this.clock.now().getTime();
    return new Date(Math.max(profiled.getTime(), Math.min(now, live.getTime() - 1)));
  }

  /**
   * On a store the live engine keeps (docs/live.md), the time until which its profiles are
   * current: the earliest re-check due, when no written data waits for the engine. Undefined
   * otherwise (no live state, or data waiting): segments then count from the last profile run.
   */
  private async liveUntil(): Promise<Date | undefined> {
    const [state] = await this.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('live_pending', 'live_due', 'settings')`,
    );
    if (Number(state?.n ?? 0) < 3) return undefined;
    const [row] = await this.db.query<{ live: boolean; pending: boolean; due: string | null }>(
      `SELECT EXISTS (SELECT 1 FROM settings WHERE key = $1) AS live,
              EXISTS (SELECT 1 FROM live_pending) AS pending,
              (SELECT min(due_at) FROM live_due) AS due`,
      [LiveSetting.lastRecompute],
    );
    if (!row?.live || row.pending) return undefined;
    return row.due ? new Date(row.due) : new Date(8.64e15);
  }

  private async savedIrs(): Promise<Map<string, SegmentIR>> {
    return savedByKey(await this.list());
  }

  /**
   * The time a segment is evaluated at: "30 days ago", every window and `days_since_last_order`
   * count from it. By default it is the as-of time of the latest profile run, so the stored
   * traits (lifecycle stage, RFM scores, visits in the last 30 days, P(alive)) and the relative
   * conditions are measured from the same instant. An earlier time is refused (the profiles
   * already count later orders), and so is a later one when the query reads a trait measured
   * at the profile run: either would be silently wrong.
   */
  async evaluationTime(def: SegmentDefinition, asked?: Date): Promise<Date> {
    const key = JSON.stringify(def);
    if (asked && this.checkedTimes.get(asked) === key) return asked;
    const at = await this.checkTime(def, asked);
    this.checkedTimes.set(at, key);
    return at;
  }

  private async checkTime(def: SegmentDefinition, asked?: Date): Promise<Date> {
    const profiled = await this.profilesAsOf();
    if (!asked) return profiled;
    if (Number.isNaN(asked.getTime())) throw new AppError('invalid', 'as_of is not a time');
    const fix = `compute the profiles as of that time first (\`strata profiles compute --as-of ${iso(asked)}\`)`;
    if (asked.getTime() < profiled.getTime())
      throw new AppError(
        'invalid',
        `cannot evaluate as of ${iso(asked)}: the profiles are as of ${iso(profiled)} and already count what happened after it; ${fix}`,
        [{ field: 'as_of', message: `before the profiles' as-of time ${iso(profiled)}` }],
      );
    if (asked.getTime() > profiled.getTime()) {
      const ir = await this.resolve(def);
      const stale = [...fieldsRead(ir, await this.savedIrs())].filter((f) => measuredAtProfileRun.has(f));
      if (stale.length)
        throw new AppError(
          'invalid',
          `cannot evaluate as of ${iso(asked)}: ${stale.map((f) => `\`${f}\``).join(', ')} ${stale.length > 1 ? 'are' : 'is'} measured as of the profiles (${iso(profiled)}); ${fix}`,
          [{ field: 'as_of', message: `after the profiles' as-of time ${iso(profiled)}` }],
        );
    }
    return asked;
  }

  private async compile(def: SegmentDefinition, shape: QueryShape, at: Date, known?: ReadonlyMap<string, SegmentIR>) {
    const ir = await this.resolve(def);
    const saved = known ?? (await this.savedIrs());
    this.checkCost(ir, saved);
    try {
      return compileSegment(ir, { dialect: this.db.dialect, now: at, catalog: this.catalog, resolveSegment: (n) => saved.get(n) }, shape);
    } catch (e) {
      if (e instanceof SegmentCompileError) throw new AppError('invalid', e.message);
      throw e;
    }
  }

  /**
   * The SQL of a saved or ad hoc segment's member ids as of `at`, not run: for callers that run it
   * inside their own transaction (the live engine re-evaluates saved segments for the customers a
   * write touched). Cost limits apply as for any evaluation. `saved` (savedByKey of `list()`) spares
   * reading the saved segments again for each of many queries.
   */
  async idsQuery(def: SegmentDefinition, at: Date, saved?: ReadonlyMap<string, SegmentIR>): Promise<{ sql: string; params: readonly SqlParam[] }> {
    return this.compile(def, { kind: 'ids' }, at, saved);
  }

  /** The number of members as of `asOf` (default: the profiles' as-of time). */
  async count(def: SegmentDefinition, asOf?: Date): Promise<number> {
    const q = await this.compile(def, { kind: 'count' }, await this.evaluationTime(def, asOf));
    const [row] = await this.evaluate<{ count: number }>(q);
    return Number(row?.count ?? 0);
  }

  /** A page of member ids, ordered by id. */
  async members(def: SegmentDefinition, page: { limit: number; offset: number }, asOf?: Date): Promise<string[]> {
    if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > 100_000) throw new AppError('invalid', 'limit must be a whole number from 1 to 100,000');
    if (!Number.isSafeInteger(page.offset) || page.offset < 0)
      throw new AppError('invalid', `offset must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER.toLocaleString('en')}`);
    const q = await this.compile(def, { kind: 'page', limit: page.limit, offset: page.offset }, await this.evaluationTime(def, asOf));
    return (await this.evaluate<{ customer_id: string }>(q)).map((r) => r.customer_id);
  }

  /**
   * Every member id in id order, fetched in pages after the last id seen (keyset paging), so a
   * million-member export costs the same per page from start to end. All pages share one
   * evaluation time.
   */
  async *allMembers(def: SegmentDefinition, options: { asOf?: Date; pageSize?: number } = {}): AsyncGenerator<string> {
    const pageSize = options.pageSize ?? 10_000;
    const at = await this.evaluationTime(def, options.asOf);
    let after: string | null = null;
    for (;;) {
      const q = await this.compile(def, { kind: 'after', limit: pageSize, after }, at);
      const ids = (await this.evaluate<{ customer_id: string }>(q)).map((r) => r.customer_id);
      yield* ids;
      if (ids.length < pageSize) return;
      after = ids[ids.length - 1]!;
    }
  }

  /**
   * Every member, in id order, with `columns`, written by the store's engine
   * to a local file (see QueryFileWriter); resolves with the number of rows. One query under the
   * query timeout, its pace the engine's own: a reader of the file never holds it open.
   */
  async writeRows(
    def: SegmentDefinition,
    rows: { columns: readonly RowColumn[]; render: RowRender; asOf?: Date },
    file: { path: string; format: QueryFileFormat },
  ): Promise<number> {
    const writer = this.db;
    if (!isQueryFileWriter(writer)) throw new AppError('unavailable', `exports need a store whose engine writes files (DuckDB); this one is ${this.db.dialect}`);
    const q = await this.compile(def, { kind: 'rows', columns: rows.columns, render: rows.render }, await this.evaluationTime(def, rows.asOf));
    try {
      return await writer.writeQueryToFile(q.sql, q.params, file, { timeoutMs: this.queryTimeoutMs });
    } catch (e) {
      throw this.costly(e);
    }
  }

  async explain(def: SegmentDefinition, customer: string, asOf?: Date): Promise<SegmentExplanation> {
    const ir = await this.resolve(def);
    const at = await this.evaluationTime(def, asOf);
    const saved = await this.savedIrs();
    this.checkCost(ir, saved);
    const { query, nodes } = compileExplain(ir, { dialect: this.db.dialect, now: at, catalog: this.catalog, resolveSegment: (n) => saved.get(n) }, customer);
    const [row] = await this.evaluate<Record<string, unknown>>(query);
    if (!row) throw new AppError('not_found', `no customer "${customer}"`);
    const lines = nodes.map((n): ExplainLine => {
      const line: ExplainLine = { depth: n.path.length, condition: printIR(n.node), matched: row[n.truth] === true };
      if (n.detail) line.because = `${n.detailLabel} = ${displayValue(row[n.detail])}`;
      if (n.cutoffs && n.node.kind === 'percentile')
        line.cutoff = cutoffText(
          n.node,
          this.catalog,
          n.cutoffs.low ? row[n.cutoffs.low] : undefined,
          n.cutoffs.high ? row[n.cutoffs.high] : undefined,
        );
      return line;
    });
    return { customer, asOf: at.toISOString(), matched: lines[0]?.matched ?? false, lines };
  }

  /* ---- saved segments ---- */

  async list(): Promise<SavedSegment[]> {
    const rows = await this.db.query<SavedSegment & { ir: string }>(`SELECT id, name, description, text, ir, created_at, updated_at FROM segments ORDER BY name`);
    return rows.map((r) => ({ ...r, ir: (typeof r.ir === 'string' ? JSON.parse(r.ir) : r.ir) as SegmentIR }));
  }

  async get(idOrName: string): Promise<SavedSegment> {
    const found = (await this.list()).find((s) => s.id === idOrName || s.name === idOrName);
    if (!found) throw new AppError('not_found', `no saved segment "${idOrName}"`);
    return found;
  }

  async save(input: { id?: string; name: string; description?: string; text: string }): Promise<SavedSegment> {
    const name = input.name.trim();
    if (!name) throw new AppError('invalid', 'a segment needs a name', [{ field: 'name', message: 'empty' }]);
    const { ir } = await this.parse(input.text);
    const existing = (await this.list()).find((s) => s.name === name && s.id !== input.id);
    if (existing) throw new AppError('conflict', `a segment named "${name}" already exists (${existing.id})`);
    const id = input.id ?? randomUUID();
    const stamp = this.clock.now().toISOString();
    await this.db.exec(
      `INSERT INTO segments (id, name, description, text, ir, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, text = excluded.text, ir = excluded.ir, updated_at = excluded.updated_at`,
      [id, name, input.description ?? '', input.text, JSON.stringify(ir), stamp],
    );
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.db.exec(`DELETE FROM segments WHERE id = $1`, [id]);
  }
}
