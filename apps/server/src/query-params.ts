import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '@strata/core';

/** Query parameters checked with the API's schema; each mistake is named by its parameter. */
export function checkedQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success)
    throw new AppError(
      'invalid',
      `bad query parameters: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    );
  return parsed.data;
}
