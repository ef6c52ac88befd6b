/**
 * `strata report`: tables a person reads, one table as CSV, the whole report as JSON, and the
 * same answers (mistakes included) on the store file and through the running server.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { Customer, Order } from '@strata/core';
import { startServer } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import { captureIo, runScript } from './helpers.js';

const db = join(mkdtempSync(join(tmpdir(), 'strata-report-')), 's.duckdb');

const commands: string[][] = [
  ['report', 'overview', '--to', '2026-10-31'],
  ['report', 'overview', '--to', '2026-10-31', '--csv', '--table', 'revenue_by_country'],
  ['--json', 'report', 'revenue-share', '--to', '2026-10-31'],
  ['report', 'overview', '--csv'],
  ['report', 'overview', '--by', 'rfm'],
  ['report', 'transitions', '--from', '2026-10-01', '--to', '2026-11-01'],
  ['report', 'segment-sizes', '--segment', 'nobody'],
];

const runAll = () => runScript(db, commands);

let local: Awaited<ReturnType<typeof runAll>>;

beforeAll(async () => {
  const store = await DuckDbStore.open(db);
  const order = (id: string, customer: string, total: number, placed: string) =>
    Order.parse({ id, customer_id: customer, location_id: 'online', placed_at: placed, currency: 'EUR', total });
  await store.write({
    customers: ['ann', 'bob', 'cy'].map((id) => Customer.parse({ id, country: id === 'cy' ? 'FR' : 'DE' })),
    orders: [
      order('o1', 'ann', 500, '2026-08-01T10:00:00Z'),
      order('o2', 'ann', 300, '2026-08-20T10:00:00Z'),
      order('o3', 'bob', 20, '2026-10-01T10:00:00Z'),
      order('o4', 'cy', 1234.5, '2026-10-02T10:00:00Z'),
    ],
  });
  await store.close();
  expect(await run(['--db', db, 'profiles', 'compute', '--as-of', '2026-11-01'], captureIo())).toBe(0);
  local = await runAll();
}, 60_000);

describe('strata report', () => {
  it('prints the overview as tables, one-row tables as labelled lines', () => {
    const [overview] = local;
    expect(overview!.code).toBe(0);
    const out = overview!.stdout;
    expect(out[0]).toBe('Store overview');
    expect(out).toContain('  Revenue:                   2,054.50');
    expect(out).toContain('  Repeat rate:               33.3%');
    const country = out.indexOf("Revenue by the customer's country");
    expect(out.slice(country + 1, country + 4)).toEqual([
      '  Country  Buyers  Orders   Revenue  Share of revenue',
      '  FR            1       1  1,234.50             60.1%',
      '  DE            2       3    820.00             39.9%',
    ]);
  });

  it('writes one table as CSV and the whole report as JSON', () => {
    expect(local[1]!.stdout.join('\n')).toBe(
      [
        'country,buyers,orders,revenue,revenue_share',
        `FR,1,1,1234.5,${1234.5 / 2054.5}`,
        `DE,2,3,820,${820 / 2054.5}`,
      ].join('\n'),
    );
    const json = JSON.parse(local[2]!.stdout.join('\n')) as {
      report: string;
      tables: { id: string; rows: unknown[] }[];
    };
    expect(json.report).toBe('revenue-share');
    expect(json.tables.find((t) => t.id === 'spend_deciles')!.rows[0]).toMatchObject({
      decile: 1,
      buyers: 1,
      revenue: 1234.5,
    });
  });

  it('names the mistake: a CSV of which table, a parameter the report does not take, no history, no segment', () => {
    expect(local.slice(3).map((r) => [r.code, r.stderr[0]])).toEqual([
      [
        65,
        'error: --csv writes one table: name it with --table (totals, lifecycle, rfm_grid, rfm_segments, cohorts, revenue_by_country, revenue_by_shop, revenue_by_age_group, revenue_by_brand)',
      ],
      [65, 'error: the overview report has no parameter "by"; it takes from, to, segment, months'],
      [
        66,
        'error: no profile run recorded as of 2026-10-01 or earlier: the first is as of 2026-11-01 (from must be that day or later)',
      ],
      [66, 'error: segment: no saved segment "nobody"; none is saved yet (`strata segment save`)'],
    ]);
  });

  it('answers the same through the running server', async () => {
    const server = await startServer({ dbPath: db, port: 0 });
    try {
      const served = await runAll();
      for (const i of commands.keys()) {
        // the time a report was made is the only thing that differs
        const same = (r: (typeof local)[number]) => ({
          ...r,
          stdout: r.stdout.map((l) => l.replace(/"generatedAt": "[^"]+"/, '')),
        });
        expect(same(served[i]!)).toEqual(same(local[i]!));
      }
    } finally {
      await server.close();
    }
  }, 60_000);
});
