/**
 * @strata/cli — the `strata` command. bin.ts only calls run(); everything testable is in cli.ts
 * and one file per command under commands/.
 */
export { run, buildProgram, defaultIo, type RunOptions } from './cli.js';
export type { Io } from './context.js';
