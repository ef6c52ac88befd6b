/**
 * Nelder–Mead simplex minimisation (Lagarias et al. 1998 coefficients), deterministic. Used on
 * log-parameters, so every parameter stays positive without constraints.
 */
export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
}

export function nelderMead(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  options: { step?: number; maxIterations?: number; tolerance?: number } = {},
): MinimizeResult {
  const n = start.length;
  const step = options.step ?? 0.5;
  const maxIterations = options.maxIterations ?? 2000 * n;
  const tolerance = options.tolerance ?? 1e-10;
  const safe = (x: readonly number[]) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  let simplex = [start.slice()];
  for (let i = 0; i < n; i++) {
    const p = start.slice();
    p[i] = p[i]! + step;
    simplex.push(p);
  }
  let values = simplex.map(safe);
  let it = 0;
  for (; it < maxIterations; it++) {
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    simplex = order.map(([, i]) => simplex[i]!);
    values = order.map(([v]) => v);
    const best = values[0]!;
    const worst = values[n]!;
    if (Math.abs(worst - best) <= tolerance * (Math.abs(best) + tolerance)) {
      const spread = Math.max(...simplex.map((p) => Math.max(...p.map((v, j) => Math.abs(v - simplex[0]![j]!)))));
      if (spread < 1e-8) return { x: simplex[0]!, value: best, iterations: it, converged: true };
    }
    const centroid = Array.from({ length: n }, (_, j) => simplex.slice(0, n).reduce((s, p) => s + p[j]!, 0) / n);
    const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n]![j]! - c));
    const reflected = along(-1);
    const fr = safe(reflected);
    if (fr < values[0]!) {
      const expanded = along(-2);
      const fe = safe(expanded);
      if (fe < fr) [simplex[n], values[n]] = [expanded, fe];
      else [simplex[n], values[n]] = [reflected, fr];
    } else if (fr < values[n - 1]!) {
      [simplex[n], values[n]] = [reflected, fr];
    } else {
      const outside = fr < values[n]!;
      const contracted = along(outside ? -0.5 : 0.5);
      const fc = safe(contracted);
      if (fc < (outside ? fr : values[n]!)) [simplex[n], values[n]] = [contracted, fc];
      else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!));
          values[i] = safe(simplex[i]!);
        }
      }
    }
  }
  const bestIndex = values.indexOf(Math.min(...values));
  return { x: simplex[bestIndex]!, value: values[bestIndex]!, iterations: it, converged: false };
}
