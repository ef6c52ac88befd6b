import { useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { checkTemplate, type TemplateDiagnostic } from '../campaign-data.js';

/*
 * A Liquid template as text, checked by the server as it is typed (liquidjs, the engine that will
 * render it): a textarea over a mirror of the same text in the same font, where each problem's
 * characters are marked, as the segment query editor does. The check waits for a pause in typing.
 */

/** The text cut at each diagnostic's span; the pieces a diagnostic covers are marked. */
function marked(text: string, diagnostics: readonly TemplateDiagnostic[]): ReactNode[] {
  const out: ReactNode[] = [];
  let at = 0;
  const sorted = [...diagnostics].sort((a, b) => a.span.start - b.span.start);
  for (const d of sorted) {
    const start = Math.min(Math.max(d.span.start, at), text.length);
    const end = Math.min(Math.max(d.span.end, start), text.length);
    if (start > at) out.push(text.slice(at, start));
    out.push(
      <mark
        key={`${start}:${end}`}
        className={`diag error${end === start ? ' empty' : ''}`}
        data-start={start}
        data-end={end}
      >
        {end === start ? '\u200b' : text.slice(start, end)}
      </mark>,
    );
    at = end;
  }
  out.push(text.slice(at), '\n');
  return out;
}

export interface LiquidEditorProps {
  label: string;
  text: string;
  onChange: (text: string) => void;
  rows?: number;
  /** Told whether the text has problems (the form can hold its save until it has none). */
  onChecked?: (problems: number) => void;
}

export function LiquidEditor(props: LiquidEditorProps) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const mirror = useRef<HTMLPreElement>(null);
  const [checked, setChecked] = useState<{ text: string; diagnostics: TemplateDiagnostic[] }>({
    text: props.text,
    diagnostics: [],
  });
  const [failed, setFailed] = useState<string | undefined>();
  const { onChecked } = props;

  useEffect(() => {
    const abort = new AbortController();
    const timer = setTimeout(() => {
      checkTemplate(props.text, abort.signal)
        .then((diagnostics) => {
          setFailed(undefined);
          setChecked({ text: props.text, diagnostics });
          onChecked?.(diagnostics.length);
        })
        .catch((e: unknown) => {
          if (!abort.signal.aborted) setFailed(e instanceof Error ? e.message : String(e));
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [props.text, onChecked]);

  // The box grows with the text: a scrollbar would narrow the textarea's lines, not the mirror's.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight + el.offsetHeight - el.clientHeight}px`;
  }, [props.text]);

  // Marks are shown only for the text they were found in (a stale span would sit under other characters).
  const diagnostics = checked.text === props.text ? checked.diagnostics : [];
  const diagId = `${id}-diagnostics`;
  return (
    <div className="query-editor liquid-editor">
      <label htmlFor={`${id}-text`}>{props.label}</label>
      <div className="editor-box">
        <pre className="editor-mirror" ref={mirror} aria-hidden="true">
          {marked(props.text, diagnostics)}
        </pre>
        <textarea
          id={`${id}-text`}
          ref={area}
          value={props.text}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          rows={props.rows ?? 2}
          aria-describedby={diagId}
          aria-invalid={diagnostics.length > 0}
          onChange={(e) => props.onChange(e.target.value)}
          onScroll={(e) => {
            if (mirror.current) mirror.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      <ul id={diagId} className="diagnostics" aria-live="polite">
        {diagnostics.map((d) => (
          <li key={`${d.span.start}:${d.span.end}:${d.message}`} className="error">
            <span className="where">
              Error at line {d.line}, column {d.column}:
            </span>{' '}
            {d.message}
          </li>
        ))}
        {failed ? <li className="warning">Could not check the template: {failed}</li> : null}
      </ul>
    </div>
  );
}
