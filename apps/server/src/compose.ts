import { randomBytes } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { systemClock, type Clock } from '@strata/core';
import { CoalescingWriter } from '@strata/ingest';
import { DuckDbStore } from '@strata/store-duckdb';
import { createApp, type AppKeys } from './app.js';
import { importDirsFor } from './import-dirs.js';
import { removeServerFile, writeServerFile } from './server-file.js';

/** All wiring of concrete adapters lives here and nowhere else. */
export interface ServerOptions {
  dbPath: string;
  host?: string;
  port?: number;
  /** Keys override; by default taken from STRATA_* environment variables or the store's settings. */
  keys?: Partial<AppKeys>;
  log?: (line: string) => void;
  /** Where "now" comes from (default: the system clock). */
  clock?: Clock;
  /** Folders `POST /v1/import/:entity?path=` may read; default STRATA_IMPORT_DIRS, else the store's folder. */
  importDirs?: readonly string[];
}

export interface RunningServer {
  url: string;
  keys: AppKeys;
  store: DuckDbStore;
  close(): Promise<void>;
}

const envKeys: Record<keyof AppKeys, string> = {
  writeKey: 'STRATA_WRITE_KEY',
  apiKey: 'STRATA_API_KEY',
  webhookSecret: 'STRATA_WEBHOOK_SECRET',
};

/** Keys come from options, then the environment, then the store (generated once, then kept). */
export async function resolveKeys(store: DuckDbStore, given: Partial<AppKeys> = {}): Promise<AppKeys> {
  const keys = {} as AppKeys;
  for (const name of Object.keys(envKeys) as (keyof AppKeys)[]) {
    let value = given[name] ?? process.env[envKeys[name]];
    if (!value) {
      value = await store.getSetting(`key.${name}`);
      if (!value) {
        value = randomBytes(24).toString('base64url');
        await store.setSetting(`key.${name}`, value);
      }
    }
    keys[name] = value;
  }
  return keys;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const store = await DuckDbStore.open(options.dbPath, { clock });
  const keys = await resolveKeys(store, options.keys);
  const importDirs = importDirsFor(options.dbPath, options.importDirs);
  const app = createApp({ store, writer: new CoalescingWriter(store), keys, clock, importDirs });
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 7300 }, (info) => resolve(info.port));
    server.once('error', reject);
  });
  const url = `http://${host}:${port}`;
  writeServerFile(options.dbPath, { pid: process.pid, url, apiKey: keys.apiKey, startedAt: clock.now().toISOString(), importDirs });
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
