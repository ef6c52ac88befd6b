/**
 * Who may do what: the roles of staff accounts and the scopes of API keys. The server checks them
 * (apps/server/src/access.ts), the CLI and the dashboard name them; each derives from here.
 */

/**
 * `owner`: everything, staff accounts, API keys, the store's keys and channel credentials included.
 * `marketer`: segments, campaigns, automations, imports and the rest of the day-to-day work.
 * `read_only`: reads; refused every change.
 */
export const StaffRole = {
  owner: 'owner',
  marketer: 'marketer',
  read_only: 'read_only',
} as const;
export type StaffRole = (typeof StaffRole)[keyof typeof StaffRole];
export const staffRoles = Object.values(StaffRole) as readonly StaffRole[];

/** What a scoped API key may do: `read` as a read-only user, `write` as a marketer. */
export const ApiKeyScope = { read: 'read', write: 'write' } as const;
export type ApiKeyScope = (typeof ApiKeyScope)[keyof typeof ApiKeyScope];
export const apiKeyScopes = Object.values(ApiKeyScope) as readonly ApiKeyScope[];

/** The role a scoped API key acts with. */
export const roleOfScope: Record<ApiKeyScope, StaffRole> = { read: 'read_only', write: 'marketer' };
