import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '@strata/cli';
import { Customer } from '@strata/core';
import { DuckDbStore } from '@strata/store-duckdb';
import { binPath, captureIo, requireBuilt } from './helpers.js';

const db = join(mkdtempSync(join(tmpdir(), 'strata-pipe-')), 's.duckdb');
/** Far more output than a pipe holds (64 KiB on Linux), so the CLI is still writing when the reader goes. */
const CUSTOMERS = 30_000;

beforeAll(async () => {
  const store = await DuckDbStore.open(db);
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => Customer.parse({ id: `c${i}`, country: 'DE' }));
  await store.write({ customers });
  await store.close();
  expect(await run(['--db', db, 'profiles', 'compute', '--as-of', '2026-11-01'], captureIo())).toBe(0);
});

/** `strata <args> | <reader>` in bash, as a person types it; the status is strata's own. */
function piped(args: string[], reader: string) {
  requireBuilt();
  return spawnSync(
    'bash',
    ['-c', `"$@" | ${reader}; exit "\${PIPESTATUS[0]}"`, 'bash', process.execPath, binPath, '--db', db, ...args],
    { encoding: 'utf8', env: { ...process.env, STRATA_DEBUG: '1' }, timeout: 120_000 },
  );
}

describe('output piped into a reader that stops early', () => {
  it('segment eval --csv | head ends quietly with status 0', () => {
    const r = piped(['segment', 'eval', '--csv', 'country = "DE"'], 'head -n 3');
    expect(r.stdout.split('\n')).toEqual(['customer_id', 'c0', 'c1', '']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the whole --json answer, cut after 100 bytes, ends quietly too', () => {
    const r = piped(['--json', 'segment', 'eval', '--limit', '0', 'country = "DE"'], 'head -c 100');
    expect(r.stdout).toHaveLength(100);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('profiles show into a reader that reads nothing ends quietly', () => {
    const r = piped(['profiles', 'show', 'c1'], 'true');
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
