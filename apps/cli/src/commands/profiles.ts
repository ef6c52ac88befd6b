import type { Command } from 'commander';
import { parseAsOf } from '@strata/core';
import { computeProfiles, findProfile, type ProfileRun } from '@strata/profiles';
import { readServerFile } from '@strata/server';
import { DuckDbStore } from '@strata/store-duckdb';
import { callServer, printJson, type GlobalOptions, type Io } from '../context.js';

export function registerProfiles(program: Command, io: Io, globals: () => GlobalOptions): void {
  const profiles = program.command('profiles').description('compute and show customer profiles');
  profiles
    .command('compute')
    .description('recompute every customer profile (traits, RFM, lifecycle, models)')
    .option('--as-of <time>', 'count data up to this time; a date means the end of that day (default: now)')
    .action(async (opts: { asOf?: string }) => {
      const { db, json, clock } = globals();
      const asOf = opts.asOf ? parseAsOf(opts.asOf, '--as-of') : clock.now();
      const server = readServerFile(db);
      let run: ProfileRun;
      if (server) {
        run = await callServer<ProfileRun>(server, '/v1/profiles/compute', {
          method: 'POST',
          body: JSON.stringify({ as_of: asOf.toISOString() }),
          headers: { 'content-type': 'application/json' },
        });
      } else {
        const store = await DuckDbStore.open(db);
        try {
          run = await computeProfiles(store, { asOf, ranBy: 'cli' });
        } finally {
          await store.close();
        }
      }
      if (json) return printJson(io, run);
      io.out(
        `profiled ${run.customers.toLocaleString('en')} customers as of ${run.asOf} in ${(run.durationMs / 1000).toFixed(1)} s (run ${run.id})`,
      );
    });
  profiles
    .command('show')
    .description("show one customer's profile")
    .argument('<customer>', 'customer id')
    .action(async (customer: string) => {
      const { db, json } = globals();
      const server = readServerFile(db);
      let profile: Record<string, unknown>;
      if (server)
        profile = await callServer<Record<string, unknown>>(
          server,
          `/v1/customers/${encodeURIComponent(customer)}/profile`,
        );
      else {
        const store = await DuckDbStore.open(db);
        try {
          profile = await findProfile(store, customer);
        } finally {
          await store.close();
        }
      }
      if (json) return printJson(io, profile);
      const width = Math.max(...Object.keys(profile).map((k) => k.length));
      const show = (v: unknown): string => {
        if (v === null || v === undefined) return '—';
        if (Array.isArray(v)) return v.join(', ');
        if (typeof v === 'object') return JSON.stringify(v);
        return typeof v === 'string'
          ? v
          : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
            ? String(v)
            : JSON.stringify(v);
      };
      for (const [k, v] of Object.entries(profile)) io.out(`${k.padEnd(width)}  ${show(v)}`);
    });
}
