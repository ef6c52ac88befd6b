import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readServerFile, serverFilePath, writeServerFile } from './server-file.js';

describe('server.json', () => {
  it('is owner-only even where a file readable by others was before, and leaves nothing else behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-server-file-'));
    const db = join(dir, 's.duckdb');
    writeFileSync(serverFilePath(db), '{"pid": 1}', { mode: 0o644 });
    writeServerFile(db, {
      pid: process.pid,
      url: 'http://127.0.0.1:1',
      sessionKey: 'k',
      startedAt: '2026-01-01T00:00:00Z',
    });
    expect(statSync(serverFilePath(db)).mode & 0o777).toBe(0o600);
    expect(readServerFile(db)).toMatchObject({ pid: process.pid, sessionKey: 'k' });
    expect(readdirSync(dir)).toEqual(['s.duckdb.server.json']);
  });
});
