import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultProfileConfig, rankThresholds, rescoreProfilesSql, type RankThresholds } from '@strata/profiles';
import { DuckDbStore } from '@strata/store-duckdb';

/*
 * The profile scores come from rank thresholds, not from ranking (see profile-sql.ts). Here the
 * thresholds are checked against the ranking they replace, on random buyers with many ties.
 */

const reaches = (v: number, at: number | null) => at !== null && v >= at;
const quintile = (v: number, at: (number | null)[]) => 1 + at.filter((t) => reaches(v, t)).length;

describe('rank thresholds', () => {
  let store: DuckDbStore;
  beforeAll(async () => {
    store = await DuckDbStore.open(':memory:');
  });
  afterAll(async () => {
    await store.close();
  });

  it('score every buyer as rank() and percent_rank() over all buyers do', async () => {
    const buyer = fc.record({
      order_count: fc.integer({ min: 0, max: 6 }),
      days: fc.integer({ min: 0, max: 40 }),
      // few distinct amounts, so that many buyers tie
      spent: fc.constantFrom(9.99, 19.98, 20, 29.97, 100, 0.1 + 0.2),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(buyer, { minLength: 0, maxLength: 60 }), async (rows) => {
        await store.loadTable(
          'rt_buyers',
          [
            ['customer_id', 'text'],
            ['order_count', 'integer'],
            ['days_since_last_order', 'integer'],
            ['total_spent', 'double'],
          ],
          rows.map((r, i) => [`c${i}`, r.order_count, r.days, r.order_count > 0 ? r.spent * r.order_count : 0]),
        );
        await store.exec(
          `CREATE OR REPLACE TABLE rt_buyers AS SELECT *, total_spent / nullif(order_count, 0) AS aov FROM rt_buyers`,
        );
        const th: RankThresholds = await rankThresholds(store, 'rt_buyers', defaultProfileConfig);
        const ranked = await store.query<{
          customer_id: string;
          days_since_last_order: number;
          order_count: number;
          total_spent: number;
          aov: number;
          r: number;
          f: number;
          m: number;
          sp: number;
          ap: number;
        }>(`SELECT *,
              1 + floor(5 * (rank() OVER (ORDER BY days_since_last_order DESC) - 1) / count(*) OVER ())::INTEGER AS r,
              1 + floor(5 * (rank() OVER (ORDER BY order_count) - 1) / count(*) OVER ())::INTEGER AS f,
              1 + floor(5 * (rank() OVER (ORDER BY total_spent) - 1) / count(*) OVER ())::INTEGER AS m,
              percent_rank() OVER (ORDER BY total_spent) AS sp,
              percent_rank() OVER (ORDER BY aov) AS ap
            FROM rt_buyers WHERE order_count > 0`);
        expect(th.buyers).toBe(ranked.length);
        for (const b of ranked) {
          const band = (p: number, [high, medium]: (number | null)[], v: number, hi: number, mid: number) => [
            p >= hi ? 'high' : p >= mid ? 'medium' : 'low',
            reaches(v, high!) ? 'high' : reaches(v, medium!) ? 'medium' : 'low',
          ];
          expect([b.customer_id, quintile(-b.days_since_last_order, th.recency)]).toEqual([b.customer_id, b.r]);
          expect([b.customer_id, quintile(b.order_count, th.frequency)]).toEqual([b.customer_id, b.f]);
          expect([b.customer_id, quintile(b.total_spent, th.monetary)]).toEqual([b.customer_id, b.m]);
          const [valueByRank, valueByThreshold] = band(b.sp, th.value, b.total_spent, 0.8, 0.5);
          expect(valueByThreshold).toBe(valueByRank);
          const [aovByRank, aovByThreshold] = band(b.ap, th.aov, b.aov, 2 / 3, 1 / 3);
          expect(aovByThreshold).toBe(aovByRank);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('rescoring only the values between old and new thresholds leaves what rescoring everyone does', async () => {
    const measures = fc.record({
      order_count: fc.integer({ min: 0, max: 5 }),
      days: fc.integer({ min: 0, max: 30 }),
      spent: fc.integer({ min: 1, max: 12 }),
    });
    const relative = 'recency_score, frequency_score, monetary_score, rfm_segment, rfm_cell, value_tier, aov_band';
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(measures, fc.option(measures, { nil: undefined })), { minLength: 1, maxLength: 40 }),
        async (rows) => {
          const load = async (
            pick: (r: (typeof rows)[number]) => { order_count: number; days: number; spent: number },
          ) => {
            await store.loadTable(
              'rt_m',
              [
                ['customer_id', 'text'],
                ['order_count', 'integer'],
                ['days_since_last_order', 'integer'],
                ['total_spent', 'double'],
              ],
              rows.map((r, i) => {
                const m = pick(r);
                return [
                  `c${i}`,
                  m.order_count,
                  m.order_count > 0 ? m.days : null,
                  m.order_count > 0 ? m.spent * 10 : 0,
                ];
              }),
            );
            await store.exec(
              `CREATE OR REPLACE TABLE rt_m AS SELECT *, total_spent / nullif(order_count, 0) AS aov FROM rt_m`,
            );
          };
          // profiles scored before: the first measures, every row scored
          await load(([before]) => before);
          const old = await rankThresholds(store, 'rt_m', defaultProfileConfig);
          await store.exec(`CREATE OR REPLACE TABLE customer_profile AS SELECT *, NULL::VARCHAR AS run_id,
            NULL::INTEGER AS recency_score, NULL::INTEGER AS frequency_score, NULL::INTEGER AS monetary_score,
            NULL::VARCHAR AS rfm_segment, NULL::VARCHAR AS rfm_cell, NULL::VARCHAR AS value_tier, NULL::VARCHAR AS aov_band FROM rt_m`);
          await store.exec(rescoreProfilesSql(old, 'before')!);
          await store.exec('CREATE OR REPLACE TABLE rt_before AS SELECT * FROM customer_profile');
          // some customers' measures change: an incremental update writes their rows anew, scored
          // with the new thresholds; the others keep the scores they had
          await load(([before, after]) => after ?? before);
          const now = await rankThresholds(store, 'rt_m', defaultProfileConfig);
          const changed = rows.flatMap(([, after], i) => (after ? [`'c${i}'`] : []));
          const inChanged = changed.length ? `customer_id IN (${changed.join(', ')})` : 'false';
          await store.exec(`CREATE OR REPLACE TABLE customer_profile AS SELECT m.*, NULL::VARCHAR AS run_id,
            NULL::INTEGER AS recency_score, NULL::INTEGER AS frequency_score, NULL::INTEGER AS monetary_score,
            NULL::VARCHAR AS rfm_segment, NULL::VARCHAR AS rfm_cell, NULL::VARCHAR AS value_tier, NULL::VARCHAR AS aov_band
            FROM rt_m m WHERE ${inChanged}`);
          await store.exec(rescoreProfilesSql(now, 'written')!);
          await store.exec(`INSERT INTO customer_profile SELECT * FROM rt_before WHERE NOT ${inChanged}`);
          await store.exec('CREATE OR REPLACE TABLE rt_everyone AS SELECT * FROM customer_profile');
          const ranged = rescoreProfilesSql(now, 'ranged', old);
          if (ranged) await store.exec(ranged);
          const byRanges = await store.query(
            `SELECT customer_id, ${relative} FROM customer_profile ORDER BY customer_id`,
          );
          await store.exec('DROP TABLE customer_profile');
          await store.exec('ALTER TABLE rt_everyone RENAME TO customer_profile');
          await store.exec(rescoreProfilesSql(now, 'everyone')!);
          const everyone = await store.query(
            `SELECT customer_id, ${relative} FROM customer_profile ORDER BY customer_id`,
          );
          expect(byRanges).toEqual(everyone);
        },
      ),
      { numRuns: 150 },
    );
  });
});
