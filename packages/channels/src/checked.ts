import { AppError } from '@strata/core';
import type { z } from 'zod';

/**
 * Reads untrusted input (an adapter's settings, a provider's webhook) through its schema, or
 * throws AppError `invalid` naming each field that is wrong, prefixed with what was read
 * (`sms (twilio) settings`, `WhatsApp webhook`).
 */
export function checked<Schema extends z.ZodType>(schema: Schema, input: unknown, what: string): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({ field: fieldPath(i.path), message: i.message }));
  throw new AppError('invalid', `${what}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);
}

/** `entry[0].changes[1].value` for a zod path. */
function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(the whole of it)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}
