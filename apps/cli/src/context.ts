import type { Clock } from '@strata/core';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  interactive: boolean;
  /**
   * One line of standard input (a secret: not echoed on a terminal), after showing `prompt` when
   * a person types it; undefined at the end of the input.
   */
  readSecretLine?: (prompt: string) => Promise<string | undefined>;
  /** Bytes to standard output as they are (an export's file), resolved once they may be written again. */
  write?: (chunk: Uint8Array) => Promise<void>;
  /** True when standard output is a terminal (binary files are not written there). */
  outIsTerminal?: boolean;
}

export interface GlobalOptions {
  db: string;
  json: boolean;
  /** Where "now" comes from: the system clock, or the one a test hands to `run`. */
  clock: Clock;
}

export const DEFAULT_DB = process.env.STRATA_DB ?? './data/strata.duckdb';

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
