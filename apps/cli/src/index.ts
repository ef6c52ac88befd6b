/**
 * @strata/cli — the `strata` command. bin.ts only calls run(); everything testable is in cli.ts
 * and one file per command under commands/.
 */
export { run, buildProgram, defaultIo } from './cli.js';
export type { Io } from './context.js';
