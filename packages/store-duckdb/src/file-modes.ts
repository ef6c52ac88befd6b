import { chmodSync, statSync } from 'node:fs';

/**
 * The store file and its write-ahead log hold customers' personal data and the webhook secret, so
 * a store opened for writing makes both owner-only (0600), files an earlier Strata left readable by
 * others included. DuckDB creates the log again after each checkpoint, with the process's umask:
 * the `strata` command sets 077 (apps/cli/src/bin.ts).
 */
export function makeOwnerOnly(dbPath: string): void {
  for (const file of [dbPath, `${dbPath}.wal`]) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    } catch (e) {
      // No log right now, or a file of another user's that only they can change.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EPERM') throw e;
    }
  }
}
