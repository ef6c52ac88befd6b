#!/usr/bin/env node
import { run } from './cli.js';

const code = await run(process.argv.slice(2));
// Commands that serve keep the process alive on their own; everything else ends here.
if (code !== 0) process.exit(code);
