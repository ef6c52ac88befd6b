import { AppError, type Clock } from '@strata/core';
import { readServerFile, type ServerFile } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  interactive: boolean;
}

export interface GlobalOptions {
  db: string;
  json: boolean;
  /** Where "now" comes from: the system clock, or the one a test hands to `run`. */
  clock: Clock;
}

export const DEFAULT_DB = process.env.STRATA_DB ?? './data/strata.duckdb';

/**
 * Where a command's reads and writes go: straight to the store file, or through the server that
 * owns it right now (one process writes a DuckDB file; everyone else asks it).
 */
export type Target = { kind: 'server'; server: ServerFile } | { kind: 'store'; store: DuckDbStore };

export async function openTarget(db: string): Promise<Target> {
  const server = readServerFile(db);
  if (server) return { kind: 'server', server };
  return { kind: 'store', store: await DuckDbStore.open(db) };
}

export async function callServer<T>(server: ServerFile, path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${server.apiKey}`, ...(init.headers as Record<string, string> | undefined) },
    });
  } catch (e) {
    throw new AppError(
      'unavailable',
      `the server for this store (pid ${server.pid}, ${server.url}) does not answer: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const body = (await res.json()) as T & { error?: { type: string; message: string } };
  if (!res.ok && body.error) {
    throw new AppError((body.error.type as AppError['kind']) ?? 'internal', `server: ${body.error.message}`);
  }
  return body;
}

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
