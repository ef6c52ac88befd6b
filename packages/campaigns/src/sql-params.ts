import type { SqlParam } from '@strata/core';

/** Positional parameters collected while SQL is put together: `add` returns the `$n` to write. */
export class SqlParams {
  readonly values: SqlParam[] = [];

  add(value: SqlParam): string {
    return `$${this.values.push(value)}`;
  }

  /** A parameter added the first time its `$n` is asked for (DuckDB refuses parameters a statement does not use). */
  lazy(value: SqlParam): () => string {
    let ref: string | undefined;
    return () => (ref ??= this.add(value));
  }
}

/** A string as an SQL literal (for values from our own vocabularies, never user input). */
export const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;
