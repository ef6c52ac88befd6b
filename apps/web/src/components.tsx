import type { ReactNode } from 'react';
import { Link } from './router.js';
import type { Load } from './use-load.js';

/** What a part of a page shows while its data loads, when it failed, and once it is there. */
export function Loaded<T>(props: { load: Load<T>; what: string; children: (value: T) => ReactNode }) {
  const { load } = props;
  if (load.state === 'loading')
    return (
      <p className="muted" role="status">
        Loading {props.what}…
      </p>
    );
  if (load.state === 'error')
    return (
      <p className="error" role="alert">
        Could not load {props.what}: {load.message}
      </p>
    );
  return <>{props.children(load.value)}</>;
}

export function Stat(props: { label: string; value: string; hint?: string }) {
  return (
    <div className="stat">
      <dt>{props.label}</dt>
      <dd>
        {props.value}
        {props.hint ? <span className="hint">{props.hint}</span> : null}
      </dd>
    </div>
  );
}

/** Horizontal bars with their numbers: readable without the colour, and by a screen reader as a table. */
export function Bars(props: {
  caption: string;
  rows: readonly { name: string; value: number; href?: string }[];
  /** How a value is written (default: a whole number). */
  format?: (value: number) => string;
}) {
  const max = Math.max(1, ...props.rows.map((r) => r.value));
  return (
    <table className="bars">
      <caption>{props.caption}</caption>
      <tbody>
        {props.rows.map((r) => (
          <tr key={r.name}>
            <th scope="row">{r.href ? <Link href={r.href}>{r.name}</Link> : r.name}</th>
            <td>
              <span className="bar" style={{ width: `${(r.value / max) * 100}%` }} aria-hidden="true" />
              <span className="num">{props.format ? props.format(r.value) : r.value.toLocaleString('en')}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
