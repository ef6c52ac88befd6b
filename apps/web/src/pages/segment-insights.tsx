import { SizeChart } from '../charts.js';
import { Loaded } from '../components.js';
import { listSegments } from '../data.js';
import { count, percent } from '../format.js';
import { exportFiles, exportHref, HISTORY_DAYS, segmentOverlap, segmentSizes } from '../segment-data.js';
import { useLoad } from '../use-load.js';

/*
 * A saved segment beyond its query: its exports as downloads (the server writes the files; the
 * session cookie is the key), its size at the end of each recent day, and how its members are shared
 * with the other saved segments.
 */

export function SegmentInsights({ id }: { id: string }) {
  const [sizes] = useLoad(() => segmentSizes(id), [id]);
  const [overlap] = useLoad(
    () =>
      listSegments().then((l) =>
        segmentOverlap(
          id,
          l.saved.map((s) => s.id),
        ),
      ),
    [id],
  );
  return (
    <div className="insights">
      <section aria-labelledby="exports-title">
        <h2 id="exports-title">Exports</h2>
        <p className="exports">
          {exportFiles.map((f) => (
            <a key={f.format} className="button secondary" href={exportHref(id, f.format)} download>
              Download {f.label}
            </a>
          ))}
        </p>
        <p className="muted">
          The ad audiences carry contact details normalised and hashed with SHA-256, in the columns Meta and Google ask
          for.
        </p>
      </section>
      <section aria-labelledby="sizes-title">
        <h2 id="sizes-title">Size over time</h2>
        <Loaded load={sizes} what="the size history">
          {(s) => (
            <SizeChart caption={`Members at the end of each of the last ${HISTORY_DAYS} days`} points={s.sizes} />
          )}
        </Loaded>
      </section>
      <section aria-labelledby="overlap-title">
        <h2 id="overlap-title">Overlap with other segments</h2>
        <Loaded load={overlap} what="the overlap">
          {(rows) =>
            rows.length === 0 ? (
              <p className="muted">No other saved segment to compare with.</p>
            ) : (
              <table className="list overlap">
                <caption className="visually-hidden">Members shared with each other saved segment</caption>
                <thead>
                  <tr>
                    <th scope="col">Segment</th>
                    <th scope="col" className="num">
                      Members in both
                    </th>
                    <th scope="col">Share of this segment</th>
                    <th scope="col" className="num">
                      Share of the other
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.other} data-overlap-with={r.other}>
                      <th scope="row">{r.other}</th>
                      <td className="num">{count(r.both)}</td>
                      <td>
                        <span className="bar-cell">
                          <span className="bar" style={{ width: `${r.shareOfThis * 100}%` }} aria-hidden="true" />
                        </span>{' '}
                        {percent(r.shareOfThis)}
                      </td>
                      <td className="num">{percent(r.shareOfOther)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loaded>
      </section>
    </div>
  );
}
