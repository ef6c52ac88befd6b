/**
 * The gift shop scenario: a real UK online gift shop's year of orders (UCI "Online Retail",
 * ../shared/data/online-retail), every tenth customer, imported with `strata import`, profiled
 * as of 2011-12-10 and segmented. "No order in the last 30 days" is worked out here from the raw
 * invoice lines, independently of Strata, and the segment language, the ready `churned` segment
 * and the lifecycle stages must all agree with it.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { DuckDbStore } from '@strata/store-duckdb';
import { captureIo } from './helpers.js';

const DATA = new URL('../../../../shared/data/online-retail/by-day/', import.meta.url).pathname;
const AS_OF = Date.parse('2011-12-10T23:59:59.999Z'); // `--as-of 2011-12-10`: the end of that day
const DAY = 86_400_000;

interface Invoice {
  id: string;
  customer: string;
  placedAt: number;
  lines: { sku: string; quantity: number; unitPrice: number }[];
}

/** The published cleaning: customers only, no cancellations, positive quantities and prices. */
function readInvoices(): Map<string, Invoice> {
  const invoices = new Map<string, Invoice>();
  for (const file of readdirSync(DATA).filter((f) => f.endsWith('.csv')).sort()) {
    const rows = parse<Record<string, string>>(readFileSync(join(DATA, file)), { columns: true, skip_empty_lines: true });
    for (const r of rows) {
      const customer = r.CustomerID ? String(Math.round(Number(r.CustomerID))) : '';
      if (!customer || Number(customer) % 10 !== 0) continue;
      const quantity = Number(r.Quantity);
      const unitPrice = Number(r.UnitPrice);
      if (r.InvoiceNo!.startsWith('C') || quantity <= 0 || unitPrice <= 0) continue;
      let inv = invoices.get(r.InvoiceNo!);
      if (!inv) {
        inv = { id: r.InvoiceNo!, customer, placedAt: Date.parse(`${r.InvoiceDate!.replace(' ', 'T')}Z`), lines: [] };
        invoices.set(inv.id, inv);
      }
      inv.lines.push({ sku: r.StockCode!.trim(), quantity, unitPrice });
    }
  }
  return invoices;
}

const dir = mkdtempSync(join(tmpdir(), 'strata-gift-shop-'));
const db = join(dir, 'gift.duckdb');
/** Per customer: confirmed orders and the time of the last one, from the raw lines. */
const byCustomer = new Map<string, { orders: number; last: number }>();

async function cli(...args: string[]): Promise<string[]> {
  const io = captureIo();
  const code = await run(['--db', db, ...args], io);
  if (code !== 0) throw new Error(`strata ${args.join(' ')} exited ${code}: ${io.stderr.join('\n')}`);
  return io.stdout;
}

beforeAll(async () => {
  const invoices = readInvoices();
  const orders = ['id,customer_id,location_id,placed_at,currency,total'];
  const lines = ['order_id,line_no,sku,quantity,unit_price'];
  for (const inv of invoices.values()) {
    const total = inv.lines.reduce((s, l) => s + Math.round(l.quantity * l.unitPrice * 100), 0) / 100;
    orders.push(`${inv.id},${inv.customer},online,${new Date(inv.placedAt).toISOString()},GBP,${total.toFixed(2)}`);
    inv.lines.forEach((l, i) => lines.push(`${inv.id},${i + 1},${l.sku},${l.quantity},${l.unitPrice}`));
    const c = byCustomer.get(inv.customer) ?? { orders: 0, last: 0 };
    byCustomer.set(inv.customer, { orders: c.orders + 1, last: Math.max(c.last, inv.placedAt) });
  }
  writeFileSync(join(dir, 'customers.csv'), ['id', ...byCustomer.keys()].join('\n') + '\n');
  writeFileSync(join(dir, 'orders.csv'), orders.join('\n') + '\n');
  writeFileSync(join(dir, 'order_lines.csv'), lines.join('\n') + '\n');
  for (const entity of ['customers', 'orders', 'order_lines']) await cli('import', entity, join(dir, `${entity}.csv`), '--progress', 'none');
  await cli('profiles', 'compute', '--as-of', '2011-12-10');
});

