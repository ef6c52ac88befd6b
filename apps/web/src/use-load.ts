import { useCallback, useEffect, useState } from 'react';

export type Load<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'done'; value: T };

/** Loads on mount and whenever `deps` change; `reload` loads again (after a change). */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): [Load<T>, () => void] {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  // The caller names what the load depends on.
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    run().then(
      (value) => live && setResult({ state: 'done', value }),
      (e: unknown) => live && setResult({ state: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [run, round]);
  return [result, () => setRound((r) => r + 1)];
}
