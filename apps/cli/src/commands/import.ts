import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { AppError, entities, type Entity } from '@strata/core';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';
import { printSummary, type ImportCommandOptions } from '../import-file.js';

export function registerImport(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('import')
    .description(
      'import a CSV or JSON Lines file; bad rows are reported by line and skipped, good rows kept; re-running is safe',
    )
    .argument('<entity>', `one of: ${entities.join(', ')}`)
    .argument('<file>', 'a .csv, .jsonl or .ndjson file')
    .addOption(
      new Option('--format <format>', 'file format when the extension does not tell').choices(['csv', 'jsonl']),
    )
    .option('--batch-size <n>', 'rows per transaction', (v) => Number.parseInt(v, 10))
    .addOption(
      new Option('--progress <mode>', 'progress display').choices(['auto', 'bar', 'lines', 'none']).default('auto'),
    )
    .action(async (entity: string, file: string, opts: ImportCommandOptions) => {
      if (!(entities as readonly string[]).includes(entity)) {
        throw new AppError('invalid', `unknown entity "${entity}"; one of: ${entities.join(', ')}`);
      }
      const g = globals();
      if (!existsSync(file)) throw new AppError('not_found', `no such file: ${file}`);
      const summary = await withBackend(io, g, (b) => b.importFile(entity as Entity, file, opts));
      if (g.json) printJson(io, summary);
      else printSummary(io, file, summary);
      if (summary.rejected > 0) process.exitCode = 65;
    });
}
