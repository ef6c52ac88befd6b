import { useEffect, useState } from 'react';
import type { CampaignPlanBody } from '@strata/api';
import { dryRunDraft, type CampaignDraft } from '../campaign-data.js';
import { count } from '../format.js';
import { PlanTable } from './campaign-plan.js';

/*
 * Who the new campaign goes to: saved segments in, saved segments left out; and the server's dry
 * run of the form as it stands, asked again after each change (a pause first, the previous answer
 * dropped), so the count and the reasons follow the picks, the holdout and the schedule.
 */

export interface SegmentChoice {
  id: string;
  name: string;
}

function SegmentChecks(props: {
  legend: string;
  hint: string;
  segments: readonly SegmentChoice[];
  chosen: readonly string[];
  onChange: (ids: string[]) => void;
}) {
  return (
    <fieldset className="segment-checks">
      <legend>{props.legend}</legend>
      <p className="muted">{props.hint}</p>
      {props.segments.map((s) => (
        <div key={s.id}>
          <label>
            <input
              type="checkbox"
              checked={props.chosen.includes(s.id)}
              onChange={(e) =>
                props.onChange(e.target.checked ? [...props.chosen, s.id] : props.chosen.filter((x) => x !== s.id))
              }
            />{' '}
            {s.name}
          </label>
        </div>
      ))}
    </fieldset>
  );
}

export function AudiencePicker(props: {
  segments: readonly SegmentChoice[];
  include: readonly string[];
  exclude: readonly string[];
  onInclude: (ids: string[]) => void;
  onExclude: (ids: string[]) => void;
}) {
  return (
    <div className="audience-picker">
      <SegmentChecks
        legend="Send to"
        hint="Members of any of these saved segments (each gets one message)."
        segments={props.segments}
        chosen={props.include}
        onChange={props.onInclude}
      />
      <SegmentChecks
        legend="Leave out"
        hint="Members of these are left out, even when in a segment above."
        segments={props.segments}
        chosen={props.exclude}
        onChange={props.onExclude}
      />
    </div>
  );
}

type Run =
  | { state: 'idle' }
  | { state: 'running' }
  | { state: 'done'; plan: CampaignPlanBody }
  | { state: 'error'; message: string };

/** The dry run of the draft, kept current (nothing is saved or sent). */
export function DraftDryRun(props: { draft: CampaignDraft }) {
  const [run, setRun] = useState<Run>({ state: 'idle' });
  const key = JSON.stringify(props.draft);
  useEffect(() => {
    const draft = JSON.parse(key) as CampaignDraft;
    if (draft.include.length === 0) return setRun({ state: 'idle' });
    const abort = new AbortController();
    const timer = setTimeout(() => {
      setRun({ state: 'running' });
      dryRunDraft({ ...draft, name: draft.name.trim() || 'Unnamed campaign' }, abort.signal)
        .then((plan) => setRun({ state: 'done', plan }))
        .catch((e: unknown) => {
          if (!abort.signal.aborted) setRun({ state: 'error', message: e instanceof Error ? e.message : String(e) });
        });
    }, 300);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [key]);

  return (
    <div className="draft-dry-run" aria-live="polite" aria-busy={run.state === 'running'}>
      <p className="live-count">
        Audience:{' '}
        <strong data-testid="live-audience">
          {run.state === 'done' ? count(run.plan.audience) : run.state === 'idle' ? '—' : '…'}
        </strong>
        {run.state === 'done' ? (
          <>
            {' '}
            · would go now: <strong data-testid="live-would-send">{count(run.plan.wouldSend)}</strong>
          </>
        ) : null}
      </p>
      {run.state === 'idle' ? <p className="muted">Choose a segment to send to, to see who it reaches.</p> : null}
      {run.state === 'error' ? (
        <p className="error" role="alert">
          The dry run failed: {run.message}
        </p>
      ) : null}
      {run.state === 'done' ? <PlanTable plan={run.plan} title="Dry run of this draft" /> : null}
    </div>
  );
}
