/** `s` as an SQL string literal (the profile SQL names stages, segments and groups in it). */
export const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
