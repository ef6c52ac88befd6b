import type { DraftCoupons, DraftSchedule } from '../campaign-data.js';

/*
 * The new-campaign form's coupon and schedule parts, as the campaigns package takes them: a code
 * per recipient made by Strata (prefix and length) or imported from the shop system; sent as soon
 * as the campaign starts, at one moment, or at an hour of each customer's own day (their time
 * zone, else the store's).
 */

export interface CouponForm {
  source: 'none' | 'generated' | 'imported';
  prefix: string;
  length: number;
}

export const toCoupons = (f: CouponForm): DraftCoupons | undefined =>
  f.source === 'none'
    ? undefined
    : f.source === 'imported'
      ? { source: 'imported' }
      : { source: 'generated', prefix: f.prefix.trim().toUpperCase(), length: f.length };

export interface ScheduleForm {
  kind: 'now' | 'at' | 'local_hour';
  /** A `datetime-local` value, in the browser's time zone. */
  at: string;
  hour: number;
  /** The store's time zone (IANA), for customers without one; empty for UTC. */
  zone: string;
}

/** The schedule the API takes; undefined while "at" has no valid moment. */
export function toSchedule(f: ScheduleForm): DraftSchedule | undefined {
  if (f.kind === 'now') return { kind: 'now' };
  if (f.kind === 'local_hour') return { kind: 'local_hour', hour: f.hour };
  const at = new Date(f.at);
  return f.at && !Number.isNaN(at.getTime()) ? { kind: 'at', at: at.toISOString() } : undefined;
}

export function CouponFields(props: { value: CouponForm; onChange: (v: CouponForm) => void }) {
  const v = props.value;
  const set = (change: Partial<CouponForm>) => props.onChange({ ...v, ...change });
  return (
    <fieldset className="options">
      <legend>Coupon codes</legend>
      <div className="field">
        <label htmlFor="coupon-source">Code per recipient</label>
        <select
          id="coupon-source"
          value={v.source}
          onChange={(e) => set({ source: e.target.value as CouponForm['source'] })}
          aria-describedby="coupon-hint"
        >
          <option value="none">None</option>
          <option value="generated">Made by Strata</option>
          <option value="imported">Imported from the shop system</option>
        </select>
        <span id="coupon-hint" className="muted">
          Each recipient gets a code of their own: write <code>{'{{ coupon }}'}</code> in the message.
        </span>
      </div>
      {v.source === 'generated' ? (
        <>
          <div className="field">
            <label htmlFor="coupon-prefix">Code prefix</label>
            <input
              id="coupon-prefix"
              maxLength={20}
              pattern="[A-Za-z0-9_\-]*"
              value={v.prefix}
              onChange={(e) => set({ prefix: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="coupon-length">Random characters</label>
            <input
              id="coupon-length"
              type="number"
              min={6}
              max={32}
              value={v.length}
              onChange={(e) => set({ length: Number(e.target.value) || 8 })}
            />
          </div>
        </>
      ) : null}
      {v.source === 'imported' ? (
        <p className="muted">Import the codes on the campaign's page (one a line) before it starts.</p>
      ) : null}
    </fieldset>
  );
}

export function ScheduleFields(props: { value: ScheduleForm; onChange: (v: ScheduleForm) => void }) {
  const v = props.value;
  const set = (change: Partial<ScheduleForm>) => props.onChange({ ...v, ...change });
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const kinds = [
    ['now', 'As soon as it starts'],
    ['at', 'At a date and time'],
    ['local_hour', "At an hour of each customer's day"],
  ] as const;
  return (
    <fieldset className="options">
      <legend>When it goes</legend>
      {kinds.map(([kind, text]) => (
        <div key={kind}>
          <label>
            <input type="radio" name="schedule" value={kind} checked={v.kind === kind} onChange={() => set({ kind })} />{' '}
            {text}
          </label>
        </div>
      ))}
      {v.kind === 'at' ? (
        <div className="field">
          <label htmlFor="schedule-at">Send at</label>
          <input
            id="schedule-at"
            type="datetime-local"
            value={v.at}
            onChange={(e) => set({ at: e.target.value })}
            aria-describedby="schedule-at-hint"
          />
          <span id="schedule-at-hint" className="muted">
            In your time zone ({browserZone}); everyone gets it at this moment.
          </span>
        </div>
      ) : null}
      {v.kind === 'local_hour' ? (
        <>
          <div className="field">
            <label htmlFor="schedule-hour">Hour</label>
            <input
              id="schedule-hour"
              type="number"
              min={0}
              max={23}
              value={v.hour}
              onChange={(e) => set({ hour: Math.min(23, Math.max(0, Number(e.target.value) || 0)) })}
            />
          </div>
          <div className="field">
            <label htmlFor="schedule-zone">Store time zone</label>
            <input
              id="schedule-zone"
              placeholder="UTC"
              value={v.zone}
              onChange={(e) => set({ zone: e.target.value })}
              aria-describedby="schedule-zone-hint"
            />
            <span id="schedule-zone-hint" className="muted">
              For customers without a time zone of their own, e.g. Europe/Oslo.
            </span>
          </div>
        </>
      ) : null}
    </fieldset>
  );
}
