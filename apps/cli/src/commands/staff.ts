import type { Command } from 'commander';
import { StaffEmail, StaffPassword, StaffRoleName } from '@strata/api';
import { AppError, staffRoles, type StaffRole } from '@strata/core';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';

/**
 * `strata staff add|list|remove|role`: the accounts staff log in to the dashboard with
 * (docs/security.md). The password is read from standard input, never from the command line (where
 * other users of the machine and the shell history would see it). Through the running server when
 * there is one, so a removed account's sessions end at once.
 */
export function registerStaff(program: Command, io: Io, globals: () => GlobalOptions): void {
  const staff = program
    .command('staff')
    .description(`staff accounts for the dashboard, each with a role (${staffRoles.join(', ')})`);

  const roleNamed = (role: string): StaffRole => {
    const parsed = StaffRoleName.safeParse(role);
    if (!parsed.success) throw new AppError('invalid', `unknown role "${role}": one of ${staffRoles.join(', ')}`);
    return parsed.data;
  };
  const emailOf = (email: string): string => {
    const parsed = StaffEmail.safeParse(email);
    if (!parsed.success) throw new AppError('invalid', `"${email}" is not an email address`);
    return parsed.data;
  };

  staff
    .command('add')
    .description('add an account; its password is read from standard input (not echoed)')
    .argument('<email>', 'what the person logs in with')
    .requiredOption('--role <role>', staffRoles.join(', '))
    .action(async (email: string, opts: { role: string }) => {
      const role = roleNamed(opts.role);
      const address = emailOf(email);
      const line = await io.readSecretLine?.(
        `Password for ${address} (at least 12 characters; not shown), then Enter: `,
      );
      if (line === undefined) throw new AppError('invalid', 'no password on standard input');
      const password = StaffPassword.safeParse(line.replace(/\r?\n$/, ''));
      if (!password.success)
        throw new AppError('invalid', `the password ${password.error.issues[0]?.message ?? 'is not valid'}`);
      const g = globals();
      const member = await withBackend(io, g, (b) => b.addStaff(address, role, password.data));
      if (g.json) return printJson(io, member);
      io.out(`added ${member.email} (${member.role}): they log in to the dashboard with this password`);
    });

  staff
    .command('list')
    .description('list the accounts and their roles (never a password)')
    .action(async () => {
      const g = globals();
      const list = await withBackend(io, g, (b) => b.staff());
      if (g.json) return printJson(io, { staff: list });
      if (!list.length) return io.out('no staff accounts: `strata staff add <email> --role owner` adds one');
      const width = Math.max(...list.map((m) => m.email.length));
      for (const m of list) io.out(`${m.email.padEnd(width)}  ${m.role.padEnd(9)}  added ${m.created_at}`);
    });

  staff
    .command('remove')
    .description('remove an account; its sessions end (at once on a running server)')
    .argument('<email>')
    .action(async (email: string) => {
      const g = globals();
      const address = emailOf(email);
      await withBackend(io, g, (b) => b.removeStaff(address));
      if (g.json) return printJson(io, { email: address, removed: true });
      io.out(`removed ${address}`);
    });

  staff
    .command('role')
    .description("change an account's role (it applies to its sessions at once)")
    .argument('<email>')
    .argument('<role>', staffRoles.join(', '))
    .action(async (email: string, role: string) => {
      const g = globals();
      const r = roleNamed(role);
      const member = await withBackend(io, g, (b) => b.setStaffRole(emailOf(email), r));
      if (g.json) return printJson(io, member);
      io.out(`${member.email} is now ${member.role}`);
    });
}
