#!/usr/bin/env node
// The `strata` command npm links into node_modules/.bin. npm links a bin while it installs
// (`npm ci`), before anything is built, and skips one whose file is missing: pointed at
// dist/bin.js, no `strata` would be linked on a fresh clone. This file is always there.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    `error: strata is not built yet (${fileURLToPath(built)} is missing): run \`npm run build\` in the Strata folder\n`,
  );
  process.exit(69);
}
await import(built.href);
