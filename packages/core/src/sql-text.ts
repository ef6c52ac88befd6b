import type { SqlParam } from './ports.js';

/**
 * Positional parameters collected while SQL is put together: `add` returns the `$n` to write.
 * The one home for this job in every package that builds SQL (campaigns, reports, automations).
 */
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

/** A string as an SQL literal: for names from our own vocabularies and ids we made, never user input. */
export const sqlLiteral = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Each name of a closed set (core's vocabulary) as an SQL literal, by the same keys. */
export const sqlLiterals = <T extends Record<string, string>>(names: T) =>
  Object.fromEntries(Object.entries(names).map(([key, name]) => [key, sqlLiteral(name)])) as {
    readonly [K in keyof T]: string;
  };