const elapsedDays = (c: { last: number }) => (AS_OF - c.last) / DAY;
const count = (pred: (c: { orders: number; last: number }) => boolean) => [...byCustomer.values()].filter(pred).length;

describe('the gift shop, profiled as of 2011-12-10', () => {
  it('has the extract it is meant to have', () => {
    // the customers with an id divisible by ten, of the 4,338 the published cleaning leaves
    expect(byCustomer.size).toBe(442);
  });

  it('counts "no order in the last 30 days" to the second, in the language and in the ready segment', async () => {
    const expected = count((c) => elapsedDays(c) > 30);
    expect(expected).toBe(271);
    expect(await cli('segment', 'eval', '--count', 'last_order_at before 30 days ago')).toEqual([String(expected)]);
    expect(await cli('segment', 'eval', '--count', '--ready', 'churned')).toEqual([String(expected)]);
    // the default evaluation time is the profiles' as-of time, not today
    const json = JSON.parse((await cli('--json', 'segment', 'eval', '--count', '--ready', 'churned', '--as-of', '2011-12-10')).join(''));
    expect(json).toEqual({ count: expected, warnings: [] });
  });

  it('puts the customers of the last 30 days apart from the rest in the lifecycle stages, to the second', async () => {
    const store = await DuckDbStore.open(db, { readOnly: true });
    try {
      const rows = await store.query<{ stage: string; n: number }>(
        `SELECT lifecycle_stage AS stage, count(*)::INTEGER AS n FROM customer_profile GROUP BY 1`,
      );
      const stages = Object.fromEntries(rows.map((r) => [r.stage, r.n]));
      const dormant = count((c) => elapsedDays(c) > 180);
      const churned = count((c) => c.orders >= 2 && elapsedDays(c) > 30 && elapsedDays(c) <= 180);
      const oneTime = count((c) => c.orders === 1 && elapsedDays(c) > 30 && elapsedDays(c) <= 180);
      const fresh = count((c) => c.orders === 1 && elapsedDays(c) <= 30);
      expect({ dormant: stages.dormant, churned: stages.churned, one_time: stages.one_time, new: stages.new }).toEqual({
        dormant,
        churned,
        one_time: oneTime,
        new: fresh,
      });
      // the stages with no order in the last 30 days are exactly the segment's members
      expect(dormant + churned + oneTime).toBe(count((c) => elapsedDays(c) > 30));
      // and somebody whose last order was 30 and a bit days ago is among them, not "active"
      const edge = [...byCustomer.entries()].filter(([, c]) => elapsedDays(c) > 30 && elapsedDays(c) < 31);
      expect(edge.length).toBeGreaterThan(0);
      const [edgeRow] = await store.query<{ stage: string }>(`SELECT lifecycle_stage AS stage FROM customer_profile WHERE customer_id = $1`, [edge[0]![0]]);
      expect(['churned', 'one_time']).toContain(edgeRow?.stage);
      // Whatever the model says, a one-time buyer silent for over 180 days is not low churn risk
      // (under BG/NBD every one-time buyer had P(alive) = 1 and 'low').
      const [gone] = await store.query<{ n: number; low: number }>(
        `SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE churn_risk = 'low')::INTEGER AS low FROM customer_profile
         WHERE order_count = 1 AND last_order_at < as_of - INTERVAL 180 DAY`,
      );
      expect(gone!.n).toBe(count((c) => c.orders === 1 && elapsedDays(c) > 180));
      expect(gone!.n).toBeGreaterThan(10);
      expect(gone!.low).toBe(0);
    } finally {
      await store.close();
    }
  });
});
