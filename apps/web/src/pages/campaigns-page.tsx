import { useState, type FormEvent } from 'react';
import { channels, type Channel } from '@strata/core';
import { Loaded } from '../components.js';
import { createCampaign, listCampaigns } from '../campaign-data.js';
import { listSegments } from '../data.js';
import { label, when } from '../format.js';
import { Link, navigate } from '../router.js';
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
                        <span className={`badge status-${c.status}`}>{label(c.status)}</span>
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

/** A campaign from scratch: saved segments as the audience, a channel, the Liquid templates, a holdout. */
export function NewCampaignPage() {
  const [segments] = useLoad(() => listSegments(), []);
  const [name, setName] = useState('');
  const [include, setInclude] = useState<string[]>([]);
  const [channel, setChannel] = useState<Channel>('email');
  const [subject, setSubject] = useState('Hello {{ customer.first_name }}');
  const [text, setText] = useState(
    'Hello {{ customer.first_name }},\n\nWe have something new for you.\n\nUnsubscribe: {{ unsubscribe_url }}',
  );
  const [holdout, setHoldout] = useState('10');
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    if (include.length === 0) return setError('Choose at least one saved segment as the audience.');
    setSaving(true);
    try {
      const created = await createCampaign({
        name: name.trim(),
        include,
        channel,
        subject,
        text,
        holdoutShare: Number(holdout) / 100,
      });
      navigate(`/campaigns/${encodeURIComponent(created.id)}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setSaving(false);
    }
  };

  return (
    <section aria-labelledby="new-campaign-title">
      <p className="crumbs">
        <Link href="/campaigns">Campaigns</Link>
      </p>
      <h1 id="new-campaign-title">New campaign</h1>
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label htmlFor="campaign-name">Name</label>
        <input id="campaign-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        <span className="label-like" id="audience-label">
          <strong>Audience</strong>
        </span>
        <Loaded load={segments} what="the saved segments">
          {(l) =>
            l.saved.length === 0 ? (
              <p>
                No saved segments yet: <Link href="/segments/new">write and save one</Link> first.
              </p>
            ) : (
              <fieldset aria-labelledby="audience-label">
                {l.saved.map((s) => (
                  <div key={s.id}>
                    <label>
                      <input
                        type="checkbox"
                        checked={include.includes(s.id)}
                        onChange={(e) =>
                          setInclude((now) => (e.target.checked ? [...now, s.id] : now.filter((x) => x !== s.id)))
                        }
                      />{' '}
                      {s.name}
                    </label>
                  </div>
                ))}
              </fieldset>
            )
          }
        </Loaded>
        <label htmlFor="campaign-channel">Channel</label>
        <select id="campaign-channel" value={channel} onChange={(e) => setChannel(e.target.value as Channel)}>
          {channels.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        {channel === 'email' ? (
          <>
            <label htmlFor="campaign-subject">Subject</label>
            <input id="campaign-subject" value={subject} onChange={(e) => setSubject(e.target.value)} />
          </>
        ) : null}
        <label htmlFor="campaign-text">Message (Liquid)</label>
        <textarea id="campaign-text" rows={7} value={text} onChange={(e) => setText(e.target.value)} />
        <label htmlFor="campaign-holdout">Holdout (%)</label>
        <input
          id="campaign-holdout"
          type="number"
          min={0}
          max={50}
          step={1}
          value={holdout}
          onChange={(e) => setHoldout(e.target.value)}
          aria-describedby="holdout-hint"
        />
        <span />
        <span id="holdout-hint" className="muted">
          The share of the audience that gets nothing, kept to measure the uplift (0 to 50).
        </span>
        <span />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save draft
          </button>
          {error ? (
            <p className="error" role="alert">
              {error}
            </p>
          ) : null}
        </div>
      </form>
    </section>
  );
}
