import { useState, type FormEvent } from 'react';
import type { ChannelViewBody } from '@strata/api';
import { configSettings, type ConfigName } from '@strata/core';
import { Loaded } from '../components.js';
import { changeChannel, listChannels, readConfig, setConfig } from '../settings-data.js';
import { scalar } from '../format.js';
import type { User } from '../session.js';
import { useLoad } from '../use-load.js';
import { ApiKeys, Staff } from './settings-staff.js';
import '../settings.css';

/*
 * Settings: the sending rules (frequency cap, quiet hours, time zone), the store's own settings,
 * each channel's provider and credentials (secrets shown masked, as the server answers them), and,
 * for owners, staff accounts and API keys. Only owners change anything here: the server refuses
 * everyone else (apps/server/src/access.ts), and the page shows their controls disabled.
 */

const groups: readonly { title: string; names: readonly ConfigName[] }[] = [
  { title: 'Sending rules', names: ['frequency_cap', 'quiet_hours', 'store_timezone'] },
  {
    title: 'Lifecycle and value tiers',
    names: [
      'lifecycle_new_days',
      'lifecycle_churn_days',
      'lifecycle_dormant_days',
      'lifecycle_loyal_orders',
      'value_tier_high',
      'value_tier_medium',
    ],
  },
  { title: 'Store', names: ['currency', 'public_url'] },
];

export function SettingsPage(props: { user: User }) {
  const owner = props.user.role === 'owner';
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      {owner ? null : (
        <p className="notice" role="note">
          Only owners change settings, channels, staff and keys: you can see them here, but not change them.
        </p>
      )}
      <ConfigForms owner={owner} />
      <Channels owner={owner} />
      {owner ? (
        <>
          <Staff self={props.user.email} />
          <ApiKeys />
        </>
      ) : (
        <>
          <h2>Staff and API keys</h2>
          <p>Only owners see staff accounts and API keys.</p>
        </>
      )}
    </section>
  );
}

function ConfigForms(props: { owner: boolean }) {
  const [config, reload] = useLoad(readConfig, []);
  return (
    <Loaded load={config} what="the settings">
      {(settings) => (
        <>
          {groups.map((g) => (
            <div key={g.title}>
              <h2>{g.title}</h2>
              {g.names.some((n) => n.startsWith('lifecycle_')) ? (
                <p className="muted">Profile runs use these from the next run on; a live server from its next start.</p>
              ) : null}
              {g.names.map((name) => (
                <ConfigField key={name} name={name} value={settings[name]} owner={props.owner} onSaved={reload} />
              ))}
            </div>
          ))}
        </>
      )}
    </Loaded>
  );
}

const configLabels: Record<ConfigName, string> = {
  frequency_cap: 'Frequency cap',
  quiet_hours: 'Quiet hours',
  store_timezone: 'Store time zone',
  currency: 'Currency',
  public_url: 'Public address',
  lifecycle_new_days: 'New for (days)',
  lifecycle_churn_days: 'Churned after (days)',
  lifecycle_dormant_days: 'Dormant after (days)',
  lifecycle_loyal_orders: 'Loyal from (orders)',
  value_tier_high: 'High value from (rank 0–1)',
  value_tier_medium: 'Medium value from (rank 0–1)',
};

function ConfigField(props: { name: ConfigName; value: string | undefined; owner: boolean; onSaved: () => void }) {
  const { name } = props;
  const [draft, setDraft] = useState(props.value ?? '');
  const [state, setState] = useState<{ error?: string; saved?: boolean }>({});
  const id = `config-${name}`;
  const save = (e: FormEvent) => {
    e.preventDefault();
    setConfig(name, draft).then(
      () => {
        setState({ saved: true });
        props.onSaved();
      },
      (err: unknown) => setState({ error: err instanceof Error ? err.message : String(err) }),
    );
  };
  return (
    <form className="setting" onSubmit={save}>
      <label htmlFor={id}>{configLabels[name]}</label>
      <input
        id={id}
        value={draft}
        placeholder="default"
        readOnly={!props.owner}
        aria-describedby={`${id}-help`}
        aria-invalid={state.error ? true : undefined}
        onChange={(e) => setDraft(e.target.value)}
      />
      <button type="submit" disabled={!props.owner || draft.trim() === ''}>
        Save
      </button>
      <p id={`${id}-help`} className="hint">
        {configSettings[name].help}
      </p>
      {state.error ? (
        <p className="error" role="alert">
          {state.error}
        </p>
      ) : state.saved ? (
        <p className="muted" role="status">
          Saved.
        </p>
      ) : null}
    </form>
  );
}

