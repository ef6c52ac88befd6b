import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI: the attack suite runs the server as a user does, in its own process. */
const bin = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Resident memory of the server process, in MiB (from /proc). */
  rssMiB(): number;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

export async function spawnServer(db: string, env: Record<string, string> = {}, args: readonly string[] = []): Promise<ServerProcess> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first (npm test does)`);
  const child = spawn(process.execPath, [bin, '--db', db, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /serving .* on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return {
    url,
    child,
    output: () => out,
    rssMiB: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : NaN;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Milliseconds `/health` takes to answer (the attack suite asks it during every attack). */
export async function healthMs(url: string): Promise<number> {
  const t = performance.now();
  const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
  if (r.status !== 200) throw new Error(`/health answered ${r.status}`);
  return performance.now() - t;
}

/**
 * Announces a body of `size` bytes and sends none of it: a server that checks its limit before
 * reading answers at once; one that waits for the body would hang until the test's limit.
 */
export function postOversized(url: string, path: string, size: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(size) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, text });
        });
      },
    );
    req.on('error', reject);
    req.flushHeaders();
  });
}

/**
 * Asks /health every `everyMs` until stopped; returns each answer's milliseconds (a failed or timed
 * out answer counts as Infinity, so it fails a bound instead of going unnoticed).
 */
export function probeHealth(url: string, everyMs = 200): { stop(): number[] } {
  const times: number[] = [];
  const timer = setInterval(() => {
    void healthMs(url).then(
      (ms) => void times.push(ms),
      () => void times.push(Infinity),
    );
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return times;
    },
  };
}
