import { useEffect, useState } from 'react';
import { Sparkline, type DayValue } from '../charts.js';
import { Loaded } from '../components.js';
import { listSegments, segmentCount } from '../data.js';
import { HISTORY_DAYS, segmentSizes } from '../segment-data.js';
import { count, when } from '../format.js';
import { Link } from '../router.js';
import { useLoad } from '../use-load.js';

export function SegmentListPage(props: { writable: boolean }) {
  const [list] = useLoad(() => listSegments(), []);
  return (
    <section aria-labelledby="segments-title">
      <div className="title-row">
        <h1 id="segments-title">Segments</h1>
        <div className="actions">
          <Link className="button secondary" href="/segments/gallery">
            Ready segments
          </Link>
          <Link className="button" href="/segments/new">
            {props.writable ? 'New segment' : 'Try a query'}
          </Link>
        </div>
      </div>
      <Loaded load={list} what="the segments">
        {(l) =>
          l.saved.length === 0 ? (
            <p>No saved segments yet. Write a query and see who it finds{props.writable ? ', then save it' : ''}.</p>
          ) : (
            <table className="list">
              <caption className="visually-hidden">Saved segments</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Query</th>
                  <th scope="col" className="num">
                    Customers
                  </th>
                  <th scope="col">Last {HISTORY_DAYS} days</th>
                  <th scope="col">Changed</th>
                </tr>
              </thead>
              <tbody>
                {l.saved.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">
                      <Link href={`/segments/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                    </th>
                    <td>
                      <code>{s.text}</code>
                    </td>
                    <td className="num">
                      <Size id={s.id} />
                    </td>
                    <td>
                      <Trend id={s.id} />
                    </td>
                    <td>{when(s.updated_at)}</td>
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

/** Each size is counted on its own, so one slow segment does not hold up the list. */
function Size({ id }: { id: string }) {
  const [size, setSize] = useState<string>('…');
  useEffect(() => {
    let live = true;
    segmentCount(id).then(
      (n) => live && setSize(count(n)),
      () => live && setSize('not countable'),
    );
    return () => {
      live = false;
    };
  }, [id]);
  return <span data-size-of={id}>{size}</span>;
}

/** The size recorded at the end of each recent day (by the live engine), as a sparkline. */
function Trend({ id }: { id: string }) {
  const [points, setPoints] = useState<readonly DayValue[] | 'loading' | 'none'>('loading');
  useEffect(() => {
    const abort = new AbortController();
    segmentSizes(id, abort.signal).then(
      (r) => setPoints(r.sizes),
      () => !abort.signal.aborted && setPoints('none'),
    );
    return () => abort.abort();
  }, [id]);
  if (points === 'loading') return <span className="muted">…</span>;
  if (points === 'none') return <span className="muted">no history</span>;
  return (
    <span data-trend-of={id}>
      <Sparkline points={points} />
    </span>
  );
}
