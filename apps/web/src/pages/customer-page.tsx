import { useState, type FormEvent } from 'react';
import { defaultCatalog, type FieldSpec } from '@strata/segment-lang';
import { Loaded } from '../components.js';
import {
  addTag,
  customerOrders,
  customerProfile,
  customerRecord,
  customerTags,
  removeTag,
} from '../customer-data.js';
import { amount, count, label, percent, scalar, when } from '../format.js';
import { canWrite, type User } from '../session.js';
import { useLoad } from '../use-load.js';
import { CustomerMessages, CustomerSegments, Timeline } from './customer-activity.js';

/** Shown at the top, in their own boxes; every other trait goes to the table with its definition. */
const headline = [
  'rfm_segment',
  'recency_score',
  'frequency_score',
  'monetary_score',
  'p_alive',
  'predicted_clv',
  'expected_aov',
  'churn_risk',
  'lifecycle_stage',
  'value_tier',
] as const;

/** A trait's value as its catalog type says to read it. */
export function traitText(spec: FieldSpec | undefined, v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.length ? v.map(scalar).join(', ') : '—';
  switch (spec?.type) {
    case 'money':
      return amount(Number(v));
    case 'number':
      return Number(v).toLocaleString('en', { maximumFractionDigits: 2 });
    case 'integer':
      return count(Number(v));
    case 'timestamp':
    case 'date':
      return when(scalar(v));
    case 'boolean':
      return v === true || v === 'true' ? 'yes' : 'no';
    case 'enum':
      return label(scalar(v));
    default:
      return scalar(v);
  }
}

