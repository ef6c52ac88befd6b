import { randomUUID } from 'node:crypto';
import { systemClock, type Clock, type SqlParam, type SqlRunner } from '@strata/core';
import { tableExists } from './catalog.js';
import { recordProfileHistory } from './profile-history.js';
import { requireDuckDbProfileEngine } from './profile-engine.js';
import { defaultProfileConfig, type ProfileConfig } from './profile-config.js';
import {
  customerProfileSelect,
  customerProfileSql,
  rankThresholds,
  rescoreProfilesSql,
  thresholdsFromJson,
  thresholdsToJson,
  type RankThresholds,
} from './profile-sql.js';
import {
  customerTraitsSelect,
  customerTraitsStatements,
  dropTraitsTemporaries,
  type TraitsScope,
} from './traits-sql.js';
import {
  fitCustomerModels,
  scoreCustomers,
  scoreColumns,
  type CustomerModelInput,
  type FittedCustomerModels,
} from './model-scores.js';

export interface ProfileRunOptions {
  /** Data up to this time counts; default the clock's now. */
  asOf?: Date;
  clock?: Clock;
  config?: ProfileConfig;
  /** Who or what started the run: cli, server, schedule, test. */
  ranBy?: string;
  /** Called after each step with its name and duration (benchmarks, logs). */
  onStep?: (step: string, ms: number) => void;
}

export interface ProfileRun {
  id: string;
  kind: 'full' | 'incremental';
  asOf: string;
  customers: number;
  durationMs: number;
  model: FittedCustomerModels | null;
}

const modelInputSql = (tmp: string) => `SELECT customer_id, x, t_x, t, repeat_value FROM ${tmp}_measures`;

/** The prefix of a run's temporary tables: two runs on one connection never share them. */
const tmpPrefix = (runId: string) => `pt_${runId.replaceAll('-', '').slice(0, 12)}`;

/** Runs the traits statements of a run, timing each step (the caller drops the temporaries). */
async function buildTraits(
  db: SqlRunner,
  config: ProfileConfig,
  tmp: string,
  asOf: string,
  options: ProfileRunOptions,
  scope?: TraitsScope,
): Promise<void> {
  for (const { step, sql } of customerTraitsStatements(config, tmp, scope)) {
    await timed(options, step, () => db.exec(sql, sql.includes('$1') ? [asOf] : []));
  }
}

/** Drops a run's temporary tables: the traits statements' and the incremental population. */
async function dropTemporaries(db: SqlRunner, tmp: string): Promise<void> {
  for (const sql of [...dropTraitsTemporaries(tmp), `DROP TABLE IF EXISTS ${tmp}_population`]) await db.exec(sql);
}

async function timed<T>(options: ProfileRunOptions, step: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  options.onStep?.(step, performance.now() - started);
  return result;
}

/**
 * The rank thresholds the stored profiles were scored with, kept beside them (one row, replaced
 * in the transaction that changes the profiles).
 */
async function saveThresholds(tx: SqlRunner, th: RankThresholds): Promise<void> {
  await tx.exec('CREATE TABLE IF NOT EXISTS profile_thresholds (thresholds JSON)');
  await tx.exec('DELETE FROM profile_thresholds');
  await tx.exec('INSERT INTO profile_thresholds VALUES ($1::JSON)', [thresholdsToJson(th)]);
}

async function savedThresholds(db: SqlRunner): Promise<RankThresholds | undefined> {
  if (!(await tableExists(db, 'profile_thresholds'))) return undefined;
  const [row] = await db.query<{ t: string }>('SELECT thresholds::VARCHAR AS t FROM profile_thresholds');
  return row ? thresholdsFromJson(row.t) : undefined;
}

async function startRun(
  db: SqlRunner,
  id: string,
  kind: 'full' | 'incremental',
  ranBy: string,
  asOf: string,
  config: ProfileConfig,
): Promise<void> {
  await db.exec(
    `INSERT INTO profile_runs (id, kind, ran_by, started_at, as_of, status, config) VALUES ($1, $2, $3, now(), $4::TIMESTAMPTZ, 'running', $5::JSON)`,
    [id, kind, ranBy, asOf, JSON.stringify(config)],
  );
}

