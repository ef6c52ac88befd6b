import { serve, type ServerType } from '@hono/node-server';
import { systemClock, type Clock } from '@strata/core';
import { CoalescingWriter } from '@strata/ingest';
import { DuckDbStore } from '@strata/store-duckdb';
import { createApp } from './app.js';
import { importDirsFor } from './import-dirs.js';
import { KeyRing, type AppKeys } from './keys.js';
import { removeServerFile, writeServerFile } from './server-file.js';

/** All wiring of concrete adapters lives here and nowhere else. */
export interface ServerOptions {
  dbPath: string;
  host?: string;
  port?: number;
  /** Keys override (never stored); by default taken from STRATA_* environment variables or the store (see keys.ts). */
  keys?: Partial<AppKeys>;
  log?: (line: string) => void;
  /** Where "now" comes from (default: the system clock). */
  clock?: Clock;
  /** Folders `POST /v1/import/:entity?path=` may read; default STRATA_IMPORT_DIRS, else the store's folder. */
  importDirs?: readonly string[];
}

export interface RunningServer {
  url: string;
  /** The keys it checks; `keys.status()` carries a write key or API key made at this start, the one time it is shown. */
  keys: KeyRing;
  store: DuckDbStore;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const store = await DuckDbStore.open(options.dbPath, { clock });
  const keys = await KeyRing.open(store, options.keys);
  const importDirs = importDirsFor(options.dbPath, options.importDirs);
  const app = createApp({ store, writer: new CoalescingWriter(store), keys, clock, importDirs });
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 7300 }, (info) => resolve(info.port));
    server.once('error', reject);
  });
  const url = `http://${host}:${port}`;
  writeServerFile(options.dbPath, { pid: process.pid, url, sessionKey: keys.sessionKey, startedAt: clock.now().toISOString(), importDirs });
  return {
    url,
    keys,
    store,
    close: async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      removeServerFile(options.dbPath);
      await store.close();
    },
  };
}
