import { Loaded } from '../components.js';
import { listCampaigns, type Campaign } from '../campaign-data.js';
import { label, when } from '../format.js';
import { Link } from '../router.js';
import { useLoad } from '../use-load.js';
import '../outreach.css';

/** The campaigns, newest first, each opening its own page (dry run, preview, start, results). */
export function CampaignListPage(props: { writable: boolean }) {
  const [list] = useLoad(() => listCampaigns(), []);
  return (
    <section aria-labelledby="campaigns-title">
      <div className="title-row">
        <h1 id="campaigns-title">Campaigns</h1>
        {props.writable ? (
          <Link className="button" href="/campaigns/new">
            New campaign
          </Link>
        ) : null}
      </div>
      <Loaded load={list} what="the campaigns">
        {(campaigns) =>
          campaigns.length === 0 ? (
            <p>No campaigns yet.</p>
          ) : (
            <table className="list">
              <caption className="visually-hidden">Campaigns</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Started</th>
                </tr>
              </thead>
              <tbody>
                {[...campaigns]
                  .sort((a, b) => b.created_at.localeCompare(a.created_at))
                  .map((c) => (
                    <tr key={c.id}>
                      <th scope="row">
                        <Link href={`/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</Link>
                      </th>
                      <td>
                        <StatusBadge campaign={c} />
                      </td>
                      <td>{when(c.created_at)}</td>
                      <td>{when(c.started_at)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}

/** A started campaign whose one moment is still ahead is scheduled (the server holds its messages till then). */
export function scheduledFor(c: Campaign, now = Date.now()): string | undefined {
  const schedule = (c.definition.schedule ?? {}) as Record<string, unknown>;
  if (c.status !== 'running' || schedule.kind !== 'at' || typeof schedule.at !== 'string') return undefined;
  return Date.parse(schedule.at) > now ? schedule.at : undefined;
}

function StatusBadge({ campaign: c }: { campaign: Campaign }) {
  const at = scheduledFor(c);
  return at ? (
    <span className="badge status-scheduled" data-status="scheduled">
      scheduled for {when(at)}
    </span>
  ) : (
    <span className={`badge status-${c.status}`} data-status={c.status}>
      {label(c.status)}
    </span>
  );
}
