import { useState, type FormEvent } from 'react';
import type { CampaignPlanBody, MessagePreviewBody } from '@strata/api';
import { PlanTable } from './campaign-plan.js';
import { scheduledFor } from './campaigns-page.js';
import { Loaded } from '../components.js';
import {
  audienceSample,
  getCampaign,
  pauseCampaign,
  planCampaign,
  previewCampaign,
  startCampaign,
} from '../campaign-data.js';
import { listSegments } from '../data.js';
import { count, label, when } from '../format.js';
import { Link } from '../router.js';
import { useLoad } from '../use-load.js';
import '../outreach.css';

/** One campaign: what it sends to whom, the dry run, a preview for one customer, start and pause. */
export function CampaignPage(props: { id: string; writable: boolean }) {
  const [campaign, reload] = useLoad(async () => {
    const [c, segments] = await Promise.all([getCampaign(props.id), listSegments().catch(() => undefined)]);
    const names = new Map(segments?.saved.map((s) => [s.id, s.name]));
    return { ...c, segmentName: (id: string) => names.get(id) ?? id };
  }, [props.id]);
  const [plan, setPlan] = useState<CampaignPlanBody | undefined>();
  const [note, setNote] = useState<{ kind: 'status' | 'alert'; text: string } | undefined>();
  const [busy, setBusy] = useState(false);

  const act = async (work: () => Promise<string | undefined>) => {
    setBusy(true);
    setNote(undefined);
    try {
      const text = await work();
      if (text) setNote({ kind: 'status', text });
    } catch (e) {
      setNote({ kind: 'alert', text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Loaded load={campaign} what="the campaign">
      {(c) => {
        const message = (c.definition.message ?? {}) as Record<string, unknown>;
        const audience = (c.definition.audience ?? {}) as Record<string, unknown>;
        const include = Array.isArray(audience.include) ? audience.include.map((x) => c.segmentName(String(x))) : [];
        const holdout = typeof c.definition.holdoutShare === 'number' ? c.definition.holdoutShare : 0.1;
        return (
          <section aria-labelledby="campaign-title">
            <p className="crumbs">
              <Link href="/campaigns">Campaigns</Link>
            </p>
            <div className="title-row">
              <h1 id="campaign-title">{c.name}</h1>
              <span className={`badge status-${c.status}`} data-testid="campaign-status">
                {label(c.status)}
              </span>
              {scheduledFor(c) ? (
                <span className="badge status-scheduled">scheduled for {when(scheduledFor(c))}</span>
              ) : null}
            </div>
            <dl className="stats">
              <div className="stat">
                <dt>Audience</dt>
                <dd>{include.join(', ') || '—'}</dd>
              </div>
              <div className="stat">
                <dt>Channel</dt>
                <dd>{typeof message.channel === 'string' ? message.channel : '—'}</dd>
              </div>
              <div className="stat">
                <dt>Holdout</dt>
                <dd>{Math.round(holdout * 100)}%</dd>
              </div>
              <div className="stat">
                <dt>Started</dt>
                <dd>{when(c.started_at)}</dd>
              </div>
            </dl>
            {typeof message.subject === 'string' ? (
              <p>
                Subject: <code>{message.subject}</code>
              </p>
            ) : null}
            {typeof message.text === 'string' ? <pre className="preview-message">{message.text}</pre> : null}
            <div className="actions">
              {props.writable && c.status === 'draft' ? (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => void act(async () => (setPlan(await planCampaign(c.id)), undefined))}
                >
                  Dry run
                </button>
              ) : null}
              {props.writable && (c.status === 'draft' || c.status === 'paused') ? (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    void act(async () => {
                      const started = await startCampaign(c.id);
                      reload();
                      return `Started: ${count(started.queued)} message(s) queued.`;
                    })
                  }
                >
                  {c.status === 'paused' ? 'Resume sending' : 'Start sending'}
                </button>
              ) : null}
              {props.writable && c.status === 'running' ? (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    void act(async () => {
                      await pauseCampaign(c.id);
                      reload();
                      return 'Paused.';
                    })
                  }
                >
                  Pause
                </button>
              ) : null}
              {c.started_at ? (
                <Link className="button" href={`/campaigns/${encodeURIComponent(c.id)}/results`}>
                  Results
                </Link>
              ) : null}
            </div>
            {note ? (
              <p className={note.kind === 'alert' ? 'error' : 'muted'} role={note.kind}>
                {note.text}
              </p>
            ) : null}
            {plan ? <PlanTable plan={plan} /> : null}
            {/* The dry run and the preview are POSTs, which the server refuses to read-only users. */}
            {props.writable ? (
              <Preview id={c.id} segments={Array.isArray(audience.include) ? audience.include.map(String) : []} />
            ) : null}
          </section>
        );
      }}
    </Loaded>
  );
}

/** The message one customer would get, rendered by the server now (nothing is sent). */
function Preview({ id, segments }: { id: string; segments: string[] }) {
  const [members] = useLoad(() => audienceSample(segments), [segments.join('\n')]);
  const [customer, setCustomer] = useState('');
  const [shown, setShown] = useState<MessagePreviewBody | undefined>();
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      setShown(await previewCampaign(id, customer.trim()));
    } catch (err) {
      setShown(undefined);
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section aria-labelledby="preview-title">
      <h2 id="preview-title">Preview for a customer</h2>
      <form className="actions" onSubmit={(e) => void submit(e)}>
        <label htmlFor="preview-customer">Customer id</label>
        <input
          id="preview-customer"
          required
          list="preview-members"
          autoComplete="off"
          value={customer}
          onChange={(e) => setCustomer(e.target.value)}
          aria-describedby="preview-hint"
        />
        <datalist id="preview-members">
          {(members.state === 'done' ? members.value : []).map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
        <span id="preview-hint" className="muted">
          Type an id, or choose one of the audience.
        </span>
        <button type="submit">Preview</button>
      </form>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {shown ? (
        <div data-testid="preview">
          <p>
            To <code>{shown.to}</code> by {shown.channel}
            {shown.subject !== undefined ? (
              <>
                : <strong data-testid="preview-subject">{shown.subject}</strong>
              </>
            ) : null}
          </p>
          <pre className="preview-message">{shown.text}</pre>
        </div>
      ) : null}
    </section>
  );
}
