import { AppError, LiveSetting, type Clock, type MembershipCause, type SqlParam, type SqlRunner } from '@strata/core';
import { dropSegmentMembership, recordMembership, recordMemberships } from '@strata/membership';
import {
  computeProfiles,
  defaultProfileConfig,
  updateProfiles,
  type ProfileConfig,
} from '@strata/profiles';
import { profileDrift, type ProfileDrift } from './profile-drift.js';
import { savedByKey, type SavedSegment, type SegmentService } from '@strata/segments';
import { customersDue, evaluateScope } from './scope-evaluation.js';
import { ranksCustomers, segmentChanges, type EvaluatedSegments } from './segment-plan.js';
import type { SegmentIR } from '@strata/segment-lang';

/*
 * The live engine keeps profiles and saved segments' membership current, one step at a time.
 * A step takes the customers whose data changed (live_pending, written in the same transaction
 * as the data) and those whose re-check is due (live_due), brings their profiles up to date as of
 * now, re-evaluates every saved segment for them, records each entry and exit, and schedules each
 * customer's next re-check: all in one transaction, so a crash at any moment leaves either the
 * step done or nothing of it, and the next step does it again.
 */

export interface LiveEngineOptions {
  clock: Clock;
  segments: SegmentService;
  config?: ProfileConfig;
  /** Customers taken from the pending and the due lists per step, each. */
  batchSize?: number;
  /** Segments that rank customers against each other ("top 10%") are evaluated for everyone this often. */
  rankEveryMs?: number;
  /** A saved segment that cannot be evaluated (a reference to a deleted one, over the cost limits). */
  onSegmentError?: (segment: SavedSegment, error: unknown) => void;
  /**
   * Where the time of a step or a recompute goes, one call per phase as it ends (`segmentId` for
   * the per-segment phases). For benchmarks and diagnostics: the work done is the same without it.
   */
  onPhase?: (phase: LivePhase, ms: number, segmentId?: string) => void;
}

/**
 * The phases of a step (and of a recompute): compiling the saved segments, choosing the customers
 * (scope), re-profiling them, evaluating each segment for them and recording its entries and
 * exits, naming the causes, scheduling the next re-checks, and the commit.
 */
export const LivePhase = {
  compile: 'compile',
  scope: 'scope',
  profiles: 'profiles',
  evaluate: 'evaluate',
  record: 'record',
  causes: 'causes',
  due: 'due',
  commit: 'commit',
} as const;
export type LivePhase = (typeof LivePhase)[keyof typeof LivePhase];

export interface StepReport {
  at: string;
  /** Customers re-evaluated because their data changed, and because a re-check was due. */
  byData: number;
  byTime: number;
  /** Customers whose rank-based traits (RFM, value tier) moved with others' orders. */
  reranked: number;
  /** Saved segments evaluated for everyone: new or changed, or ranking customers on their cadence. */
  wholeSegments: string[];
  entered: number;
  exited: number;
  /** Whether more pending or due customers are waiting (the step took a full batch). */
  more: boolean;
  ms: number;
}

const SEGMENTS_KEY = LiveSetting.segments;
const RANKED_KEY = LiveSetting.rankedAt;
const RECOMPUTE_KEY = LiveSetting.lastRecompute;
const BACKLOG_KEY = LiveSetting.dueBacklog;
/** Customers whose re-checks of new or changed segments a step schedules. */
const BACKLOG_SLICE = 5_000;

/**
 * New or changed saved segments whose re-check times are still being scheduled for everyone,
 * `after` the customer id reached so far. A segment's members are recorded for everyone at once
 * (in SQL) when it is saved; each customer's next time-based change of it (a cart that turns into
 * "abandoned" an hour later) needs their whole state, read a slice of customers per step.
 */
interface DueBacklog {
  segments: string[];
  after: string;
}

export interface RecomputeReport {
  at: string;
  runId: string;
  customers: number;
  /** Customers whose live profile differed from the recompute, and how many per trait. */
  profileDrift: ProfileDrift;
  /** Entries and exits the recompute recorded: zero when live membership was exact. */
  membershipDrift: { entered: number; exited: number };
  ms: number;
}

