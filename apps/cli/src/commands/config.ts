import type { Command } from 'commander';
import { AppError, configNames, configSettings } from '@strata/core';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';

export function registerConfig(program: Command, io: Io, globals: () => GlobalOptions): void {
  const config = program
    .command('config')
    .description(
      `the store's settings, set once (through the running server when there is one): ${configNames.map((n) => `${n}: ${configSettings[n].help}`).join('; ')}`,
    );
  const show = (settings: Record<string, string>, only?: string) => {
    const g = globals();
    const shown = only === undefined ? settings : only in settings ? { [only]: settings[only]! } : {};
    if (g.json) return printJson(io, shown);
    for (const name of only === undefined ? configNames : [only]) io.out(`${name}: ${shown[name] ?? '(not set)'}`);
  };
  config
    .command('set')
    .description('set a setting, e.g. `strata config set currency GBP`')
    .argument('<name>', configNames.join(', '))
    .argument('<value>')
    .action(async (name: string, value: string) => {
      const settings = await withBackend(io, globals(), (b) => b.setConfig(name, value));
      show(settings, name);
    });
  config
    .command('get')
    .description('show a setting, or all of them')
    .argument('[name]', configNames.join(', '))
    .action(async (name: string | undefined) => {
      if (name !== undefined && !(configNames as string[]).includes(name))
        throw new AppError('invalid', `unknown setting "${name}" (settings: ${configNames.join(', ')})`);
      const settings = await withBackend(io, globals(), (b) => b.config());
      show(settings, name);
    });
}
