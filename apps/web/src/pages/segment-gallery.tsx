import { useEffect, useState, type FormEvent } from 'react';
import type { z } from 'zod';
import type { SegmentListResponse } from '@strata/api';
import { Loaded } from '../components.js';
import { listSegments, saveSegment } from '../data.js';
import { count } from '../format.js';
import { Link, navigate } from '../router.js';
import { previewReady } from '../segment-data.js';
import { useLoad } from '../use-load.js';

/*
 * The ready segments (the library in @strata/segments): pick one, fill its parameters, see how many
 * customers it finds now, and save it as a segment of your own (its query filled in).
 */

type Ready = z.infer<typeof SegmentListResponse>['ready'][number];

/** How long typing in a parameter must pause before the server counts again. */
const COUNT_DELAY_MS = 300;

export function SegmentGalleryPage(props: { writable: boolean; chosen?: string }) {
  const [list] = useLoad(() => listSegments(), []);
  return (
    <section aria-labelledby="gallery-title">
      <p className="crumbs">
        <Link href="/segments">Segments</Link> /
      </p>
      <h1 id="gallery-title">Ready segments</h1>
      <Loaded load={list} what="the ready segments">
        {(l) => {
          const chosen = l.ready.find((r) => r.id === props.chosen);
          return chosen ? (
            <ReadyForm key={chosen.id} ready={chosen} writable={props.writable} />
          ) : (
            <Gallery ready={l.ready} />
          );
        }}
      </Loaded>
    </section>
  );
}

function Gallery({ ready }: { ready: readonly Ready[] }) {
  const groups = [...new Set(ready.map((r) => r.group))];
  return (
    <>
      {groups.map((g) => (
        <section key={g} aria-labelledby={`group-${g}`}>
          <h2 id={`group-${g}`}>{g}</h2>
          <ul className="gallery">
            {ready
              .filter((r) => r.group === g)
              .map((r) => (
                <li key={r.id}>
                  <h3>
                    <Link href={`/segments/gallery?${new URLSearchParams({ ready: r.id }).toString()}`}>{r.name}</Link>
                  </h3>
                  <p className="muted">{r.description}</p>
                  {r.params.length > 0 ? (
                    <p className="muted">Parameters: {r.params.map((p) => p.name).join(', ')}</p>
                  ) : null}
                </li>
              ))}
          </ul>
        </section>
      ))}
    </>
  );
}

type Count =
  { state: 'counting' } | { state: 'done'; text: string; count: number } | { state: 'error'; message: string };

function ReadyForm({ ready, writable }: { ready: Ready; writable: boolean }) {
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(ready.params.map((p) => [p.name, String(p.default)])),
  );
  const [name, setName] = useState(ready.name);
  const [result, setResult] = useState<Count>({ state: 'counting' });
  const [saving, setSaving] = useState<{ busy: boolean; error?: string }>({ busy: false });

  useEffect(() => {
    const abort = new AbortController();
    const params = Object.fromEntries(
      ready.params.map((p) => [p.name, p.type === 'number' ? Number(values[p.name]) : (values[p.name] ?? '')]),
    );
    const timer = setTimeout(() => {
      setResult({ state: 'counting' });
      previewReady(ready.id, params, abort.signal).then(
        (r) => setResult({ state: 'done', text: r.text, count: r.count }),
        (e: unknown) =>
          !abort.signal.aborted && setResult({ state: 'error', message: e instanceof Error ? e.message : String(e) }),
      );
    }, COUNT_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [ready, values]);

  const save = (e: FormEvent) => {
    e.preventDefault();
    if (result.state !== 'done') return;
    setSaving({ busy: true });
    saveSegment({ name, text: result.text, description: ready.description }).then(
      (s) => navigate(`/segments/${encodeURIComponent(s.id)}`),
      (err: unknown) => setSaving({ busy: false, error: err instanceof Error ? err.message : String(err) }),
    );
  };

  return (
    <>
      <h2>{ready.name}</h2>
      <p>{ready.description}</p>
      <form className="ready-form" onSubmit={save} aria-label={`Use “${ready.name}”`}>
        {ready.params.map((p) => (
          <label key={p.name} className="contents">
            <span>{p.description}</span>
            <input
              name={p.name}
              type={p.type === 'number' ? 'number' : 'text'}
              step="any"
              required
              value={values[p.name] ?? ''}
              onChange={(e) => setValues({ ...values, [p.name]: e.target.value })}
            />
          </label>
        ))}
        <p className="full live-count" role="status" aria-live="polite">
          {result.state === 'counting' ? (
            'Counting…'
          ) : result.state === 'error' ? (
            <span className="error">{result.message}</span>
          ) : (
            <>
              <strong data-testid="ready-count">{count(result.count)}</strong>{' '}
              {result.count === 1 ? 'customer' : 'customers'} now
            </>
          )}
        </p>
        {result.state === 'done' ? (
          <p className="full">
            Query: <code data-testid="ready-query">{result.text}</code>{' '}
            <Link href={`/segments/new?${new URLSearchParams({ q: result.text }).toString()}`}>Edit as a query</Link>
          </p>
        ) : null}
        {writable ? (
          <>
            <label htmlFor="ready-name">Name</label>
            <input id="ready-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
            <div className="full">
              <button type="submit" disabled={saving.busy || result.state !== 'done'}>
                Save segment
              </button>{' '}
              <Link href="/segments/gallery">Back to the gallery</Link>
            </div>
          </>
        ) : (
          <p className="full">
            <Link href="/segments/gallery">Back to the gallery</Link>
          </p>
        )}
        {saving.error ? (
          <p className="full error" role="alert">
            {saving.error}
          </p>
        ) : null}
      </form>
    </>
  );
}
