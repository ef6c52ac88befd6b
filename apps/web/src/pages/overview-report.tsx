import { useState, type FormEvent } from 'react';
import type { ReportBody } from '@strata/api';
import { Bars } from '../components.js';
import { amount, label, percent } from '../format.js';
import { cohortsOf, noPeriod, revenueRows, tableOf, type Period } from '../report-data.js';

/*
 * The parts of the overview drawn from the overview report: the period picker, cohort retention as
 * a heatmap and revenue by country, shop, brand and age group as bars (docs/reports.md names the
 * tables and columns).
 */

/** From and to days; the report is asked again when the period is applied. */
export function PeriodPicker(props: { period: Period; onChange: (period: Period) => void }) {
  const [draft, setDraft] = useState(props.period);
  const wrong = draft.from !== '' && draft.to !== '' && draft.from > draft.to;
  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (!wrong) props.onChange(draft);
  };
  return (
    <form className="period" onSubmit={apply} aria-label="Period">
      <label htmlFor="period-from">From</label>
      <input
        id="period-from"
        type="date"
        value={draft.from}
        onChange={(e) => setDraft({ ...draft, from: e.target.value })}
      />
      <label htmlFor="period-to">To</label>
      <input id="period-to" type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
      <button type="submit" disabled={wrong}>
        Apply
      </button>
      <button
        type="button"
        className="quiet"
        onClick={() => {
          setDraft(noPeriod);
          props.onChange(noPeriod);
        }}
      >
        All time
      </button>
      {wrong ? (
        <span className="error" role="alert">
          The first day is after the last.
        </span>
      ) : null}
    </form>
  );
}

/** Share of each first-order month's buyers who ordered again N months later; the shade says how many. */
export function CohortRetention({ report }: { report: ReportBody }) {
  const { months, rows } = cohortsOf(tableOf(report, 'cohorts'));
  if (rows.length === 0) return <p className="muted">No cohorts in this period.</p>;
  return (
    <div className="scroll-x">
      <table className="heatmap cohorts">
        <caption>Cohort retention: share of each first-order month ordering again N months later</caption>
        <thead>
          <tr>
            <th scope="col">Cohort</th>
            <th scope="col">Buyers</th>
            {months.map((m) => (
              <th scope="col" key={m}>
                M{m.slice('month_'.length)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.cohort} data-cohort={r.cohort}>
              <th scope="row">{r.cohort}</th>
              <td className="num">{r.customers.toLocaleString('en')}</td>
              {r.shares.map((s, i) => (
                <td key={months[i]}>
                  {s === null ? (
                    <span className="cell empty" aria-label="not reached yet" />
                  ) : (
                    <span
                      className={s > 0.79 ? 'cell dark' : 'cell'}
                      style={{ backgroundColor: `rgba(29, 78, 216, ${0.06 + Math.min(1, s) * 0.94})` }}
                    >
                      {percent(s, 0)}
                    </span>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const breakdowns = [
  { table: 'revenue_by_country', key: 'country', caption: 'Revenue by country' },
  { table: 'revenue_by_shop', key: 'shop', caption: 'Revenue by shop' },
  { table: 'revenue_by_brand', key: 'brand', caption: 'Revenue by brand (order lines)' },
  { table: 'revenue_by_age_group', key: 'age_group', caption: 'Revenue by age group' },
] as const;

/** At most this many bars per chart; the rest are summed into one. */
const TOP = 10;

export function RevenueBreakdowns({ report }: { report: ReportBody }) {
  return (
    <>
      {breakdowns.map((b) => {
        const all = revenueRows(tableOf(report, b.table), b.key);
        const shown = b.table === 'revenue_by_age_group' ? all : all.slice(0, TOP);
        const rest = all.slice(shown.length).reduce((n, r) => n + r.revenue, 0);
        const rows = [
          ...shown.map((r) => ({ name: label(r.name), value: r.revenue })),
          ...(rest > 0 ? [{ name: `${all.length - shown.length} more`, value: rest }] : []),
        ];
        return (
          <div key={b.table} data-report-table={b.table}>
            <Bars caption={b.caption} rows={rows} format={amount} />
          </div>
        );
      })}
    </>
  );
}
