import type { Command } from 'commander';
import { GeneratedKeyName, WebhookSecret } from '@strata/api';
import { AppError } from '@strata/core';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';

/**
 * `strata keys rotate write-key|api-key` makes a new key and prints it once (the store keeps only
 * its hash); `strata keys set webhook-secret` keeps the signing secret Shopify made. While a server
 * runs, both go through it, so it refuses the old key from that moment on.
 */
export function registerKeys(program: Command, io: Io, globals: () => GlobalOptions): void {
  const keys = program.command('keys').description('make a new write key or API key; set the Shopify webhook secret');

  keys
    .command('rotate')
    .description('make a new key and print it once; the old one stops working at once (on a running server too)')
    .argument('<which>', `${GeneratedKeyName.options.join(' or ')}`)
    .action(async (which: string) => {
      const { keyTitle, keyVariable, webhookSecretHelp } = await import('@strata/server');
      if (which === 'webhook-secret')
        throw new AppError('invalid', `Strata does not make the webhook secret. ${webhookSecretHelp}`);
      const parsed = GeneratedKeyName.safeParse(which);
      if (!parsed.success)
        throw new AppError('invalid', `unknown key "${which}": one of ${GeneratedKeyName.options.join(', ')}`);
      const name = parsed.data;
      const g = globals();
      const { key, through } = await withBackend(io, g, async (b) => ({
        key: await b.rotateKey(name),
        through: b.kind,
      }));
      if (g.json) printJson(io, { name, key });
      else {
        io.out(`new ${keyTitle[name]}: ${key}`);
        io.out(
          `Shown only now: keep it. The old ${keyTitle[name]} no longer works${through === 'server' ? ' (the running server took the new one at once)' : ''}.`,
        );
      }
      if (process.env[keyVariable[name]])
        io.err(`note: ${keyVariable[name]} is set here; a server started with it uses that key, not the stored one`);
    });

  keys
    .command('set')
    .description('keep the signing secret Shopify shows for its webhooks (read from standard input, not echoed)')
    .argument('<which>', 'webhook-secret')
    .action(async (which: string) => {
      const { keyTitle, keyVariable, webhookSecretHelp } = await import('@strata/server');
      if (which !== 'webhook-secret')
        throw new AppError(
          'invalid',
          GeneratedKeyName.safeParse(which).success
            ? `Strata makes the ${keyTitle[which as GeneratedKeyName]} itself: \`strata keys rotate ${which}\` makes a new one`
            : `unknown key "${which}": only webhook-secret is set this way`,
        );
      const line = await io.readSecretLine?.(
        `Paste the signing secret Shopify shows under Settings → Notifications → Webhooks, then Enter: `,
      );
      if (line === undefined) throw new AppError('invalid', `no secret on standard input. ${webhookSecretHelp}`);
      const secret = WebhookSecret.safeParse(line);
      if (!secret.success)
        throw new AppError('invalid', `the webhook secret ${secret.error.issues[0]?.message ?? 'is not valid'}`);
      const g = globals();
      const through = await withBackend(io, g, async (b) => {
        await b.setWebhookSecret(secret.data);
        return b.kind;
      });
      if (g.json) printJson(io, { name: 'webhook-secret', set: true });
      else
        io.out(
          `webhook secret set${through === 'server' ? ': the running server checks Shopify webhooks with it from now on' : ''}`,
        );
      if (process.env[keyVariable['webhook-secret']])
        io.err(
          `note: ${keyVariable['webhook-secret']} is set here; a server started with it uses that secret, not the stored one`,
        );
    });
}
