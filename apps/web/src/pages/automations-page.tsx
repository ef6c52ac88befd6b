import { useState } from 'react';
import { Loaded } from '../components.js';
import {
  flowOf,
  installPlaybook,
  listAutomations,
  listPlaybooks,
  setAutomationRunning,
  triggerOf,
  type Automation,
  type FlowBox,
} from '../automation-data.js';
import { listSegments } from '../data.js';
import { when } from '../format.js';
import { Link } from '../router.js';
import { useLoad } from '../use-load.js';
import { PlaybookInstall } from './automation-install.js';
import '../outreach.css';

/** The automations with their steps drawn as a flow, pause and resume, and the ready playbooks to install. */
export function AutomationsPage(props: { writable: boolean }) {
  const [list, reload] = useLoad(async () => {
    const [automations, segments] = await Promise.all([listAutomations(), listSegments()]);
    const names = new Map(segments.saved.map((s) => [s.id, s.name]));
    return { automations, segmentName: (id: string) => names.get(id) ?? id };
  }, []);
  const [gallery] = useLoad(() => listPlaybooks(), []);
  const [busy, setBusy] = useState<string | undefined>();
  const [message, setMessage] = useState<{ kind: 'status' | 'alert'; text: string } | undefined>();

  const act = async (key: string, work: () => Promise<string>) => {
    setBusy(key);
    setMessage(undefined);
    try {
      setMessage({ kind: 'status', text: await work() });
      reload();
    } catch (e) {
      setMessage({ kind: 'alert', text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section aria-labelledby="automations-title">
      <h1 id="automations-title">Automations</h1>
      {message ? (
        <p className={message.kind === 'alert' ? 'error' : 'muted'} role={message.kind}>
          {message.text}
        </p>
      ) : null}
      <Loaded load={list} what="the automations">
        {({ automations, segmentName }) =>
          automations.length === 0 ? (
            <p>No automations yet{props.writable ? ': install a ready playbook below' : ''}.</p>
          ) : (
            <ul className="automations">
              {automations.map((a) => (
                <AutomationCard
                  key={a.id}
                  automation={a}
                  trigger={triggerOf(a.definition, segmentName)}
                  writable={props.writable}
                  busy={busy === a.id}
                  onToggle={() =>
                    void act(a.id, async () => {
                      const next = await setAutomationRunning(a.id, a.status !== 'active');
                      return `${next.name} is ${next.status} now.`;
                    })
                  }
                />
              ))}
            </ul>
          )
        }
      </Loaded>
      <h2 id="playbooks-title">Ready playbooks</h2>
      <Loaded load={gallery} what="the playbooks">
        {(playbooks) => (
          <ul className="gallery" aria-labelledby="playbooks-title">
            {playbooks.map((p) => (
              <li key={p.name} className="card" data-playbook={p.name}>
                <h3>{p.title}</h3>
                <p>{p.description}</p>
                {props.writable ? (
                  <PlaybookInstall
                    playbook={p}
                    disabled={busy !== undefined}
                    onInstall={(settings) =>
                      void act(`playbook:${p.name}`, async () => {
                        const a = await installPlaybook(p.name, settings);
                        return `Installed ${a.name}: it is ${a.status}.`;
                      })
                    }
                  />
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </section>
  );
}

function AutomationCard(props: {
  automation: Automation;
  trigger: string;
  writable: boolean;
  busy: boolean;
  onToggle: () => void;
}) {
  const { automation: a } = props;
  const steps = flowOf(a.definition);
  return (
    <li className="card automation" data-automation={a.id}>
      <div className="title-row">
        <h2>
          <Link href={`/automations/${encodeURIComponent(a.id)}`}>{a.name}</Link>
        </h2>
        <span className={`badge status-${a.status}`} data-status>
          {a.status}
        </span>
        {props.writable ? (
          <button
            type="button"
            disabled={props.busy}
            aria-label={`${a.status === 'active' ? 'Pause' : 'Resume'} ${a.name}`}
            onClick={props.onToggle}
          >
            {a.status === 'active' ? 'Pause' : 'Resume'}
          </button>
        ) : null}
      </div>
      <p className="muted">Since {when(a.created_at)}</p>
      <Flow trigger={props.trigger} steps={steps} label={`Steps of ${a.name}`} />
    </li>
  );
}

/** The trigger and the steps as boxes joined by arrows, in order; a list to a screen reader. */
export function Flow(props: { trigger: string; steps: FlowBox[]; label: string }) {
  return (
    <ol className="flow" aria-label={props.label}>
      <li className="flow-box trigger">
        <span className="flow-kind">When a customer</span>
        <span>{props.trigger}</span>
      </li>
      {props.steps.map((s) => (
        <li key={s.name} className={`flow-box step-${s.kind}`} data-step={s.name}>
          <span className="flow-kind">
            {s.kind} · {s.name}
          </span>
          <span>{s.detail}</span>
        </li>
      ))}
    </ol>
  );
}
