import { AppError, systemClock, type Clock, type SqlRunner, type StaffRole } from '@strata/core';
import type { z } from 'zod';
import { StaffAddRequest, StaffEmail, StaffUpdateRequest, type StaffMember, type StaffUser } from '@strata/api';
import { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword, type ScryptCost } from './passwords.js';

/**
 * Staff accounts (table `staff`, migration 13): an email, a role and a scrypt password hash.
 * Kept in memory once read, so a request's role check costs no query; every change goes through
 * here, which writes the store first. One process writes a store, so nothing else changes it
 * meanwhile (the CLI goes through the running server; see apps/cli/src/backend.ts).
 */
export type StaffDb = Pick<SqlRunner, 'query' | 'exec'>;

interface Account extends StaffMember {
  password_hash: string;
}

export interface StaffDirectoryOptions {
  clock?: Clock;
  /** scrypt cost of new hashes (default DEFAULT_SCRYPT_COST); tests lower it. */
  cost?: ScryptCost;
}

export class StaffDirectory {
  private accounts: Promise<Map<string, Account>> | undefined;
  private readonly clock: Clock;
  private readonly cost: ScryptCost;
  /** Checked against when the email is unknown, so a wrong email takes as long as a wrong password. */
  private decoy?: Promise<string>;

  constructor(
    private readonly db: StaffDb,
    options: StaffDirectoryOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.cost = options.cost ?? DEFAULT_SCRYPT_COST;
  }

  private load(): Promise<Map<string, Account>> {
    this.accounts ??= this.db
      .query<{
        email: string;
        role: StaffRole;
        password_hash: string;
        created: number | bigint;
        updated: number | bigint;
      }>(
        'SELECT email, role, password_hash, epoch_ms(created_at) AS created, epoch_ms(updated_at) AS updated FROM staff',
      )
      .then(
        (rows) =>
          new Map(
            rows.map((r) => [
              r.email,
              {
                email: r.email,
                role: r.role,
                password_hash: r.password_hash,
                created_at: new Date(Number(r.created)).toISOString(),
                updated_at: new Date(Number(r.updated)).toISOString(),
              },
            ]),
          ),
      );
    // a failed read is tried again by the next request, not remembered
    this.accounts.catch(() => (this.accounts = undefined));
    return this.accounts;
  }

  async list(): Promise<StaffMember[]> {
    return [...(await this.load()).values()].map(view).sort((a, b) => a.email.localeCompare(b.email));
  }

  async count(): Promise<number> {
    return (await this.load()).size;
  }

  /** The account's current email and role, or undefined once it is removed. */
  async user(email: string): Promise<StaffUser | undefined> {
    const a = (await this.load()).get(email);
    return a ? { email: a.email, role: a.role } : undefined;
  }

  async add(request: { email: string; role: StaffRole; password: string }): Promise<StaffMember> {
    const b = parseWith(StaffAddRequest, request);
    const accounts = await this.load();
    if (accounts.has(b.email))
      throw new AppError('conflict', `there is already a staff account for ${b.email}`, [
        { field: 'email', message: 'taken' },
      ]);
    const now = this.clock.now().toISOString();
    const account: Account = {
      email: b.email,
      role: b.role,
      password_hash: await hashPassword(b.password, this.cost),
      created_at: now,
      updated_at: now,
    };
    await this.db.exec(
      'INSERT INTO staff (email, role, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)',
      [account.email, account.role, account.password_hash, now],
    );
    accounts.set(account.email, account);
    return view(account);
  }

  /** A new role and/or password; the last owner cannot stop being one. */
  async update(
    email: string,
    request: { role?: StaffRole | undefined; password?: string | undefined },
  ): Promise<StaffMember> {
    const change = parseWith(StaffUpdateRequest, request);
    const accounts = await this.load();
    const account = this.named(accounts, email);
    if (change.role !== undefined && change.role !== 'owner')
      this.keepAnOwner(accounts, account, `make ${account.email} ${change.role}`);
    const next: Account = {
      ...account,
      ...(change.role !== undefined ? { role: change.role } : {}),
      ...(change.password !== undefined ? { password_hash: await hashPassword(change.password, this.cost) } : {}),
      updated_at: this.clock.now().toISOString(),
    };
    await this.db.exec('UPDATE staff SET role = $2, password_hash = $3, updated_at = $4 WHERE email = $1', [
      next.email,
      next.role,
      next.password_hash,
      next.updated_at,
    ]);
    accounts.set(next.email, next);
    return view(next);
  }

  async remove(email: string): Promise<void> {
    const accounts = await this.load();
    const account = this.named(accounts, email);
    this.keepAnOwner(accounts, account, `remove ${account.email}`);
    await this.db.exec('DELETE FROM staff WHERE email = $1', [account.email]);
    accounts.delete(account.email);
  }

  /** The account whose password this is; undefined for a wrong password and an unknown email alike (in about the same time). */
  async authenticate(email: string, password: string): Promise<StaffUser | undefined> {
    const key = StaffEmail.safeParse(email);
    const account = key.success ? (await this.load()).get(key.data) : undefined;
    if (!account) {
      this.decoy ??= hashPassword('not anyone’s password', this.cost);
      await verifyPassword(password, await this.decoy);
      return undefined;
    }
    return (await verifyPassword(password, account.password_hash))
      ? { email: account.email, role: account.role }
      : undefined;
  }

  private named(accounts: Map<string, Account>, email: string): Account {
    const key = StaffEmail.safeParse(email);
    const account = key.success ? accounts.get(key.data) : undefined;
    if (!account) throw new AppError('not_found', `no staff account for ${email}`);
    return account;
  }

  private keepAnOwner(accounts: Map<string, Account>, account: Account, what: string): void {
    if (account.role !== 'owner') return;
    const owners = [...accounts.values()].filter((a) => a.role === 'owner').length;
    if (owners === 1)
      throw new AppError('conflict', `cannot ${what}: it is the only owner account; make another owner first`);
  }
}

const view = (a: Account): StaffMember => ({
  email: a.email,
  role: a.role,
  created_at: a.created_at,
  updated_at: a.updated_at,
});

/** A value checked with the API's schema; each mistake named by its field. */
export function parseWith<S extends z.ZodType>(schema: S, v: unknown): z.infer<S> {
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  const issues = r.error.issues;
  throw new AppError(
    'invalid',
    issues.map((i) => `${i.path.map(String).join('.') || 'value'} ${i.message}`).join('; '),
    issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })),
  );
}
