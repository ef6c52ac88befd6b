import { z } from 'zod';
import { apiKeyScopes, staffRoles, type ApiKeyScope, type StaffRole } from '@strata/core';

/*
 * Staff sign-in, staff accounts and scoped API keys (apps/server/src/auth-routes.ts; docs/security.md).
 * A session is the `strata_session` cookie (HttpOnly, Secure, SameSite=Strict); each change made
 * with it carries the session's CSRF token in the `x-csrf-token` header.
 */

/** The cookie a login sets. */
export const SESSION_COOKIE = 'strata_session';
/** The header every state-changing request made with the session cookie carries. */
export const CSRF_HEADER = 'x-csrf-token';

export const StaffRoleName = z.enum(staffRoles as [StaffRole, ...StaffRole[]]);
export const ApiKeyScopeName = z.enum(apiKeyScopes as [ApiKeyScope, ...ApiKeyScope[]]);

/** An account's email as kept: trimmed and lower-case, so one person has one account. */
export const StaffEmail = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'must be an email address' }).max(254));

export const PASSWORD_MIN_LENGTH = 12;
/** A password a person chooses: long enough to resist guessing even with its hash in hand. */
export const StaffPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(1024, 'must be at most 1024 characters');

export const LoginRequest = z.object({
  email: z.string().max(254),
  password: z.string().max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const StaffUser = z.object({ email: z.string(), role: StaffRoleName });
export type StaffUser = z.infer<typeof StaffUser>;

/** `POST /v1/auth/login` and `GET /v1/auth/me`. */
export const AuthSessionResponse = z.object({ user: StaffUser, csrfToken: z.string().min(1) });
export type AuthSessionResponse = z.infer<typeof AuthSessionResponse>;

export const StaffMember = z.object({
  email: z.string(),
  role: StaffRoleName,
  created_at: z.string(),
  updated_at: z.string(),
});
export type StaffMember = z.infer<typeof StaffMember>;
export const StaffListResponse = z.object({ staff: z.array(StaffMember) });
export type StaffListResponse = z.infer<typeof StaffListResponse>;

export const StaffAddRequest = z.object({ email: StaffEmail, role: StaffRoleName, password: StaffPassword });
export type StaffAddRequest = z.infer<typeof StaffAddRequest>;
/** `PATCH /v1/staff/:email`: a new role, a new password, or both. */
export const StaffUpdateRequest = z
  .object({ role: StaffRoleName.optional(), password: StaffPassword.optional() })
  .refine((b) => b.role !== undefined || b.password !== undefined, { message: 'give a role or a password' });
export type StaffUpdateRequest = z.infer<typeof StaffUpdateRequest>;

export const ApiKeyCreateRequest = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100),
  scope: ApiKeyScopeName,
});
export type ApiKeyCreateRequest = z.infer<typeof ApiKeyCreateRequest>;
/** A scoped key as listed: never the key, only its first characters. */
export const ApiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  scope: ApiKeyScopeName,
  prefix: z.string(),
  created_at: z.string(),
  created_by: z.string(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;
/** The answer to `POST /v1/api-keys`: the only place the key is ever shown. */
export const ApiKeyCreatedResponse = ApiKeyView.extend({ key: z.string().min(1) });
export type ApiKeyCreatedResponse = z.infer<typeof ApiKeyCreatedResponse>;
export const ApiKeyListResponse = z.object({ api_keys: z.array(ApiKeyView) });
export type ApiKeyListResponse = z.infer<typeof ApiKeyListResponse>;
