import type { Command } from 'commander';
import type { AutomationBody, AutomationRunBody, PlaybookInstallBody } from '@strata/api';
import { AppError } from '@strata/core';
import type { AutomationBackend } from '../automation-backend.js';
import { withBackend } from '../backend.js';
import { printJson, type GlobalOptions, type Io } from '../context.js';
import { readJsonObject } from './campaign.js';

/*
 * `strata automation …`: the automation routes of the API on the command line, through the
 * running server when there is one, else on the store file (where runs wait for the server to
 * take their steps). docs/automations.md.
 */

export const onAutomations = <T>(
  io: Io,
  g: GlobalOptions,
  fn: (a: AutomationBackend, kind: 'local' | 'server') => Promise<T>,
) => withBackend(io, g, async (b) => fn(await b.automations(), b.kind));

/** What a trigger is, in words. */
function describeTrigger(t: Record<string, unknown>): string {
  const where = t.where && typeof t.where === 'object' ? Object.entries(t.where as Record<string, unknown>) : [];
  switch (t.kind) {
    case 'segment_entered':
      return `entering segment ${String(t.segment)}`;
    case 'segment_exited':
      return `leaving segment ${String(t.segment)}`;
    case 'event':
      return `event ${String(t.event)}${where.length ? ` with ${where.map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ')}` : ''}`;
    case 'date': {
      const days = Number(t.days ?? 0);
      const when = days === 0 ? 'on' : `${Math.abs(days)} day(s) ${days < 0 ? 'before' : 'after'}`;
      return `${when} ${String(t.trait)}, at ${String(Number(t.hour ?? 9)).padStart(2, '0')}:00 local`;
    }
    default:
      return String(t.kind);
  }
}

function printAutomation(io: Io, a: AutomationBody): void {
  const def = a.definition;
  io.out(`${a.id}: ${a.name}`);
  io.out(`  status:  ${a.status}`);
  io.out(`  trigger: ${describeTrigger((def.trigger ?? {}) as Record<string, unknown>)}`);
  io.out(`  created: ${a.created_at}`);
  io.out(JSON.stringify(def, null, 2).replace(/^/gm, '  '));
}

function printRuns(io: Io, runs: AutomationRunBody[]): void {
  if (!runs.length) return io.out('no runs yet');
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  io.out(
    `${runs.length.toLocaleString('en')} run(s): ${[...counts].map(([s, n]) => `${n.toLocaleString('en')} ${s}`).join(', ')}`,
  );
  const width = Math.max(...runs.map((r) => r.customer_id.length));
  for (const r of runs)
    io.out(
      [
        r.customer_id.padEnd(width),
        `#${r.entry}`,
        r.status.padEnd(9),
        r.status === 'active' ? `next ${r.step ?? '(end)'} at ${r.due_at ?? '?'}` : `since ${r.finished_at ?? '?'}`,
      ].join('  '),
    );
}

const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new AppError('invalid', `${name}: "${v}" is not a number`);
  return n;
};

/** `--param name=value`, gathered into one object. */
function paramOption(text: string, params: Record<string, unknown>): Record<string, unknown> {
  const at = text.indexOf('=');
  if (at <= 0) throw new AppError('invalid', `--param ${text}: write it as name=value`);
  const raw = text.slice(at + 1);
  const value = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw;
  return { ...params, [text.slice(0, at)]: value };
}

