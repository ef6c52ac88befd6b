import type { SqlParam } from '@strata/core';

/** Positional parameters collected while SQL is put together: `add` returns the `$n` to write. */
export class SqlParams {
  readonly values: SqlParam[] = [];

  add(value: SqlParam): string {
    return `$${this.values.push(value)}`;
  }
}

/** A string as an SQL literal (for values from our own vocabularies, never user input). */
export const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;
