import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { GlobalOptions, Io } from '../context.js';
import { runDemo } from './demo.js';
import { addServeOptions, serveUntilStopped, type ServeOptions } from './serve.js';

/** `npm start`: a demo store on first run, then serve it. */
export function registerStart(program: Command, io: Io, globals: () => GlobalOptions): void {
  addServeOptions(
    program
      .command('start')
      .description('generate the demo store if the store file does not exist yet, then serve it live (--live)')
      .option('--demo-customers <n>', 'customers in the generated demo store', (v) => Number(v), 10_000),
  ).action(async (opts: ServeOptions & { demoCustomers: number }) => {
    const g = globals();
    if (!existsSync(g.db)) {
      io.out(`${g.db} does not exist yet: creating a demo store`);
      await runDemo(io, g.db, { customers: opts.demoCustomers, seed: 42 }, { clock: g.clock });
    }
    // Live: profiles as of now on a store without live state, then every event and due re-check
    // keeps them and the saved segments current (the loop logs the first recompute).
    // The first start makes an owner account and shows its password once, beside the keys.
    const { DEFAULT_OWNER_EMAIL, OWNER_EMAIL_VARIABLE } = await import('@strata/server');
    const firstOwner = process.env[OWNER_EMAIL_VARIABLE] || DEFAULT_OWNER_EMAIL;
    await serveUntilStopped(io, g, { ...opts, live: true, firstOwner });
  });
}
