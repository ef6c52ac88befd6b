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
    throw new AppError('invalid', `${QUERY_TIMEOUT_VARIABLE} must be a number of seconds from 0 to 86400 (got "${raw}")`, [
      { field: QUERY_TIMEOUT_VARIABLE, message: 'not a number of seconds' },
    ]);
  }
  return Math.round(seconds * 1000);
}
