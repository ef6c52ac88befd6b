import { describe, expect, it } from 'vitest';
import { AppError } from '@strata/core';
import { memoryLimitFromEnv, queryTimeoutFromEnv } from './limits.js';

describe('limits from the environment', () => {
  it('reads the query timeout in seconds, 30 s when unset', () => {
    expect(queryTimeoutFromEnv({})).toBe(30_000);
    expect(queryTimeoutFromEnv({ STRATA_QUERY_TIMEOUT: '2.5' })).toBe(2500);
  });

  it('refuses a timeout that is not a positive number of seconds, naming the variable', () => {
    for (const bad of ['0', '-3', 'ten', '1e9']) {
      const e = (() => {
        try {
          return queryTimeoutFromEnv({ STRATA_QUERY_TIMEOUT: bad });
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).message).toContain(`STRATA_QUERY_TIMEOUT must be a number of seconds`);
      expect((e as AppError).message).toContain(`"${bad}"`);
    }
  });

  it('reads a memory limit with its unit, none when unset, and refuses anything else', () => {
    expect(memoryLimitFromEnv({})).toBeUndefined();
    expect(memoryLimitFromEnv({ STRATA_MEMORY_LIMIT: '512 MB' })).toBe('512MB');
    expect(memoryLimitFromEnv({ STRATA_MEMORY_LIMIT: '2GiB' })).toBe('2GiB');
    expect(() => memoryLimitFromEnv({ STRATA_MEMORY_LIMIT: 'lots' })).toThrow(
      /STRATA_MEMORY_LIMIT must be an amount of memory such as 512MB/,
    );
  });
});