export function registerAutomation(program: Command, io: Io, globals: () => GlobalOptions): void {
  const automation = program
    .command('automation')
    .description('install, follow, pause and resume automations and ready playbooks (docs/automations.md)');

  automation
    .command('list')
    .description('every automation, its status and trigger')
    .action(async () => {
      const g = globals();
      const list = await onAutomations(io, g, (b) => b.list());
      if (g.json) return printJson(io, { automations: list });
      if (!list.length) return io.out('no automations yet (strata automation install <playbook>)');
      const width = Math.max(...list.map((a) => a.id.length));
      for (const a of list)
        io.out(
          `${a.id.padEnd(width)}  ${a.status.padEnd(6)}  ${a.name} — ${describeTrigger((a.definition.trigger ?? {}) as Record<string, unknown>)}`,
        );
    });

  automation
    .command('show')
    .description("an automation's status, trigger and definition")
    .argument('<id>')
    .action(async (id: string) => {
      const g = globals();
      const a = await onAutomations(io, g, (b) => b.get(id));
      if (g.json) return printJson(io, a);
      printAutomation(io, a);
    });

  automation
    .command('create')
    .description('save and switch on an automation from a JSON file (its definition; docs/automations.md)')
    .argument('<file.json>')
    .action(async (file: string) => {
      const g = globals();
      const definition = await readJsonObject(file);
      const a = await onAutomations(io, g, (b) => b.create(definition));
      if (g.json) return printJson(io, a);
      io.out(`created automation ${a.id} (active): ${a.name}`);
    });

  automation
    .command('install')
    .description('install a ready playbook and switch it on (e.g. abandoned-cart, win-back)')
    .argument('<playbook>')
    .option('--id <id>', 'the automation id (default: generated)')
    .option('--shop-name <name>', 'the shop name in the messages')
    .option('--channel <channel>', 'email (default) or sms')
    .option('--discount <percent>', 'the coupon discount in percent', num('--discount'))
    .option('--reentry-days <days>', 'days before a customer may run through it again', num('--reentry-days'))
    .option('--holdout <share>', 'the share of customers held out for comparison (0–0.5)', num('--holdout'))
    .option(
      '--param <name=value>',
      "one of the playbook's own parameters (repeatable; a number or true/false is read as such)",
      paramOption,
      {} as Record<string, unknown>,
    )
    .action(
      async (
        playbook: string,
        o: {
          id?: string;
          shopName?: string;
          channel?: string;
          discount?: number;
          reentryDays?: number;
          holdout?: number;
          param: Record<string, unknown>;
        },
      ) => {
        const g = globals();
        const options = {
          ...(o.id !== undefined ? { id: o.id } : {}),
          ...(o.shopName !== undefined ? { shop_name: o.shopName } : {}),
          ...(o.channel !== undefined ? { channel: o.channel } : {}),
          ...(o.discount !== undefined ? { discount_percent: o.discount } : {}),
          ...(o.reentryDays !== undefined ? { reentry_days: o.reentryDays } : {}),
          ...(o.holdout !== undefined ? { holdout_share: o.holdout } : {}),
          ...(Object.keys(o.param).length ? { params: o.param } : {}),
        } as PlaybookInstallBody;
        const { a, kind } = await onAutomations(io, g, async (b, kind) => ({
          a: await b.install(playbook, options),
          kind,
        }));
        if (g.json) return printJson(io, a);
        io.out(`installed ${playbook} as ${a.id} (active): ${a.name}`);
        io.out(
          kind === 'server'
            ? `  the server runs it: strata automation runs ${a.id}`
            : '  the server runs it when it runs on this store: strata serve (or npm start)',
        );
      },
    );

  for (const [action, done] of [
    ['pause', 'paused'],
    ['resume', 'resumed'],
  ] as const)
    automation
      .command(action)
      .description(
        action === 'pause'
          ? 'stop starting runs and taking steps (runs keep their place)'
          : 'go on: runs take their steps again',
      )
      .argument('<id>')
      .action(async (id: string) => {
        const g = globals();
        const a = await onAutomations(io, g, (b) => b[action](id));
        if (g.json) return printJson(io, a);
        io.out(`${done} ${a.id}${action === 'pause' ? ` (strata automation resume ${a.id} goes on)` : ''}`);
      });

  automation
    .command('runs')
    .description("who is where in an automation: each customer's run, its next step and when")
    .argument('<id>')
    .option('--customer <id>', "one customer's runs")
    .action(async (id: string, o: { customer?: string }) => {
      const g = globals();
      const runs = await onAutomations(io, g, (b) => b.runs(id, o.customer));
      if (g.json) return printJson(io, { runs });
      printRuns(io, runs);
    });
}