async function failRun(db: SqlRunner, id: string, e: unknown): Promise<void> {
  await db.exec(`UPDATE profile_runs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [
    id,
    e instanceof Error ? e.message : String(e),
  ]);
}

/**
 * Recomputes every customer's profile, fits the customer-base models, and makes the new
 * profiles visible in one step: until then readers see the previous complete run.
 */
export async function computeProfiles(db: SqlRunner, options: ProfileRunOptions = {}): Promise<ProfileRun> {
  requireDuckDbProfileEngine(db);
  const started = performance.now();
  const config = options.config ?? defaultProfileConfig;
  const asOf = (options.asOf ?? (options.clock ?? systemClock).now()).toISOString();
  const id = randomUUID();
  await startRun(db, id, 'full', options.ranBy ?? 'cli', asOf, config);
  const tmp = tmpPrefix(id);
  try {
    await buildTraits(db, config, tmp, asOf, options);
    const inputs = await timed(options, 'model inputs', () => db.query<CustomerModelInput>(modelInputSql(tmp)));
    const model = await timed(options, 'model fit', () => Promise.resolve(fitCustomerModels(inputs)));
    await timed(options, 'model scores', () =>
      db.loadTable('profile_scores_next', scoreColumns, scoreCustomers(inputs, model, config)),
    );
    const thresholds = await timed(options, 'rank thresholds', () => rankThresholds(db, `${tmp}_measures`, config));
    await timed(options, 'profiles', () =>
      db.exec(
        customerProfileSql(
          'customer_profile_next',
          `(${customerTraitsSelect(tmp)})`,
          'profile_scores_next',
          config,
          id,
          thresholds,
        ),
        [asOf],
      ),
    );
    const customers = await db.transaction(async (tx) => {
      await tx.exec('DROP TABLE IF EXISTS customer_profile');
      await tx.exec('ALTER TABLE customer_profile_next RENAME TO customer_profile');
      await saveThresholds(tx, thresholds);
      await recordProfileHistory(tx, asOf);
      // the traits and scores tables that earlier versions kept beside the profiles
      await tx.exec('DROP TABLE IF EXISTS customer_traits');
      await tx.exec('DROP TABLE IF EXISTS customer_scores');
      const [row] = await tx.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM customer_profile');
      await tx.exec(
        `UPDATE profile_runs SET status = 'complete', finished_at = now(), customers = $2, model = $3::JSON WHERE id = $1`,
        [id, row?.n ?? 0, JSON.stringify(model)],
      );
      return row?.n ?? 0;
    });
    return { id, kind: 'full', asOf, customers, durationMs: Math.round(performance.now() - started), model };
  } catch (e) {
    await failRun(db, id, e);
    throw e;
  } finally {
    await dropTemporaries(db, tmp);
    await db.exec('DROP TABLE IF EXISTS profile_scores_next');
  }
}

/**
 * Updates the profiles of the customers touched by new orders or events, using the models of
 * the last full run. Base-relative traits (RFM quintiles, value tiers) can change for others too,
 * because one customer's new order can move the others' ranks: the new rank thresholds are found
 * and every profile whose scores they change is rewritten. With the same as-of time the result
 * equals a full recompute that keeps the same model parameters.
 */
export async function updateProfiles(
  db: SqlRunner,
  customerIds: readonly string[],
  options: ProfileRunOptions = {},
): Promise<ProfileRun> {
  requireDuckDbProfileEngine(db);
  const started = performance.now();
  const config = options.config ?? defaultProfileConfig;
  const asOf = (options.asOf ?? (options.clock ?? systemClock).now()).toISOString();
  const [last] = await db.query<{ model: string | null }>(
    `SELECT model FROM profile_runs WHERE kind = 'full' AND status = 'complete' ORDER BY finished_at DESC LIMIT 1`,
  );
  if (!last) return computeProfiles(db, options);
  // Profiles of an earlier version stored the spend and AOV percentiles, which change for
  // everyone at every order, or lacked the item facts segments read (product_keys, …): they are
  // recomputed in full once in the new form.
  const [old] = await db.query<{ n: number }>(
    `SELECT (count(*) FILTER (WHERE column_name = 'spend_percentile') > 0 OR count(*) FILTER (WHERE column_name = 'product_keys') = 0)::INTEGER AS n
     FROM information_schema.columns WHERE table_name = 'customer_profile'`,
  );
  if (Number(old?.n ?? 0) > 0) return computeProfiles(db, options);
  const model = last.model ? (JSON.parse(last.model) as FittedCustomerModels | null) : null;
  const id = randomUUID();
  const tmp = tmpPrefix(id);
  await startRun(db, id, 'incremental', options.ranBy ?? 'cli', asOf, config);
  try {
    await db.loadTable(
      'profile_touched',
      [['id', 'text']],
      customerIds.map((c): readonly SqlParam[] => [c]),
    );
    // A touched id may have been merged into another customer: update the survivor, drop the merged.
    await db.exec(`CREATE OR REPLACE TABLE profile_touched AS
      SELECT DISTINCT coalesce(c.merged_into, t.id) AS id FROM profile_touched t LEFT JOIN customers c ON c.id = t.id
      UNION SELECT id FROM profile_touched`);
    await buildTraits(db, config, tmp, asOf, options, { ids: 'SELECT id FROM profile_touched' });
    const inputs = await db.query<CustomerModelInput>(modelInputSql(tmp));
    await db.loadTable('profile_scores_delta', scoreColumns, scoreCustomers(inputs, model, config));
    const customers = await db.transaction(async (tx) => {
      // the ranked measures of everyone as they are after this update
      const measures = 'order_count, days_since_last_order, total_spent, aov';
      const population = `${tmp}_population`;
      const saved = await savedThresholds(tx);
      const thresholds = await timed(options, 'rank thresholds', async () => {
        // Most updates follow browsing, not orders: when no touched buyer's measures changed (and
        // nobody became or stopped being a buyer), the thresholds are those the profiles have.
        if (
          saved &&
          saved.valuePercentiles?.[0] === config.highValuePercentile &&
          saved.valuePercentiles[1] === config.mediumValuePercentile
        ) {
          const before = `SELECT customer_id, ${measures} FROM customer_profile
            WHERE order_count > 0 AND customer_id IN (SELECT id FROM profile_touched)`;
          const after = `SELECT customer_id, ${measures} FROM ${tmp}_measures`;
          const [diff] = await tx.query<{ n: number }>(
            `SELECT count(*)::INTEGER AS n FROM ((${before} EXCEPT ALL ${after}) UNION ALL (${after} EXCEPT ALL ${before}))`,
          );
          if (Number(diff?.n) === 0) return saved;
        }
        await tx.exec(`CREATE OR REPLACE TEMP TABLE ${population} AS
          SELECT ${measures} FROM customer_profile WHERE order_count > 0 AND customer_id NOT IN (SELECT id FROM profile_touched)
          UNION ALL SELECT ${measures} FROM ${tmp}_measures`);
        return rankThresholds(tx, population, config);
      });
      await timed(options, 'profiles', async () => {
        await tx.exec(`DELETE FROM customer_profile WHERE customer_id IN (SELECT id FROM profile_touched)`);
        await tx.exec(
          `INSERT INTO customer_profile BY NAME ${customerProfileSelect(`(${customerTraitsSelect(tmp)})`, 'profile_scores_delta', config, id, thresholds)}`,
          [asOf],
        );
      });
      const rescore = rescoreProfilesSql(thresholds, id, saved);
      await timed(options, 'rescore others', async () => {
        if (rescore) await tx.exec(rescore);
      });
      await saveThresholds(tx, thresholds);
      await tx.exec(
        `UPDATE profile_runs SET status = 'complete', finished_at = now(), customers = $2, model = $3::JSON WHERE id = $1`,
        [id, inputs.length, JSON.stringify(model)],
      );
      const [row] = await tx.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM profile_touched');
      return row?.n ?? 0;
    });
    return { id, kind: 'incremental', asOf, customers, durationMs: Math.round(performance.now() - started), model };
  } catch (e) {
    await failRun(db, id, e);
    throw e;
  } finally {
    await dropTemporaries(db, tmp);
  }
}
