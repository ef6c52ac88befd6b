import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entities, fixedClock } from '@strata/core';
import { importFile } from '@strata/ingest';
import { computeProfiles } from '@strata/profiles';
import { parseSegment } from '@strata/segment-lang';
import { SegmentService } from '@strata/segments';
import { compileSegment } from '@strata/sql';
import { DuckDbStore } from '@strata/store-duckdb';
import { PostgresRunner, copyTables } from '@strata/store-postgres';
import { generateDemoStore, startPostgres, type PostgresServer } from '@strata/testkit';

/*
 * Differential test: one seeded store, the same segments compiled for DuckDB and for PostgreSQL,
 * executed on a real DuckDB file and a real PostgreSQL server: the member ids must be identical.
 */
const NOW = '2026-11-01T00:00:00.000Z';
const queries = [
  'total_spent in top 10%',
  'total_spent in bottom 25%',
  'aov between p25 and p75',
  'country = "DE" and total_spent in top 20% of matching',
  'order_count >= 2 and last_order_at before 60 days ago',
  'days_since_last_order > 30 and order_count >= 2',
  'bought category "coffee"',
  'bought category "coffee" within last 90 days at least 2 times',
  'bought brand "Nordic Bean" for at least 50',
  'not bought category "Mystery novels"',
  'bought product "COF-001" and never bought product "COF-002"',
  'last purchase of category "Coffee" before 45 days ago',
  'did add_to_cart within last 30 days',
  'did page_view where page_kind = "demo_video" at least 1 times',
  'did add_to_cart then not order within 1 hour',
  'did add_to_cart within last 30 days then not order',
  'did page_view where page_kind = "demo_video" then not bought category "Coffee" within 7 days',
  'total_spent in bottom 10% and order_count > 0',
  'largest_order between p0 and p10 and country = "DE"',
  'order_count = 1 and did add_to_cart then not bought',
  'answered "skin_type" with "dry" or occupation = "Nurse"',
  'did page_view where page_kind = "category" and never bought',
  'has tag "vip"',
  'has any tag ["vip", "app-user"]',
  'consent email',
  'can receive sms',
  'city = "Berlin" or postcode starts with "75"',
  'age between 40 and 49',
  'age_group = "40-49" and total_spent in top 10%',
  'birthday within next 30 days',
  'lifecycle_stage = "churned"',
  'rfm_segment in ["Champions", "Loyal"]',
  'value_tier = "high" and churn_risk = "high"',
  'coupon_share >= 0.5',
  'favourite_weekday = "saturday" and frequency_tier = "heavy"',
  'newsletter',
  'answered "household" with "parent"',
  'email ends with "gmx.example"',
  'name contains "müller"',
  'did chat_message at least 3 times and order_count = 0',
  'carts_abandoned > 0 and not order_count > 0',
  // hostile values are data, not SQL: they match nothing and break nothing
  `name = "x'); DROP TABLE customers; --" or has tag "'; DELETE FROM tags; --"`,
];

let pg: PostgresServer;
let duck: DuckDbStore;
let pgRunner: PostgresRunner;
const dir = mkdtempSync(join(tmpdir(), 'strata-engines-'));

beforeAll(async () => {
  const files = await generateDemoStore({ customers: 1500, seed: 7, outDir: join(dir, 'files') });
  duck = await DuckDbStore.open(join(dir, 'store.duckdb'));
  for (const entity of ['locations', 'products', 'customers', 'orders', 'order_lines', 'events', 'tags'] as const) {
    await importFile(duck, entity, files.files[entity]);
  }
  await computeProfiles(duck, { asOf: new Date(NOW), ranBy: 'test' });
  await new SegmentService(duck, { clock: fixedClock(NOW) }).save({
    name: 'coffee lovers',
    text: 'bought category "coffee" within last 90 days at least 2 times',
  });
  pg = await startPostgres();
  pgRunner = new PostgresRunner(pg.url);
  await copyTables(duck, pgRunner, [
    'customers',
    'orders',
    'order_lines',
    'products',
    'locations',
    'events',
    'tags',
    'customer_profile',
    'segments',
    'profile_runs',
  ]);
}, 240_000);

