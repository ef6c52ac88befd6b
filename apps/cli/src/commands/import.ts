import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { AppError, entities, type Entity } from '@strata/core';
import { OrphanLines, presetSources } from '@strata/ingest';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';
import { printSummary, type ImportCommandOptions } from '../import-file.js';

export function registerImport(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('import')
    .description(
      'import a CSV or JSON Lines file, or a shop’s own export (--from shopify|woocommerce, or --from generic --map); bad rows are reported by line and skipped, good rows kept; re-running is safe',
    )
    .argument(
      '<entity|file>',
      `the entity, one of: ${entities.join(', ')} (with --from it may be left out: the header tells)`,
    )
    .argument('[file]', 'a .csv, .jsonl or .ndjson file')
    .addOption(
      new Option('--format <format>', 'file format when the extension does not tell').choices(['csv', 'jsonl']),
    )
    .addOption(
      new Option(
        '--from <system>',
        'read the file as this system’s export (Shopify or WooCommerce customers/orders), or any file with --map',
      ).choices(presetSources),
    )
    .option(
      '--map <columns>',
      'with --from generic: which column is which field, e.g. "Invoice=order_id,CustomerID=customer_id,Qty=quantity"',
    )
    .addOption(
      new Option(
        '--orphan-lines <mode>',
        'order lines whose order is not in the store: keep them until it arrives, or reject them',
      )
        .choices(Object.values(OrphanLines))
        .default('keep'),
    )
    .option('--batch-size <n>', 'rows per transaction', (v) => Number.parseInt(v, 10))
    .addOption(
      new Option('--progress <mode>', 'progress display').choices(['auto', 'bar', 'lines', 'none']).default('auto'),
    )
    .action(async (first: string, second: string | undefined, opts: ImportCommandOptions, command: Command) => {
      // `import <entity> <file>`, or `import --from shopify <file>`
      const [entity, file] = second === undefined ? [undefined, first] : [first, second];
      if (entity === undefined && !opts.from)
        command.error(
          `error: missing the file, or --from: strata import <entity> <file>, or strata import --from ${presetSources.join('|')} <file>`,
        );
      if (entity !== undefined && !(entities as readonly string[]).includes(entity)) {
        throw new AppError('invalid', `unknown entity "${entity}"; one of: ${entities.join(', ')}`);
      }
      if (opts.map && opts.from !== 'generic') throw new AppError('invalid', '--map goes with --from generic');
      if (opts.from === 'generic' && !opts.map)
        throw new AppError('invalid', '--from generic needs --map "Column=field,…"');
      const g = globals();
      if (!existsSync(file)) throw new AppError('not_found', `no such file: ${file}`);
      const summary = await withBackend(io, g, (b) => b.importFile(entity as Entity | undefined, file, opts));
      if (g.json) printJson(io, summary);
      else printSummary(io, file, summary);
      if (summary.rejected > 0) process.exitCode = 65;
    });
}
