import type { Command } from 'commander';
import type { EntityCounts } from '@strata/core';
import { callServer, openTarget, printJson, type GlobalOptions, type Io } from '../context.js';

export function registerStats(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('stats')
    .description('count the records of each kind in the store')
    .action(async () => {
      const { db, json } = globals();
      const target = await openTarget(db);
      let counts: EntityCounts;
      if (target.kind === 'server')
        counts = (await callServer<{ counts: EntityCounts }>(target.server, '/v1/stats')).counts;
      else {
        counts = await target.store.counts();
        await target.store.close();
      }
      if (json) return printJson(io, counts);
      const width = Math.max(...Object.keys(counts).map((k) => k.length));
      for (const [k, v] of Object.entries(counts)) io.out(`${k.padEnd(width)}  ${v.toLocaleString('en')}`);
    });
}
