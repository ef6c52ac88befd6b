import type { Command } from 'commander';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';

export function registerStats(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('stats')
    .description('count the records of each kind in the store')
    .action(async () => {
      const g = globals();
      const counts = await withBackend(io, g, (b) => b.stats());
      if (g.json) return printJson(io, counts);
      const width = Math.max(...Object.keys(counts).map((k) => k.length));
      for (const [k, v] of Object.entries(counts)) io.out(`${k.padEnd(width)}  ${v.toLocaleString('en')}`);
    });
}
