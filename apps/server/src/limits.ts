/* The server's resource limits that a store owner sets through the environment. */
import { AppError } from '@strata/core';
import { DEFAULT_QUERY_TIMEOUT_MS } from '@strata/segments';

/** The variable that sets how long one segment query may run, in seconds. */
export const QUERY_TIMEOUT_VARIABLE = 'STRATA_QUERY_TIMEOUT';

/**
 * The segment query timeout in milliseconds from STRATA_QUERY_TIMEOUT (seconds, fractions
 * allowed), else the default; anything but a positive number is refused, naming the variable.
 */
export function queryTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[QUERY_TIMEOUT_VARIABLE]?.trim();
  if (raw === undefined || raw === '') return DEFAULT_QUERY_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
    throw new AppError(
      'invalid',
      `${QUERY_TIMEOUT_VARIABLE} must be a number of seconds from 0 to 86400 (got "${raw}")`,
      [{ field: QUERY_TIMEOUT_VARIABLE, message: 'not a number of seconds' }],
    );
  }
  return Math.round(seconds * 1000);
}

/** The variable that caps the memory of the store's engine (DuckDB's memory_limit), e.g. `2GB`. */
export const MEMORY_LIMIT_VARIABLE = 'STRATA_MEMORY_LIMIT';

/**
 * DuckDB's memory_limit from STRATA_MEMORY_LIMIT (a number with KB, MB, GB or TB, or KiB … TiB),
 * else undefined (DuckDB's default, 80% of the machine's memory). Past it, DuckDB spills joins and
 * sorts to disk or stops the query with an out-of-memory error.
 */
export function memoryLimitFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[MEMORY_LIMIT_VARIABLE]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(raw)) {
    throw new AppError(
      'invalid',
      `${MEMORY_LIMIT_VARIABLE} must be an amount of memory such as 512MB or 4GB (got "${raw}")`,
      [{ field: MEMORY_LIMIT_VARIABLE, message: 'not an amount of memory' }],
    );
  }
  return raw.replace(/\s+/g, '');
}
