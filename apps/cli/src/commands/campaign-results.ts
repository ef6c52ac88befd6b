import type { CampaignResultsBody, ResultsBreakdownBody } from '@strata/api';
import type { Io } from '../context.js';

const int = (n: number) => n.toLocaleString('en');
const money = (n: number) => n.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = (k: number, n: number) => (n > 0 ? `${((100 * k) / n).toFixed(1)}%` : '–');
const bound = (x: number | null, f: (n: number) => string) => (x === null ? 'unbounded' : f(x));

/** `strata campaign results <id>`: the funnel, attributed revenue, the holdout and the verdict. */
export function printResults(io: Io, r: CampaignResultsBody): void {
  io.out(`${r.campaign.id}: ${r.campaign.name} — ${r.campaign.status}`);
  const windows = Object.entries(r.windowDays)
    .map(([channel, days]) => `${channel} ${days} d`)
    .join(', ');
  io.out(`  attribution: coupon, or the last message within ${windows}`);
  io.out(`  audience: ${int(r.audience)}   held out: ${int(r.heldOut)}`);
  for (const [reason, n] of Object.entries(r.excluded)) io.out(`    excluded (${reason}): ${int(n)}`);
  io.out(
    `  sent: ${int(r.sent)}   delivered: ${int(r.delivered)}   failed: ${int(r.failed)}   opened: ${int(r.opened)}   clicked: ${int(r.clicked)}   unsubscribed: ${int(r.unsubscribed)}`,
  );
  io.out(
    `  recipients: ${int(r.recipients)}   converted: ${int(r.converted)} (${pct(r.converted, r.recipients)})   orders: ${int(r.orders)}   revenue: ${money(r.revenue)}   per recipient: ${money(r.revenuePerRecipient)}`,
  );
  const h = r.holdout;
  io.out(
    `  holdout: ${int(h.customers)}   converted: ${int(h.converted)} (${pct(h.converted, h.customers)})   revenue: ${money(h.revenue)}   per customer: ${money(h.revenuePerCustomer)}`,
  );
  const u = r.uplift.revenuePerRecipient;
  io.out(
    `  revenue per recipient vs holdout: ${money(u.estimate)} (95% CI ${bound(u.lower, money)} to ${bound(u.upper, money)}, Welch)`,
  );
  io.out(`  ${r.uplift.verdict}`);
}

const points = (x: number | null) => (x === null ? '?' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`);

/** `strata campaign results <id> --by <group>`: one line per group, the totals' measures and the uplift within it. */
export function printBreakdown(io: Io, b: ResultsBreakdownBody): void {
  io.out(`  by ${b.by.replace('_', ' ')}: ${b.basis}`);
  const head = [
    b.by.replace('_', ' '),
    'audience',
    'held out',
    'sent',
    'delivered',
    'converted',
    'rate',
    'revenue',
    'per recipient',
    'holdout rate',
    'uplift (points, 95% CI)',
  ];
  const rows = b.groups.map((g) => [
    g.name,
    int(g.audience),
    int(g.heldOut),
    int(g.sent),
    int(g.delivered),
    int(g.converted),
    pct(g.converted, g.recipients),
    money(g.revenue),
    money(g.revenuePerRecipient),
    pct(g.holdout.converted, g.holdout.customers),
    g.uplift
      ? `${points(g.uplift.conversionRate.estimate)} (${points(g.uplift.conversionRate.lower)} to ${points(g.uplift.conversionRate.upper)})`
      : '–',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  io.out(`  ${line(head)}`);
  for (const r of rows) io.out(`  ${line(r)}`);
}
