import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { binPath, requireBuilt } from './helpers.js';

/*
 * What the CLI loads to answer a command, recorded by a module hook: a command that opens no
 * store must not load the store engine (its native module is most of the start time; see
 * docs/benchmarks.md, "CLI start"). Timings vary with the machine; which modules load does not.
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-start-'));
const hooks = join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(log, r.url + '\\n');
  return r;
}
`,
);

function loadedBy(args: string[]): string[] {
  requireBuilt();
  const log = join(dir, `${args.join('-').replace(/\W/g, '')}.log`);
  writeFileSync(log, '');
  const register = join(dir, `register-${Date.now()}.mjs`);
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: ${JSON.stringify(log)} } });\n`,
  );
  const r = spawnSync(process.execPath, ['--import', register, binPath, '--db', join(dir, 's.duckdb'), ...args], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

const heavy = (urls: string[]) =>
  urls.filter((u) => /@duckdb|\/hono\/|\/(packages\/testkit|apps\/server\/dist\/index\.js)/.test(u));

describe('what starting the CLI loads', () => {
  it('--help and fields load neither the store engine, the server nor the demo generator', () => {
    for (const args of [['--help'], ['fields'], ['segment', '--help']]) {
      const urls = loadedBy(args);
      expect(urls.some((u) => u.includes('commander'))).toBe(true);
      expect(heavy(urls), args.join(' ')).toEqual([]);
    }
  });

  it('a command that opens the store loads the engine then', () => {
    const urls = loadedBy(['stats']);
    expect(urls.some((u) => u.includes('@duckdb/node-api'))).toBe(true);
  });
});
