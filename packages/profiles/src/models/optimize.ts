/*
 * Quasi-Newton minimisation for the model fits. The likelihoods are smooth in the
 * log-parameters, so BFGS with their gradients converges in tens of evaluations where
 * Nelder–Mead needs hundreds; Nelder–Mead stays as the fallback when BFGS stalls (a start in a
 * region where the likelihood is −∞, or a gradient that is not accurate enough).
 */
import { nelderMead, type MinimizeResult } from './nelder-mead.js';

export interface ValueAndGradient {
  value: number;
  gradient: number[];
}

export interface Objective {
  value(x: readonly number[]): number;
  valueAndGradient(x: readonly number[]): ValueAndGradient;
}

export const FitMethod = { bfgs: 'bfgs', nelderMead: 'nelder-mead' } as const;
export type FitMethod = (typeof FitMethod)[keyof typeof FitMethod];

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);

/**
 * BFGS on the inverse Hessian with a backtracking (Armijo) line search. Converged when the
 * largest gradient component is below `gradientTolerance`: the objectives here are mean
 * negative log-likelihoods per customer, so the tolerance does not grow with the data.
 */
export function bfgs(
  f: (x: readonly number[]) => ValueAndGradient,
  start: readonly number[],
  options: { maxIterations?: number; gradientTolerance?: number } = {},
): MinimizeResult {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 200;
  const gtol = options.gradientTolerance ?? 1e-9;
  let x = start.slice();
  let { value, gradient } = f(x);
  if (!Number.isFinite(value) || gradient.some((g) => !Number.isFinite(g)))
    return { x, value: Infinity, iterations: 0, converged: false };
  const identity = (): number[][] =>
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  let h = identity();
  let it = 0;
  for (; it < maxIterations; it++) {
    if (Math.max(...gradient.map(Math.abs)) < gtol) return { x, value, iterations: it, converged: true };
    let direction = h.map((row) => -dot(row, gradient));
    let slope = dot(direction, gradient);
    if (!(slope < 0)) {
      // The curvature estimate went bad: restart from steepest descent.
      h = identity();
      direction = gradient.map((g) => -g);
      slope = dot(direction, gradient);
    }
    // Never step more than 1 in any log-parameter (a factor e) at once.
    let step = Math.min(1, 1 / Math.max(...direction.map(Math.abs)));
    let next: ValueAndGradient | null = null;
    let nextX = x;
    for (let k = 0; k < 60; k++) {
      nextX = x.map((v, i) => v + step * direction[i]!);
      const candidate = f(nextX);
      if (Number.isFinite(candidate.value) && candidate.value <= value + 1e-4 * step * slope) {
        next = candidate;
        break;
      }
      step *= 0.5;
    }
    if (!next || next.gradient.some((g) => !Number.isFinite(g))) {
      // No decrease possible along the direction: at the optimum to within rounding, or stuck.
      const converged = Math.max(...gradient.map(Math.abs)) < Math.max(gtol, 1e-6);
      return { x, value, iterations: it, converged };
    }
    if (value - next.value <= 1e-15 * Math.abs(value)) {
      // No progress beyond rounding: the gradient is as small as its rounding noise allows.
      const converged = Math.max(...next.gradient.map(Math.abs)) < Math.max(gtol, 1e-6);
      return { x: nextX, value: next.value, iterations: it + 1, converged };
    }
    const s = nextX.map((v, i) => v - x[i]!);
    const y = next.gradient.map((g, i) => g - gradient[i]!);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (it === 0) {
        // Scale the first inverse-Hessian guess to the observed curvature (Nocedal & Wright 6.20).
        const scale = sy / dot(y, y);
        h = h.map((row) => row.map((v) => v * scale));
      }
      const hy = h.map((row) => dot(row, y));
      const yhy = dot(y, hy);
      const rho = 1 / sy;
      h = h.map((row, i) =>
        row.map((v, j) => v - rho * (hy[i]! * s[j]! + s[i]! * hy[j]!) + (rho * rho * yhy + rho) * s[i]! * s[j]!),
      );
    }
    x = nextX;
    value = next.value;
    gradient = next.gradient;
    // A log-parameter past ±25 is running off to a boundary (no drop-out, say): no optimum there.
    if (x.some((v) => Math.abs(v) > 25)) return { x, value, iterations: it + 1, converged: false };
  }
  return { x, value, iterations: it, converged: Math.max(...gradient.map(Math.abs)) < gtol };
}

export interface FitSearch extends MinimizeResult {
  method: FitMethod;
}

/**
 * Minimises from each start and keeps the best. With `bfgs` (the default) Nelder–Mead runs only
 * if no BFGS run converged; with `nelder-mead` the simplex search runs from every start and is
 * polished once more from the best point.
 */
export function minimizeFromStarts(
  objective: Objective,
  starts: readonly (readonly number[])[],
  method: FitMethod = FitMethod.bfgs,
  gradientTolerance = 1e-9,
): FitSearch {
  if (method === FitMethod.bfgs) {
    let best: MinimizeResult | null = null;
    for (const s of starts) {
      const r = bfgs((x) => objective.valueAndGradient(x), s, { gradientTolerance });
      if (r.converged && (!best || r.value < best.value)) best = r;
    }
    if (best) return { ...best, method: FitMethod.bfgs };
  }
  let best = nelderMead((x) => objective.value(x), starts[0]!);
  let iterations = best.iterations;
  for (const s of starts.slice(1)) {
    const r = nelderMead((x) => objective.value(x), s);
    iterations += r.iterations;
    if (r.value < best.value) best = r;
  }
  const polished = nelderMead((x) => objective.value(x), best.x, { step: 0.05 });
  iterations += polished.iterations;
  if (polished.value <= best.value) best = polished;
  return { ...best, iterations, method: FitMethod.nelderMead };
}
