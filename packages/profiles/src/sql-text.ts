/** `s` as an SQL string literal (the profile SQL names stages, segments and groups in it). */
export const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Each name of a closed set (core's vocabulary) as an SQL literal, by the same keys. */
export const literals = <T extends Record<string, string>>(names: T) =>
  Object.fromEntries(Object.entries(names).map(([key, name]) => [key, quote(name)])) as {
    readonly [K in keyof T]: string;
  };
