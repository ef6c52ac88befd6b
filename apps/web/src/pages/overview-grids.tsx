import { levels } from '@strata/core';
import type { ReportBody } from '@strata/api';
import { count, label, percent } from '../format.js';
import { numberOf, tableOf } from '../report-data.js';
import { Link } from '../router.js';

/*
 * Two more pictures of the overview: the value × churn-risk grid (customers per value tier and
 * churn risk, from the profiles' summary; a cell opens its customers as a segment) and the
 * lifecycle funnel (customers → buyers → repeat buyers → loyal, each step with its share of the one
 * before).
 */

/** The segment editor opened on a query (its count and members). */
export const queryHref = (text: string) => `/segments/new?${new URLSearchParams({ q: text }).toString()}`;

/**
 * The shade of a cell with `share` of the busiest cell's customers: light cells keep dark text,
 * dark cells white text, and no shade falls between (both stay above 4.5:1 contrast).
 */
const riskShade = (share: number) =>
  share > 0.6
    ? { dark: true, backgroundColor: `rgba(153, 27, 27, ${0.8 + ((share - 0.6) / 0.4) * 0.2})` }
    : { dark: false, backgroundColor: `rgba(153, 27, 27, ${0.06 + (share / 0.6) * 0.49})` };

type ValueRisk = readonly { value_tier: string; churn_risk: string; customers: number }[];

/**
 * Value tier (rows, high first) × churn risk (columns, low first). A red shade marks the cells with the
 * most customers; the number is always written, in a colour that keeps its contrast on the shade.
 */
export function ValueRiskGrid({ cells }: { cells: ValueRisk }) {
  const at = (v: string, r: string) => cells.find((c) => c.value_tier === v && c.churn_risk === r)?.customers ?? 0;
  const risks = [...levels].reverse();
  const max = Math.max(1, ...levels.flatMap((v) => risks.map((r) => at(v, r))));
  if (cells.length === 0) return <p className="muted">No value tiers or churn risk in the last profile run.</p>;
  return (
    <table className="heatmap value-risk">
      <caption>
        Value × churn risk: customers by value tier and churn risk{' '}
        <span className="muted">(choose a cell to see its customers)</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">Value ↓ / Churn risk →</th>
          {risks.map((r) => (
            <th scope="col" key={r}>
              {label(r)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {levels.map((v) => (
          <tr key={v}>
            <th scope="row">{label(v)}</th>
            {risks.map((r) => {
              const n = at(v, r);
              const shade = riskShade(n / max);
              return (
                <td key={r}>
                  <Link
                    className={shade.dark ? 'cell dark' : 'cell'}
                    style={{ backgroundColor: shade.backgroundColor }}
                    href={queryHref(`value_tier = "${v}" and churn_risk = "${r}"`)}
                    aria-label={`${label(v)} value, ${r} churn risk: ${count(n)} customers`}
                    data-value-risk={`${v}-${r}`}
                  >
                    {count(n)}
                  </Link>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The steps from known customer to loyal one. Customers, buyers and repeat buyers are the report's
 * totals for the period; loyal customers are the last profile run's lifecycle stage.
 */
export function LifecycleFunnel({ report, loyal }: { report: ReportBody; loyal: number }) {
  const totals = tableOf(report, 'totals').rows[0];
  const steps = [
    { name: 'Customers', n: numberOf(totals, 'customers') ?? 0, q: '' },
    { name: 'Buyers', n: numberOf(totals, 'buyers') ?? 0, q: 'order_count >= 1' },
    { name: 'Repeat buyers', n: numberOf(totals, 'repeat_buyers') ?? 0, q: 'order_count >= 2' },
    { name: 'Loyal', n: loyal, q: 'lifecycle_stage = "loyal"' },
  ];
  const top = Math.max(1, steps[0]!.n);
  return (
    <table className="bars funnel">
      <caption>Lifecycle funnel: each step with its share of the step before</caption>
      <tbody>
        {steps.map((s, i) => {
          const before = i === 0 ? null : steps[i - 1]!.n;
          return (
            <tr key={s.name} data-funnel-step={s.name}>
              <th scope="row">{s.q ? <Link href={queryHref(s.q)}>{s.name}</Link> : s.name}</th>
              <td>
                <span className="bar" style={{ width: `${(s.n / top) * 100}%` }} aria-hidden="true" />
                <span className="num">
                  {count(s.n)}
                  {before ? <span className="hint"> {percent(s.n / before, 0)} of the step before</span> : null}
                </span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
