import type { Command } from 'commander';
import { displayValue, parseAsOf } from '@strata/core';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';
import { registerProfilesExport } from './export.js';

export function registerProfiles(program: Command, io: Io, globals: () => GlobalOptions): void {
  const profiles = program.command('profiles').description('compute and show customer profiles');
  profiles
    .command('compute')
    .description('recompute every customer profile (traits, RFM, lifecycle, models)')
    .option('--as-of <time>', 'count data up to this time; a date means the end of that day (default: now)')
    .action(async (opts: { asOf?: string }) => {
      const g = globals();
      const asOf = opts.asOf ? parseAsOf(opts.asOf, '--as-of') : g.clock.now();
      const run = await withBackend(io, g, (b) => b.computeProfiles(asOf));
      if (g.json) return printJson(io, run);
      io.out(
        `profiled ${run.customers.toLocaleString('en')} customers as of ${run.asOf} in ${(run.durationMs / 1000).toFixed(1)} s (run ${run.id})`,
      );
    });
  profiles
    .command('show')
    .description("show one customer's profile")
    .argument('<customer>', 'customer id')
    .action(async (customer: string) => {
      const g = globals();
      const profile = await withBackend(io, g, (b) => b.profile(customer));
      if (g.json) return printJson(io, profile);
      const width = Math.max(...Object.keys(profile).map((k) => k.length));
      for (const [k, v] of Object.entries(profile)) io.out(`${k.padEnd(width)}  ${displayValue(v, '—')}`);
    });
  registerProfilesExport(profiles, io, globals);
}
