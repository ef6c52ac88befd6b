/**
 * Every number the core schemas accept fits the store column it goes to. The column types are read
 * from the store itself, so a new number column, or a changed type, fails here until the schemas'
 * bounds (storeNumberRanges in @strata/core) follow it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entities, entitySchemas, fixedClock, storeNumberRanges, type Entity } from '@strata/core';
import { DuckDbStore } from '../src/index.js';

/** A valid record of each entity that has number columns. */
const records: Partial<Record<Entity, Record<string, unknown>>> = {
  customers: { id: 'c1' },
  products: { sku: 'p1', name: 'Mug', category: 'home', price: 1 },
  orders: {
    id: 'o1',
    customer_id: 'c1',
    location_id: 'online',
    placed_at: '2026-01-01T00:00:00Z',
    currency: 'EUR',
    total: 1,
  },
  order_lines: { order_id: 'o1', line_no: 1, sku: 'p1', quantity: 1, unit_price: 1 },
};

interface NumberColumn {
  table: Entity;
  column: string;
  type: string;
  precision: number | null;
  scale: number | null;
}

let store: DuckDbStore;
let columns: NumberColumn[];

beforeAll(async () => {
  store = await DuckDbStore.open(':memory:', { clock: fixedClock('2026-02-01T00:00:00Z') });
  columns = (
    await store.rows<{ table: Entity; column: string; type: string; precision: number | null; scale: number | null }>(
      `SELECT table_name AS "table", column_name AS "column", data_type AS type, numeric_precision AS precision, numeric_scale AS scale
       FROM information_schema.columns
       WHERE list_contains($1::VARCHAR[], table_name) AND data_type NOT IN ('VARCHAR', 'BOOLEAN', 'DATE', 'TIMESTAMP WITH TIME ZONE', 'JSON', 'VARCHAR[]')
       ORDER BY 1, 2`,
      [`[${entities.join(',')}]`],
    )
  ).map((c) => ({
    ...c,
    precision: c.precision === null ? null : Number(c.precision),
    scale: c.scale === null ? null : Number(c.scale),
  }));
});
afterAll(async () => {
  await store?.close();
});

/** The largest number below `limit` that JavaScript holds. */
const justBelow = (limit: number) => limit - 2 ** (Math.floor(Math.log2(limit)) - 52);

describe('number columns and the schemas that fill them', () => {
  it('finds every number column of the entity tables, each filled by a schema field of its name', () => {
    expect(columns.map((c) => `${c.table}.${c.column} ${c.type}`)).toEqual([
      'customers.age INTEGER',
      'order_lines.line_discount DECIMAL(18,4)',
      'order_lines.line_no INTEGER',
      'order_lines.quantity INTEGER',
      'order_lines.unit_price DECIMAL(18,4)',
      'orders.discount_total DECIMAL(18,4)',
      'orders.total DECIMAL(18,4)',
      'products.consumption_days INTEGER',
      'products.price DECIMAL(18,4)',
    ]);
  });

  it('core declares the ranges the store really has', () => {
    for (const c of columns) {
      if (c.type === 'INTEGER') continue;
      expect({ column: `${c.table}.${c.column}`, precision: c.precision, scale: c.scale }).toEqual({
        column: `${c.table}.${c.column}`,
        precision: storeNumberRanges.money.precision,
        scale: storeNumberRanges.money.scale,
      });
    }
    expect(storeNumberRanges.money.below).toBe(
      10 ** (storeNumberRanges.money.precision - storeNumberRanges.money.scale),
    );
  });

  it('refuses every number beyond a column and stores the largest one it accepts', async () => {
    for (const c of columns) {
      const record = records[c.table]!;
      const schema = entitySchemas[c.table];
      const parse = (v: number) => schema.safeParse({ ...record, [c.column]: v });
      const [below, above, edges] =
        c.type === 'INTEGER'
          ? [storeNumberRanges.integer.min - 1, storeNumberRanges.integer.max + 1, [storeNumberRanges.integer.max]]
          : [
              -storeNumberRanges.money.below,
              storeNumberRanges.money.below,
              [justBelow(storeNumberRanges.money.below), -justBelow(storeNumberRanges.money.below)],
            ];
      for (const v of [below, above, 1e300, -1e300])
        expect({ column: `${c.table}.${c.column}`, v, accepted: parse(v).success }).toMatchObject({ accepted: false });
      for (const v of edges) {
        const parsed = parse(v);
        if (!parsed.success) continue; // the field is narrower than its column (age, an amount that cannot be negative)
        await store.write({ [c.table]: [parsed.data] });
        const [row] = await store.rows<{ v: number }>(
          `SELECT ${v > 0 ? 'max' : 'min'}(${c.column})::DOUBLE AS v FROM ${c.table}`,
        );
        expect({ column: `${c.table}.${c.column}`, stored: row!.v }).toEqual({
          column: `${c.table}.${c.column}`,
          stored: v,
        });
      }
    }
  });
});
