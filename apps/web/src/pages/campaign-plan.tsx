import type { CampaignPlanBody } from '@strata/api';
import { count, label, when } from '../format.js';

/** The dry run: who would get the message now, and who would not and why. */
export function PlanTable({ plan, title = 'Dry run' }: { plan: CampaignPlanBody; title?: string }) {
  const excluded = Object.entries(plan.counts).filter(([reason, n]) => reason !== 'send' && (n ?? 0) > 0);
  return (
    <section aria-labelledby="plan-title">
      <h2 id="plan-title">{title}</h2>
      <p>
        As of {when(plan.at)}: <strong data-testid="plan-audience">{count(plan.audience)}</strong> in the audience,{' '}
        <strong data-testid="would-send">{count(plan.wouldSend)}</strong> message(s) would go
        {plan.firstDueAt ? `, due from ${when(plan.firstDueAt)} to ${when(plan.lastDueAt)}` : ''}.
      </p>
      <table className="list compact">
        <caption>Who gets nothing, by reason</caption>
        <thead>
          <tr>
            <th scope="col">Reason</th>
            <th scope="col" className="num">
              Customers
            </th>
          </tr>
        </thead>
        <tbody>
          {excluded.length === 0 ? (
            <tr>
              <td colSpan={2}>Nobody: everyone in the audience would get the message.</td>
            </tr>
          ) : (
            excluded.map(([reason, n]) => (
              <tr key={reason} data-reason={reason}>
                <th scope="row">{label(reason)}</th>
                <td className="num">{count(n ?? 0)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </section>
  );
}
