import type { CampaignResultsBody } from '@strata/api';
import { Bars, Loaded, Stat } from '../components.js';
import { campaignResults } from '../campaign-data.js';
import { amount, count, label, percent, when } from '../format.js';
import { Link } from '../router.js';
import { useLoad } from '../use-load.js';
import '../outreach.css';

type Interval = CampaignResultsBody['uplift']['conversionRate'];

/** A campaign's results: the funnel, attributed revenue, and the uplift over the holdout with its 95% interval. */
export function CampaignResultsPage(props: { id: string }) {
  const [results, reload] = useLoad(() => campaignResults(props.id), [props.id]);
  return (
    <Loaded load={results} what="the results">
      {(r) => (
        <section aria-labelledby="results-title">
          <p className="crumbs">
            <Link href="/campaigns">Campaigns</Link> ›{' '}
            <Link href={`/campaigns/${encodeURIComponent(r.campaign.id)}`}>{r.campaign.name}</Link>
          </p>
          <div className="title-row">
            <h1 id="results-title">Results of {r.campaign.name}</h1>
            <button type="button" className="quiet" onClick={reload}>
              Refresh
            </button>
          </div>
          <p className="muted">
            {label(r.campaign.status)}, started {when(r.campaign.started_at)}. Orders count within{' '}
            {Object.entries(r.windowDays)
              .map(([k, d]) => `${d} days of the ${label(k)}`)
              .join(', ')}
            .
          </p>
          <dl className="stats" data-testid="results">
            <Stat label="Audience" value={count(r.audience)} />
            <Stat label="Sent" value={count(r.sent)} />
            <Stat label="Delivered" value={count(r.delivered)} />
            <Stat label="Converted" value={count(r.converted)} hint={` of ${count(r.recipients)}`} />
            <Stat label="Revenue" value={amount(r.revenue)} />
            <Stat label="Held out" value={count(r.heldOut)} />
          </dl>
          <Bars
            caption="The funnel"
            rows={[
              { name: 'Audience', value: r.audience },
              { name: 'Sent', value: r.sent },
              { name: 'Delivered', value: r.delivered },
              { name: 'Opened', value: r.opened },
              { name: 'Clicked', value: r.clicked },
              { name: 'Converted', value: r.converted },
            ]}
          />
          <h2>Uplift over the holdout</h2>
          <p data-testid="verdict">
            <strong>{r.uplift.verdict}</strong>
          </p>
          <table className="list compact">
            <caption className="visually-hidden">Uplift with its 95% interval</caption>
            <thead>
              <tr>
                <th scope="col">Measure</th>
                <th scope="col" className="num">
                  Uplift
                </th>
                <th scope="col">95% interval</th>
                <th scope="col">
                  <span className="visually-hidden">Interval drawn</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <UpliftRow name="Conversion rate" interval={r.uplift.conversionRate} show={(v) => percent(v, 2)} />
              <UpliftRow name="Revenue per recipient" interval={r.uplift.revenuePerRecipient} show={(v) => amount(v)} />
            </tbody>
          </table>
          {r.uplift.moreRecipientsNeeded !== null ? (
            <p className="muted">About {count(r.uplift.moreRecipientsNeeded)} more recipients would settle it.</p>
          ) : null}
        </section>
      )}
    </Loaded>
  );
}

function UpliftRow(props: { name: string; interval: Interval; show: (v: number) => string }) {
  const { estimate, lower, upper } = props.interval;
  const text = `${lower === null ? 'unbounded' : props.show(lower)} to ${upper === null ? 'unbounded' : props.show(upper)}`;
  return (
    <tr>
      <th scope="row">{props.name}</th>
      <td className="num">{props.show(estimate)}</td>
      <td>{text}</td>
      <td>
        <IntervalBar interval={props.interval} />
      </td>
    </tr>
  );
}

/** The interval as a bar around zero: wholly right of the line is a gain, wholly left a loss. */
function IntervalBar({ interval }: { interval: Interval }) {
  const { estimate, lower, upper } = interval;
  const span = Math.max(Math.abs(lower ?? estimate), Math.abs(upper ?? estimate), Math.abs(estimate), 1e-9) * 1.1;
  const at = (v: number) => ((v + span) / (2 * span)) * 100;
  const left = lower === null ? 0 : at(lower);
  const right = upper === null ? 100 : at(upper);
  return (
    <div className="interval" aria-hidden="true">
      <span className="zero" style={{ left: '50%' }} />
      <span className="range" style={{ left: `${left}%`, width: `${Math.max(1, right - left)}%` }} />
    </div>
  );
}
