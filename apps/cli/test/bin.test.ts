import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireBuilt } from './helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cliDir = join(root, 'apps/cli');
interface PackageFiles {
  bin: { strata: string };
  packages: Record<string, { bin?: { strata?: string } } | undefined>;
}
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PackageFiles;
const binTarget: string = readJson(join(cliDir, 'package.json')).bin.strata;
/** What `npm ci` installs from: the lockfile's record of the workspace. */
const lockedBin = readJson(join(root, 'package-lock.json')).packages['apps/cli']?.bin?.strata;
/** What the last install of this checkout's node_modules linked (npm's hidden lockfile). */
const installedBin = (() => {
  const hidden = join(root, 'node_modules/.package-lock.json');
  return existsSync(hidden) ? readJson(hidden).packages['apps/cli']?.bin?.strata : undefined;
})();

describe('the `strata` command npm links', () => {
  it('is a file of the source tree, so `npm ci` links it before anything is built', () => {
    // npm links bins while installing and skips one whose file does not exist yet: a bin under
    // dist/ (made by the build, after the install) leaves a fresh clone without `npx strata`.
    expect(binTarget).not.toMatch(/^(\.\/)?dist\//);
    expect(existsSync(join(cliDir, binTarget))).toBe(true);
    expect(execFileSync('git', ['ls-files', binTarget], { cwd: cliDir, encoding: 'utf8' }).trim()).toBe(
      binTarget.replace(/^\.\//, ''),
    );
    expect(lockedBin).toBe(binTarget.replace(/^\.\//, ''));
  });

  it.skipIf(installedBin !== lockedBin)(
    'node_modules/.bin/strata is the launcher and runs the built CLI, as `npx strata` does (skipped when node_modules predates the launcher: run npm ci)',
    () => {
      requireBuilt();
      const linked = join(root, 'node_modules/.bin/strata');
      expect(realpathSync(linked)).toBe(realpathSync(join(cliDir, binTarget)));
      const help = spawnSync(linked, ['--help'], { cwd: root, encoding: 'utf8' });
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^Usage: strata \[options\] \[command\]/);
    },
  );

  it('says to build first when dist/bin.js is missing', () => {
    const bin = join(mkdtempSync(join(tmpdir(), 'strata-bin-')), 'bin');
    mkdirSync(bin);
    copyFileSync(join(cliDir, binTarget), join(bin, 'strata.js'));
    const r = spawnSync(process.execPath, [join(bin, 'strata.js'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(69);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('strata is not built yet');
    expect(r.stderr).toContain('run `npm run build`');
  });
});
