import type { Entity } from '@strata/core';
import type { DemoStoreFiles } from './demo-store.js';

const n = (x: number): string => x.toLocaleString('en');
const pct = (part: number, whole: number): string => (whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(1)}%`);

/** A plain-text table of what `generateDemoStore` wrote: rows and file per entity, then the mix of behaviours. */
export function describeDemoStore(result: DemoStoreFiles): string {
  const { rows, files, stats } = result;
  const customers = rows.customers;
  const entities = Object.keys(files) as Entity[];
  const width = Math.max(...entities.map((e) => n(rows[e]).length));
  const lines = entities.map((e) => `${e.padEnd(12)}${n(rows[e]).padStart(width)}  ${files[e]}`);
  const orders = stats.onlineOrders + stats.shopOrders;
  const totalRows = entities.reduce((sum, e) => sum + rows[e], 0);
  lines.push(
    '',
    `per customer: ${(rows.orders / customers).toFixed(1)} orders, ${(rows.order_lines / Math.max(1, rows.orders)).toFixed(2)} lines per order, ${(rows.events / customers).toFixed(1)} events`,
    `orders: ${pct(stats.onlineOrders, orders)} online, ${pct(stats.shopOrders, orders)} in shops; ` +
      `till orders by email only ${n(stats.tillOrdersByEmail)}, by phone only ${n(stats.tillOrdersByPhone)}; ` +
      `cancelled ${pct(stats.cancelledOrders, orders)}, refunded ${pct(stats.refundedOrders, orders)}`,
    `archetypes: ${Object.entries(stats.archetypes)
      .map(([a, c]) => `${a} ${pct(c, customers)}`)
      .join(', ')}`,
    `anonymous visitors: ${n(stats.anonymousVisitors)}`,
    `generated ${n(totalRows)} rows in ${(stats.durationMs / 1000).toFixed(1)} s (${n(Math.round(totalRows / Math.max(0.001, stats.durationMs / 1000)))} rows/s)`,
  );
  return lines.join('\n');
}