/** The temporary table of the customers one step re-evaluates: id, why (data | time), and a reference. */
const SCOPE = 'live_scope';

export class LiveEngine {
  private readonly clock: Clock;
  private readonly segments: SegmentService;
  private readonly config: ProfileConfig;
  private readonly batchSize: number;
  private readonly rankEveryMs: number;

  constructor(
    private readonly db: SqlRunner,
    private readonly options: LiveEngineOptions,
  ) {
    this.clock = options.clock;
    this.segments = options.segments;
    this.config = options.config ?? defaultProfileConfig;
    this.batchSize = options.batchSize ?? 5_000;
    this.rankEveryMs = options.rankEveryMs ?? 15 * 60_000;
  }

  /** Runs `fn`, reporting its duration to onPhase when one is given. */
  private async timed<T>(phase: LivePhase, fn: () => Promise<T>, segmentId?: string): Promise<T> {
    const onPhase = this.options.onPhase;
    if (!onPhase) return fn();
    const started = performance.now();
    const result = await fn();
    onPhase(phase, performance.now() - started, segmentId);
    return result;
  }

  /** Whether profiles have been computed (the engine builds on a first full run). */
  async ready(): Promise<boolean> {
    const [row] = await this.db.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM profile_runs WHERE kind = 'full' AND status = 'complete'`,
    );
    return Number(row?.n ?? 0) > 0;
  }

  /** Whether the store has live state: a recompute has evaluated the saved segments and scheduled re-checks. */
  async initialised(): Promise<boolean> {
    return (await this.ready()) && (await this.setting(RECOMPUTE_KEY)) !== undefined;
  }

  /** The earliest re-check due, for a scheduler to sleep until. */
  async nextDue(): Promise<Date | undefined> {
    const [row] = await this.db.query<{ t: string | null }>('SELECT min(due_at) AS t FROM live_due');
    return row?.t ? new Date(row.t) : undefined;
  }

  /** Whether customers are waiting for a step. */
  async pending(): Promise<boolean> {
    const [row] = await this.db.query<{ n: number }>(
      'SELECT count(*)::INTEGER AS n FROM (SELECT 1 FROM live_pending LIMIT 1)',
    );
    return Number(row?.n ?? 0) > 0;
  }

  /**
   * One step as of the clock's now. Undefined when there was nothing to do. Needs a complete
   * full profile run (`ready()`); without one it throws not_found.
   */
  async step(): Promise<StepReport | undefined> {
    const started = performance.now();
    if (!(await this.ready()))
      throw new AppError('not_found', 'no profiles computed yet: the live engine starts from a full profile run');
    const now = this.clock.now();
    const at = now.toISOString();
    // The store stamps pending marks with its own time: the step takes the marks written up to
    // now, and data written from here on waits for the next step (evaluated as of its own now).
    const taken = await this.storeTime();
    const saved = await this.segments.list();
    const evaluated = JSON.parse((await this.setting(SEGMENTS_KEY)) ?? '{}') as EvaluatedSegments;
    const { changed, deleted } = segmentChanges(saved, evaluated);
    const byKey = savedByKey(saved);
    const rankedAt = Number(new Date((await this.setting(RANKED_KEY)) ?? 0));
    const rankNow = now.getTime() - rankedAt >= this.rankEveryMs;
    const [waiting] = await this.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM live_pending LIMIT 1)) + (SELECT count(*) FROM (SELECT 1 FROM live_due WHERE due_at <= $1::TIMESTAMPTZ LIMIT 1)) AS n`,
      [at],
    );
    const ranking = rankNow ? saved.filter((s) => ranksCustomers(s.ir, byKey)).map((s) => s.id) : [];
    const backlogText = await this.setting(BACKLOG_KEY);
    if (!Number(waiting?.n) && !changed.size && !deleted.length && !ranking.length && !backlogText) return undefined;
    // Compiled before the transaction: compiling reads the saved segments through the store,
    // which would wait for the transaction to end.
    const queries = await this.timed(LivePhase.compile, () => this.compileAll(saved, now));
    let bodyEnded = 0;
    const report = await this.db.transaction(async (tx) => {
      const scopeStarted = performance.now();
      await tx.exec(
        `CREATE OR REPLACE TEMP TABLE ${SCOPE} AS
         WITH data AS (
           SELECT customer_id AS id, arg_min(ref, "at") AS ref FROM live_pending WHERE "at" < $2::TIMESTAMPTZ
           GROUP BY customer_id ORDER BY min("at"), customer_id LIMIT ${this.batchSize}
         ), due AS (
           SELECT customer_id AS id, due_at FROM live_due WHERE due_at <= $1::TIMESTAMPTZ ORDER BY due_at, customer_id LIMIT ${this.batchSize}
         )
         SELECT id, 'event' AS cause, ref FROM data
         UNION ALL SELECT id, 'time', strftime(due_at, '%Y-%m-%dT%H:%M:%S.%gZ') FROM due WHERE id NOT IN (SELECT id FROM data)`,
        [at, taken],
      );
      const counts = await tx.query<{ cause: string; n: number }>(
        `SELECT cause, count(*)::INTEGER AS n FROM ${SCOPE} GROUP BY 1`,
      );
      const count = (cause: string) => Number(counts.find((c) => c.cause === cause)?.n ?? 0);
      this.options.onPhase?.(LivePhase.scope, performance.now() - scopeStarted);
      let reranked = 0;
      const profilesStarted = performance.now();
      if (count('event') + count('time') > 0) {
        // A merged customer's id stays in scope so their memberships end; their survivor is re-profiled.
        const ids = (await tx.query<{ id: string }>(`SELECT id FROM ${SCOPE}`)).map((r) => r.id);
        const run = await updateProfiles(tx, ids, { asOf: now, config: this.config, ranBy: 'live' });
        await tx.exec(
          `INSERT INTO ${SCOPE}
           SELECT coalesce(c.merged_into, s.id), s.cause, s.ref FROM ${SCOPE} s JOIN customers c ON c.id = s.id
           WHERE c.merged_into IS NOT NULL AND c.merged_into NOT IN (SELECT id FROM ${SCOPE})`,
        );
        const [moved] = await tx.query<{ n: number }>(
          `SELECT count(*)::INTEGER AS n FROM customer_profile WHERE run_id = $1 AND customer_id NOT IN (SELECT id FROM ${SCOPE})`,
          [run.id],
        );
        reranked = Number(moved?.n ?? 0);
        if (reranked)
          await tx.exec(
            `INSERT INTO ${SCOPE} SELECT customer_id, 'event', 'ranks' FROM customer_profile
             WHERE run_id = $1 AND customer_id NOT IN (SELECT id FROM ${SCOPE})`,
            [run.id],
          );
        await tx.exec(
          `DELETE FROM live_pending WHERE customer_id IN (SELECT id FROM ${SCOPE}) AND "at" < $1::TIMESTAMPTZ`,
          [taken],
        );
        this.options.onPhase?.(LivePhase.profiles, performance.now() - profilesStarted);
      }
      let entered = 0;
      let exited = 0;
      const record = async (segmentId: string, scope: string, cause: MembershipCause, ref?: string) => {
        const r = await this.evaluate(tx, queries.get(segmentId)!, {
          segmentId,
          scope,
          at,
          cause,
          ...(ref !== undefined ? { ref } : {}),
        });
        entered += r.entered;
        exited += r.exited;
      };
      const whole = new Set([...changed, ...ranking]);
      const [last] = await tx.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM segment_changes');
      const scoped = count('event') + count('time') + reranked > 0;
      for (const s of saved) {
        if (queries.has(s.id) && whole.has(s.id))
          await record(
            s.id,
            'all',
            changed.has(s.id) ? 'segment' : 'recompute',
            changed.has(s.id) ? s.updated_at : 'ranks',
          );
      }
      let segmentsDue = new Map<string, number>();
      if (scoped) {
        const ids = (await tx.query<{ id: string }>(`SELECT DISTINCT id FROM ${SCOPE}`)).map((r) => r.id);
        const perCustomer = saved.filter((s) => queries.has(s.id) && !whole.has(s.id));
        // A new or changed segment's members were recorded for everyone above; its next change by
        // time is decided here with the others', since these customers' re-checks are replaced.
        const timed = saved.filter((s) => queries.has(s.id) && (!whole.has(s.id) || changed.has(s.id)));
        const decided = await this.timed(LivePhase.evaluate, () =>
          evaluateScope(tx, ids, timed, (n) => byKey.get(n), now, this.config),
        );
        segmentsDue = decided.due;
        for (const s of perCustomer) if (!decided.members.has(s.id)) await record(s.id, `SELECT id FROM ${SCOPE}`, 'event');
        const r = await this.timed(LivePhase.record, async () => {
          const segmentIds = perCustomer.filter((s) => decided.members.has(s.id)).map((s) => s.id);
          await tx.loadTable(
            'live_decided',
            [
              ['segment_id', 'text'],
              ['customer_id', 'text'],
            ],
            segmentIds.flatMap((id) => decided.members.get(id)!.map((m) => [id, m])),
          );
          return recordMemberships(tx, {
            segmentIds,
            scope: `SELECT id FROM ${SCOPE}`,
            members: 'SELECT segment_id, customer_id FROM live_decided',
            at,
            cause: 'event',
          });
        });
        for (const d of r.values()) {
          entered += d.entered;
          exited += d.exited;
        }
      }
      // Each entry and exit names what caused it: the record that touched the customer, or the due time.
      await this.timed(LivePhase.causes, () =>
        tx.exec(
          `UPDATE segment_changes SET cause = s.cause, ref = s.ref FROM ${SCOPE} s
           WHERE segment_changes.seq > $1 AND segment_changes.customer_id = s.id AND segment_changes.cause = 'event'`,
          [Number(last?.seq ?? 0)],
        ),
      );
      for (const id of deleted) await this.timed(LivePhase.record, () => dropSegmentMembership(tx, id, at), id);
      if (scoped)
        await this.timed(LivePhase.due, async () => {
          await tx.exec(`DELETE FROM live_due WHERE customer_id IN (SELECT id FROM ${SCOPE})`);
          await this.scheduleDue(tx, segmentsDue, at);
        });
      const backlog =
        backlogText || changed.size
          ? await this.timed(LivePhase.due, () =>
              this.scheduleBacklog(tx, backlogText, [...changed], saved, queries, byKey, now, at),
            )
          : false;
      if (changed.size || deleted.length)
        await this.saveSetting(
          tx,
          SEGMENTS_KEY,
          JSON.stringify(Object.fromEntries(saved.filter((s) => queries.has(s.id)).map((s) => [s.id, s.updated_at]))),
        );
      if (rankNow) await this.saveSetting(tx, RANKED_KEY, at);
      await tx.exec(`DROP TABLE IF EXISTS ${SCOPE}`);
      await tx.exec('DROP TABLE IF EXISTS live_members');
      await tx.exec('DROP TABLE IF EXISTS live_decided');
      bodyEnded = performance.now();
      return {
        at,
        byData: count('event'),
        byTime: count('time'),
        reranked,
        wholeSegments: [...whole],
        entered,
        exited,
        more: count('event') >= this.batchSize || count('time') >= this.batchSize || backlog,
        ms: Math.round(performance.now() - started),
      };
    });
    this.options.onPhase?.(LivePhase.commit, performance.now() - bodyEnded);
    return report;
  }

  /**
   * The nightly full run, and the engine's start on a store without live state: profiles
   * computed for everyone from history, every saved segment evaluated for everyone, every
   * customer's next re-check scheduled. Reports the drift between the live state and the
   * recompute (which it repairs): profiles whose folded traits differed, and the entries and
   * exits the recompute had to record.
   */
  async recompute(ranBy = 'schedule'): Promise<RecomputeReport> {
    const started = performance.now();
    const now = this.clock.now();
    const at = now.toISOString();
    const taken = await this.storeTime();
    const hadProfiles = await this.ready();
    if (hadProfiles)
      await this.db.exec('CREATE OR REPLACE TABLE live_profile_before AS SELECT * FROM customer_profile');
    const run = await this.timed(LivePhase.profiles, () =>
      computeProfiles(this.db, { asOf: now, config: this.config, ranBy }),
    );
    const drift = hadProfiles ? await profileDrift(this.db) : { customers: 0, columns: {} };
    await this.db.exec('DROP TABLE IF EXISTS live_profile_before');
    const saved = await this.segments.list();
    const byKey = savedByKey(saved);
    const queries = await this.timed(LivePhase.compile, () => this.compileAll(saved, now));
    let bodyEnded = 0;
    const report = await this.db.transaction(async (tx) => {
      let entered = 0;
      let exited = 0;
      for (const s of saved) {
        const q = queries.get(s.id);
        if (!q) continue;
        const r = await this.evaluate(tx, q, { segmentId: s.id, scope: 'all', at, cause: 'recompute', ref: run.id });
        entered += r.entered;
        exited += r.exited;
      }
      const evaluated = JSON.parse((await this.setting(SEGMENTS_KEY, tx)) ?? '{}') as EvaluatedSegments;
      for (const id of segmentChanges(saved, evaluated).deleted) await dropSegmentMembership(tx, id, at);
      // what was accepted before the run is in the profiles now
      await tx.exec('DELETE FROM live_pending WHERE "at" < $1::TIMESTAMPTZ', [taken]);
      // Each step records an incremental profile run; the full run supersedes them (readers ask
      // for the latest run), so a day's steps are forgotten instead of piling up.
      await tx.exec(
        `DELETE FROM profile_runs WHERE kind = 'incremental' AND ran_by = 'live' AND finished_at < $1::TIMESTAMPTZ`,
        [taken],
      );
      await this.timed(LivePhase.due, async () => {
        await tx.exec('DELETE FROM live_due');
        const everyone = (await tx.query<{ id: string }>('SELECT customer_id AS id FROM customer_profile')).map(
          (r) => r.id,
        );
        const timed = saved.filter((s) => queries.has(s.id));
        const due = await customersDue(tx, everyone, timed, (n) => byKey.get(n), now, this.config);
        await this.scheduleDue(tx, due, at);
      });
      await this.saveSetting(
        tx,
        SEGMENTS_KEY,
        JSON.stringify(Object.fromEntries(saved.filter((s) => queries.has(s.id)).map((s) => [s.id, s.updated_at]))),
      );
      await this.saveSetting(tx, RANKED_KEY, at);
      await tx.exec('DELETE FROM settings WHERE key = $1', [BACKLOG_KEY]);
      const report: RecomputeReport = {
        at,
        runId: run.id,
        customers: run.customers,
        profileDrift: drift,
        membershipDrift: { entered, exited },
        ms: Math.round(performance.now() - started),
      };
      await this.saveSetting(tx, RECOMPUTE_KEY, JSON.stringify(report));
      bodyEnded = performance.now();
      return report;
    });
    this.options.onPhase?.(LivePhase.commit, performance.now() - bodyEnded);
    return report;
  }

  /** The report of the last full recompute, if any. */
  async lastRecompute(): Promise<RecomputeReport | undefined> {
    const text = await this.setting(RECOMPUTE_KEY);
    return text ? (JSON.parse(text) as RecomputeReport) : undefined;
  }

  private async compileAll(
    saved: readonly SavedSegment[],
    now: Date,
  ): Promise<Map<string, { sql: string; params: readonly SqlParam[] }>> {
    const queries = new Map<string, { sql: string; params: readonly SqlParam[] }>();
    const byKey = savedByKey(saved);
    for (const s of saved) {
      try {
        queries.set(s.id, await this.segments.idsQuery({ ir: s.ir }, now, byKey));
      } catch (e) {
        this.options.onSegmentError?.(s, e);
      }
    }
    return queries;
  }

  /** Evaluates one segment for the customers of `scope` (a SELECT of ids, or 'all') and records the changes. */
  private async evaluate(
    tx: SqlRunner,
    q: { sql: string; params: readonly SqlParam[] },
    u: { segmentId: string; scope: string; at: string; cause: MembershipCause; ref?: string },
  ): Promise<{ entered: number; exited: number }> {
    await this.timed(
      LivePhase.evaluate,
      () =>
        tx.exec(
          `CREATE OR REPLACE TEMP TABLE live_members AS SELECT customer_id FROM (${q.sql}) m${u.scope === 'all' ? '' : ` WHERE customer_id IN (${u.scope})`}`,
          q.params,
        ),
      u.segmentId,
    );
    return this.timed(
      LivePhase.record,
      () => recordMembership(tx, { ...u, members: 'SELECT customer_id FROM live_members' }),
      u.segmentId,
    );
  }

  /**
   * Schedules the re-checks of new or changed segments for one slice of customers (in id order,
   * after the backlog's cursor), keeping each customer's earlier re-check when they have one;
   * segments changed in this step join the backlog, which then starts over. Says whether customers
   * are left for the next step.
   */
  private async scheduleBacklog(
    tx: SqlRunner,
    backlogText: string | undefined,
    changed: readonly string[],
    saved: readonly SavedSegment[],
    queries: ReadonlyMap<string, unknown>,
    byKey: ReadonlyMap<string, SegmentIR>,
    now: Date,
    at: string,
  ): Promise<boolean> {
    const before: DueBacklog | undefined = backlogText ? (JSON.parse(backlogText) as DueBacklog) : undefined;
    if (!before && !changed.length) return false;
    const ids = new Set([...(before?.segments ?? []), ...changed]);
    const backlog: DueBacklog = { segments: [...ids], after: changed.length ? '' : (before?.after ?? '') };
    const segments = saved.filter((s) => ids.has(s.id) && queries.has(s.id));
    const slice = segments.length
      ? (
          await tx.query<{ id: string }>(
            `SELECT customer_id AS id FROM customer_profile WHERE customer_id > $1 ORDER BY customer_id LIMIT ${BACKLOG_SLICE}`,
            [backlog.after],
          )
        ).map((r) => r.id)
      : [];
    if (slice.length) {
      const due = await customersDue(tx, slice, segments, (n) => byKey.get(n), now, this.config);
      const after = Date.parse(at);
      await tx.loadTable(
        'live_backlog_due',
        [
          ['customer_id', 'text'],
          ['due_at', 'timestamp'],
        ],
        [...due].filter(([, t]) => t > after).map(([id, t]) => [id, new Date(t).toISOString()]),
      );
      await tx.exec(
        `INSERT INTO live_due SELECT customer_id, due_at FROM live_backlog_due
         ON CONFLICT (customer_id) DO UPDATE SET due_at = least(live_due.due_at, excluded.due_at)`,
      );
      await tx.exec('DROP TABLE live_backlog_due');
    }
    if (slice.length < BACKLOG_SLICE) {
      await tx.exec('DELETE FROM settings WHERE key = $1', [BACKLOG_KEY]);
      return false;
    }
    await this.saveSetting(tx, BACKLOG_KEY, JSON.stringify({ ...backlog, after: slice[slice.length - 1]! }));
    return true;
  }

  /**
   * Each customer's next re-check: the earliest of the moments their profile (profile-due.ts)
   * and a saved segment's answer can change by time alone (scope-evaluation.ts decides both from
   * the state it loaded). A customer with neither gets no re-check until data touches them.
   */
  private async scheduleDue(tx: SqlRunner, due: ReadonlyMap<string, number>, at: string): Promise<void> {
    const after = Date.parse(at);
    await tx.loadTable(
      'live_next_due',
      [
        ['customer_id', 'text'],
        ['due_at', 'timestamp'],
      ],
      [...due].filter(([, t]) => t > after).map(([id, t]) => [id, new Date(t).toISOString()]),
    );
    await tx.exec('INSERT INTO live_due SELECT customer_id, due_at FROM live_next_due');
    await tx.exec('DROP TABLE live_next_due');
  }

  /** The store's own time (what it stamps pending marks with), as ISO text. */
  private async storeTime(): Promise<string> {
    const [row] = await this.db.query<{ t: string }>('SELECT now() AS t');
    return new Date(row!.t).toISOString();
  }

  private async setting(key: string, tx: SqlRunner = this.db): Promise<string | undefined> {
    const [row] = await tx.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    return row?.value;
  }

  private async saveSetting(tx: SqlRunner, key: string, value: string): Promise<void> {
    await tx.exec('INSERT OR REPLACE INTO settings VALUES ($1, $2)', [key, value]);
  }
}
