import type { GlobalOptions, Io } from './context.js';
import type { Backend } from './backend-port.js';

export type { Backend, SegmentAnswer } from './backend-port.js';

/**
 * The one place a command's target is chosen: the running server for this store, else the file.
 * Each is loaded only here, when a command runs, so that `strata --help` and commands that need
 * no store do not wait for the store engine to load.
 */
export async function openBackend(io: Io, g: GlobalOptions): Promise<Backend> {
  const { readServerFile, memoryLimitFromEnv } = await import('@strata/server');
  const server = readServerFile(g.db);
  if (server) {
    const { ServerBackend } = await import('./backend-server.js');
    return new ServerBackend(server, io);
  }
  const [{ DuckDbStore }, { LocalBackend }] = await Promise.all([
    import('@strata/store-duckdb'),
    import('./backend-local.js'),
  ]);
  const memoryLimit = memoryLimitFromEnv();
  return new LocalBackend(
    await DuckDbStore.open(g.db, { clock: g.clock, ...(memoryLimit ? { memoryLimit } : {}) }),
    io,
    g,
  );
}

/** Runs `fn` on the command's backend and closes it afterwards. */
export async function withBackend<T>(io: Io, g: GlobalOptions, fn: (b: Backend) => Promise<T>): Promise<T> {
  const backend = await openBackend(io, g);
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}
