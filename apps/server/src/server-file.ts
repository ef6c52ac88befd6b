import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * While a server owns a store file for writing, it leaves `<db>.server.json` beside it so other
 * commands (`strata import`, `strata stats`) go through it instead of failing on the file lock.
 * Holds the admin API key, so it is written readable by the owner only.
 */
export interface ServerFile {
  pid: number;
  url: string;
  apiKey: string;
  startedAt: string;
  /** The folders the server imports files from by path; others are sent as the request body. */
  importDirs?: readonly string[];
}

export const serverFilePath = (dbPath: string) => `${dbPath}.server.json`;

export function writeServerFile(dbPath: string, info: ServerFile): void {
  writeFileSync(serverFilePath(dbPath), JSON.stringify(info, null, 2), { mode: 0o600 });
}

export function removeServerFile(dbPath: string, pid = process.pid): void {
  const info = readServerFile(dbPath);
  if (info && info.pid === pid) rmSync(serverFilePath(dbPath), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running server for this store, or undefined (a file left by a killed server is ignored). */
export function readServerFile(dbPath: string): ServerFile | undefined {
  try {
    const info = JSON.parse(readFileSync(serverFilePath(dbPath), 'utf8')) as ServerFile;
    return alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}
