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
      .description('generate the demo store if the store file does not exist yet, then serve it')
      .option('--demo-customers <n>', 'customers in the generated demo store', (v) => Number(v), 10_000),
  ).action(async (opts: ServeOptions & { demoCustomers: number }) => {
    const g = globals();
    if (!existsSync(g.db)) {
      io.out(`${g.db} does not exist yet: creating a demo store`);
      await runDemo(io, g.db, { customers: opts.demoCustomers, seed: 42 }, { clock: g.clock });
    }
    const server = await serveUntilStopped(io, g, opts);
    const { computeProfiles } = await import('@strata/profiles');
    // Profiles as of now, so segments and the summary answer from the first request on.
    const run = await computeProfiles(server.store, { asOf: g.clock.now(), ranBy: 'start' });
    io.out(`profiled ${run.customers.toLocaleString('en')} customers in ${(run.durationMs / 1000).toFixed(1)} s`);
  });
}
