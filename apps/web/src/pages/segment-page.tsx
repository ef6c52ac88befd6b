import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { defaultCatalog, hasErrors, parseSegment, type Diagnostic } from '@strata/segment-lang';
import { HttpError } from '../api.js';
import { getSegment, listSegments, previewSegment, saveSegment } from '../data.js';
import { count } from '../format.js';
import { FilterBuilder } from '../filter-builder.js';
import { QueryEditor } from '../query-editor.js';
import { Link, navigate } from '../router.js';
import { searchQuery } from '../segment-data.js';
import { SegmentInsights } from './segment-insights.js';

/** How long typing must pause before the server counts the query. */
const COUNT_DELAY_MS = 300;
const PAGE = 20;

type Evaluation =
  | { state: 'idle' }
  | { state: 'invalid' }
  | { state: 'counting' }
  | { state: 'error'; message: string; diagnostics: readonly Diagnostic[]; text: string }
  | {
      state: 'done';
      text: string;
      /** Members searched for by email ('' for all). */
      search: string;
      count: number;
      members: readonly string[];
      offset: number;
      warnings: readonly Diagnostic[];
    };

export function SegmentPage(props: { id?: string; initialText?: string; writable: boolean }) {
  const [text, setText] = useState(props.initialText ?? '');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [loadError, setLoadError] = useState<string | undefined>();
  const [loaded, setLoaded] = useState(props.id === undefined);
  const [names, setNames] = useState<readonly string[] | undefined>();
  const [offset, setOffset] = useState(0);
  const [search, setSearch] = useState('');
  const [evaluation, setEvaluation] = useState<Evaluation>({ state: 'idle' });
  const [saveState, setSaveState] = useState<{ busy: boolean; message?: string; error?: string }>({ busy: false });

  useEffect(() => {
    listSegments().then(
      (l) => setNames(l.saved.flatMap((s) => [s.id, s.name])),
      () => setNames(undefined),
    );
    if (props.id === undefined) return;
    getSegment(props.id).then(
      (s) => {
        setText(s.text);
        setName(s.name);
        setDescription(s.description);
        setLoaded(true);
      },
      (e: unknown) => setLoadError(e instanceof Error ? e.message : String(e)),
    );
  }, [props.id]);

  // The language checks every keystroke in the page; only a query without errors goes to the server.
  const local = useMemo(
    () => (text.trim() === '' ? [] : parseSegment(text, defaultCatalog, names ? { segments: names } : {}).diagnostics),
    [text, names],
  );
  const valid = text.trim() !== '' && !hasErrors(local);

  useEffect(() => {
    if (!valid) {
      setEvaluation({ state: text.trim() === '' ? 'idle' : 'invalid' });
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => {
      setEvaluation({ state: 'counting' });
      previewSegment(searchQuery(text, search), { limit: PAGE, offset }, abort.signal).then(
        (r) =>
          setEvaluation({ state: 'done', text, search, count: r.count, members: r.members, offset, warnings: r.warnings }),
        (e: unknown) => {
          if (abort.signal.aborted) return;
          setEvaluation({
            state: 'error',
            text,
            message: e instanceof Error ? e.message : String(e),
            diagnostics: e instanceof HttpError ? e.diagnostics : [],
          });
        },
      );
    }, COUNT_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [text, offset, valid, search]);

  // What the server found in this very text (items the store does not have) is underlined too.
  const fromServer =
    (evaluation.state === 'done' && evaluation.text === text && evaluation.warnings) ||
    (evaluation.state === 'error' && evaluation.text === text && evaluation.diagnostics) ||
    [];
  const diagnostics = [
    ...local,
    ...fromServer.filter((d) => !local.some((l) => l.code === d.code && l.span.start === d.span.start)),
  ];

  const save = (e: FormEvent) => {
    e.preventDefault();
    setSaveState({ busy: true });
    saveSegment({ ...(props.id !== undefined ? { id: props.id } : {}), name, text, description }).then(
      (s) => {
        setSaveState({ busy: false, message: `Saved “${s.name}”.` });
        if (props.id === undefined) navigate(`/segments/${encodeURIComponent(s.id)}`, { replace: true });
      },
      (err: unknown) => setSaveState({ busy: false, error: err instanceof Error ? err.message : String(err) }),
    );
  };

  if (loadError)
    return (
      <section>
        <h1>Segment</h1>
        <p className="error" role="alert">
          Could not load the segment: {loadError}
        </p>
      </section>
    );
  if (!loaded)
    return (
      <p className="muted" role="status">
        Loading the segment…
      </p>
    );
  return (
    <section aria-labelledby="segment-title">
      <p className="crumbs">
        <Link href="/segments">Segments</Link> /
      </p>
      <h1 id="segment-title">{props.id === undefined ? 'New segment' : name || 'Segment'}</h1>
      <FilterBuilder
        text={text}
        onChange={(t) => {
          setText(t);
          setOffset(0);
        }}
      />
      <QueryEditor
        label="Query"
        text={text}
        onChange={(t) => {
          setText(t);
          setOffset(0);
        }}
        diagnostics={diagnostics}
        segments={names ?? []}
      />
      <p className="live-count" role="status" aria-live="polite">
        <LiveCount evaluation={evaluation} />
      </p>
      {props.writable ? (
        <form className="save" onSubmit={save} aria-label="Save the segment">
          <label htmlFor="segment-name">Name</label>
          <input id="segment-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
          <label htmlFor="segment-description">Description</label>
          <input
            id="segment-description"
            maxLength={2000}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
          <button type="submit" disabled={saveState.busy || !valid}>
            {props.id === undefined ? 'Save segment' : 'Save changes'}
          </button>
          {saveState.message ? <span role="status">{saveState.message}</span> : null}
          {saveState.error ? (
            <span className="error" role="alert">
              {saveState.error}
            </span>
          ) : null}
        </form>
      ) : null}
      {valid ? (
        <p className="member-search">
          <label htmlFor="member-search">Search members by email</label>{' '}
          <input
            id="member-search"
            type="search"
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              setOffset(0);
            }}
          />
        </p>
      ) : null}
      {evaluation.state === 'done' ? <Members evaluation={evaluation} onPage={setOffset} /> : null}
      {props.id !== undefined ? <SegmentInsights id={props.id} /> : null}
    </section>
  );
}

