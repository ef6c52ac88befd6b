import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toUtcIso } from '@strata/core';
import { DuckDbStore } from '../src/duckdb-store.js';
import { isoTime } from '../src/native-sql.js';

/*
 * Any ISO 8601 time takes the native path, converted in SQL exactly as toUtcIso (zod's rule)
 * converts it; what SQL does not convert goes to zod, so the two may only differ by SQL saying
 * "don't know" (NULL).
 */

const dir = mkdtempSync(join(tmpdir(), 'strata-times-'));
let store: DuckDbStore;
beforeAll(async () => {
  store = await DuckDbStore.open(join(dir, 's.duckdb'));
});
afterAll(async () => {
  await store.close();
});

async function sqlTimes(values: readonly string[]): Promise<(string | null)[]> {
  await store.loadTable(
    'time_samples',
    [
      ['i', 'integer'],
      ['v', 'text'],
    ],
    values.map((v, i) => [i, v]),
  );
  const rows = await store.rows<{ i: number; t: string | null }>(
    `SELECT i, ${isoTime('v')} AS t FROM time_samples ORDER BY i`,
  );
  return rows.map((r) => r.t);
}

describe('ISO 8601 times on the native path', () => {
  it('converts the common forms as toUtcIso does, and leaves impossible times to zod', async () => {
    const cases: [string, string | null][] = [
      ['2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000Z'],
      ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
      ['2024-05-01T10:00Z', '2024-05-01T10:00:00.000Z'],
      ['2024-05-01 10:00:00 +0000', '2024-05-01T10:00:00.000Z'], // Shopify's exports
      ['2024-05-01 10:00:00 -0500', '2024-05-01T15:00:00.000Z'],
      ['2024-05-01T12:30:00+02:00', '2024-05-01T10:30:00.000Z'],
      ['2024-05-01T10:00:00.5+0130', '2024-05-01T08:30:00.500Z'],
      ['2024-05-01 10:00', '2024-05-01T10:00:00.000Z'], // no offset: UTC
      ['2024-05-01', '2024-05-01T00:00:00.000Z'],
      ['2024-02-30T10:00:00Z', null],
      ['2024-05-01T24:00:00Z', null],
      ['2024-05-01T10:60:00Z', null],
    ];
    const got = await sqlTimes(cases.map(([v]) => v));
    expect(got).toEqual(cases.map(([, want]) => want));
    for (const [v, want] of cases) expect(toUtcIso(v) ?? null).toBe(want);
  });

  it('agrees with toUtcIso on random date-times wherever it converts one', async () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const time = fc
      .record({
        y: fc.integer({ min: 1000, max: 2999 }).map(String),
        mo: two(13),
        d: two(32),
        sep: fc.constantFrom('T', ' '),
        h: two(25),
        mi: two(60),
        s: fc.option(two(60), { nil: undefined }),
        f: fc.option(fc.stringMatching(/^\d{1,4}$/), { nil: undefined }),
        off: fc.constantFrom('', 'Z', '+02:00', '-0530', ' +0000', '+23:59', '+24:00', 'z'),
        dateOnly: fc.boolean(),
      })
      .map((p) =>
        p.dateOnly
          ? `${p.y}-${p.mo}-${p.d}`
          : `${p.y}-${p.mo}-${p.d}${p.sep}${p.h}:${p.mi}${p.s === undefined ? '' : `:${p.s}${p.f === undefined ? '' : `.${p.f}`}`}${p.off}`,
      );
    const values = fc.sample(time, { numRuns: 2000, seed: 16 });
    const got = await sqlTimes(values);
    let converted = 0;
    for (const [i, v] of values.entries()) {
      if (got[i] === null) continue;
      converted++;
      expect({ v, t: got[i] }).toEqual({ v, t: toUtcIso(v) });
    }
    expect(converted).toBeGreaterThan(200);
  });

  it('reads a file of orders with times in any of these forms, and no currency or location, without zod', async () => {
    const file = join(dir, 'orders.csv');
    writeFileSync(
      file,
      [
        'id,customer_id,placed_at,total',
        'o1,c1,2024-05-01 10:00:00 +0200,10',
        'o2,c1,2024-05-02T09:30:00Z,20',
        'o3,c2,2024-05-03,30',
      ].join('\n'),
    );
    const native = await store.openFileImport('orders', file, 'csv', { currency: 'GBP' });
    expect(native).toBeDefined();
    try {
      expect(native!.others).toEqual([]);
      expect(await native!.writeRange(0, native!.records)).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    } finally {
      await native!.close();
    }
    expect(
      await store.rows(
        `SELECT id, strftime(placed_at, '%Y-%m-%dT%H:%M:%SZ') AS placed_at, currency, location_id FROM orders ORDER BY id`,
      ),
    ).toEqual([
      { id: 'o1', placed_at: '2024-05-01T08:00:00Z', currency: 'GBP', location_id: 'online' },
      { id: 'o2', placed_at: '2024-05-02T09:30:00Z', currency: 'GBP', location_id: 'online' },
      { id: 'o3', placed_at: '2024-05-03T00:00:00Z', currency: 'GBP', location_id: 'online' },
    ]);
    // the online shop the orders went to exists, as an online location
    expect(await store.rows(`SELECT id, name, kind FROM locations`)).toEqual([
      { id: 'online', name: 'Online shop', kind: 'online' },
    ]);
  });
});