afterAll(async () => {
  await pgRunner?.close();
  pg?.stop();
  await duck?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the same segment on DuckDB and PostgreSQL', () => {
  it('copies every entity table', () => {
    expect(entities.length).toBeGreaterThan(0);
  });

  it.each(queries)('%s', async (query) => {
    const parsed = parseSegment(query);
    expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ir = parsed.ir!;
    const onDuck = compileSegment(ir, { dialect: 'duckdb', now: NOW });
    const onPg = compileSegment(ir, { dialect: 'postgres', now: NOW });
    const a = (await duck.query<{ customer_id: string }>(onDuck.sql, onDuck.params)).map((r) => r.customer_id);
    const b = (await pgRunner.query<{ customer_id: string }>(onPg.sql, onPg.params)).map((r) => r.customer_id);
    expect(b).toEqual(a);
    // Never the same person twice.
    expect(new Set(a).size).toBe(a.length);
  });

  it('profile shortcuts answer exactly what the raw tables say', async () => {
    const raw = async (sql: string) => (await duck.query<{ id: string }>(sql, [NOW])).map((r) => r.id).sort();
    const compiled = async (q: string) => {
      const c = compileSegment(parseSegment(q).ir!, { dialect: 'duckdb', now: NOW });
      return (await duck.query<{ customer_id: string }>(c.sql, c.params)).map((r) => r.customer_id).sort();
    };
    // cart then no order, from the events and orders themselves
    expect(await compiled('did add_to_cart within last 30 days then not order')).toEqual(
      await raw(`SELECT DISTINCT e.customer_id AS id FROM events e WHERE e.type = 'add_to_cart' AND e.customer_id IS NOT NULL
        AND e.occurred_at >= $1::TIMESTAMPTZ - INTERVAL 30 DAY AND e.occurred_at <= $1::TIMESTAMPTZ
        AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = e.customer_id AND o.status = 'confirmed' AND o.placed_at > e.occurred_at AND o.placed_at <= $1::TIMESTAMPTZ)`),
    );
    // top and bottom 10% by spend: buyers fewer than 10% of the buyers are strictly ahead of
    const ranked = (direction: 'ASC' | 'DESC') =>
      raw(
        `SELECT customer_id AS id FROM (SELECT customer_id, rank() OVER (ORDER BY total_spent ${direction}) AS r, count(*) OVER () AS n
         FROM customer_profile WHERE order_count > 0) WHERE (r - 1) * 100 < 10 * n AND $1 IS NOT NULL`,
      );
    expect(await compiled('total_spent in top 10%')).toEqual(await ranked('DESC'));
    const bottom = await ranked('ASC');
    expect(bottom.length).toBeGreaterThan(0);
    expect(await compiled('total_spent in bottom 10%')).toEqual(bottom);
    // the non-buyers tied at 0 do not fill the bottom: asking for buyers changes nothing
    expect(await compiled('total_spent in bottom 10% and order_count > 0')).toEqual(bottom);
    // bought a category ever, case-insensitively, from the order lines
    expect(await compiled('bought category "coffee"')).toEqual(
      await raw(`SELECT DISTINCT o.customer_id AS id FROM orders o JOIN order_lines li ON li.order_id = o.id JOIN products p ON p.sku = li.sku
        WHERE o.status = 'confirmed' AND lower(p.category) = 'coffee' AND o.placed_at <= $1::TIMESTAMPTZ`),
    );
  });

  /*
   * The segment service runs on PostgreSQL too, given the tables: nothing creates them there but
   * copyTables (no PostgreSQL migrations, no profile engine), and copied tables have no keys, so
   * saving a segment there (ON CONFLICT (id)) is not possible. Evaluation is engine-neutral.
   */
  it('the segment service answers the same on PostgreSQL over the copied tables', async () => {
    const onDuck = new SegmentService(duck, { clock: fixedClock(NOW) });
    const onPg = new SegmentService(pgRunner, { clock: fixedClock(NOW) });
    for (const def of [
      { segment: 'coffee lovers' },
      { text: 'in segment "coffee lovers" and total_spent in top 20%' },
      { ready: 'big-spenders' },
    ]) {
      const members = await onDuck.members(def, { limit: 100_000, offset: 0 });
      expect(members.length).toBeGreaterThan(0);
      expect(await onPg.members(def, { limit: 100_000, offset: 0 })).toEqual(members);
      expect(await onPg.count(def)).toBe(members.length);
    }
    const someone = (await onDuck.members({ segment: 'coffee lovers' }, { limit: 1, offset: 0 }))[0]!;
    expect(await onPg.explain({ segment: 'coffee lovers' }, someone)).toEqual(
      await onDuck.explain({ segment: 'coffee lovers' }, someone),
    );
    // The limit the service's doc states: no keys on copied tables, so no saving there.
    await expect(onPg.save({ name: 'tea lovers', text: 'bought category "tea"' })).rejects.toThrow(/ON CONFLICT/);
  });

  it('hostile values left every table intact', async () => {
    const [duckCount] = await duck.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM customers');
    const [pgCount] = await pgRunner.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM customers');
    expect(pgCount!.n).toBe(duckCount!.n);
    expect(duckCount!.n).toBeGreaterThan(1000);
    expect((await duck.counts()).tags).toBeGreaterThan(0);
  });

  it('most segments are neither empty nor everyone (the comparison means something)', async () => {
    const total = (await duck.counts()).customers;
    let informative = 0;
    for (const query of queries) {
      const c = compileSegment(parseSegment(query).ir!, { dialect: 'duckdb', now: NOW }, { kind: 'count' });
      const [row] = await duck.query<{ count: number }>(c.sql, c.params);
      if (row!.count > 0 && row!.count < total) informative++;
    }
    expect(informative).toBeGreaterThanOrEqual(queries.length - 4);
  });
});
