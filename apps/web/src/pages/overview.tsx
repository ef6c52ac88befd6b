import { useState } from 'react';
import { Bars, Loaded, Stat } from '../components.js';
import { loadOverview, type Overview } from '../data.js';
import { amount, count, label, percent, when } from '../format.js';
import { noPeriod } from '../report-data.js';
import { Link } from '../router.js';
import { useLoad } from '../use-load.js';
import { LifecycleFunnel, queryHref, ValueRiskGrid } from './overview-grids.js';
import { CohortRetention, PeriodPicker, RevenueBreakdowns } from './overview-report.js';

export { queryHref };

export function OverviewPage() {
  const [period, setPeriod] = useState(noPeriod);
  const [overview] = useLoad(() => loadOverview(period), [period]);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <PeriodPicker period={period} onChange={setPeriod} />
      <Loaded load={overview} what="the overview">
        {(o) => <OverviewBody o={o} />}
      </Loaded>
    </section>
  );
}

function OverviewBody({ o }: { o: Overview }) {
  const rows = (counts: Record<string, number>, field: string) =>
    Object.entries(counts)
      .filter(([name]) => name !== 'none')
      .map(([name, value]) => ({ name: label(name), value, href: queryHref(`${field} = "${name}"`) }));
  return (
    <>
      <p className="muted">
        Orders: {o.report.parameters['from'] ?? 'the first'} to {o.report.parameters['to'] ?? 'today'}. Segments and
        RFM: the last profile run, {when(o.asOf)}.
      </p>
      <dl className="stats">
        <Stat label="Customers" value={count(o.customers)} />
        <Stat
          label="Buyers"
          value={count(o.buyers)}
          hint={o.customers ? ` ${percent(o.buyers / o.customers)} of customers` : ''}
        />
        <Stat label="Orders" value={count(o.orders)} />
        <Stat label="Revenue" value={amount(o.revenue)} hint=" confirmed orders" />
        <Stat label="Average order value" value={o.aov === null ? '—' : amount(o.aov)} />
        <Stat
          label="Repeat rate"
          value={o.repeatRate === null ? '—' : percent(o.repeatRate)}
          hint=" of buyers ordered twice or more"
        />
      </dl>
      <div className="panels">
        <RfmGrid grid={o.rfmGrid} />
        <ValueRiskGrid cells={o.valueRisk} />
        <LifecycleFunnel report={o.report} loyal={o.lifecycle['loyal'] ?? 0} />
        <Bars caption="Customers by lifecycle stage" rows={rows(o.lifecycle, 'lifecycle_stage')} />
        <Bars caption="Buyers by RFM segment" rows={rows(o.rfmSegments, 'rfm_segment')} />
        <Bars caption="Buyers by value tier" rows={rows(o.valueTiers, 'value_tier')} />
        <Bars caption="Buyers by churn risk" rows={rows(o.churnRisk, 'churn_risk')} />
        <RevenueBreakdowns report={o.report} />
        <div className="wide">
          <CohortRetention report={o.report} />
        </div>
      </div>
    </>
  );
}

/**
 * Buyers per recency (rows) and frequency (columns) score. The shade says how many; the number is
 * always written too, in a colour that keeps its contrast on the shade.
 */
function RfmGrid({ grid }: { grid: number[][] }) {
  const max = Math.max(1, ...grid.flat());
  const frequencies = [1, 2, 3, 4, 5];
  return (
    <table className="heatmap">
      <caption>
        RFM grid: buyers by recency and frequency score <span className="muted">(choose a cell to see its buyers)</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">Recency ↓ / Frequency →</th>
          {frequencies.map((f) => (
            <th scope="col" key={f}>
              F{f}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {grid.map((row, i) => {
          const recency = 5 - i;
          return (
            <tr key={recency}>
              <th scope="row">R{recency}</th>
              {row.map((n, j) => {
                const frequency = j + 1;
                const share = n / max;
                return (
                  <td key={frequency}>
                    <Link
                      className={share > 0.79 ? 'cell dark' : 'cell'}
                      style={{ backgroundColor: `rgba(29, 78, 216, ${0.06 + share * 0.94})` }}
                      href={queryHref(`recency_score = ${recency} and frequency_score = ${frequency}`)}
                      aria-label={`Recency ${recency}, frequency ${frequency}: ${count(n)} buyers`}
                      data-cell={`${recency}${frequency}`}
                    >
                      {count(n)}
                    </Link>
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
