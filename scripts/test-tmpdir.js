/*
 * Test support only (vitest's globalSetup): every test run gets a temporary folder of its own as
 * TMPDIR, inherited by the test processes and every process they start, and removes it when the run
 * ends, so stores, exports and servers' files that tests make under os.tmpdir() do not pile up on
 * the machine (a killed test cannot clean up after itself; the run still does).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'strata-test-run-'));
  chmodSync(dir, 0o755); // the PostgreSQL test server runs as the postgres user and needs to reach its folder
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
