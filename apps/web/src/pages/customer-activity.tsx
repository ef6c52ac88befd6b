import { useState } from 'react';
import type { CustomerEventBody, SegmentExplanation } from '@strata/api';
import { Loaded } from '../components.js';
import {
  customerEvents,
  customerMessages,
  customerSegmentHistory,
  customerSegments,
  explainMembership,
  senderNames,
} from '../customer-data.js';
import { label, scalar, when } from '../format.js';
import { Link } from '../router.js';
import { useLoad } from '../use-load.js';
import '../settings.css';

/*
 * The customer page's activity: segments now with why the customer is in each, segments in the
 * past, the messages the message log has for them, and the event timeline a page at a time.
 */

export function CustomerSegments(props: { id: string }) {
  const [now] = useLoad(() => customerSegments(props.id), [props.id]);
  const [past] = useLoad(() => customerSegmentHistory(props.id), [props.id]);
  return (
    <>
      <h2>Segments now</h2>
      <Loaded load={now} what="the segments">
        {(s) =>
          s.segments.length === 0 ? (
            <p>In no saved segment.</p>
          ) : (
            <ul className="segments-now">
              {s.segments.map((m) => (
                <SegmentNow
                  key={m.segment_id}
                  customer={props.id}
                  segmentId={m.segment_id}
                  name={m.segment_name ?? m.segment_id}
                  since={m.entered_at}
                />
              ))}
            </ul>
          )
        }
      </Loaded>
      <h2>Segments in the past</h2>
      <Loaded load={past} what="the segment history">
        {(h) =>
          h.changes.length === 0 ? (
            <p>No entries or exits recorded.</p>
          ) : (
            <table className="list compact" data-testid="segment-history">
              <caption>Entries and exits, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Segment</th>
                  <th scope="col">Change</th>
                  <th scope="col">Why it changed</th>
                </tr>
              </thead>
              <tbody>
                {h.changes.map((c) => (
                  <tr key={c.id}>
                    <td>{when(c.at)}</td>
                    <th scope="row">
                      <Link href={`/segments/${encodeURIComponent(c.segment_id)}`}>
                        {c.segment_name ?? c.segment_id}
                      </Link>
                    </th>
                    <td>{c.type === 'segment.entered' ? 'entered' : 'left'}</td>
                    <td>{causeWords[c.cause] ?? c.cause}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </>
  );
}

const causeWords: Record<string, string> = {
  event: 'something they did',
  time: 'time passing',
  segment: 'the segment was saved or changed',
  recompute: 'a full recompute',
};

function SegmentNow(props: { customer: string; segmentId: string; name: string; since: string }) {
  const [open, setOpen] = useState(false);
  const region = `why-${props.segmentId}`;
  return (
    <li>
      <Link href={`/segments/${encodeURIComponent(props.segmentId)}`}>{props.name}</Link>{' '}
      <span className="muted">since {when(props.since)}</span>{' '}
      <button
        type="button"
        className="quiet"
        aria-expanded={open}
        aria-controls={region}
        onClick={() => setOpen((o) => !o)}
      >
        {open ? 'Hide why' : `Why in ${props.name}?`}
      </button>
      {open ? (
        <div id={region}>
          <Why segmentId={props.segmentId} customer={props.customer} />
        </div>
      ) : null}
    </li>
  );
}

function Why(props: { segmentId: string; customer: string }) {
  const [why] = useLoad(() => explainMembership(props.segmentId, props.customer), [props.segmentId, props.customer]);
  return (
    <Loaded load={why} what="why">
      {(e) => <Explanation explanation={e} />}
    </Loaded>
  );
}

/** Each condition of the segment's query, indented as nested, with whether the customer meets it and why. */
export function Explanation({ explanation }: { explanation: SegmentExplanation }) {
  return (
    <ul className="explain" aria-label="Conditions">
      {explanation.lines.map((l, i) => (
        <li key={i} style={{ marginLeft: `${l.depth * 1.25}rem` }} data-matched={l.matched}>
          <span className={l.matched ? 'ok' : 'no'}>{l.matched ? '✓ meets' : '✗ does not meet'}</span>{' '}
          <code>{l.condition}</code>
          {l.because ? <span className="muted"> — {l.because}</span> : null}
        </li>
      ))}
    </ul>
  );
}

export function CustomerMessages(props: { id: string }) {
  const [messages] = useLoad(() => customerMessages(props.id), [props.id]);
  const [names] = useLoad(() => senderNames().catch(() => new Map<string, string>()), []);
  const nameOf = (id: string) => (names.state === 'done' ? names.value.get(id) : undefined) ?? id;
  return (
    <>
      <h2>Messages received</h2>
      <Loaded load={messages} what="the messages">
        {(m) =>
          m.messages.length === 0 ? (
            <p>No messages.</p>
          ) : (
            <table className="list compact" data-testid="messages">
              <thead>
                <tr>
                  <th scope="col">Sent</th>
                  <th scope="col">From</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Status</th>
                  <th scope="col">Opened</th>
                  <th scope="col">Clicked</th>
                </tr>
              </thead>
              <tbody>
                {m.messages.map((msg) => (
                  <tr key={msg.id}>
                    <td>{when(msg.sent_at ?? msg.due_at)}</td>
                    <th scope="row">
                      {nameOf(msg.campaign_id).startsWith('campaign ') ? (
                        <Link href={`/campaigns/${encodeURIComponent(msg.campaign_id)}`}>
                          {nameOf(msg.campaign_id)}
                        </Link>
                      ) : (
                        nameOf(msg.campaign_id)
                      )}
                      {msg.step && msg.step !== 'main' ? <span className="muted"> · {msg.step}</span> : null}
                    </th>
                    <td>{msg.channel}</td>
                    <td>
                      {label(msg.status)}
                      {msg.reason && msg.reason !== 'send' ? (
                        <span className="muted"> ({label(msg.reason)})</span>
                      ) : null}
                    </td>
                    <td>{msg.status === 'opened' || msg.status === 'clicked' ? 'yes' : 'no'}</td>
                    <td>{msg.status === 'clicked' ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </>
  );
}

/** The event timeline, newest first: a page, then older pages on demand. */
export function Timeline(props: { id: string }) {
  const [pages, setPages] = useState<CustomerEventBody[][]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [more, setMore] = useState<'idle' | 'loading' | { error: string }>('idle');
  const [first] = useLoad(
    () =>
      customerEvents(props.id).then((p) => {
        setPages([p.events]);
        setNext(p.next_before);
        return p;
      }),
    [props.id],
  );
  const older = () => {
    if (!next) return;
    setMore('loading');
    customerEvents(props.id, next).then(
      (p) => {
        setPages((ps) => [...ps, p.events]);
        setNext(p.next_before);
        setMore('idle');
      },
      (e: unknown) => setMore({ error: e instanceof Error ? e.message : String(e) }),
    );
  };
  const events = pages.flat();
  return (
    <>
      <h2>Timeline</h2>
      <Loaded load={first} what="the timeline">
        {() =>
          events.length === 0 ? (
            <p>No events.</p>
          ) : (
            <>
              <ol className="timeline" aria-label="Events, newest first">
                {events.map((e) => (
                  <li key={e.id}>
                    <time dateTime={e.occurred_at}>{when(e.occurred_at)}</time> <strong>{label(e.type)}</strong>{' '}
                    <span className="muted">{summary(e)}</span>
                  </li>
                ))}
              </ol>
              <p className="muted" role="status">
                {events.length} events shown{next ? '' : ' (all of them)'}
              </p>
              {next ? (
                <button type="button" onClick={older} disabled={more === 'loading'}>
                  {more === 'loading' ? 'Loading…' : 'Show older events'}
                </button>
              ) : null}
              {typeof more === 'object' ? (
                <p className="error" role="alert">
                  Could not load older events: {more.error}
                </p>
              ) : null}
            </>
          )
        }
      </Loaded>
    </>
  );
}

/** An event's properties in a line: the few that say what happened. */
function summary(e: CustomerEventBody): string {
  return Object.entries(e.properties)
    .filter(([, v]) => v !== null && v !== undefined && v !== '' && typeof v !== 'object')
    .slice(0, 4)
    .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${scalar(v)}`)
    .join(' · ');
}