function Channels(props: { owner: boolean }) {
  const [list, reload] = useLoad(listChannels, []);
  return (
    <>
      <h2>Channels</h2>
      <Loaded load={list} what="the channels">
        {(l) => (
          <>
            <p className="muted">
              Channels without settings of their own write each message to the outbox folder <code>{l.outbox_dir}</code>
              .
            </p>
            {l.channels.map((c) => (
              <ChannelCard key={c.channel} view={c} owner={props.owner} onSaved={reload} />
            ))}
          </>
        )}
      </Loaded>
    </>
  );
}

/** A setting's value typed back as it was shown (a number stays a number, true/false a boolean). */
function typedLike(before: unknown, text: string): unknown {
  if (typeof before === 'number' && text.trim() !== '' && !Number.isNaN(Number(text))) return Number(text);
  if (typeof before === 'boolean') return text.trim() === 'true';
  return text;
}

function ChannelCard(props: { view: ChannelViewBody; owner: boolean; onSaved: () => void }) {
  const { view } = props;
  const names = Object.keys(view.settings);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [setup, setSetup] = useState('');
  const [state, setState] = useState<{ error?: string; saved?: string }>({});
  const id = (name: string) => `channel-${view.channel}-${name}`;
  const run = (p: Promise<unknown>, saved: string) =>
    p.then(
      () => {
        setState({ saved });
        setDrafts({});
        setSetup('');
        props.onSaved();
      },
      (err: unknown) => setState({ error: err instanceof Error ? err.message : String(err) }),
    );
  const change = (e: FormEvent) => {
    e.preventDefault();
    const changed = Object.fromEntries(
      Object.entries(drafts)
        .filter(([name, v]) => (view.secrets.includes(name) ? v !== '' : v !== scalar(view.settings[name])))
        .map(([name, v]) => [name, typedLike(view.settings[name], v)]),
    );
    if (Object.keys(changed).length === 0) return setState({ error: 'Nothing changed.' });
    void run(changeChannel(view.channel, changed, false), 'Saved.');
  };
  const replace = (e: FormEvent) => {
    e.preventDefault();
    let body: unknown;
    try {
      body = JSON.parse(setup);
    } catch {
      return setState({ error: 'The settings must be JSON, e.g. {"provider": "twilio", "accountSid": "AC…", …}' });
    }
    if (!body || typeof body !== 'object' || Array.isArray(body))
      return setState({ error: 'The settings must be a JSON object with a provider.' });
    void run(changeChannel(view.channel, body as Record<string, unknown>, true), 'Set up.');
  };
  const title = `${view.channel}-title`;
  return (
    <section className="card" aria-labelledby={title} data-channel={view.channel}>
      <h3 id={title}>
        {view.channel} <span className="muted">via {view.provider}</span>
        {view.configured ? null : <span className="muted"> (not set up: the outbox)</span>}
      </h3>
      <form onSubmit={change}>
        <table className="list compact">
          <thead>
            <tr>
              <th scope="col">Setting</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {names.map((name) => {
              const secret = view.secrets.includes(name);
              const shown = scalar(view.settings[name]);
              return (
                <tr key={name}>
                  <th scope="row">
                    <label htmlFor={id(name)}>{name}</label>
                  </th>
                  <td>
                    {secret ? (
                      <>
                        <span data-secret={name}>{shown}</span>{' '}
                        {props.owner && view.configured ? (
                          <input
                            id={id(name)}
                            type="password"
                            autoComplete="off"
                            placeholder="new value (kept if empty)"
                            value={drafts[name] ?? ''}
                            onChange={(e) => setDrafts({ ...drafts, [name]: e.target.value })}
                          />
                        ) : null}
                      </>
                    ) : (
                      <input
                        id={id(name)}
                        value={drafts[name] ?? shown}
                        readOnly={!props.owner || !view.configured}
                        onChange={(e) => setDrafts({ ...drafts, [name]: e.target.value })}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {view.configured ? (
          <button type="submit" disabled={!props.owner}>
            Save {view.channel} settings
          </button>
        ) : null}
      </form>
      <form onSubmit={replace} className="setup">
        <label htmlFor={`${view.channel}-setup`}>
          {view.configured ? 'Replace' : 'Set up'} {view.channel}: every setting, as JSON with the provider
        </label>
        <textarea
          id={`${view.channel}-setup`}
          rows={3}
          value={setup}
          readOnly={!props.owner}
          spellCheck={false}
          placeholder='{"provider": "smtp", "host": "smtp.example.com", "user": "…", "pass": "…", "from": "Shop <news@shop.example>"}'
          onChange={(e) => setSetup(e.target.value)}
        />
        <button type="submit" disabled={!props.owner || setup.trim() === ''}>
          {view.configured ? 'Replace' : 'Set up'} {view.channel}
        </button>
      </form>
      {state.error ? (
        <p className="error" role="alert">
          {state.error}
        </p>
      ) : state.saved ? (
        <p className="muted" role="status">
          {state.saved}
        </p>
      ) : null}
    </section>
  );
}
