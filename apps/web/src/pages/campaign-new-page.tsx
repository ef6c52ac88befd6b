import { useCallback, useMemo, useState, type FormEvent } from 'react';
import { channels, type Channel } from '@strata/core';
import { Loaded } from '../components.js';
import { createCampaign, startCampaign, type CampaignDraft } from '../campaign-data.js';
import { listSegments } from '../data.js';
import { Link, navigate } from '../router.js';
import { useLoad } from '../use-load.js';
import { AudiencePicker, DraftDryRun } from './campaign-audience.js';
import { LiquidEditor } from './campaign-liquid-editor.js';
import {
  CouponFields,
  ScheduleFields,
  toCoupons,
  toSchedule,
  type CouponForm,
  type ScheduleForm,
} from './campaign-options.js';
import '../outreach.css';

/*
 * A campaign from scratch: saved segments in and out (the dry run follows every change), a channel,
 * the Liquid templates checked as they are typed, the holdout, a code per recipient, and when it
 * goes. Saved as a draft (then dry-run, previewed and started on its own page), or saved and started.
 */

const DEFAULT_TEXT =
  'Hello {{ customer.first_name }},\n\nWe have something new for you.\n\nUnsubscribe: {{ unsubscribe_url }}';

/** An id made once per form: the dry run draws the holdout by it, and the campaign is saved under it. */
const newId = () => `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export function NewCampaignPage() {
  const [segments] = useLoad(() => listSegments(), []);
  const [id] = useState(newId);
  const [name, setName] = useState('');
  const [include, setInclude] = useState<string[]>([]);
  const [exclude, setExclude] = useState<string[]>([]);
  const [channel, setChannel] = useState<Channel>('email');
  const [subject, setSubject] = useState('Hello {{ customer.first_name }}');
  const [text, setText] = useState(DEFAULT_TEXT);
  const [holdout, setHoldout] = useState('10');
  const [coupons, setCoupons] = useState<CouponForm>({ source: 'none', prefix: '', length: 8 });
  const [schedule, setSchedule] = useState<ScheduleForm>({ kind: 'now', at: '', hour: 10, zone: '' });
  const [problems, setProblems] = useState<Record<string, number>>({});
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const onSubjectChecked = useCallback((n: number) => setProblems((p) => ({ ...p, subject: n })), []);
  const onTextChecked = useCallback((n: number) => setProblems((p) => ({ ...p, text: n })), []);

  const draft: CampaignDraft = useMemo(() => {
    const holdoutShare = Math.min(0.5, Math.max(0, Number(holdout) / 100 || 0));
    const c = toCoupons(coupons);
    const s = toSchedule(schedule);
    return {
      id,
      name: name.trim(),
      include,
      exclude,
      channel,
      subject,
      text,
      holdoutShare,
      ...(s ? { schedule: s } : {}),
      ...(c ? { coupons: c } : {}),
      ...(schedule.zone.trim() ? { storeTimeZone: schedule.zone.trim() } : {}),
    };
  }, [id, name, include, exclude, channel, subject, text, holdout, coupons, schedule]);

  const save = async (e: FormEvent, andStart: boolean) => {
    e.preventDefault();
    setError(undefined);
    if (include.length === 0) return setError('Choose at least one saved segment to send to.');
    if (schedule.kind === 'at' && !toSchedule(schedule)) return setError('Choose the date and time to send at.');
    const open = (problems.text ?? 0) + (channel === 'email' ? (problems.subject ?? 0) : 0);
    if (open > 0) return setError(`The message has ${open} problem(s): see the notes under the templates.`);
    setSaving(true);
    try {
      const created = await createCampaign(draft);
      if (andStart) await startCampaign(created.id);
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
      <form onSubmit={(e) => void save(e, false)} className="campaign-form">
        <div className="field">
          <label htmlFor="campaign-name">Name</label>
          <input id="campaign-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <Loaded load={segments} what="the saved segments">
          {(l) =>
            l.saved.length === 0 ? (
              <p>
                No saved segments yet: <Link href="/segments/new">write and save one</Link> first.
              </p>
            ) : (
              <AudiencePicker
                segments={l.saved}
                include={include}
                exclude={exclude}
                onInclude={setInclude}
                onExclude={setExclude}
              />
            )
          }
        </Loaded>
        <DraftDryRun draft={draft} />
        <div className="field">
          <label htmlFor="campaign-channel">Channel</label>
          <select id="campaign-channel" value={channel} onChange={(e) => setChannel(e.target.value as Channel)}>
            {channels.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        {channel === 'email' ? (
          <LiquidEditor label="Subject" text={subject} onChange={setSubject} onChecked={onSubjectChecked} />
        ) : null}
        <LiquidEditor label="Message (Liquid)" text={text} onChange={setText} rows={7} onChecked={onTextChecked} />
        <div className="field">
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
          <span id="holdout-hint" className="muted">
            The share of the audience that gets nothing, kept to measure the uplift (0 to 50).
          </span>
        </div>
        <CouponFields value={coupons} onChange={setCoupons} />
        <ScheduleFields value={schedule} onChange={setSchedule} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save draft
          </button>
          <button type="button" disabled={saving} onClick={(e) => void save(e, true)}>
            {schedule.kind === 'now' ? 'Save and start sending' : 'Save and schedule'}
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
