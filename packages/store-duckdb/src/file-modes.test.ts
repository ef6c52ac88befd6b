import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbStore } from './duckdb-store.js';
import { makeOwnerOnly } from './file-modes.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('store file modes', () => {
  it('creates the store owner-only, in an owner-only folder when it makes the folder', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'strata-modes-')), 'made', 'by', 'strata', 's.duckdb');
    const store = await DuckDbStore.open(db);
    await store.setSetting('x', 'y');
    await store.close();
    expect(mode(db)).toBe(0o600);
    expect(mode(join(db, '..'))).toBe(0o700);
    expect(mode(join(db, '..', '..'))).toBe(0o700);
  });

  it('makes a store left readable by others owner-only when it is opened for writing, not when read', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'strata-modes-')), 's.duckdb');
    await (await DuckDbStore.open(db)).close();
    chmodSync(db, 0o644);
    await (await DuckDbStore.open(db, { readOnly: true })).close();
    expect(mode(db)).toBe(0o644);
    await (await DuckDbStore.open(db)).close();
    expect(mode(db)).toBe(0o600);
  });

  it('fixes a write-ahead log left readable by others, and minds no log at all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-modes-'));
    const db = join(dir, 's.duckdb');
    writeFileSync(db, 'x', { mode: 0o644 });
    writeFileSync(`${db}.wal`, 'x', { mode: 0o664 });
    makeOwnerOnly(db);
    expect([mode(db), mode(`${db}.wal`)]).toEqual([0o600, 0o600]);
    const alone = join(dir, 'alone.duckdb');
    writeFileSync(alone, 'x', { mode: 0o640 });
    makeOwnerOnly(alone);
    expect(mode(alone)).toBe(0o600);
  });
});