function LiveCount({ evaluation }: { evaluation: Evaluation }) {
  switch (evaluation.state) {
    case 'idle':
      return <>Write a query to see how many customers it finds.</>;
    case 'invalid':
      return <>Fix the marked part of the query to see its count.</>;
    case 'counting':
      return <>Counting…</>;
    case 'error':
      return <span className="error">{evaluation.message}</span>;
    case 'done':
      return (
        <>
          <strong data-testid="live-count">{count(evaluation.count)}</strong>{' '}
          {evaluation.count === 1 ? 'customer' : 'customers'}
          {evaluation.search.trim() ? ` with “${evaluation.search.trim()}” in their email` : ''}
        </>
      );
  }
}

function Members(props: { evaluation: Extract<Evaluation, { state: 'done' }>; onPage: (offset: number) => void }) {
  const { members, offset, count: total, search } = props.evaluation;
  if (members.length === 0) return search.trim() ? <p className="muted">No member’s email holds “{search.trim()}”.</p> : null;
  return (
    <div className="members">
      <table className="list">
        <caption>
          Members {count(offset + 1)}–{count(offset + members.length)} of {count(total)}
        </caption>
        <thead>
          <tr>
            <th scope="col">Customer</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m}>
              <td>
                <Link href={`/customers/${encodeURIComponent(m)}`}>{m}</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        {offset > 0 ? (
          <button type="button" onClick={() => props.onPage(Math.max(0, offset - PAGE))}>
            Previous {PAGE}
          </button>
        ) : null}
        {offset + members.length < total ? (
          <button type="button" onClick={() => props.onPage(offset + PAGE)}>
            Next {PAGE}
          </button>
        ) : null}
      </div>
    </div>
  );
}
