import { describe, expect, it } from 'vitest';
import { AppError, type SqlRunner } from '@strata/core';
import { computeProfiles, updateProfiles } from './compute-profiles.js';

/** A runner of the given dialect that records every statement sent to it. */
function recordingRunner(dialect: SqlRunner['dialect']): { runner: SqlRunner; sent: string[] } {
  const sent: string[] = [];
  const runner: SqlRunner = {
    dialect,
    query: (sql) => (sent.push(sql), Promise.resolve([])),
    read: (sql) => (sent.push(sql), Promise.resolve([])),
    exec: (sql) => (sent.push(sql), Promise.resolve()),
    loadTable: (name) => (sent.push(`load ${name}`), Promise.resolve()),
    transaction: (fn) => fn(runner),
  };
  return { runner, sent };
}

describe('the profile engine on a store that is not DuckDB', () => {
  it.each([
    ['computeProfiles', (db: SqlRunner) => computeProfiles(db, { asOf: new Date('2026-01-01T00:00:00Z') })],
    ['updateProfiles', (db: SqlRunner) => updateProfiles(db, ['c1'], { asOf: new Date('2026-01-01T00:00:00Z') })],
  ] as const)('%s refuses it with a clear error before sending any SQL', async (_, run) => {
    const { runner, sent } = recordingRunner('postgres');
    const error = await run(runner).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ kind: 'unavailable' });
    expect((error as AppError).message).toMatch(/^the profile engine runs on DuckDB; this store speaks postgres/);
    // Nothing written: no run recorded as started or failed in the user's database.
    expect(sent).toEqual([]);
  });

  it('lets a DuckDB runner through to its first statement', async () => {
    const { runner, sent } = recordingRunner('duckdb');
    // The fake has no tables, so the run stops early; what matters is that it started.
    await computeProfiles(runner, { asOf: new Date('2026-01-01T00:00:00Z') }).catch(() => undefined);
    expect(sent[0]).toMatch(/INSERT INTO profile_runs/);
  });
});
