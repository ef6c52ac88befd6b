import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Customer, Location, Order, Product } from '@strata/core';
import { computeProfiles } from '@strata/profiles';
import { defaultCatalog, lookup, measuredAtProfileRun, type FieldCatalog } from '@strata/segment-lang';
import { DuckDbStore } from '@strata/store-duckdb';

/*
 * The segment language offers the profile fields of its catalog, and the compiler reads each
 * from a column of customer_profile of the same name. A field renamed on one side only would
 * bind without a complaint and fail when the segment runs, so the catalog is checked against
 * the table a real profile run builds. So is the list of traits measured at the profile run:
 * a name there that is no field would let a segment reading the real field be evaluated at a
 * later time than its profiles without the error that says so.
 */

const AS_OF = new Date('2026-06-15T12:00:00.000Z');
const daysAgo = (days: number) => new Date(AS_OF.getTime() - days * 86_400_000).toISOString();

/** The profile fields of `catalog` that are not columns of the profile table. */
const missingFrom = (columns: ReadonlySet<string>, catalog: FieldCatalog) =>
  Object.entries(catalog)
    .filter(([name, spec]) => spec.source === 'profile' && !columns.has(name))
    .map(([name]) => name);

/** The names of `measured` that are not fields of `catalog` or not columns of the profile table. */
const unknownMeasured = (measured: ReadonlySet<string>, columns: ReadonlySet<string>, catalog: FieldCatalog) =>
  [...measured].filter((name) => !lookup(catalog, name) || !columns.has(name));

const profileFields = Object.entries(defaultCatalog).filter(([, spec]) => spec.source === 'profile');

describe('the segment catalog against customer_profile', () => {
  let store: DuckDbStore;
  let columns: ReadonlySet<string>;

  beforeAll(async () => {
    store = await DuckDbStore.open(':memory:');
    const order = (id: string, customer: string, days: number, total: number) =>
      Order.parse({ id, customer_id: customer, location_id: 'web', placed_at: daysAgo(days), currency: 'EUR', total });
    await store.write({
      locations: [Location.parse({ id: 'web', name: 'Online shop', kind: 'online' })],
      products: [Product.parse({ sku: 'MUG', name: 'Mug', category: 'kitchen', price: 20 })],
      customers: ['regular', 'once', 'prospect'].map((id) => Customer.parse({ id, age: 34 })),
      orders: [order('o1', 'regular', 40, 20), order('o2', 'regular', 10, 30), order('o3', 'once', 200, 50)],
    });
    await computeProfiles(store, { asOf: AS_OF, ranBy: 'test' });
    const rows = await store.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'customer_profile'`,
    );
    columns = new Set(rows.map((r) => r.column_name));
  });

  afterAll(async () => {
    await store?.close();
  });

  it('finds every profile field of the catalog as a column', () => {
    expect(profileFields.length).toBeGreaterThan(40);
    expect(missingFrom(columns, defaultCatalog)).toEqual([]);
  });

  it('names a field renamed in the catalog only', () => {
    const { total_spent, ...rest } = defaultCatalog;
    expect(missingFrom(columns, { ...rest, total_spend: total_spent! })).toEqual(['total_spend']);
  });

  it('names a column renamed in the profile only', () => {
    const renamed = new Set([...columns].map((c) => (c === 'lifecycle_stage' ? 'stage' : c)));
    expect(missingFrom(renamed, defaultCatalog)).toEqual(['lifecycle_stage']);
  });

  it('finds every trait measured at the profile run as a field of the catalog and a column', () => {
    expect(measuredAtProfileRun.size).toBeGreaterThan(10);
    expect(unknownMeasured(measuredAtProfileRun, columns, defaultCatalog)).toEqual([]);
  });

  it('names a measured trait that is no field or no column', () => {
    const measured = new Set([...measuredAtProfileRun, 'visits_90d']);
    expect(unknownMeasured(measured, columns, defaultCatalog)).toEqual(['visits_90d']);
    const { rfm_segment, ...rest } = defaultCatalog;
    expect(unknownMeasured(measuredAtProfileRun, columns, { ...rest, rfm_group: rfm_segment! })).toEqual([
      'rfm_segment',
    ]);
    const renamed = new Set([...columns].map((c) => (c === 'churn_risk' ? 'churn' : c)));
    expect(unknownMeasured(measuredAtProfileRun, renamed, defaultCatalog)).toEqual(['churn_risk']);
  });

  it('gives enum fields only values the catalog offers', async () => {
    const enums = profileFields.filter(([, spec]) => spec.values);
    expect(enums.map(([name]) => name)).toEqual(expect.arrayContaining(['rfm_segment', 'lifecycle_stage']));
    for (const [name, spec] of enums) {
      const rows = await store.query<{ v: string }>(
        `SELECT DISTINCT "${name}" AS v FROM customer_profile WHERE "${name}" IS NOT NULL`,
      );
      for (const { v } of rows) expect(spec.values, `${name} = ${v}`).toContain(v);
    }
    // the tiny store does reach some of them
    const [stages] = await store.query<{ n: number }>(
      `SELECT count(DISTINCT lifecycle_stage)::INTEGER AS n FROM customer_profile`,
    );
    expect(stages?.n).toBeGreaterThanOrEqual(3);
  });
});