export function CustomerPage(props: { id: string; user: User }) {
  const { id } = props;
  const [record] = useLoad(() => customerRecord(id), [id]);
  const [profile] = useLoad(() => customerProfile(id), [id]);
  const [orders] = useLoad(() => customerOrders(id), [id]);
  return (
    <section aria-labelledby="customer-title">
      <h1 id="customer-title">
        {record.state === 'done' ? (record.value.name ?? record.value.email ?? id) : `Customer ${id}`}
      </h1>
      <Loaded load={record} what="the customer">
        {(r) => (
          <>
            <p className="muted">
              {[
                r.customer_id,
                r.email,
                r.phone,
                [r.city, r.country].filter(Boolean).join(', '),
                r.created_at ? `customer since ${when(r.created_at)}` : '',
              ]
                .filter(Boolean)
                .join(' · ')}
            </p>
            <h2>Consent</h2>
            <table className="list compact">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Consent</th>
                  <th scope="col">Since</th>
                  <th scope="col">Given by</th>
                </tr>
              </thead>
              <tbody>
                {r.consent.map((c) => (
                  <tr key={c.channel}>
                    <th scope="row">{c.channel}</th>
                    <td data-consent={c.channel}>
                      {c.granted === null ? 'not asked' : c.granted ? 'granted' : 'withdrawn'}
                    </td>
                    <td>{when(c.at)}</td>
                    <td>{c.source ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Loaded>
      <h2>Value and risk</h2>
      <Loaded load={profile} what="the profile">
        {(p) => <Profile profile={p} />}
      </Loaded>
      <Tags id={id} writable={canWrite(props.user)} by={props.user.email} />
      <CustomerSegments id={id} />
      <h2>Orders</h2>
      <Loaded load={orders} what="the orders">
        {(o) =>
          o.orders.length === 0 ? (
            <p>No orders.</p>
          ) : (
            <table className="list compact">
              <caption>
                {o.orders.length < o.total
                  ? `The latest ${count(o.orders.length)} of ${count(o.total)} orders`
                  : `${count(o.total)} orders`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Placed</th>
                  <th scope="col">Where</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Total
                  </th>
                  <th scope="col">Codes</th>
                </tr>
              </thead>
              <tbody>
                {o.orders.map((order) => (
                  <tr key={order.id}>
                    <th scope="row">{order.id}</th>
                    <td>{when(order.placed_at)}</td>
                    <td>{order.location_id}</td>
                    <td>{order.status}</td>
                    <td className="num">
                      {amount(order.total)} {order.currency}
                    </td>
                    <td>{order.discount_codes.join(', ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      <CustomerMessages id={id} />
      <Timeline id={id} />
    </section>
  );
}

function Profile({ profile }: { profile: Record<string, unknown> }) {
  const spec = (name: string) => (Object.hasOwn(defaultCatalog, name) ? defaultCatalog[name] : undefined);
  const pAlive = profile.p_alive;
  const traits = Object.entries(defaultCatalog).filter(
    ([name, s]) => s.source === 'profile' && name in profile && !(headline as readonly string[]).includes(name),
  );
  return (
    <>
      <dl className="stats">
        <div className="stat">
          <dt>RFM</dt>
          <dd>
            {traitText(spec('rfm_segment'), profile.rfm_segment)}
            <span className="hint">
              {' '}
              R{scalar(profile.recency_score)} F{scalar(profile.frequency_score)} M{scalar(profile.monetary_score)}
            </span>
          </dd>
        </div>
        <div className="stat">
          <dt>P(alive)</dt>
          <dd data-trait="p_alive">{typeof pAlive === 'number' ? percent(pAlive) : '—'}</dd>
        </div>
        <div className="stat">
          <dt>Predicted value</dt>
          <dd>
            {traitText(spec('predicted_clv'), profile.predicted_clv)}
            <span className="hint"> expected order {traitText(spec('expected_aov'), profile.expected_aov)}</span>
          </dd>
        </div>
        <div className="stat">
          <dt>Churn risk</dt>
          <dd>{traitText(spec('churn_risk'), profile.churn_risk)}</dd>
        </div>
        <div className="stat">
          <dt>Lifecycle</dt>
          <dd>
            {traitText(spec('lifecycle_stage'), profile.lifecycle_stage)}
            <span className="hint"> value tier {traitText(spec('value_tier'), profile.value_tier)}</span>
          </dd>
        </div>
      </dl>
      <details className="traits">
        <summary>All profile traits ({traits.length})</summary>
        <table className="list compact">
          <thead>
            <tr>
              <th scope="col">Trait</th>
              <th scope="col">Value</th>
              <th scope="col">What it means</th>
            </tr>
          </thead>
          <tbody>
            {traits.map(([name, s]) => (
              <tr key={name}>
                <th scope="row">
                  <code>{name}</code>
                </th>
                <td>{traitText(s, profile[name])}</td>
                <td>{s.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

function Tags(props: { id: string; writable: boolean; by: string }) {
  const [tags, reload] = useLoad(() => customerTags(props.id), [props.id]);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | undefined>();
  const run = (p: Promise<unknown>) =>
    p.then(
      () => {
        setError(undefined);
        reload();
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  const add = (e: FormEvent) => {
    e.preventDefault();
    const tag = draft.trim();
    if (!tag) return;
    void run(addTag(props.id, tag, props.by)).then(() => setDraft(''));
  };
  return (
    <>
      <h2>Tags</h2>
      <Loaded load={tags} what="the tags">
        {(t) =>
          t.tags.length === 0 ? (
            <p>No tags.</p>
          ) : (
            <ul className="chips" aria-label="Tags">
              {t.tags.map((tag) => (
                <li key={tag.tag}>
                  <span title={`${tag.source}, by ${tag.assigned_by}, ${when(tag.assigned_at)}`}>{tag.tag}</span>
                  {props.writable ? (
                    <button
                      type="button"
                      className="quiet"
                      aria-label={`Remove tag ${tag.tag}`}
                      onClick={() => void run(removeTag(props.id, tag.tag))}
                    >
                      ×
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      {props.writable ? (
        <form className="inline" onSubmit={add}>
          <label htmlFor="new-tag">Add a tag</label>
          <input id="new-tag" value={draft} maxLength={100} onChange={(e) => setDraft(e.target.value)} />
          <button type="submit">Add</button>
        </form>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </>
  );
}
