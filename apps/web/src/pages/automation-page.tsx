import type { AutomationResultsBody } from '@strata/api';
import { Loaded } from '../components.js';
import { automationResults, flowOf, getAutomation, triggerOf } from '../automation-data.js';
import { listSegments } from '../data.js';
import { amount, count, label, percent } from '../format.js';
import { Link } from '../router.js';
import { useLoad } from '../use-load.js';
import { Flow } from './automations-page.js';
import '../outreach.css';

/*
 * One automation: its steps drawn as a flow, and what each send step brought in (its funnel, the
 * conversions and revenue of its recipients against the automation's holdout, and the uplift with
 * its interval), from GET /v1/automations/:id/results.
 */

const pts = (x: number | null) => (x === null ? '…' : `${(x * 100).toFixed(1)} pts`);

export function AutomationPage(props: { id: string }) {
  const [page] = useLoad(async () => {
    const [automation, results, segments] = await Promise.all([
      getAutomation(props.id),
      automationResults(props.id),
      listSegments().catch(() => undefined),
    ]);
    const names = new Map(segments?.saved.map((s) => [s.id, s.name]));
    return { automation, results, segmentName: (id: string) => names.get(id) ?? id };
  }, [props.id]);
  return (
    <Loaded load={page} what="the automation">
      {({ automation: a, results, segmentName }) => (
        <section aria-labelledby="automation-title">
          <p className="crumbs">
            <Link href="/automations">Automations</Link>
          </p>
          <div className="title-row">
            <h1 id="automation-title">{a.name}</h1>
            <span className={`badge status-${a.status}`}>{a.status}</span>
          </div>
          <Flow
            trigger={triggerOf(a.definition, segmentName)}
            steps={flowOf(a.definition)}
            label={`Steps of ${a.name}`}
          />
          <h2>Results</h2>
          <dl className="stats">
            <div className="stat">
              <dt>Runs</dt>
              <dd data-testid="automation-runs">{count(results.runs)}</dd>
            </div>
            <div className="stat">
              <dt>Held out</dt>
              <dd>{count(results.heldOutRuns)}</dd>
            </div>
            <div className="stat">
              <dt>Revenue from its messages</dt>
              <dd>{amount(results.total.revenue)}</dd>
            </div>
            <div className="stat">
              <dt>Uplift in conversion</dt>
              <dd>{pts(results.total.uplift.conversionRate.estimate)}</dd>
            </div>
          </dl>
          <p className="muted" data-testid="automation-verdict">
            {results.total.uplift.verdict}
          </p>
          <StepResults steps={results.steps} />
        </section>
      )}
    </Loaded>
  );
}

function StepResults({ steps }: { steps: AutomationResultsBody['steps'] }) {
  if (steps.length === 0) return <p>This automation sends no messages, so it has no per-step results.</p>;
  return (
    <table className="list compact step-results">
      <caption>Each send step</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col" className="num">
            Audience
          </th>
          <th scope="col" className="num">
            Sent
          </th>
          <th scope="col" className="num">
            Delivered
          </th>
          <th scope="col" className="num">
            Opened
          </th>
          <th scope="col" className="num">
            Clicked
          </th>
          <th scope="col">Excluded</th>
          <th scope="col" className="num">
            Conversion
          </th>
          <th scope="col" className="num">
            Holdout conversion
          </th>
          <th scope="col">Uplift (95% interval)</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => {
          const excluded = Object.entries(s.funnel.excluded).filter(([, n]) => n > 0);
          const u = s.uplift.conversionRate;
          return (
            <tr key={s.step} data-step={s.step}>
              <th scope="row">{s.step}</th>
              <td className="num" data-measure="audience">
                {count(s.funnel.audience)}
              </td>
              <td className="num" data-measure="sent">
                {count(s.funnel.sent)}
              </td>
              <td className="num" data-measure="delivered">
                {count(s.funnel.delivered)}
              </td>
              <td className="num">{count(s.funnel.opened)}</td>
              <td className="num">{count(s.funnel.clicked)}</td>
              <td>{excluded.map(([reason, n]) => `${label(reason)} ${count(n)}`).join(', ') || '—'}</td>
              <td className="num">{percent(s.conversionRate)}</td>
              <td className="num">{percent(s.holdout.conversionRate)}</td>
              <td>
                {pts(u.estimate)} ({pts(u.lower)} to {pts(u.upper)})
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
