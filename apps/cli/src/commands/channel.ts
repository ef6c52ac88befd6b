import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ChannelViewBody } from '@strata/api';
import { AppError, channels, type Channel } from '@strata/core';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';

/**
 * `strata channel list|show|set|reset|test`: which provider delivers each channel and with what
 * settings. Secrets are kept encrypted in the store and never printed in full; through the
 * running server when there is one, which then sends with the new settings at once.
 */

const kebabToCamel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** `--auth-token abc` and `--port=25` after the channel, as { authToken: 'abc', port: '25' }. */
export function settingOptions(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--([a-z][a-zA-Z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m)
      throw new AppError(
        'invalid',
        `unexpected "${arg}": give settings as --name value (e.g. --host smtp.example.net)`,
      );
    const name = kebabToCamel(m[1]!);
    const value = m[2] ?? args[++i];
    if (value === undefined)
      throw new AppError('invalid', `--${m[1]} needs a value`, [{ field: name, message: 'no value' }]);
    out[name] = value;
  }
  return out;
}

function describeView(io: Io, v: ChannelViewBody): void {
  const rows: [string, string][] = [
    ['channel', v.channel],
    ['provider', `${v.provider}${v.configured ? '' : ' (nothing set: the default)'}`],
    ...Object.entries(v.settings).map(([k, value]): [string, string] => [
      k,
      `${typeof value === 'string' ? value : JSON.stringify(value)}${v.secrets.includes(k) ? '   (secret, encrypted in the store)' : ''}`,
    ]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  for (const [k, value] of rows) io.out(`${`${k}:`.padEnd(width)}${value}`);
}

const channelArgument = `${channels.join(', ')}`;

export function registerChannel(program: Command, io: Io, globals: () => GlobalOptions): void {
  const cmd = program
    .command('channel')
    .description('which provider delivers email, sms and whatsapp (the outbox unless set), and test it');

  cmd
    .command('list')
    .description('every channel, its provider and settings (secrets masked)')
    .action(async () => {
      const g = globals();
      const r = await withBackend(io, g, (b) => b.channels());
      if (g.json) return printJson(io, { outbox_dir: r.outboxDir, channels: r.channels });
      for (const v of r.channels) {
        const settings = Object.entries(v.settings)
          .map(([k, value]) => `${k}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
          .join(' ');
        io.out(`${v.channel.padEnd(9)} ${v.provider.padEnd(15)} ${v.configured ? '' : '(default) '}${settings}`);
      }
    });

  cmd
    .command('show')
    .description("one channel's provider and settings (secrets masked)")
    .argument('<channel>', channelArgument)
    .action(async (channel: string) => {
      const g = globals();
      const r = await withBackend(io, g, (b) => b.channels());
      const view = r.channels.find((v) => v.channel === channel);
      if (!view) throw new AppError('invalid', `unknown channel "${channel}": one of ${channelArgument}`);
      if (g.json) printJson(io, view);
      else describeView(io, view);
    });

  cmd
    .command('set')
    .description(
      "set a channel's provider and settings, e.g. `strata channel set sms --provider twilio --account-sid AC… --auth-token - --from +447700900123`. " +
        'With --provider every setting is replaced; without it, the settings given change and the others stay. ' +
        'A value "-" is read from standard input (not echoed), so a secret stays out of the shell history. ' +
        'Providers: outbox, smtp, twilio, whatsapp-cloud (or whatsapp), webhook (docs/channels.md).',
    )
    .argument('<channel>', channelArgument)
    .option('--provider <provider>', 'outbox, smtp, twilio, whatsapp-cloud, webhook')
    .option('--file <settings.json>', 'the settings as a JSON object (options given as well win)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (channel: string, opts: { provider?: string; file?: string }, command: Command) => {
      const { channelNamed, providerFor, settingsFromText } = await settingsHelpers();
      const ch: Channel = channelNamed(channel);
      const given = settingOptions(command.args.slice(1));
      for (const [name, value] of Object.entries(given)) {
        if (value !== '-') continue;
        const line = await io.readSecretLine?.(`${channel} ${name}: `);
        if (line === undefined || line.trim() === '')
          throw new AppError('invalid', `${ch}.${name}: nothing on standard input`, [
            { field: `${ch}.${name}`, message: 'empty' },
          ]);
        given[name] = line.trim();
      }
      let fromFile: Record<string, unknown> = {};
      if (opts.file !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(readFileSync(opts.file, 'utf8'));
        } catch (e) {
          throw new AppError('invalid', `${opts.file}: ${e instanceof Error ? e.message : String(e)}`, [
            { where: opts.file, message: 'not a readable JSON file' },
          ]);
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new AppError('invalid', `${opts.file}: the settings must be a JSON object`);
        fromFile = parsed as Record<string, unknown>;
      }
      const providerName = opts.provider ?? (fromFile.provider as string | undefined);
      const g = globals();
      const view = await withBackend(io, g, async (b) => {
        // Text options take the types of the provider's settings (numbers, true/false).
        const provider =
          providerName !== undefined
            ? providerFor(providerName, ch)
            : providerFor((await b.channels()).channels.find((v) => v.channel === ch)?.provider ?? 'outbox', ch);
        const settings = {
          ...fromFile,
          ...(providerName !== undefined ? { provider: providerName } : {}),
          ...settingsFromText(ch, provider, given),
        };
        return b.setChannel(ch, settings, providerName === undefined);
      });
      if (g.json) printJson(io, view);
      else describeView(io, view);
    });

  cmd
    .command('reset')
    .description("forget a channel's settings: it goes to the outbox again")
    .argument('<channel>', channelArgument)
    .action(async (channel: string) => {
      const g = globals();
      const view = await withBackend(io, g, (b) => b.resetChannel(channel));
      if (g.json) printJson(io, view);
      else io.out(`${view.channel} goes to the outbox again (${String(view.settings.dir)})`);
    });

  cmd
    .command('test')
    .description('send one test message through the channel as set')
    .argument('<channel>', channelArgument)
    .requiredOption('--to <address>', 'an email address, or an E.164 phone number for sms and whatsapp')
    .option('--template <name>', 'whatsapp: an approved template (outside the 24-hour window), e.g. hello_world')
    .option('--language <code>', 'whatsapp: the template language', 'en_US')
    .action(async (channel: string, opts: { to: string; template?: string; language: string }) => {
      const g = globals();
      const r = await withBackend(io, g, (b) =>
        b.testChannel(channel, {
          to: opts.to,
          ...(opts.template ? { template: { name: opts.template, language: opts.language, parameters: [] } } : {}),
        }),
      );
      if (g.json) printJson(io, r);
      if (!r.ok) {
        const kind =
          r.failure === 'permanent' ? 'invalid' : r.failure === 'rate_limited' ? 'rate_limited' : 'unavailable';
        throw new AppError(
          kind,
          `the test message was not sent through ${r.provider}: ${r.error ?? 'no reason given'} (${r.failure ?? 'failed'}${r.provider_code ? `, provider code ${r.provider_code}` : ''})`,
        );
      }
      if (!g.json) io.out(`sent a test message to ${opts.to} through ${r.provider}: ${r.provider_id ?? r.send_id}`);
    });
}

/** The channels package's setting helpers, loaded when a command needs them (keeps `strata --help` fast). */
async function settingsHelpers() {
  const { channelNamed } = await import('@strata/server');
  const { providerNamed, settingsFromText } = await import('@strata/channels');
  return {
    channelNamed,
    settingsFromText,
    providerFor: (name: string, channel: Channel) => providerNamed(name, `${channel}.provider`),
  };
}
