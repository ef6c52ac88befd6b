import { count } from './format.js';

/*
 * Small charts in plain SVG (no chart library: the bundle stays small, docs/benchmarks.md). Each
 * has its numbers in text too, for screen readers and for anyone who wants the figure.
 */

export interface DayValue {
  day: string;
  size: number;
}

const pathOf = (points: readonly DayValue[], width: number, height: number, pad: number): string => {
  const max = Math.max(1, ...points.map((p) => p.size));
  const min = Math.min(...points.map((p) => p.size));
  const span = Math.max(1, max - min);
  const step = points.length > 1 ? (width - 2 * pad) / (points.length - 1) : 0;
  return points
    .map((p, i) => {
      const x = pad + i * step;
      const y = height - pad - ((p.size - min) / span) * (height - 2 * pad);
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
};

/** A segment's size over the last days as a small line; its label says first, last and change. */
export function Sparkline({ points }: { points: readonly DayValue[] }) {
  if (points.length === 0) return <span className="muted">no history</span>;
  const first = points[0]!;
  const last = points.at(-1)!;
  const change = last.size - first.size;
  const text = `${count(first.size)} on ${first.day} to ${count(last.size)} on ${last.day} (${change >= 0 ? '+' : ''}${count(change)})`;
  return (
    <svg className="sparkline" width="96" height="24" viewBox="0 0 96 24" role="img" aria-label={text}>
      <title>{text}</title>
      <path d={pathOf(points, 96, 24, 2)} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

/** Size at the end of each day: a line chart with its smallest and largest values and first and last days. */
export function SizeChart({ caption, points }: { caption: string; points: readonly DayValue[] }) {
  if (points.length === 0)
    return (
      <p className="muted" data-size-chart="empty">
        No size history yet: sizes are recorded each day while the server runs with <code>--live</code>.
      </p>
    );
  const sizes = points.map((p) => p.size);
  const w = 560;
  const h = 160;
  return (
    <figure className="size-chart" data-size-chart="drawn">
      <svg width="100%" viewBox={`0 0 ${w} ${h}`} role="img" aria-labelledby="size-chart-caption">
        <path d={pathOf(points, w, h, 12)} fill="none" stroke="currentColor" strokeWidth="2" />
      </svg>
      <figcaption id="size-chart-caption">
        {caption}: {count(points[0]!.size)} on {points[0]!.day}, {count(points.at(-1)!.size)} on {points.at(-1)!.day}{' '}
        (smallest {count(Math.min(...sizes))}, largest {count(Math.max(...sizes))})
      </figcaption>
    </figure>
  );
}
