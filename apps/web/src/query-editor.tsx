import { useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { completeAt, type Completion, type Diagnostic } from '@strata/segment-lang';

/*
 * The segment query as text: a textarea over a mirror of the same text in the same font, where
 * each diagnostic's span is marked, so the underline sits under exactly the characters the
 * language names (spans are UTF-16 offsets, as in a JavaScript string). Completions come from the
 * language package as you type; arrows choose, Enter or Tab takes one, Escape closes the list.
 */

export interface QueryEditorProps {
  label: string;
  text: string;
  onChange: (text: string) => void;
  diagnostics: readonly Diagnostic[];
  /** Names of saved segments, for `in segment "…"` completions. */
  segments: readonly string[];
  readOnly?: boolean;
}

interface Suggestions {
  from: number;
  to: number;
  items: readonly Completion[];
  active: number;
}

/** Line and column (from 1) of an offset, as people count them. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** The text cut at every diagnostic boundary; the pieces a diagnostic covers are marked. */
function marked(text: string, diagnostics: readonly Diagnostic[]): ReactNode[] {
  const cuts = new Set<number>([0, text.length]);
  for (const d of diagnostics) {
    cuts.add(Math.min(d.span.start, text.length));
    cuts.add(Math.min(d.span.end, text.length));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: ReactNode[] = [];
  // A diagnostic with an empty span (something missing) is marked where the thing should be.
  const emptyAt = (at: number) =>
    diagnostics.filter((d) => d.span.start === d.span.end && Math.min(d.span.start, text.length) === at);
  for (let i = 0; i < points.length; i++) {
    const start = points[i]!;
    for (const d of emptyAt(start))
      out.push(
        <mark
          key={`e${start}${d.code}`}
          className={`diag empty ${d.severity}`}
          data-code={d.code}
          data-start={start}
          data-end={start}
        >
          {'\u200b'}
        </mark>,
      );
    const end = points[i + 1];
    if (end === undefined || end === start) continue;
    const piece = text.slice(start, end);
    const covering = diagnostics.filter((d) => d.span.start <= start && d.span.end >= end && d.span.end > d.span.start);
    if (covering.length === 0) out.push(piece);
    else {
      const worst = covering.find((d) => d.severity === 'error') ?? covering[0]!;
      out.push(
        <mark
          key={`m${start}`}
          className={`diag ${worst.severity}`}
          data-code={worst.code}
          data-start={start}
          data-end={end}
        >
          {piece}
        </mark>,
      );
    }
  }
  // The mirror must be as tall as the textarea, whose last empty line still counts.
  out.push('\n');
  return out;
}

export function QueryEditor(props: QueryEditorProps) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const mirror = useRef<HTMLPreElement>(null);
  const [suggestions, setSuggestions] = useState<Suggestions | undefined>();
  const caretAfter = useRef<number | undefined>(undefined);
  const options = useMemo(() => ({ segments: props.segments }), [props.segments]);

  // The box grows with the text instead of scrolling: a scrollbar would narrow the textarea's
  // lines and not the mirror's, and the marks would drift from the characters they name.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight + el.offsetHeight - el.clientHeight}px`;
  }, [props.text]);

  useLayoutEffect(() => {
    if (caretAfter.current !== undefined && area.current) {
      area.current.setSelectionRange(caretAfter.current, caretAfter.current);
      caretAfter.current = undefined;
    }
  });

  const suggest = (text: string, caret: number, always: boolean) => {
    const r = completeAt(text, caret, undefined, options);
    // Opened by typing a word (or Ctrl+Space), not by every caret move.
    if (r.items.length === 0 || (!always && r.from === r.to)) return setSuggestions(undefined);
    setSuggestions({ from: r.from, to: r.to, items: r.items.slice(0, 12), active: 0 });
  };

  const take = (item: Completion) => {
    if (!suggestions) return;
    const insert = `${item.insertText ?? item.label} `;
    const text = props.text.slice(0, suggestions.from) + insert + props.text.slice(suggestions.to);
    caretAfter.current = suggestions.from + insert.length;
    setSuggestions(undefined);
    props.onChange(text);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault();
      suggest(props.text, e.currentTarget.selectionStart, true);
      return;
    }
    if (!suggestions) return;
    const n = suggestions.items.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : n - 1;
      setSuggestions({ ...suggestions, active: (suggestions.active + step) % n });
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      take(suggestions.items[suggestions.active]!);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setSuggestions(undefined);
    }
  };

  const listId = `${id}-completions`;
  const diagId = `${id}-diagnostics`;
  const optionId = (i: number) => `${id}-option-${i}`;
  return (
    <div className="query-editor">
      <label htmlFor={`${id}-text`}>{props.label}</label>
      <div className="editor-box">
        <pre className="editor-mirror" ref={mirror} aria-hidden="true">
          {marked(props.text, props.diagnostics)}
        </pre>
        <textarea
          id={`${id}-text`}
          ref={area}
          value={props.text}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          readOnly={props.readOnly}
          rows={4}
          aria-autocomplete="list"
          aria-controls={listId}
          aria-expanded={suggestions !== undefined}
          aria-describedby={diagId}
          aria-invalid={props.diagnostics.some((d) => d.severity === 'error')}
          {...(suggestions ? { 'aria-activedescendant': optionId(suggestions.active) } : {})}
          onChange={(e) => {
            props.onChange(e.target.value);
            suggest(e.target.value, e.target.selectionStart, false);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setSuggestions(undefined)}
          onScroll={(e) => {
            if (mirror.current) mirror.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      <ul id={listId} role="listbox" aria-label="Completions" className="completions" hidden={!suggestions}>
        {suggestions?.items.map((item, i) => (
          <li
            key={item.label}
            id={optionId(i)}
            role="option"
            aria-selected={i === suggestions.active}
            // mousedown, not click: the textarea keeps its focus (and its caret)
            onMouseDown={(e) => {
              e.preventDefault();
              take(item);
            }}
          >
            <span className="label">{item.label}</span>
            {item.detail ? <span className="detail">{item.detail}</span> : null}
          </li>
        ))}
      </ul>
      <ul id={diagId} className="diagnostics" aria-live="polite">
        {props.diagnostics.map((d) => {
          const at = lineColumn(props.text, d.span.start);
          return (
            <li key={`${d.code}:${d.span.start}:${d.span.end}`} className={d.severity} data-code={d.code}>
              <span className="where">
                {d.severity === 'error' ? 'Error' : 'Warning'} at line {at.line}, column {at.column}:
              </span>{' '}
              {d.message}
              {d.hint ? <span className="hint"> {d.hint}</span> : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
