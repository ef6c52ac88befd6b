import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * While a server owns a store file for writing, it leaves `<db>.server.json` beside it so other
 * commands (`strata import`, `strata stats`) go through it instead of failing on the file lock.
 * Holds a key the server accepts as the API key, so it is readable by the owner only.
 */
export interface ServerFile {
  pid: number;
  url: string;
  /** A key for this server run only (KeyRing.sessionKey), accepted as the API key; the API key itself is kept only as a hash. */
  sessionKey: string;
  startedAt: string;
  /** The folders the server imports files from by path; others are sent as the request body. */
  importDirs?: readonly string[];
}

export const serverFilePath = (dbPath: string) => `${dbPath}.server.json`;

/**
 * Written to a new owner-only file that then replaces the old one: a mode given to writeFileSync
 * applies only to a file it creates, so writing over a file left readable by others (0644) would
 * keep that mode, and a reader could see a half-written file.
 */
export function writeServerFile(dbPath: string, info: ServerFile): void {
  const path = serverFilePath(dbPath);
  const next = `${path}.${process.pid}.tmp`;
  rmSync(next, { force: true });
  writeFileSync(next, JSON.stringify(info, null, 2), { mode: 0o600, flag: 'wx' });
  renameSync(next, path);
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
