import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run, type Io, type RunOptions } from '@strata/cli';

export const binPath = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export function requireBuilt(): void {
  if (!existsSync(binPath))
    throw new Error(
      `${binPath} is missing: these tests run the built CLI; run \`npm run build\` first (npm test does)`,
    );
}

export function captureIo(): Io & { stdout: string[]; stderr: string[]; bytes: Buffer[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const bytes: Buffer[] = [];
  return {
    stdout,
    stderr,
    bytes,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    interactive: false,
    // a file written to standard output (an export without --out)
    write: (chunk) => {
      bytes.push(Buffer.from(chunk));
      return Promise.resolve();
    },
  };
}

/** What one command of a script printed, and its exit code. */
export interface ScriptStep {
  args: readonly string[];
  code: number;
  stdout: string[];
  stderr: string[];
}

/**
 * Runs each command of a script in this process against the store `db` (or the server that runs
 * it), one after the other, and keeps what each printed: the same script on a store file and on a
 * served copy must print the same.
 */
export async function runScript(
  db: string,
  commands: readonly (readonly string[])[],
  options?: RunOptions,
): Promise<ScriptStep[]> {
  const results: ScriptStep[] = [];
  for (const args of commands) {
    const io = captureIo();
    const code = await run(['--db', db, ...args], io, options);
    results.push({ args, code, stdout: io.stdout, stderr: io.stderr });
  }
  return results;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { onStderr?: (chunk: string, child: ChildProcess) => void } = {},
): Promise<Finished> {
  requireBuilt();
  const child = spawn(process.execPath, [binPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STRATA_DEBUG: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    opts.onStderr?.(stderr, child);
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/**
 * A deterministic orders file: online orders by customer id and till orders by email only; every
 * `refundedEvery`-th order is refunded (change it to get the same orders with some changed).
 */
export function ordersCsv(n: number, refundedEvery = 40): string {
  const rows = [
    'id,customer_id,customer_email,location_id,placed_at,status,currency,total,discount_total,discount_codes',
  ];
  for (let i = 0; i < n; i++) {
    const till = i % 3 === 0;
    const c = i % 5000;
    const day = String(1 + (i % 28)).padStart(2, '0');
    rows.push(
      `o${i},${till ? '' : `c${c}`},${till ? `person${c}@example.com` : ''},${till ? 'berlin' : 'online'},2025-02-${day}T10:00:00.000Z,${i % refundedEvery === 0 ? 'refunded' : 'confirmed'},EUR,${(i % 97) + 0.5},0,${i % 7 === 0 ? 'SAVE10;WELCOME' : ''}`,
    );
  }
  return rows.join('\n') + '\n';
}
