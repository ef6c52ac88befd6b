import { randomBytes } from 'node:crypto';
import type { StaffDirectory } from './staff-directory.js';

/** The email `strata start` gives the first owner account unless STRATA_OWNER_EMAIL says another. */
export const DEFAULT_OWNER_EMAIL = 'owner@strata.local';
export const OWNER_EMAIL_VARIABLE = 'STRATA_OWNER_EMAIL';

/**
 * While the store has no staff account, an owner with a generated password (128 random bits),
 * returned to be shown once, as the keys made at a first start are. Undefined when there are accounts.
 */
export async function makeFirstOwner(
  staff: StaffDirectory,
  email: string,
): Promise<{ email: string; password: string } | undefined> {
  if ((await staff.count()) > 0) return undefined;
  const password = randomBytes(16).toString('base64url');
  const member = await staff.add({ email, role: 'owner', password });
  return { email: member.email, password };
}
